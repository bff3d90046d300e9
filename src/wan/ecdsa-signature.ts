import { TlsProfileError } from './errors.js';

/**
 * ECDSA signatures between the two forms in use: DER SEQUENCE { r INTEGER, s INTEGER } (X9.62, what the
 * security module returns) and fixed-width r || s (what the wake-up datagram carries).
 */

const SEQUENCE = 0x30; // X.690 universal 16, constructed
const INTEGER = 0x02; // X.690 universal 2

/** r || s, each left-padded to `fieldBytes`; WAN_WAKEUP_SIGNER when the DER is not a signature of that size. */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array {
  const bad = (why: string) => new TlsProfileError('WAN_WAKEUP_SIGNER', `not a DER ECDSA signature: ${why}`);
  let at = 0;
  const length = (): number => {
    const first = der[at++];
    if (first === undefined) throw bad('truncated length');
    if (first < 0x80) return first;
    if (first !== 0x81) throw bad('length form');
    const n = der[at++];
    if (n === undefined || n < 0x80) throw bad('length form');
    return n;
  };
  if (der[at++] !== SEQUENCE) throw bad('no SEQUENCE');
  if (length() !== der.length - at) throw bad('SEQUENCE length');
  const out = new Uint8Array(2 * fieldBytes);
  for (let i = 0; i < 2; i++) {
    if (der[at++] !== INTEGER) throw bad('no INTEGER');
    const n = length();
    if (n === 0 || at + n > der.length) throw bad('INTEGER length');
    let v = der.subarray(at, at + n);
    at += n;
    if (v[0]! >= 0x80) throw bad('negative INTEGER');
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if (v.length > fieldBytes) throw bad('INTEGER too large for the curve');
    out.set(v, (i + 1) * fieldBytes - v.length);
  }
  if (at !== der.length) throw bad('trailing bytes');
  return out;
}
