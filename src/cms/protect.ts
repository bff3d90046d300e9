/**
 * Content protection as the smart-metering WAN uses it: encrypt and authenticate first (AuthEnvelopedData, or
 * EnvelopedData with CBC), then sign (SignedData). `resign` lets an intermediary replace the signer by itself
 * and a pseudonym without the means to decrypt.
 */
import type { X509Certificate } from '@peculiar/x509';
import type { SecurityModule } from '../crypto/security-module.js';
import { CmsError } from './errors.js';
import { type ContentEncryption, type ContentEncryptionRead, envelope, openEnvelope } from './envelope.js';
import { CONTENT_TYPE } from './oids.js';
import { signContent } from './sign.js';
import { type Trust, verifySigned } from './verify.js';

/** A key in the security module and the certificate that goes with it. */
export interface KeyAndCert {
  readonly keyLabel: string;
  readonly cert: X509Certificate;
}

export interface ProtectOptions {
  readonly sm: SecurityModule;
  /** The sender's signature key and certificate. */
  readonly signer: KeyAndCert;
  /** Each recipient's encryption certificate. */
  readonly recipients: readonly X509Certificate[];
  /** AES-128-GCM in AuthEnvelopedData (default) or AES-128-CBC in EnvelopedData. */
  readonly contentEncryption?: ContentEncryption;
  /** Certificates carried besides the signer's own (its sub-CA, for instance). */
  readonly includeCerts?: readonly X509Certificate[];
  /** How the SignerInfo names the signer; issuerAndSerialNumber by default. */
  readonly signerId?: 'issuer-serial' | 'ski';
  /** Signing time; now by default. */
  readonly signingTime?: Date;
}

/** Encrypts `content` for the recipients, then signs: DER ContentInfo(SignedData(AuthEnvelopedData | EnvelopedData)). */
export async function protect(content: Uint8Array, o: ProtectOptions): Promise<Uint8Array> {
  const inner = await envelope(content, o.recipients, o.contentEncryption ?? 'aes128-gcm', o.sm);
  return signContent(
    { sm: o.sm, keyLabel: o.signer.keyLabel, cert: o.signer.cert },
    {
      eContentType: inner.contentType,
      eContent: inner.der,
      ...(o.signerId === undefined ? {} : { signerId: o.signerId }),
      ...(o.includeCerts === undefined ? {} : { extraCerts: o.includeCerts }),
      ...(o.signingTime === undefined ? {} : { signingTime: o.signingTime }),
    },
  );
}

export interface UnprotectOptions {
  readonly sm: SecurityModule;
  /** Our encryption key and certificate. */
  readonly recipient: KeyAndCert;
  /** Chain and usage check of the signer: a callback (the PKI's validateChain with usage 'signature') or a PKI folder. */
  readonly trust: Trust;
}

export interface Unprotected {
  readonly content: Uint8Array;
  /** Who signed: the sender, or the intermediary that re-signed under a pseudonym. */
  readonly signer: X509Certificate;
  /** The signer's validated chain, leaf first. */
  readonly chain: readonly X509Certificate[];
  readonly signingTime: Date | undefined;
  /** Present when an intermediary re-signed the message. */
  readonly pseudonym: string | undefined;
  readonly encryption: ContentEncryptionRead;
}

/** Verifies the signature and the signer's chain, then decrypts with our key. Throws CmsError. */
export async function unprotect(der: Uint8Array, o: UnprotectOptions): Promise<Unprotected> {
  const v = await verifySigned(der, o.trust);
  requireEncrypted(v.contentType);
  const opened = await openEnvelope(v.contentType, v.content, { sm: o.sm, keyLabel: o.recipient.keyLabel, cert: o.recipient.cert });
  return {
    content: opened.content,
    signer: v.signer,
    chain: v.chain,
    signingTime: v.signingTime,
    pseudonym: v.pseudonym,
    encryption: opened.encryption,
  };
}

export interface ResignOptions {
  readonly sm: SecurityModule;
  /** The intermediary's signature key and certificate. */
  readonly intermediary: KeyAndCert;
  /** Stands in for the original signer's identity; carried as a signed attribute. */
  readonly pseudonym: string;
  /** Chain and usage check of the original signer: a callback or a PKI folder. */
  readonly trust: Trust;
  readonly includeCerts?: readonly X509Certificate[];
  readonly signingTime?: Date;
}

/**
 * Verifies the original signer, then signs the same encrypted content anew with the intermediary's key: the
 * original SignerInfo and certificate are dropped, the pseudonym goes in. The encrypted content is passed on
 * byte for byte; the intermediary holds no recipient key for it.
 */
export async function resign(der: Uint8Array, o: ResignOptions): Promise<Uint8Array> {
  if (o.pseudonym.length === 0) throw new CmsError('CMS_BAD_ARGUMENT', 'the pseudonym is empty');
  const v = await verifySigned(der, o.trust);
  requireEncrypted(v.contentType);
  return signContent(
    { sm: o.sm, keyLabel: o.intermediary.keyLabel, cert: o.intermediary.cert },
    {
      eContentType: v.contentType,
      eContent: v.content,
      pseudonym: o.pseudonym,
      ...(o.includeCerts === undefined ? {} : { extraCerts: o.includeCerts }),
      ...(o.signingTime === undefined ? {} : { signingTime: o.signingTime }),
    },
  );
}

function requireEncrypted(contentType: string): void {
  if (contentType !== CONTENT_TYPE.authEnvelopedData && contentType !== CONTENT_TYPE.envelopedData) {
    throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `the signed content is ${contentType}, not AuthEnvelopedData or EnvelopedData`);
  }
}
