import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesCmac, aesCmac } from './cmac.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 4493 section 4, AES-128 examples 1 to 4.
const KEY = hex('2b7e1516 28aed2a6 abf71588 09cf4f3c');
const MSG64 = hex(
  '6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51 30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710',
);

describe('AES-CMAC (RFC 4493)', () => {
  it.each([
    { len: 0, tag: 'bb1d6929e95937287fa37d129b756746' },
    { len: 16, tag: '070a16b46b4d4144f79bdd9dd04a287c' },
    { len: 40, tag: 'dfa66747de9ae63030ca32611497c827' },
    { len: 64, tag: '51f0bebf7e3b9d92fc49741779363cfe' },
  ])('example with a $len-byte message', ({ len, tag }) => {
    expect(toHex(aesCmac(KEY, MSG64.subarray(0, len)))).toBe(tag);
  });

  it('accepts a KeyObject and gives the same tag', () => {
    expect(toHex(aesCmac(createSecretKey(KEY), MSG64.subarray(0, 40)))).toBe('dfa66747de9ae63030ca32611497c827');
  });

  it('tags the concatenation of the parts, wherever they are split', () => {
    const cmac = new AesCmac(KEY);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const whole = cmac.mac(MSG64.subarray(0, hi));
        expect(cmac.mac(MSG64.subarray(0, lo), MSG64.subarray(lo, hi))).toEqual(whole);
      }),
    );
  });

  it('refuses a key that is not 16 bytes', () => {
    expect(() => new AesCmac(new Uint8Array(15))).toThrow(RangeError);
  });

  it('eachBlock: the tag of every 16-byte block as a message of its own, RFC 4493 example 2 among them', () => {
    const tags = new AesCmac(KEY).eachBlock(MSG64);
    expect(toHex(tags.subarray(0, 16))).toBe('070a16b46b4d4144f79bdd9dd04a287c');
    for (let i = 0; i < 4; i++) expect(tags.subarray(16 * i, 16 * i + 16)).toEqual(aesCmac(KEY, MSG64.subarray(16 * i, 16 * i + 16)));
  });

  it.each([0, 15, 33])('eachBlock refuses %d bytes (not whole blocks)', (n) => {
    expect(() => new AesCmac(KEY).eachBlock(new Uint8Array(n))).toThrow(RangeError);
  });
});
