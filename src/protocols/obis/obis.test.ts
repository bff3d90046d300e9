import { describe, expect, it } from 'vitest';
import { formatObis, obisFromBytes, parseObis } from './obis.js';

describe('OBIS', () => {
  it.each([
    ['1-0:1.8.0', [1, 0, 1, 8, 0, 255], '1-0:1.8.0'],
    ['1-0:1.8.0*255', [1, 0, 1, 8, 0, 255], '1-0:1.8.0'],
    ['0-1:24.2.1', [0, 1, 24, 2, 1, 255], '0-1:24.2.1'],
    ['1.8.1', [0, 0, 1, 8, 1, 255], '0-0:1.8.1'],
    ['1-0:1.8.0*101', [1, 0, 1, 8, 0, 101], '1-0:1.8.0*101'],
  ])('parses %s', (text, groups, formatted) => {
    const o = parseObis(text);
    expect([...o]).toEqual(groups);
    expect(formatObis(o)).toBe(formatted);
  });

  it('reads the six-byte form of DLMS and SML', () => {
    expect(formatObis(obisFromBytes(Uint8Array.from([1, 0, 1, 8, 0, 255])))).toBe('1-0:1.8.0');
  });

  it.each(['1-0:1.8', '1-0:256.8.0', 'x'])('rejects %s', (text) => {
    expect(() => parseObis(text)).toThrowError(expect.objectContaining({ code: 'CODEC_MALFORMED' }));
  });

  it('rejects a byte form of the wrong length', () => {
    expect(() => obisFromBytes(new Uint8Array(5))).toThrowError(expect.objectContaining({ code: 'CODEC_LENGTH_MISMATCH' }));
  });
});
