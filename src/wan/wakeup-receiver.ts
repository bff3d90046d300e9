import { type KeyObject, X509Certificate, verify } from 'node:crypto';
import { type RemoteInfo, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { TlsProfileError, type TlsProfileErrorCode } from './errors.js';
import { decodeWakeUp } from './wakeup.js';

/** Each reason a wake-up is refused has its own code. */
export type WakeUpRefusal = Extract<
  TlsProfileErrorCode,
  | 'WAN_WAKEUP_MALFORMED'
  | 'WAN_WAKEUP_VERSION'
  | 'WAN_WAKEUP_OTHER_GATEWAY'
  | 'WAN_WAKEUP_STALE'
  | 'WAN_WAKEUP_FUTURE'
  | 'WAN_WAKEUP_REPLAY'
  | 'WAN_WAKEUP_BAD_SIGNATURE'
  | 'WAN_WAKEUP_RATE_LIMITED'
>;

/** System-log entries of the wake-up path; never the datagram's bytes beyond its id and timestamp. */
export type WakeUpLogEvent =
  | { readonly kind: 'wakeup-accepted'; readonly at: number; readonly from: string; readonly timestamp: string }
  | { readonly kind: 'wakeup-refused'; readonly at: number; readonly from: string; readonly code: WakeUpRefusal }
  | { readonly kind: 'wakeup-connect-failed'; readonly at: number; readonly code: string };

export type WakeUpVerdict = { readonly accepted: true; readonly timestamp: bigint } | { readonly accepted: false; readonly code: WakeUpRefusal };

export interface WakeUpPolicy {
  /** This gateway's own id; a datagram naming another is refused. */
  readonly gatewayId: string;
  /** The administrator's signature certificate, pinned in the gateway's configuration (PEM). */
  readonly adminCertificatePem: string;
  /** Largest |now - timestamp| accepted, seconds (default 300). */
  readonly maxSkewS?: number;
  /** Least time between two connections a wake-up triggers, milliseconds (default 60 s). */
  readonly minIntervalMs?: number;
  /** The last accepted timestamp from before a restart, so replays stay refused across restarts. */
  readonly lastAccepted?: bigint;
  /** Unix milliseconds; injectable for tests. */
  readonly now?: () => number;
}

/**
 * The decision for one datagram, without sockets: cheap checks first (layout, id, time, replay), the
 * signature before any state changes, then the rate limit. State: the newest accepted timestamp and the time
 * of the last triggered connection.
 */
export function createWakeUpJudge(p: WakeUpPolicy): { judge(datagram: Uint8Array): WakeUpVerdict; readonly lastAccepted: bigint | undefined } {
  const adminKey = pinnedKey(p.adminCertificatePem);
  const maxSkew = BigInt(p.maxSkewS ?? 300);
  const minInterval = p.minIntervalMs ?? 60_000;
  const now = p.now ?? Date.now;
  let lastAccepted = p.lastAccepted;
  let lastTriggered = Number.NEGATIVE_INFINITY;
  const refuse = (code: WakeUpRefusal): WakeUpVerdict => ({ accepted: false, code });

  const judge = (datagram: Uint8Array): WakeUpVerdict => {
    let w: ReturnType<typeof decodeWakeUp>;
    try {
      w = decodeWakeUp(datagram);
    } catch (e) {
      return refuse(e instanceof TlsProfileError && e.code === 'WAN_WAKEUP_VERSION' ? 'WAN_WAKEUP_VERSION' : 'WAN_WAKEUP_MALFORMED');
    }
    if (w.gatewayId !== p.gatewayId) return refuse('WAN_WAKEUP_OTHER_GATEWAY');
    const t = now();
    const nowS = BigInt(Math.floor(t / 1000));
    if (w.timestamp < nowS - maxSkew) return refuse('WAN_WAKEUP_STALE');
    if (w.timestamp > nowS + maxSkew) return refuse('WAN_WAKEUP_FUTURE');
    if (lastAccepted !== undefined && w.timestamp <= lastAccepted) return refuse('WAN_WAKEUP_REPLAY');
    if (!signatureVerifies(adminKey, w.signed, w.signature)) return refuse('WAN_WAKEUP_BAD_SIGNATURE');
    // Genuine from here on: remember it so the same datagram cannot be replayed, even when rate-limited.
    lastAccepted = w.timestamp;
    if (t - lastTriggered < minInterval) return refuse('WAN_WAKEUP_RATE_LIMITED');
    lastTriggered = t;
    return { accepted: true, timestamp: w.timestamp };
  };
  return {
    judge,
    get lastAccepted() {
      return lastAccepted;
    },
  };
}

function signatureVerifies(key: KeyObject, signed: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** The layout's 64-byte r || s fits 256-bit curves only. */
const WAKEUP_CURVES: readonly string[] = ['brainpoolP256r1', 'prime256v1'];

function pinnedKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = new X509Certificate(pem).publicKey;
  } catch (e) {
    throw new TlsProfileError('WAN_BAD_OPTIONS', 'the pinned administrator certificate cannot be read', { cause: e });
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve === undefined || !WAKEUP_CURVES.includes(curve)) {
    throw new TlsProfileError('WAN_BAD_OPTIONS', 'the pinned administrator certificate needs a 256-bit EC key (brainpoolP256r1)');
  }
  return key;
}

