/**
 * CRC-16 of EN 13757-4 (wireless M-Bus data-link blocks, ELL payload CRC, compact-frame signatures):
 * polynomial 0x3D65, initial value 0, not reflected, result complemented (xor 0xFFFF).
 */

const POLY = 0x3d65;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ POLY) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC of bytes[start, end). */
export function crc16En13757(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  return crc ^ 0xffff;
}
