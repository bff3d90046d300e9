import { ByteReader, ByteWriter } from '../protocols/bytes.js';
import { CodecError } from '../protocols/errors.js';
import { TlsProfileError } from './errors.js';

/**
 * The wake-up datagram (our own documented layout; TR-03109-1's is not public):
 *   version u8 | idLen u8 | gatewayId ASCII | timestamp u64 BE unix seconds | signature 64 B r || s
 * The signature is ECDSA-SHA256 over every byte before it, by the administrator's signature key.
 */

export const WAKEUP_VERSION = 0x01;
export const WAKEUP_SIGNATURE_BYTES = 64; // r || s on a 256-bit curve
export const WAKEUP_MAX_ID_BYTES = 0xff; // idLen is one byte
export const WAKEUP_MAX_BYTES = 1 + 1 + WAKEUP_MAX_ID_BYTES + 8 + WAKEUP_SIGNATURE_BYTES;

/** Printable ASCII without space (0x21..0x7E): gateway ids are plain identifiers. */
const ID_RE = /^[\x21-\x7e]+$/;

export interface WakeUp {
  readonly kind: 'wake-up';
  readonly version: number;
  readonly gatewayId: string;
  /** Unix seconds. */
  readonly timestamp: bigint;
  readonly signature: Uint8Array;
  /** The bytes the signature covers (a view into the datagram). */
  readonly signed: Uint8Array;
}

/** The signed part: version, id and timestamp. */
export function encodeWakeUpBody(gatewayId: string, timestamp: bigint): Uint8Array {
  if (!ID_RE.test(gatewayId) || gatewayId.length > WAKEUP_MAX_ID_BYTES) {
    throw new TlsProfileError('WAN_WAKEUP_MALFORMED', 'gateway id must be 1 to 255 printable ASCII characters');
  }
  if (timestamp < 0n || timestamp > 0xffffffffffffffffn) throw new TlsProfileError('WAN_WAKEUP_MALFORMED', 'timestamp out of u64 range');
  return new ByteWriter(16 + gatewayId.length).u8(WAKEUP_VERSION).lengthU8().bytes(Buffer.from(gatewayId, 'ascii')).closeLength().u64be(timestamp).finish();
}

export function encodeWakeUp(body: Uint8Array, signatureRaw: Uint8Array): Uint8Array {
  if (signatureRaw.length !== WAKEUP_SIGNATURE_BYTES) throw new TlsProfileError('WAN_WAKEUP_SIGNER', `signature must be ${WAKEUP_SIGNATURE_BYTES} bytes r || s`);
  return new ByteWriter(body.length + WAKEUP_SIGNATURE_BYTES).bytes(body).bytes(signatureRaw).finish();
}

/** Decodes one datagram; every fault is a TlsProfileError (WAN_WAKEUP_MALFORMED or WAN_WAKEUP_VERSION). */
export function decodeWakeUp(datagram: Uint8Array): WakeUp {
  if (datagram.length > WAKEUP_MAX_BYTES) throw new TlsProfileError('WAN_WAKEUP_MALFORMED', `datagram of ${datagram.length} bytes exceeds ${WAKEUP_MAX_BYTES}`);
  try {
    const r = new ByteReader(datagram, 'input');
    const version = r.u8('version');
    if (version !== WAKEUP_VERSION) throw new TlsProfileError('WAN_WAKEUP_VERSION', `wake-up layout version ${version} is unknown`);
    const idLen = r.u8('idLen');
    const id = Buffer.from(r.bytesView(idLen, 'gatewayId')).toString('latin1');
    if (!ID_RE.test(id)) throw new TlsProfileError('WAN_WAKEUP_MALFORMED', 'gateway id is empty or not printable ASCII');
    const timestamp = r.u64be('timestamp');
    const signedEnd = r.offset;
    const signature = r.bytesView(WAKEUP_SIGNATURE_BYTES, 'signature');
    if (r.remaining !== 0) throw new TlsProfileError('WAN_WAKEUP_MALFORMED', `${r.remaining} byte(s) after the signature`);
    return { kind: 'wake-up', version, gatewayId: id, timestamp, signature, signed: datagram.subarray(0, signedEnd) };
  } catch (e) {
    if (e instanceof CodecError) throw new TlsProfileError('WAN_WAKEUP_MALFORMED', `datagram truncated (${e.code})`, { cause: e });
    throw e;
  }
}
