/**
 * The CRC-16 of SML (SML 1.04 clause 7 / BSI TR-03109-1 Anlage IIIa): CCITT polynomial 0x1021 processed
 * LSB first (0x8408). X.25 (init 0xFFFF, final xor 0xFFFF) is the standard; some meters (e.g. Holley) send
 * the Kermit variant (init 0, no final xor), which we accept where X.25 fails.
 */

const POLY_REFLECTED = 0x8408;

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function run(crc: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** CRC-16/X-25 over bytes[start, end). */
export const crc16X25 = (bytes: Uint8Array, start = 0, end = bytes.length): number => run(0xffff, bytes, start, end) ^ 0xffff;

/** CRC-16/KERMIT over bytes[start, end). */
export const crc16Kermit = (bytes: Uint8Array, start = 0, end = bytes.length): number => run(0, bytes, start, end);

export type SmlCrcVariant = 'x25' | 'kermit';

/**
 * Which variant a CRC field (read big-endian from the wire) matches: X.25 goes low byte first, Kermit high
 * byte first. A one-byte field (CRC below 0x100 written as unsigned8) compares as a number.
 */
export function matchCrc(field: number, bytes: Uint8Array, start: number, end: number): SmlCrcVariant | undefined {
  const x25 = crc16X25(bytes, start, end);
  if (field === (((x25 & 0xff) << 8) | (x25 >>> 8))) return 'x25';
  if (field === crc16Kermit(bytes, start, end)) return 'kermit';
  return undefined;
}
