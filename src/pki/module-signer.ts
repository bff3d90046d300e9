import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import { AsnEcSignatureFormatter, type X509CertificateCreateWithKeyParams, type X509CertificateGenerator } from '@peculiar/x509';
import { publicKeyFromPoint } from '../crypto/ec-keys.js';
import { SecurityModuleError } from '../crypto/errors.js';
import { CURVE_FIELD_BYTES, type Curve, type HashName, type SecurityModule } from '../crypto/security-module.js';
import { ecdsaDerToRaw } from './_der.js';
import { PkiError } from './errors.js';
import { HASH_OF_CURVE } from './profile.js';

/** The WebCrypto provider type @peculiar/x509 takes as its last argument. */
export type X509Crypto = NonNullable<Parameters<typeof X509CertificateGenerator.create>[1]>;
type X509CryptoKey = X509CertificateCreateWithKeyParams['signingKey'];

// x509's ECDSA formatter splits r || s by the curve's size; it knows only the NIST names.
for (const [curve, bytes] of Object.entries(CURVE_FIELD_BYTES)) {
  if (!AsnEcSignatureFormatter.namedCurveSize.has(curve)) AsnEcSignatureFormatter.namedCurveSize.set(curve, bytes);
}

type SignParams = Parameters<PeculiarCrypto['subtle']['sign']>;

const WEBCRYPTO_HASH: Readonly<Record<string, HashName>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** A private key that stays in a security module, shaped as the CryptoKey WebCrypto callers pass around. */
export class SecurityModuleKey {
  readonly type = 'private';
  readonly extractable = false;
  readonly usages: string[] = ['sign'];
  readonly algorithm: { readonly name: 'ECDSA'; readonly namedCurve: Curve };

  constructor(
    readonly label: string,
    readonly curve: Curve,
  ) {
    this.algorithm = { name: 'ECDSA', namedCurve: curve };
  }
}

/** A signing key of the module: the CryptoKey handle, its curve, the hash that goes with it and its SPKI DER. */
export interface ModuleSigningKey {
  readonly key: X509CryptoKey;
  readonly label: string;
  readonly curve: Curve;
  readonly hash: HashName;
  /** WebCrypto signing algorithm for @peculiar/x509 (`ecdsa-with-SHA256` / `-SHA384` / `-SHA512`). */
  readonly algorithm: { readonly name: 'ECDSA'; readonly hash: string };
  readonly spki: Uint8Array;
}

/** Looks a key up in the module; PKI_NO_KEY when the module has none under that label. */
export async function moduleSigningKey(sm: SecurityModule, label: string): Promise<ModuleSigningKey> {
  let info: Awaited<ReturnType<SecurityModule['publicKey']>>;
  try {
    info = await sm.publicKey(label);
  } catch (e) {
    if (e instanceof SecurityModuleError && e.code === 'SM_NO_SUCH_KEY') throw new PkiError('PKI_NO_KEY', `the security module has no key labelled ${JSON.stringify(label)}`);
    throw e;
  }
  const hash = HASH_OF_CURVE[info.curve];
  const spki = new Uint8Array(publicKeyFromPoint(info.curve, info.publicKey).export({ format: 'der', type: 'spki' }));
  return {
    key: new SecurityModuleKey(label, info.curve) as unknown as X509CryptoKey,
    label,
    curve: info.curve,
    hash,
    algorithm: { name: 'ECDSA', hash: `SHA-${hash.slice(3)}` },
    spki,
  };
}

/**
 * A WebCrypto provider for @peculiar/x509 (and @peculiar/asn1-cms users) whose `sign` hands keys of the
 * security module to `SecurityModule.sign` and turns its DER signature into the raw r || s WebCrypto returns.
 * Every other call, and `sign` with ordinary CryptoKeys, goes to @peculiar/webcrypto (which has brainpool).
 */
export function securityModuleCrypto(sm: SecurityModule): X509Crypto {
  const base = new PeculiarCrypto();
  const sign = async (algorithm: unknown, key: unknown, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer> => {
    if (!(key instanceof SecurityModuleKey)) return base.subtle.sign(algorithm as SignParams[0], key as SignParams[1], data as SignParams[2]);
    const hashName = hashOf(algorithm);
    const hash = WEBCRYPTO_HASH[hashName.toUpperCase()];
    if (hash === undefined) throw new PkiError('PKI_UNSUPPORTED_ALGORITHM', `hash ${hashName} is not offered for ECDSA`);
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    const der = await sm.sign(key.label, bytes, hash);
    const raw = ecdsaDerToRaw(der, CURVE_FIELD_BYTES[key.curve]);
    return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  };
  const subtle = new Proxy(base.subtle, {
    get(target, prop) {
      if (prop === 'sign') return sign;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    subtle,
    getRandomValues: base.getRandomValues.bind(base),
    randomUUID: () => base.randomUUID(),
  } as unknown as X509Crypto;
}

function hashOf(algorithm: unknown): string {
  const h = (algorithm as { hash?: unknown }).hash;
  if (typeof h === 'string') return h;
  if (typeof h === 'object' && h !== null && typeof (h as { name?: unknown }).name === 'string') return (h as { name: string }).name;
  return 'SHA-256';
}
