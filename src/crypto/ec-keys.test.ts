import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURVE_OID_DER, curveFromOidDer, ecdsaDerFromRaw, pointFromPublicKey, publicKeyFromPoint, unwrapDerOctetString } from './ec-keys.js';
import { CURVE_OPENSSL_NAME, type Curve } from './security-module.js';

const CURVES = Object.keys(CURVE_OID_DER) as Curve[];

describe('ec-keys', () => {
  it.each(CURVES)('turns a raw r || s signature on %s into DER that node:crypto verifies', (curve) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: CURVE_OPENSSL_NAME[curve] });
    for (let i = 0; i < 20; i++) {
      const data = Buffer.from(`reading ${i}`);
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, ecdsaDerFromRaw(raw))).toBe(true);
    }
  });

  it('encodes small and high-bit integers as DER wants (RFC 3279 ECDSA-Sig-Value)', () => {
    const raw = new Uint8Array(64);
    raw[31] = 0x01; // r = 1
    raw[32] = 0x80; // s has its top bit set: needs a 00 in front
    expect(Buffer.from(ecdsaDerFromRaw(raw)).toString('hex')).toBe(`3026020101022100${'80'.padEnd(64, '0')}`);
    expect(() => ecdsaDerFromRaw(new Uint8Array(3))).toThrow(RangeError);
  });

  it.each(CURVES)('names %s from its CKA_EC_PARAMS and reads the point PKCS#11 wraps', (curve) => {
    expect(curveFromOidDer(Buffer.from(CURVE_OID_DER[curve], 'hex'))).toBe(curve);
    const point = pointFromPublicKey(generateKeyPairSync('ec', { namedCurve: CURVE_OPENSSL_NAME[curve] }).publicKey);
    const len = point.length;
    const wrapped = Buffer.concat([Buffer.from(len < 128 ? [0x04, len] : [0x04, 0x81, len]), point]);
    expect(Buffer.from(unwrapDerOctetString(wrapped) ?? [])).toEqual(Buffer.from(point));
    expect(publicKeyFromPoint(curve, point).asymmetricKeyType).toBe('ec');
  });

  it('returns undefined for anything but one whole OCTET STRING', () => {
    const sample = Buffer.from('044104'.padEnd(2 * 67, 'ab'), 'hex');
    fc.assert(
      fc.property(fc.nat({ max: sample.length - 1 }), (cut) => {
        expect(unwrapDerOctetString(sample.subarray(0, cut))).toBeUndefined();
      }),
    );
    expect(unwrapDerOctetString(Buffer.from('0302abcd', 'hex'))).toBeUndefined();
    expect(curveFromOidDer(Buffer.from('06032a0304', 'hex'))).toBeUndefined();
  });
});
