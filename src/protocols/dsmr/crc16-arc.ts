/**
 * CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0x0000, no final xor), the checksum of DSMR P1 telegrams
 * (DSMR 5.0.2 P1 companion standard 6.2: computed over '/' .. '!' inclusive, sent as 4 hex digits).
 */

const POLY_REFLECTED = 0xa001;

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC over bytes[start, end). */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/**
 * CRC over the characters text[start, end), one byte per character (Latin-1, as the P1 port sends them).
 * Returns -1 when a character is outside Latin-1, which a byte stream cannot contain.
 */
export function crc16ArcLatin1(text: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return -1;
    crc = (crc >>> 8) ^ TABLE[(crc ^ c) & 0xff]!;
  }
  return crc;
}
