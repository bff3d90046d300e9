import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import { readReversedLatin1, scale } from './datatypes.js';
import { JsonBytes, jsonPiece } from './json-bytes.js';

/** One text written by `write` into a fresh writer (small, so that growing is exercised too). */
function written(write: (o: JsonBytes) => void): string {
  const o = new JsonBytes(4);
  o.reset();
  write(o);
  return o.text();
}

describe('JsonBytes', () => {
  it.each([
    [466472, 3, '466.472'],
    [466470, 3, '466.47'],
    [5, 3, '0.005'],
    [1, 6, '0.000001'],
    [1, 7, '1e-7'],
    [-2500, 2, '-25'],
    [0, 3, '0'],
    [999999999999999, 22, '9.99999999999999e-8'],
    [123456789012345, 5, '1234567890.12345'],
  ])('writes %d x 10^-%d as %s, what String(scale(...)) gives', (u, places, text) => {
    expect(String(scale(u, -places))).toBe(text);
    expect(written((o) => o.decimal(u, places, scale(u, -places)))).toBe(text);
  });

  it('writes every scaled integer exactly as String() does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1e15, max: 1e15 })), fc.integer({ min: 0, max: 25 }), (u, places) => {
        const value = scale(u, -places);
        expect(written((o) => o.decimal(u, places, value))).toBe(JSON.stringify(value));
      }),
      { numRuns: 20000 },
    );
  });

  it('writes numbers, strings and pieces as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.integer(), fc.string({ unit: 'binary' }), fc.boolean()), { maxLength: 8 }), (items) => {
        const o = new JsonBytes(4);
        o.reset();
        o.piece(jsonPiece('['));
        items.forEach((v, i) => {
          if (i > 0) o.byte(0x2c);
          if (typeof v === 'number') o.number(v);
          else if (typeof v === 'string') o.string(v);
          else o.boolean(v);
        });
        o.byte(0x5d);
        const want = JSON.stringify(items);
        // Beyond latin1 the writer says so instead of writing.
        if (o.wide()) expect([...want].some((c) => c.charCodeAt(0) > 0xff)).toBe(true);
        else expect(o.text()).toBe(want);
      }),
      { numRuns: 3000 },
    );
  });

  it('writes latin1 text with every escape as JSON.stringify does, also from reversed bytes (LVAR text)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(3), (b, cut) => {
        const at = Math.min(cut, b.length);
        const text = readReversedLatin1(b, at, b.length - at);
        expect(written((o) => o.string(text))).toBe(JSON.stringify(text));
        expect(written((o) => o.reversedLatin1(b, at, b.length - at))).toBe(JSON.stringify(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes bytes as upper-case hex as bytesToHex does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(4), (b, cut) => {
        const from = Math.min(cut, b.length);
        expect(written((o) => o.hex(b, from, b.length))).toBe(bytesToHex(b.subarray(from)));
      }),
      { numRuns: 1000 },
    );
  });
});
