import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { SecurityModule } from '../crypto/security-module.js';
import { ecdsaDerToRaw } from './ecdsa-signature.js';
import { TlsProfileError } from './errors.js';
import { WAKEUP_SIGNATURE_BYTES, encodeWakeUp, encodeWakeUpBody } from './wakeup.js';

export interface WakeUpSenderOptions {
  readonly sm: SecurityModule;
  /** Label of the administrator's signature key (brainpoolP256r1) in the security module. */
  readonly keyLabel: string;
  /** Unix milliseconds; injectable for tests. */
  readonly now?: () => number;
}

export interface WakeUpTarget {
  readonly host: string;
  readonly port: number;
}

/** Builds a signed wake-up datagram: the key never leaves the security module, which returns DER. */
export async function signWakeUp(o: WakeUpSenderOptions, gatewayId: string): Promise<Uint8Array> {
  const body = encodeWakeUpBody(gatewayId, BigInt(Math.floor((o.now ?? Date.now)() / 1000)));
  const der = await o.sm.sign(o.keyLabel, body, 'sha256');
  return encodeWakeUp(body, ecdsaDerToRaw(der, WAKEUP_SIGNATURE_BYTES / 2));
}

/** Sends one datagram and closes the socket; UDP gives no answer, and the gateway never sends one. */
export function sendDatagram(datagram: Uint8Array, target: WakeUpTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    socket.once('error', (e) => {
      socket.close();
      reject(new TlsProfileError('WAN_CONNECT', `wake-up could not be sent to ${target.host}:${target.port}`, { cause: e }));
    });
    socket.send(datagram, target.port, target.host, (e) => {
      socket.close();
      if (e) reject(new TlsProfileError('WAN_CONNECT', `wake-up could not be sent to ${target.host}:${target.port}`, { cause: e }));
      else resolve();
    });
  });
}

/** The administrator's side: sign for one gateway and send it to the gateway's wake-up address. */
export async function sendWakeUp(o: WakeUpSenderOptions, gatewayId: string, target: WakeUpTarget): Promise<Uint8Array> {
  const datagram = await signWakeUp(o, gatewayId);
  await sendDatagram(datagram, target);
  return datagram;
}
