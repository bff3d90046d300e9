/**
 * The two 16-bit CRCs the simulated meters compute themselves, written here (not borrowed from the decoders)
 * so a round trip checks one implementation against the other. Both are reflected; bit-wise is fast enough
 * for a meter that sends every few seconds.
 */

function reflected(poly: number, init: number, xorOut: number, bytes: Uint8Array): number {
  let crc = init;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1;
  }
  return (crc ^ xorOut) & 0xffff;
}

/** CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0): DSMR P1 over '/' .. '!' (DSMR 5.0.2 6.12). */
export const crc16Arc = (bytes: Uint8Array): number => reflected(0xa001, 0, 0, bytes);

/** CRC-16/X-25 (poly 0x1021 reflected = 0x8408, init and xor-out 0xFFFF): SML 1.04 clause 7. */
export const crc16X25 = (bytes: Uint8Array): number => reflected(0x8408, 0xffff, 0xffff, bytes);
