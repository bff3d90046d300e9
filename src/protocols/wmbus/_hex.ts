import { hexToBytes } from '../bytes.js';

/**
 * Hex text to bytes on the decode hot path: one native Buffer.from, which stops at the first character that
 * is not hex, so a result of the full length proves the text was clean. Anything unusual (whitespace inside,
 * odd length, other characters) goes to the strict shared parser, which names the fault.
 */
export function parseHex(text: string): Uint8Array {
  const n = text.length;
  if (n > 0 && n % 2 === 0) {
    const b = Buffer.from(text, 'hex');
    // A plain Uint8Array view: Buffer's own slice() shares memory where Uint8Array's copies.
    if (b.length * 2 === n) return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  return hexToBytes(text);
}
