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

/**
 * The CRC register after running over zero bytes is linear in the register. ZERO_RUNS[2j] and [2j + 1] give,
 * for 2^j zero bytes, the part of the result due to the low and to the high byte of the register.
 */
const ZERO_RUNS: readonly Uint16Array[] = (() => {
  const runs: Uint16Array[] = [];
  const overOne = (r: number): number => (r >>> 8) ^ T0[r & 0xff]!;
  let lo = Uint16Array.from({ length: 256 }, (_, v) => overOne(v));
  let hi = Uint16Array.from({ length: 256 }, (_, v) => overOne(v << 8));
  for (let j = 0; j < 16; j++) {
    runs.push(lo, hi);
    const l = lo;
    const h = hi;
    const twice = (r: number): number => {
      const once = l[r & 0xff]! ^ h[r >>> 8]!;
      return l[once & 0xff]! ^ h[once >>> 8]!;
    };
    lo = Uint16Array.from({ length: 256 }, (_, v) => twice(v));
    hi = Uint16Array.from({ length: 256 }, (_, v) => twice(v << 8));
  }
  return runs;
})();

/** The register crc after n more zero bytes (n < 65536), in as many steps as n has bits set. */
export function crc16ArcZeros(crc: number, n: number): number {
  for (let j = 0; n !== 0 && crc !== 0; j += 2, n >>>= 1) {
    if ((n & 1) !== 0) crc = ZERO_RUNS[j]![crc & 0xff]! ^ ZERO_RUNS[j + 1]![crc >>> 8]!;
  }
  return crc;
}

/**
 * The register crc after n more bytes a[ai + k] ^ b[bi + k]. CRC-16/ARC (init 0, no final xor) is linear, so
 * for two messages of one length crc16Arc(a) ^ crc16Arc(b) is the CRC of their xor: a telegram that differs
 * from the last one in a few bytes gets its CRC from the last one's and those bytes (crc16ArcZeros skips the rest).
 */
export function crc16ArcXor(crc: number, a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): number {
  for (let k = 0; k < n; k++) crc = (crc >>> 8) ^ T0[(crc ^ a[ai + k]! ^ b[bi + k]!) & 0xff]!;
  return crc;
}

/**
 * CRC over the characters text[start, end), one byte per character (Latin-1, as the P1 port sends them).
 * Returns -1 when a character is outside Latin-1, which a byte stream cannot contain.
 */
export function crc16ArcLatin1(text: string, start: number, end: number): number {
  const part = text.slice(start, end);
  // All-ASCII text (every real telegram) is copied to bytes natively (from Node's buffer pool), far faster
  // than charCodeAt per byte.
  if (Buffer.byteLength(part, 'utf8') === part.length) {
    const bytes = Buffer.from(part, 'latin1');
    return crc16Arc(bytes, 0, bytes.length);
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return -1;
    crc = (crc >>> 8) ^ T0[(crc ^ c) & 0xff]!;
  }
  return crc;
}
