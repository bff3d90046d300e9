/**
 * The security module: key pairs that are generated inside it and never leave it.
 * No call returns private key material; callers name keys by label.
 */

export type Curve = 'brainpoolP256r1' | 'brainpoolP384r1' | 'brainpoolP512r1' | 'secp256r1' | 'secp384r1';

export type HashName = 'sha256' | 'sha384' | 'sha512';

export interface KeyInfo {
  readonly label: string;
  readonly curve: Curve;
  /** Uncompressed EC point (04 || X || Y). */
  readonly publicKey: Uint8Array;
}

export type TlsKeyOptions =
  | { readonly kind: 'key-object'; readonly key: import('node:crypto').KeyObject }
  | { readonly kind: 'engine'; readonly privateKeyEngine: string; readonly privateKeyIdentifier: string };

export interface SecurityModule {
  /** Which back end this is ("memory", "software", "pkcs11"). */
  readonly kind: string;
  generateKeyPair(label: string, curve: Curve): Promise<KeyInfo>;
  /** The key's public half; SM_NO_SUCH_KEY when absent. */
  publicKey(label: string): Promise<KeyInfo>;
  /**
   * ECDSA with `hash` over `data`: the hash is computed outside the key store (node:crypto cannot sign a
   * bare digest with EC keys, PKCS#11 CKM_ECDSA signs the digest we hand it). Signature as DER SEQUENCE{r, s}.
   */
  sign(label: string, data: Uint8Array, hash: HashName): Promise<Uint8Array>;
  /** ECDH with the key under `label` and a peer's uncompressed point on the same curve: the shared secret X. */
  deriveSharedSecret(label: string, peerPublicKey: Uint8Array): Promise<Uint8Array>;
  randomBytes(n: number): Promise<Uint8Array>;
  /**
   * How node:tls uses this key without the key leaving the module's control: an in-process key handle for
   * the software back ends, an OpenSSL engine reference (libengine-pkcs11-openssl) for PKCS#11.
   */
  tlsKeyOptions(label: string): Promise<TlsKeyOptions>;
  list(): Promise<readonly KeyInfo[]>;
  delete(label: string): Promise<void>;
  close(): Promise<void>;
}

/** Byte lengths of a field element per curve. */
export const CURVE_FIELD_BYTES: Readonly<Record<Curve, number>> = {
  brainpoolP256r1: 32,
  brainpoolP384r1: 48,
  brainpoolP512r1: 64,
  secp256r1: 32,
  secp384r1: 48,
};

/** The name node:crypto / OpenSSL use for each curve. */
export const CURVE_OPENSSL_NAME: Readonly<Record<Curve, string>> = {
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
  secp256r1: 'prime256v1',
  secp384r1: 'secp384r1',
};

export const DIGEST_BYTES: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };
