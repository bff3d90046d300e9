import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesCmac } from './cmac.js';
import { omsKdfA, omsKdfAMeterKeys } from './kdf.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

// CEN/TR 17167 annex F.3: MK 00..0F, message counter B30A0000 (LE), meter id 78563412.
const MK = hex('000102030405060708090A0B0C0D0E0F');
const COUNTER = 0x00000ab3;
const ID = hex('78563412');

describe('OMS KDF-A', () => {
  it.each([
    { kind: 'kenc' as const, key: 'ECCF39D475D730B8284FDFDC1995D52F' },
    { kind: 'kmac' as const, key: 'C9CD19FF5A9AAD5A6BBDA13BD2C4C7AD' },
  ])('derives $kind of the CEN/TR 17167 F.3 vector', ({ kind, key }) => {
    expect(toHex(omsKdfA(MK, kind, COUNTER, ID))).toBe(key);
    expect(toHex(omsKdfA(new AesCmac(MK), kind, COUNTER, ID))).toBe(key);
  });

  it('derives Kenc and Kmac of the F.3 vector together in one call', () => {
    const { kenc, kmac } = omsKdfAMeterKeys(new AesCmac(MK), COUNTER, ID);
    expect(toHex(kenc)).toBe('ECCF39D475D730B8284FDFDC1995D52F');
    expect(toHex(kmac)).toBe('C9CD19FF5A9AAD5A6BBDA13BD2C4C7AD');
  });

  it('derives the same pair as two single derivations for any counter and id', () => {
    const master = new AesCmac(MK);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (counter, id) => {
        const pair = omsKdfAMeterKeys(master, counter, id);
        expect(pair.kenc).toEqual(omsKdfA(MK, 'kenc', counter, id));
        expect(pair.kmac).toEqual(omsKdfA(MK, 'kmac', counter, id));
      }),
      { numRuns: 200 },
    );
  });

  it('gives different keys for each derivation constant and counter', () => {
    const keys = new Set(
      (['kenc', 'kmac', 'lenc', 'lmac'] as const).flatMap((k) => [toHex(omsKdfA(MK, k, COUNTER, ID)), toHex(omsKdfA(MK, k, COUNTER + 1, ID))]),
    );
    expect(keys.size).toBe(8);
  });

  it('refuses an id that is not 4 bytes', () => {
    expect(() => omsKdfA(MK, 'kenc', 1, new Uint8Array(3))).toThrow(RangeError);
  });
});
