/**
 * Object identifiers used by the CMS layer, each with its DER content bytes (hex) and its source.
 * Named here once so no other module spells an OID.
 */

/** Content types (RFC 5652 §4-§6, RFC 5083 §1). */
export const CONTENT_TYPE = {
  /** 1.2.840.113549.1.7.1 (2a864886f70d010701), RFC 5652 §4 */
  data: '1.2.840.113549.1.7.1',
  /** 1.2.840.113549.1.7.2 (2a864886f70d010702), RFC 5652 §5.1 */
  signedData: '1.2.840.113549.1.7.2',
  /** 1.2.840.113549.1.7.3 (2a864886f70d010703), RFC 5652 §6.1 */
  envelopedData: '1.2.840.113549.1.7.3',
  /** 1.2.840.113549.1.9.16.1.23 (2a864886f70d0109100117), RFC 5083 §1 id-ct-authEnvelopedData */
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
} as const;

/** Signed attributes (RFC 5652 §11). */
export const ATTRIBUTE = {
  /** 1.2.840.113549.1.9.3 (2a864886f70d010903), RFC 5652 §11.1 */
  contentType: '1.2.840.113549.1.9.3',
  /** 1.2.840.113549.1.9.4 (2a864886f70d010904), RFC 5652 §11.2 */
  messageDigest: '1.2.840.113549.1.9.4',
  /** 1.2.840.113549.1.9.5 (2a864886f70d010905), RFC 5652 §11.3 */
  signingTime: '1.2.840.113549.1.9.5',
  /**
   * gridwarden pseudonym, a UTF8String naming the party an intermediary re-signed for. Our own arc under
   * 2.25 (ITU-T X.667 / RFC 4122 §6: an OID from a UUID, which anyone may allocate): UUID
   * 0183fbd1-307e-42b6-93a1-a5fdf4f504d8 as one decimal arc. Documented in docs/errors.md's CmsError section.
   */
  pseudonym: '2.25.2014526342757380511593533581672383704',
} as const;

/** Digest algorithms (RFC 5754 §2, NIST CSOR). */
export const DIGEST = {
  /** 2.16.840.1.101.3.4.2.1 (608648016503040201) */
  sha256: '2.16.840.1.101.3.4.2.1',
  /** 2.16.840.1.101.3.4.2.2 (608648016503040202) */
  sha384: '2.16.840.1.101.3.4.2.2',
  /** 2.16.840.1.101.3.4.2.3 (608648016503040203) */
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** ECDSA signature algorithms (RFC 5758 §3.2; parameters absent). */
export const ECDSA_WITH = {
  /** 1.2.840.10045.4.3.2 (2a8648ce3d040302) ecdsa-with-SHA256 */
  sha256: '1.2.840.10045.4.3.2',
  /** 1.2.840.10045.4.3.3 (2a8648ce3d040303) ecdsa-with-SHA384 */
  sha384: '1.2.840.10045.4.3.3',
  /** 1.2.840.10045.4.3.4 (2a8648ce3d040304) ecdsa-with-SHA512 */
  sha512: '1.2.840.10045.4.3.4',
} as const;

/** 1.2.840.10045.2.1 (2a8648ce3d0201) id-ecPublicKey, RFC 5480 §2.1.1 */
export const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** Key-agreement schemes, ephemeral-static ECDH with the X9.63 KDF (RFC 5753 §7.1.4, SEC 1 / SECG). */
export const KEY_AGREEMENT = {
  /** 1.3.133.16.840.63.0.2 (2b81051086483f0002) dhSinglePass-stdDH-sha1kdf-scheme, RFC 5753 §7.1.4 */
  sha1: '1.3.133.16.840.63.0.2',
  /** 1.3.132.1.11.0 (2b8104010b00) dhSinglePass-stdDH-sha224kdf-scheme */
  sha224: '1.3.132.1.11.0',
  /** 1.3.132.1.11.1 (2b8104010b01) dhSinglePass-stdDH-sha256kdf-scheme */
  sha256: '1.3.132.1.11.1',
  /** 1.3.132.1.11.2 (2b8104010b02) dhSinglePass-stdDH-sha384kdf-scheme */
  sha384: '1.3.132.1.11.2',
  /** 1.3.132.1.11.3 (2b8104010b03) dhSinglePass-stdDH-sha512kdf-scheme */
  sha512: '1.3.132.1.11.3',
} as const;

/** AES key wrap, RFC 3394 (OIDs from RFC 3565 §2.3.2; parameters absent). */
export const KEY_WRAP = {
  /** 2.16.840.1.101.3.4.1.5 (608648016503040105) id-aes128-wrap */
  aes128: '2.16.840.1.101.3.4.1.5',
  /** 2.16.840.1.101.3.4.1.25 (608648016503040119) id-aes192-wrap */
  aes192: '2.16.840.1.101.3.4.1.25',
  /** 2.16.840.1.101.3.4.1.45 (60864801650304012d) id-aes256-wrap */
  aes256: '2.16.840.1.101.3.4.1.45',
} as const;

/** Content encryption (RFC 3565 §4.1 CBC with the IV as parameter; RFC 5084 §3.2 GCM with GCMParameters). */
export const CONTENT_ENCRYPTION = {
  /** 2.16.840.1.101.3.4.1.2 (608648016503040102) id-aes128-CBC */
  aes128Cbc: '2.16.840.1.101.3.4.1.2',
  /** 2.16.840.1.101.3.4.1.22 (608648016503040116) id-aes192-CBC */
  aes192Cbc: '2.16.840.1.101.3.4.1.22',
  /** 2.16.840.1.101.3.4.1.42 (60864801650304012a) id-aes256-CBC */
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  /** 2.16.840.1.101.3.4.1.6 (608648016503040106) id-aes128-GCM */
  aes128Gcm: '2.16.840.1.101.3.4.1.6',
  /** 2.16.840.1.101.3.4.1.26 (60864801650304011a) id-aes192-GCM */
  aes192Gcm: '2.16.840.1.101.3.4.1.26',
  /** 2.16.840.1.101.3.4.1.46 (60864801650304012e) id-aes256-GCM */
  aes256Gcm: '2.16.840.1.101.3.4.1.46',
} as const;
