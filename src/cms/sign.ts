/** The signature layer: SignedData (RFC 5652 §5) with one ECDSA signer whose key stays in the security module. */
import { DigestAlgorithmIdentifier, SignatureAlgorithmIdentifier, SignerIdentifier, SignerInfo } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import type { X509Certificate } from '@peculiar/x509';
import { createHash } from 'node:crypto';
import type { SecurityModule } from '../crypto/security-module.js';
import { buildSignedAttributes } from './attributes.js';
import { HASH_FOR_CURVE, certFacts, issuerAndSerialOf } from './certs.js';
import { TAG, derElement, oidDer, toArrayBuffer, wrapContentInfo } from './der.js';
import { CmsError } from './errors.js';
import { CONTENT_TYPE, DIGEST, ECDSA_WITH } from './oids.js';
import { viaSecurityModule } from './sm-errors.js';

/** The signing side: the key label in the security module and the matching signature certificate. */
export interface SignerKey {
  readonly sm: SecurityModule;
  readonly keyLabel: string;
  readonly cert: X509Certificate;
}

export interface SignOptions {
  readonly eContentType: string;
  readonly eContent: Uint8Array;
  /** How the SignerInfo names the signer: issuerAndSerialNumber (default) or subjectKeyIdentifier. */
  readonly signerId?: 'issuer-serial' | 'ski';
  /** Certificates to carry besides the signer's own (its sub-CA, for instance). */
  readonly extraCerts?: readonly X509Certificate[];
  readonly signingTime?: Date;
  readonly pseudonym?: string;
}

/** ContentInfo(SignedData) over `eContent`, signed with ecdsa-with-SHA256/384/512 as the signer's curve asks. */
export async function signContent(signer: SignerKey, o: SignOptions): Promise<Uint8Array> {
  const facts = certFacts(signer.cert);
  const hash = HASH_FOR_CURVE[facts.curve];
  const signed = buildSignedAttributes({
    contentType: o.eContentType,
    messageDigest: createHash(hash).update(o.eContent).digest(),
    signingTime: o.signingTime ?? new Date(),
    ...(o.pseudonym === undefined ? {} : { pseudonym: o.pseudonym }),
  });
  const signature = await viaSecurityModule(signer.sm.sign(signer.keyLabel, signed.der, hash), signer.keyLabel);
  const bySki = o.signerId === 'ski';
  if (bySki && facts.subjectKeyId === undefined) throw new CmsError('CMS_BAD_ARGUMENT', 'the signer certificate has no subject key identifier');
  const digestAlgorithm = new DigestAlgorithmIdentifier({ algorithm: DIGEST[hash] });
  const info = new SignerInfo({
    version: bySki ? 3 : 1, // RFC 5652 §5.3
    sid: bySki
      ? new SignerIdentifier({ subjectKeyIdentifier: new SubjectKeyIdentifier(toArrayBuffer(facts.subjectKeyId!)) })
      : new SignerIdentifier({ issuerAndSerialNumber: issuerAndSerialOf(signer.cert) }),
    digestAlgorithm,
    signedAttrs: signed.attributes,
    signatureAlgorithm: new SignatureAlgorithmIdentifier({ algorithm: ECDSA_WITH[hash] }),
    signature: new OctetString(signature),
  });
  // RFC 5652 §5.1: version 3 when the content is not id-data or a signer is named by SKI, else 1.
  const version = bySki || o.eContentType !== CONTENT_TYPE.data ? 3 : 1;
  const signedData = derElement(
    TAG.sequence,
    derElement(TAG.integer, Uint8Array.of(version)),
    derElement(TAG.set, new Uint8Array(AsnConvert.serialize(digestAlgorithm))),
    derElement(TAG.sequence, oidDer(o.eContentType), derElement(TAG.cons0, derElement(TAG.octetString, o.eContent))),
    // certificates [0] IMPLICIT CertificateSet: each certificate exactly as issued.
    derElement(TAG.cons0, ...[signer.cert, ...(o.extraCerts ?? [])].map((c) => new Uint8Array(c.rawData))),
    derElement(TAG.set, new Uint8Array(AsnConvert.serialize(info))),
  );
  return wrapContentInfo(CONTENT_TYPE.signedData, signedData);
}
