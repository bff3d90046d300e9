import { hexToBytes } from '../bytes.js';

/** Value of each ASCII code as a hex digit, -1 when it is not one. */
const DIGIT = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/**
 * Hex text to bytes without a regex or a Buffer round trip (the decode hot path). Anything unusual
 * (whitespace inside, odd length, other characters) goes to the strict shared parser, which names the fault.
 */
export function parseHex(text: string): Uint8Array {
  const n = text.length;
  if (n > 0 && n % 2 === 0) {
    const out = new Uint8Array(n >>> 1);
    let ok = true;
    for (let i = 0, j = 0; i < n; i += 2, j++) {
      const hi = DIGIT[text.charCodeAt(i)] ?? -1;
      const lo = DIGIT[text.charCodeAt(i + 1)] ?? -1;
      if ((hi | lo) < 0) {
        ok = false;
        break;
      }
      out[j] = (hi << 4) | lo;
    }
    if (ok) return out;
  }
  return hexToBytes(text);
}
