import { type KeyObject, createPublicKey } from 'node:crypto';
import { CURVE_FIELD_BYTES, type Curve } from './security-module.js';

// SubjectPublicKeyInfo DER prefixes (id-ecPublicKey + named curve OID + BIT STRING header) per curve.
const SPKI_PREFIX: Readonly<Record<Curve, string>> = {
  brainpoolP256r1: '305a301406072a8648ce3d020106092b2403030208010107034200',
  brainpoolP384r1: '307a301406072a8648ce3d020106092b240303020801010b036200',
  brainpoolP512r1: '30819b301406072a8648ce3d020106092b240303020801010d03818200',
  secp256r1: '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  secp384r1: '3076301006072a8648ce3d020106052b81040022036200',
};

/** A public KeyObject from an uncompressed point (04 || X || Y). Throws when the point is not on the curve. */
export function publicKeyFromPoint(curve: Curve, point: Uint8Array): KeyObject {
  if (point.length !== 1 + 2 * CURVE_FIELD_BYTES[curve] || point[0] !== 0x04) throw new RangeError('not an uncompressed point of that curve');
  return createPublicKey({ key: Buffer.concat([Buffer.from(SPKI_PREFIX[curve], 'hex'), point]), format: 'der', type: 'spki' });
}

/** The uncompressed point of an EC public key (the tail of its SubjectPublicKeyInfo: JWK lacks brainpool). */
export function pointFromPublicKey(key: KeyObject): Uint8Array {
  const curve = curveOfKey(key);
  const spki = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - (1 + 2 * CURVE_FIELD_BYTES[curve])));
}

const BY_OPENSSL_NAME: Readonly<Record<string, Curve>> = {
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
  prime256v1: 'secp256r1',
  secp384r1: 'secp384r1',
};

/** The curve of an EC key, or RangeError for another key type or curve. */
export function curveOfKey(key: KeyObject): Curve {
  const name = key.asymmetricKeyDetails?.namedCurve;
  const curve = name === undefined ? undefined : BY_OPENSSL_NAME[name];
  if (key.asymmetricKeyType !== 'ec' || curve === undefined) throw new RangeError(`not an EC key on a supported curve (${String(name)})`);
  return curve;
}

/**
 * DER of each curve's namedCurve OBJECT IDENTIFIER: the ECParameters choice that PKCS#11 wants in CKA_EC_PARAMS
 * (RFC 5639 clause 4.1 for brainpool 1.3.36.3.3.2.8.1.1.{7,11,13}; SEC 2 for 1.2.840.10045.3.1.7 and 1.3.132.0.34).
 */
export const CURVE_OID_DER: Readonly<Record<Curve, string>> = {
  brainpoolP256r1: '06092b2403030208010107',
  brainpoolP384r1: '06092b240303020801010b',
  brainpoolP512r1: '06092b240303020801010d',
  secp256r1: '06082a8648ce3d030107',
  secp384r1: '06052b81040022',
};

/** The curve named by a DER namedCurve OID, or undefined for any other parameters. */
export function curveFromOidDer(der: Uint8Array): Curve | undefined {
  const hex = Buffer.from(der).toString('hex');
  return (Object.keys(CURVE_OID_DER) as Curve[]).find((c) => CURVE_OID_DER[c] === hex);
}

/** A DER length octet run (X.690 clause 8.1.3): short form below 128, else 0x81/0x82 and the bytes. */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

/** An unsigned big-endian integer as a DER INTEGER (tag 0x02): leading zeros cut, 00 prepended when the top bit is set. */
function derUnsignedInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = [...bytes.subarray(i)];
  if ((body[0] ?? 0) & 0x80) body.unshift(0);
  return [0x02, ...derLength(body.length), ...body];
}

/** ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }, RFC 3279 clause 2.2.3) from the raw r || s that PKCS#11 CKM_ECDSA returns. */
export function ecdsaDerFromRaw(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new RangeError('raw ECDSA signature must be r || s of equal halves');
  const half = raw.length / 2;
  const body = [...derUnsignedInteger(raw.subarray(0, half)), ...derUnsignedInteger(raw.subarray(half))];
  return new Uint8Array([0x30, ...derLength(body.length), ...body]);
}

/** The content bytes of a DER OCTET STRING (tag 0x04), as PKCS#11 wraps CKA_EC_POINT; undefined when it is not one. */
export function unwrapDerOctetString(der: Uint8Array): Uint8Array | undefined {
  if (der[0] !== 0x04 || der.length < 2) return undefined;
  const first = der[1]!;
  let len = first;
  let start = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 2 || der.length < 2 + n) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | der[2 + i]!;
    start = 2 + n;
  }
  return start + len === der.length ? der.subarray(start) : undefined;
}
