/**
 * CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0x0000, no final xor), the checksum of DSMR P1 telegrams
 * (DSMR 5.0.2 P1 companion standard 6.2: computed over '/' .. '!' inclusive, sent as 4 hex digits).
 */

const POLY_REFLECTED = 0xa001;

/**
 * Slicing-by-4 tables: BY_N[k][n] is the CRC register after byte n followed by k zero bytes. Four bytes then
 * cost four independent look-ups instead of four dependent ones (the loop is bound by that dependency).
 */
const BY_N: readonly [Uint16Array, Uint16Array, Uint16Array, Uint16Array] = (() => {
  const t0 = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t0[n] = c;
  }
  const next = (prev: Uint16Array): Uint16Array => prev.map((c) => (c >>> 8) ^ t0[c & 0xff]!);
  const t1 = next(t0);
  const t2 = next(t1);
  return [t0, t1, t2, next(t2)];
})();
const [T0, T1, T2, T3] = BY_N;

/** CRC over bytes[start, end). */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    const x = crc ^ bytes[i]! ^ (bytes[i + 1]! << 8);
    crc = T3[x & 0xff]! ^ T2[x >>> 8]! ^ T1[bytes[i + 2]!]! ^ T0[bytes[i + 3]!]!;
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ T0[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** Reused for the bytes of text checksummed by crc16ArcLatin1 (never handed out). */
let scratch = Buffer.allocUnsafe(4096);

/**
 * CRC over the characters text[start, end), one byte per character (Latin-1, as the P1 port sends them).
 * Returns -1 when a character is outside Latin-1, which a byte stream cannot contain.
 */
export function crc16ArcLatin1(text: string, start: number, end: number): number {
  const part = text.slice(start, end);
  // All-ASCII text (every real telegram) is copied to bytes natively, far faster than charCodeAt per byte.
  if (Buffer.byteLength(part, 'utf8') === part.length) {
    if (scratch.length < part.length) scratch = Buffer.allocUnsafe(Math.max(part.length, 2 * scratch.length));
    return crc16Arc(scratch, 0, scratch.write(part, 0, 'latin1'));
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return -1;
    crc = (crc >>> 8) ^ T0[(crc ^ c) & 0xff]!;
  }
  return crc;
}