export interface WakeUpReceiverOptions extends WakeUpPolicy {
  readonly host: string;
  readonly port: number;
  /**
   * Connect to the administrator: the caller's closure uses the address from the gateway's own configuration,
   * never one from the datagram (this function gets none).
   */
  readonly onWakeUp: () => void | Promise<void>;
  readonly log: (event: WakeUpLogEvent) => void;
}

export interface WakeUpReceiver {
  readonly port: number;
  readonly lastAccepted: bigint | undefined;
  close(): Promise<void>;
}

/**
 * The gateway's wake-up listener, its only listening socket on WAN. It never answers a datagram; every
 * datagram yields exactly one log entry; nothing in a datagram can make it throw.
 */
export function startWakeUpReceiver(o: WakeUpReceiverOptions): Promise<WakeUpReceiver> {
  const judge = createWakeUpJudge(o);
  const now = o.now ?? Date.now;
  const socket = createSocket({ type: isIPv6(o.host) ? 'udp6' : 'udp4', recvBufferSize: 1 << 16 });
  const safeLog = (e: WakeUpLogEvent) => {
    try {
      o.log(e);
    } catch {
      // A failing log sink must not stop the listener.
    }
  };

  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const at = now();
    const source = `${from.address}:${from.port}`;
    let verdict: WakeUpVerdict;
    try {
      verdict = judge.judge(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch {
      verdict = { accepted: false, code: 'WAN_WAKEUP_MALFORMED' };
    }
    if (!verdict.accepted) {
      safeLog({ kind: 'wakeup-refused', at, from: source, code: verdict.code });
      return;
    }
    safeLog({ kind: 'wakeup-accepted', at, from: source, timestamp: verdict.timestamp.toString() });
    Promise.resolve()
      .then(o.onWakeUp)
      .catch((e: unknown) => {
        const code = (e as { code?: unknown }).code;
        safeLog({ kind: 'wakeup-connect-failed', at: now(), code: typeof code === 'string' ? code : 'WAN_CONNECT' });
      });
  });

  let closed = false;
  return new Promise((resolve, reject) => {
    socket.once('error', (e) => reject(new TlsProfileError('WAN_BAD_OPTIONS', `cannot listen for wake-ups on ${o.host}:${o.port}`, { cause: e })));
    socket.bind(o.port, o.host, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        port: socket.address().port,
        get lastAccepted() {
          return judge.lastAccepted;
        },
        close: () =>
          new Promise<void>((r) => {
            if (closed) return r();
            closed = true;
            socket.close(() => r());
          }),
      });
    });
  });
}
