import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import {
  bcdDigits,
  decodeTypeF,
  decodeTypeG,
  decodeTypeI,
  decodeTypeJ,
  readBcd,
  readIntLE,
  readReal32LE,
  readReversedLatin1,
  readUintLE,
  scale,
} from './datatypes.js';

const at0 = (hex: string): Uint8Array => hexToBytes(hex);

describe('type B integers (little endian, two’s complement)', () => {
  it.each([
    ['7F', 127],
    ['80', -128],
    ['FF', -1],
    ['3412', 0x1234],
    ['FFFF', -1],
    ['0080', -32768],
    ['563412', 0x123456],
    ['FFFF7F', 0x7fffff],
    ['000080', -0x800000],
    ['78563412', 0x12345678],
    ['FFFFFFFF', -1],
    ['00000080', -0x80000000],
    ['010000000000', 1],
    ['FFFFFFFFFFFF', -1],
    ['000000000080', -(2 ** 47)],
    ['FFFFFFFFFFFFFF7F', 2 ** 63],
    ['0100000000000000', 1],
    ['FFFFFFFFFFFFFFFF', -1],
  ])('%s = %d', (hex, expected) => {
    const b = at0(hex);
    expect(readIntLE(b, 0, b.length)).toBe(expected);
  });

  it('rounds an 8-byte unsigned value above 2^53 once, to the nearest double', () => {
    // Summed byte by byte, this value was rounded twice and came out one step too high.
    const b = Uint8Array.from(Buffer.from('fdfaa68a418ac433', 'hex'));
    expect(readUintLE(b, 0, 8)).toBe(Number(3730258405473319677n));
  });

  it('agrees with BigInt decoding for random 1..8-byte values', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 8 }), (b) => {
        let big = 0n;
        for (let i = b.length - 1; i >= 0; i--) big = (big << 8n) | BigInt(b[i]!);
        const signed = BigInt.asIntN(8 * b.length, big);
        expect(readIntLE(b, 0, b.length)).toBe(Number(signed));
        expect(readUintLE(b, 0, b.length)).toBe(Number(big));
      }),
    );
  });
});

describe('type H real (IEEE 754 single, little endian)', () => {
  it('agrees with DataView for random bit patterns', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => {
        const expected = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
        const got = readReal32LE(b, 0);
        if (Number.isNaN(expected)) expect(Number.isNaN(got)).toBe(true);
        else expect(got).toBe(expected);
      }),
    );
  });

  it('reads 1.5 and -0.15625', () => {
    expect(readReal32LE(at0('0000C03F'), 0)).toBe(1.5);
    expect(readReal32LE(at0('000020BE'), 0)).toBe(-0.15625);
  });
});

describe('type A BCD', () => {
  it.each([
    ['12', 12],
    ['7856', 5678],
    ['563412', 123456],
    ['78563412', 12345678],
    ['785634120000', 12345678],
    ['9999', 9999],
    // negative: a top nibble of F is the minus sign
    ['12F0', -12],
    ['5634F1', -13456],
  ])('%s = %d', (hex, expected) => {
    const b = at0(hex);
    expect(readBcd(b, 0, b.length)).toBe(expected);
  });

  it.each(['1A', 'EEEE', 'FFFF', '00A0', '0FF0'])('%s has hex digits: error (NaN)', (hex) => {
    const b = at0(hex);
    expect(Number.isNaN(readBcd(b, 0, b.length))).toBe(true);
  });

  it('LVAR negative BCD flips the sign', () => {
    expect(readBcd(at0('3412'), 0, 2, true)).toBe(-1234);
  });

  it('shows the digits most significant first', () => {
    expect(bcdDigits(at0('EEFF'), 0, 2)).toBe('FFEE');
  });
});

describe('LVAR text', () => {
  it('is sent last character first', () => {
    // "ABC" transmitted as 43 42 41
    expect(readReversedLatin1(at0('434241'), 0, 3)).toBe('ABC');
  });
});

describe('dates and times', () => {
  // EN 13757-3 Annex A examples as bit patterns: type G 0000 1100 1111 1111 = 31.12.2007,
  // type F 0001 0101 0001 1111 0011 0111 0011 0010 = 31.05.2008 23:50 (hundred-year bits 01),
  // type I 0010 0001 1110 1010 0100 1110 0001 0001 0011 1000 = 10.01.2023 14:17:56.
  it.each([
    ['G', 'FF0C', decodeTypeG, '2007-12-31'],
    ['G', '9E29', decodeTypeG, '2020-09-30'],
    ['F', '32371F15', decodeTypeF, '2008-05-31T23:50'],
    ['F', '1E31B121', decodeTypeF, '2021-01-17T17:30'], // evo868 telegram (conformance row 28)
    ['I', '38114EEA2100', decodeTypeI, '2023-01-10T14:17:56'],
    ['J', '3B1E0D', decodeTypeJ, '13:30:59'],
  ])('type %s %s = %s', (_type, hex, decode, iso) => {
    const t = decode(at0(hex), 0);
    expect(t.iso).toBe(iso);
  });

  it('type F: IV bit makes the value invalid', () => {
    expect(decodeTypeF(at0('B2371F15'), 0)).toMatchObject({ iso: null, notes: ['invalid'] });
  });

  it('type F: SU bit is reported as summer time', () => {
    const t = decodeTypeF(at0('32971F15'), 0);
    expect(t.iso).toBe('2008-05-31T23:50');
    expect(t.notes).toEqual(['summer time']);
  });

  it('type I: IV bit in the minute byte, summer time in the second byte', () => {
    expect(decodeTypeI(at0('38914EEA2100'), 0).iso).toBeNull();
    expect(decodeTypeI(at0('78114EEA2100'), 0).notes).toEqual(['summer time']);
  });

  it.each([
    ['G', 'FFFF', decodeTypeG, 'invalid'],
    ['G', '1F0F', decodeTypeG, 'recurring (every day/month/year)'], // month 15
    ['G', '3F0D', decodeTypeG, 'out of range'], // month 13
    ['G', '3E02', decodeTypeG, 'out of range'], // 30 February
    ['F', '3C171F15', decodeTypeF, 'out of range'], // minute 60
    ['F', '3F171F15', decodeTypeF, 'recurring (every day/month/year)'], // minute 63
    ['J', '3C0000', decodeTypeJ, 'out of range'], // second 60
    ['J', 'FFFFFF', decodeTypeJ, 'invalid'],
  ])('type %s %s: %s', (_type, hex, decode, note) => {
    const t = decode(at0(hex), 0);
    expect(t.iso).toBeNull();
    expect(t.notes).toEqual([note]);
  });

  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        for (const decode of [decodeTypeG, decodeTypeF, decodeTypeI, decodeTypeJ]) {
          const t = decode(b, 0);
          if (t.iso !== null) expect(t.iso).toMatch(/^(\d{4}-\d\d-\d\d)?(T?\d\d:\d\d(:\d\d)?)?$/);
        }
      }),
    );
  });
});

describe('scale', () => {
  it.each([
    [466472, -3, 466.472],
    [5249170, -3, 5249.17],
    [12, 0, 12],
    [12, 3, 12000],
    [-9, -3, -0.009],
    [1, -12, 1e-12],
  ])('%d x 10^%d = %d', (v, e, expected) => {
    expect(scale(v, e)).toBe(expected);
  });
});
