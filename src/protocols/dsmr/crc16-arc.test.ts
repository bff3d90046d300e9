import { describe, expect, it } from 'vitest';
import { dsmrTable } from './_conformance.js';
import { crc16Arc, crc16ArcLatin1 } from './crc16-arc.js';

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
