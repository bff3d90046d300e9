/**
 * The encryption layer: AuthEnvelopedData with AES-GCM (RFC 5083, RFC 5084) or EnvelopedData with AES-CBC
 * (RFC 5652 §6, RFC 3565), one KeyAgreeRecipientInfo per recipient.
 */
import { ContentEncryptionAlgorithmIdentifier, EncryptedContent, EncryptedContentInfo, EnvelopedData, RecipientInfos } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import type { X509Certificate } from '@peculiar/x509';
import { type CipherGCMTypes, type Decipher, createCipheriv, createDecipheriv } from 'node:crypto';
import type { SecurityModule } from '../crypto/security-module.js';
import { AuthEnvelopedData, GcmParameters } from './asn1.js';
import { TAG, type Tlv, childrenOf, contentOf, expectTag, oidOf, toArrayBuffer, topLevel } from './der.js';
import { CmsError } from './errors.js';
import { type RecipientKey, keyAgreeRecipientInfo, unwrapContentKey } from './key-agree.js';
import { CONTENT_ENCRYPTION, CONTENT_TYPE } from './oids.js';

/** What we write: AES-128-GCM (first choice) or AES-128-CBC. */
export type ContentEncryption = 'aes128-gcm' | 'aes128-cbc';

/** What we read. */
export type ContentEncryptionRead = ContentEncryption | 'aes192-gcm' | 'aes256-gcm' | 'aes192-cbc' | 'aes256-cbc';

type CipherEntry =
  | { readonly name: ContentEncryptionRead; readonly mode: 'gcm'; readonly node: CipherGCMTypes; readonly keyBytes: number }
  | { readonly name: ContentEncryptionRead; readonly mode: 'cbc'; readonly node: string; readonly keyBytes: number };

const CIPHER_BY_OID: Readonly<Record<string, CipherEntry>> = {
  [CONTENT_ENCRYPTION.aes128Gcm]: { name: 'aes128-gcm', mode: 'gcm', node: 'aes-128-gcm', keyBytes: 16 },
  [CONTENT_ENCRYPTION.aes192Gcm]: { name: 'aes192-gcm', mode: 'gcm', node: 'aes-192-gcm', keyBytes: 24 },
  [CONTENT_ENCRYPTION.aes256Gcm]: { name: 'aes256-gcm', mode: 'gcm', node: 'aes-256-gcm', keyBytes: 32 },
  [CONTENT_ENCRYPTION.aes128Cbc]: { name: 'aes128-cbc', mode: 'cbc', node: 'aes-128-cbc', keyBytes: 16 },
  [CONTENT_ENCRYPTION.aes192Cbc]: { name: 'aes192-cbc', mode: 'cbc', node: 'aes-192-cbc', keyBytes: 24 },
  [CONTENT_ENCRYPTION.aes256Cbc]: { name: 'aes256-cbc', mode: 'cbc', node: 'aes-256-cbc', keyBytes: 32 },
};

const GCM_NONCE_BYTES = 12; // RFC 5084 §3.2: 12 octets advised
const GCM_TAG_BYTES = 16; // we write the full tag; readers take aes-ICVlen from the parameters
const CBC_IV_BYTES = 16;

/** An encrypted content: its CMS content type and the DER of the AuthEnvelopedData or EnvelopedData. */
export interface Envelope {
  readonly contentType: string;
  readonly der: Uint8Array;
}

export interface Opened {
  readonly content: Uint8Array;
  readonly encryption: ContentEncryptionRead;
}

