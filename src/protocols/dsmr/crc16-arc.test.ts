import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dsmrTable } from './_conformance.js';
import { crc16Arc, crc16ArcLatin1, crc16ArcXor, crc16ArcZeros } from './crc16-arc.js';

describe('CRC-16/ARC', () => {
  it('has the catalogue check value 0xBB3D for "123456789"', () => {
    expect(crc16Arc(new TextEncoder().encode('123456789'))).toBe(0xbb3d);
    expect(crc16ArcLatin1('123456789', 0, 9)).toBe(0xbb3d);
  });

  it('is 0 over no bytes (init 0, no final xor)', () => {
    expect(crc16Arc(new Uint8Array(0))).toBe(0);
  });

  it('refuses characters outside Latin-1 instead of guessing bytes', () => {
    expect(crc16ArcLatin1('a\u20acb', 0, 3)).toBe(-1);
  });

  /** Bit-at-a-time reference (no tables), the definition the sliced table version must agree with. */
  const bitwise = (bytes: Uint8Array, start: number, end: number): number => {
    let crc = 0;
    for (let i = start; i < end; i++) {
      crc ^= bytes[i]!;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    }
    return crc;
  };

  it('agrees with the bitwise definition for any bytes, start and end (the sliced loop and its tail)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        expect(crc16Arc(bytes, start, end)).toBe(bitwise(bytes, start, end));
      }),
    );
  });

  it('gives the same CRC for Latin-1 text with and without characters above 0x7F', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const text = `x${String.fromCharCode(...bytes)}y`;
        expect(crc16ArcLatin1(text, 1, text.length - 1)).toBe(bitwise(bytes, 0, bytes.length));
      }),
    );
  });

  const withCrc = dsmrTable.filter(([, , r]) => r.crc_calculated !== null);
  it.each(withCrc)("row %i (%s): matches the peer's CRC over '/'..'!'", (_i, _l, row) => {
    const text = row.telegram_text;
    const from = text.indexOf('/');
    const to = text.indexOf('!') + 1;
    const bytes = Uint8Array.from(text.slice(from, to), (c) => c.charCodeAt(0));
    expect(crc16Arc(bytes)).toBe(Number.parseInt(row.crc_calculated!, 16));
    expect(crc16ArcLatin1(text, from, to)).toBe(Number.parseInt(row.crc_calculated!, 16));
  });
});

describe('CRC-16/ARC from a known CRC (linearity)', () => {
  it('crc16ArcZeros(crc, n) is the CRC run on over n zero bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 5000 }), (bytes, n) => {
        const padded = new Uint8Array(bytes.length + n);
        padded.set(bytes);
        expect(crc16ArcZeros(crc16Arc(bytes), n)).toBe(crc16Arc(padded));
      }),
      { numRuns: 300 },
    );
  });

  it('the CRC of one message from another of its length: crc(a) xor the CRC of a xor b, runs of equal bytes skipped', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), (a, changes) => {
        const b = a.slice();
        for (const [at, x] of changes) b[at % b.length]! ^= x;
        expect(crc16Arc(a) ^ crc16ArcXor(0, a, 0, b, 0, a.length)).toBe(crc16Arc(b));
        // Equal bytes xor to zero, so a run of them between changes is skipped with crc16ArcZeros.
        const changed = new Set(changes.map(([at]) => at % b.length));
        let lo = 0;
        while (lo < b.length && !changed.has(lo)) lo++;
        let hi = lo + 1;
        while (hi < b.length && !changed.has(hi)) hi++;
        const n = a.length;
        const head = crc16ArcXor(0, a, 0, b, 0, Math.min(lo + 1, n));
        const skipped = crc16ArcZeros(head, Math.max(hi - lo - 1, 0));
        expect(crc16Arc(a) ^ crc16ArcXor(skipped, a, Math.min(hi, n), b, Math.min(hi, n), n - Math.min(hi, n))).toBe(crc16Arc(b));
      }),
      { numRuns: 300 },
    );
  });
});
