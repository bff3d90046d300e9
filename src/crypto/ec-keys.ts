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