/** Encrypts `content` (as id-data) for every recipient certificate; the CEK and IV come from the security module's RNG. */
export async function envelope(content: Uint8Array, recipients: readonly X509Certificate[], encryption: ContentEncryption, sm: SecurityModule): Promise<Envelope> {
  if (recipients.length === 0) throw new CmsError('CMS_BAD_ARGUMENT', 'at least one recipient certificate is needed');
  const ivBytes = encryption === 'aes128-gcm' ? GCM_NONCE_BYTES : CBC_IV_BYTES;
  const random = await sm.randomBytes(16 + ivBytes);
  const cek = random.subarray(0, 16);
  const iv = random.subarray(16);
  const infos = new RecipientInfos(recipients.map((r) => keyAgreeRecipientInfo(cek, r)));
  if (encryption === 'aes128-gcm') {
    const cipher = createCipheriv('aes-128-gcm', cek, iv, { authTagLength: GCM_TAG_BYTES });
    const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
    const params = new GcmParameters({ nonce: toArrayBuffer(iv), icvLength: GCM_TAG_BYTES });
    const data = new AuthEnvelopedData({
      version: 0, // RFC 5083 §2.1: always 0
      recipientInfos: infos,
      authEncryptedContentInfo: encryptedContentInfo(CONTENT_ENCRYPTION.aes128Gcm, AsnConvert.serialize(params), ciphertext),
      mac: new OctetString(cipher.getAuthTag()),
    });
    return { contentType: CONTENT_TYPE.authEnvelopedData, der: new Uint8Array(AsnConvert.serialize(data)) };
  }
  const cipher = createCipheriv('aes-128-cbc', cek, iv);
  const ciphertext = Buffer.concat([cipher.update(content), cipher.final()]);
  const data = new EnvelopedData({
    version: 2, // RFC 5652 §6.1: 2 when a RecipientInfo is not version 0 (kari is 3)
    recipientInfos: infos,
    encryptedContentInfo: encryptedContentInfo(CONTENT_ENCRYPTION.aes128Cbc, AsnConvert.serialize(new OctetString(iv)), ciphertext),
  });
  return { contentType: CONTENT_TYPE.envelopedData, der: new Uint8Array(AsnConvert.serialize(data)) };
}

/** Decrypts an AuthEnvelopedData or EnvelopedData addressed to `me`. */
export async function openEnvelope(contentType: string, der: Uint8Array, me: RecipientKey): Promise<Opened> {
  const authenticated = contentType === CONTENT_TYPE.authEnvelopedData;
  if (!authenticated && contentType !== CONTENT_TYPE.envelopedData) {
    throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `content type ${contentType} is not an encrypted content we read`);
  }
  const p = splitEnveloped(der, authenticated);
  const cipher = CIPHER_BY_OID[p.algorithm];
  if (cipher === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `content encryption ${p.algorithm} is not offered`);
  if (cipher.mode === 'gcm') {
    if (!authenticated) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'EnvelopedData with AES-GCM is not offered (RFC 5084 puts GCM in AuthEnvelopedData)');
    const gcm = gcmParameters(der, p.parameters);
    if (p.mac?.length !== gcm.icvLength) throw new CmsError('CMS_MALFORMED', 'the mac length differs from aes-ICVlen');
    const cek = await unwrapContentKey(der, p.recipientInfos, me);
    checkKeyLength(cek, cipher.keyBytes);
    const decipher = createDecipheriv(cipher.node, cek, gcm.nonce, { authTagLength: gcm.icvLength });
    decipher.setAuthTag(p.mac);
    return { content: finish(decipher, p.ciphertext), encryption: cipher.name };
  }
  if (authenticated) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'AuthEnvelopedData needs an authenticated cipher (AES-GCM)');
  // RFC 3565 §4.1: the parameter of AES-CBC is the IV, an OCTET STRING of 16 bytes.
  const iv = contentOf(der, expectTag(p.parameters, TAG.octetString, 'the CBC IV'));
  if (iv.length !== CBC_IV_BYTES) throw new CmsError('CMS_MALFORMED', 'AES-CBC needs a 16-byte IV');
  const cek = await unwrapContentKey(der, p.recipientInfos, me);
  checkKeyLength(cek, cipher.keyBytes);
  return { content: finish(createDecipheriv(cipher.node, cek, iv), p.ciphertext), encryption: cipher.name };
}

// --- internal ---

function encryptedContentInfo(algorithm: string, parameters: ArrayBuffer, ciphertext: Uint8Array): EncryptedContentInfo {
  return new EncryptedContentInfo({
    contentType: CONTENT_TYPE.data,
    contentEncryptionAlgorithm: new ContentEncryptionAlgorithmIdentifier({ algorithm, parameters }),
    encryptedContent: new EncryptedContent({ value: new OctetString(ciphertext) }),
  });
}

interface EnvelopedParts {
  readonly recipientInfos: Tlv;
  readonly algorithm: string;
  readonly parameters: Tlv | undefined;
  readonly ciphertext: Uint8Array;
  /** AuthEnvelopedData only. */
  readonly mac: Uint8Array | undefined;
}

/**
 * EnvelopedData ::= SEQUENCE { version, originatorInfo [0] OPTIONAL, recipientInfos SET, encryptedContentInfo,
 *   unprotectedAttrs [1] OPTIONAL } (RFC 5652 §6.1), or AuthEnvelopedData ::= SEQUENCE { version,
 *   originatorInfo [0] OPTIONAL, recipientInfos, authEncryptedContentInfo, authAttrs [1] OPTIONAL, mac OCTET STRING,
 *   unauthAttrs [2] OPTIONAL } (RFC 5083 §2.1), split by walking the DER.
 */
