import { type KeyObject, X509Certificate, createPublicKey, verify } from 'node:crypto';
import { curveOfKey, pointFromPublicKey, publicKeyFromPoint } from '../../crypto/ec-keys.js';
import type { Curve, HashName } from '../../crypto/security-module.js';
import { GatewayError } from '../errors.js';

/** A checkpoint verification key: the node key and the curve and point it was made from (for comparing). */
export interface LogVerifyKey {
  readonly curve: Curve;
  /** Uncompressed point 04 || X || Y. */
  readonly point: Uint8Array;
  readonly key: KeyObject;
}

const CURVE_HASH: Readonly<Record<Curve, HashName>> = {
  brainpoolP256r1: 'sha256',
  secp256r1: 'sha256',
  brainpoolP384r1: 'sha384',
  secp384r1: 'sha384',
  brainpoolP512r1: 'sha512',
};

/** The hash a checkpoint signature uses on a curve: the SM-PKI pairing of key size and SHA-2 (TR-03116-3). */
export const checkpointHash = (curve: Curve): HashName => CURVE_HASH[curve];

const isCurve = (c: string): c is Curve => Object.hasOwn(CURVE_HASH, c);

/** From a node public key (a certificate's, a PEM's); GW_LOG_BAD_KEY when it is not EC on a supported curve. */
export function verifyKeyFromKeyObject(key: KeyObject): LogVerifyKey {
  try {
    if (key.type !== 'public') throw new TypeError('not a public key');
    return { curve: curveOfKey(key), point: pointFromPublicKey(key), key };
  } catch (e) {
    throw new GatewayError('GW_LOG_BAD_KEY', `the verification key is not an EC public key on a supported curve`, { cause: e });
  }
}

/** From a curve name and uncompressed point (as pinned in the database); GW_LOG_BAD_KEY when unusable. */
export function verifyKeyFromPoint(curve: string, point: Uint8Array): LogVerifyKey {
  if (!isCurve(curve)) throw new GatewayError('GW_LOG_BAD_KEY', `the key's curve ${JSON.stringify(curve.slice(0, 40))} is not supported`);
  try {
    return { curve, point, key: publicKeyFromPoint(curve, point) };
  } catch (e) {
    throw new GatewayError('GW_LOG_BAD_KEY', `the key is not a point on ${curve}`, { cause: e });
  }
}

/** From PEM text holding an X.509 certificate (the gateway's SIG certificate) or a SubjectPublicKeyInfo. */
export function verifyKeyFromPem(pem: string): LogVerifyKey {
  let key: KeyObject;
  try {
    key = pem.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new GatewayError('GW_LOG_BAD_KEY', 'the PEM holds neither a certificate nor a public key that can be read', { cause: e });
  }
  return verifyKeyFromKeyObject(key);
}

/** Does `signature` (DER ECDSA) verify over `payload`? Never throws: a malformed signature is just false. */
export function signatureVerifies(k: LogVerifyKey, payload: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(checkpointHash(k.curve), payload, { key: k.key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

export const sameKey = (a: LogVerifyKey, b: LogVerifyKey): boolean => a.curve === b.curve && Buffer.compare(a.point, b.point) === 0;