function splitEnveloped(b: Uint8Array, authenticated: boolean): EnvelopedParts {
  const what = authenticated ? 'AuthEnvelopedData' : 'EnvelopedData';
  const fields = childrenOf(b, topLevel(b, TAG.sequence, `the ${what}`));
  let i = 0;
  const next = (tag: number, optional: boolean): Tlv | undefined => {
    const f = fields[i];
    if (f?.tag === tag) {
      i++;
      return f;
    }
    if (optional) return undefined;
    throw new CmsError('CMS_MALFORMED', `the ${what} lacks a field with tag 0x${tag.toString(16)}`);
  };
  next(TAG.integer, false); // version
  next(TAG.cons0, true); // originatorInfo: certificates we do not need
  const recipientInfos = next(TAG.set, false)!;
  const eci = next(TAG.sequence, false)!;
  // RFC 5083 §2.2: authenticated attributes would enter the GCM AAD; no peer of ours sends them.
  if (authenticated && next(TAG.cons1, true) !== undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'authenticated attributes in AuthEnvelopedData are not offered');
  const mac = authenticated ? next(TAG.octetString, false) : undefined;
  next(authenticated ? TAG.cons2 : TAG.cons1, true); // unauthenticated / unprotected attributes: ignored
  if (i !== fields.length) throw new CmsError('CMS_MALFORMED', `unexpected field in the ${what}`);

  // EncryptedContentInfo ::= SEQUENCE { contentType, contentEncryptionAlgorithm, encryptedContent [0] IMPLICIT OPTIONAL }
  const [, alg, content, extra] = childrenOf(b, eci);
  if (extra !== undefined) throw new CmsError('CMS_MALFORMED', 'unexpected field in the encrypted content info');
  const [algOid, params] = childrenOf(b, expectTag(alg, TAG.sequence, 'the content-encryption algorithm'));
  let ciphertext: Uint8Array;
  if (content?.tag === TAG.context0) ciphertext = contentOf(b, content);
  else if (content?.tag === TAG.cons0) {
    // Constructed (BER, streamed) octets arrive in pieces.
    ciphertext = new Uint8Array(Buffer.concat(childrenOf(b, content).map((p) => contentOf(b, expectTag(p, TAG.octetString, 'a piece of the encrypted content')))));
  } else throw new CmsError('CMS_MALFORMED', 'the encrypted content is absent (detached content is not offered)');
  return {
    recipientInfos,
    algorithm: oidOf(b, algOid, 'the content-encryption algorithm'),
    parameters: params,
    ciphertext,
    mac: mac === undefined ? undefined : contentOf(b, mac),
  };
}

/** GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING, aes-ICVlen INTEGER DEFAULT 12 } (RFC 5084 §3.2). */
function gcmParameters(b: Uint8Array, params: Tlv | undefined): { readonly nonce: Uint8Array; readonly icvLength: number } {
  const [nonce, icv, extra] = childrenOf(b, expectTag(params, TAG.sequence, 'the GCMParameters'));
  const n = contentOf(b, expectTag(nonce, TAG.octetString, 'the GCM nonce'));
  let icvLength = 12;
  if (icv !== undefined) {
    const c = contentOf(b, expectTag(icv, TAG.integer, 'the GCM tag length'));
    icvLength = c.length === 1 ? c[0]! : -1;
  }
  // RFC 5084 §3.2: 12 to 16 octets; a nonce of any length works with GCM, but none at all does not.
  if (extra !== undefined || icvLength < 12 || icvLength > 16 || n.length === 0) throw new CmsError('CMS_MALFORMED', 'the GCM nonce or tag length is not valid');
  return { nonce: n, icvLength };
}

function checkKeyLength(cek: Uint8Array, keyBytes: number): void {
  if (cek.length !== keyBytes) throw new CmsError('CMS_MALFORMED', `the unwrapped key has ${cek.length} bytes, the cipher needs ${keyBytes}`);
}

function finish(decipher: Decipher, ciphertext: Uint8Array): Uint8Array {
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch (e) {
    throw new CmsError('CMS_TAMPERED_CIPHERTEXT', 'the content does not decrypt: its authentication tag or padding is wrong', { cause: e });
  }
}
