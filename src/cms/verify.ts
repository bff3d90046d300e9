/** Reading and verifying a SignedData: digest, signed attributes, ECDSA signature, then the signer's chain. */
import type { X509Certificate } from '@peculiar/x509';
import { createHash, verify } from 'node:crypto';
import type { HashName } from '../crypto/security-module.js';
import type { Result } from '../result.js';
import { type ReadAttributes, readSignedAttributes } from './attributes.js';
import { bytesEqual, certKey, certificateFromDer, matchesIssuerAndSerial, matchesSubjectKeyId } from './certs.js';
import { TAG, type Tlv, childrenOf, contentOf, expectTag, oidOf, readTlv, topLevel, unwrapContentInfo, wholeOf } from './der.js';
import { CmsError } from './errors.js';
import { CONTENT_TYPE, DIGEST, ECDSA_WITH, ID_EC_PUBLIC_KEY } from './oids.js';

/** A failure the trust decision reports (the PKI's PkiError has this shape). */
export interface TrustFailure {
  readonly code: string;
  readonly message: string;
}

/**
 * Decides whether `signer` may sign, given the certificates the message carried: the PKI's chain validation
 * with usage 'signature'. Returns the validated chain (leaf first).
 */
export type TrustCheck = (signer: X509Certificate, certs: readonly X509Certificate[]) => Promise<Result<readonly X509Certificate[], TrustFailure>>;

/** A PKI folder (the PKI's PkiDir from openPkiDir): its roots, sub-CAs and CRLs decide. */
export interface TrustStore {
  validate(leaf: X509Certificate, usage: 'signature'): Promise<Result<readonly X509Certificate[], TrustFailure>>;
}

/** Either a callback or a PKI folder. */
export type Trust = TrustCheck | TrustStore;

const asCheck = (t: Trust): TrustCheck => (typeof t === 'function' ? t : (signer) => t.validate(signer, 'signature'));

export interface Verified {
  readonly contentType: string;
  readonly content: Uint8Array;
  readonly signer: X509Certificate;
  readonly chain: readonly X509Certificate[];
  readonly signingTime: Date | undefined;
  readonly pseudonym: string | undefined;
}

const HASH_BY_DIGEST_OID: Readonly<Record<string, HashName>> = {
  [DIGEST.sha256]: 'sha256',
  [DIGEST.sha384]: 'sha384',
  [DIGEST.sha512]: 'sha512',
};

const HASH_BY_SIGNATURE_OID: Readonly<Record<string, HashName>> = {
  [ECDSA_WITH.sha256]: 'sha256',
  [ECDSA_WITH.sha384]: 'sha384',
  [ECDSA_WITH.sha512]: 'sha512',
};

/** Verifies a ContentInfo(SignedData) and returns its content with the signer; throws CmsError on any failure. */
export async function verifySigned(der: Uint8Array, trust: Trust): Promise<Verified> {
  const outer = unwrapContentInfo(der);
  if (outer.contentType !== CONTENT_TYPE.signedData) throw new CmsError('CMS_MALFORMED', `expected SignedData, found content type ${outer.contentType}`);
  const b = outer.content;
  const sd = splitSignedData(b);
  const si = readSignerInfo(b, sd.signerInfo);
  const certs = sd.certificates.map(certificateFromDer);
  const signer = certs.find((c) => (si.sid.kind === 'issuer-serial' ? matchesIssuerAndSerial(c, si.sid.issuer, si.sid.serial) : matchesSubjectKeyId(c, si.sid.ski)));
  if (signer === undefined) throw new CmsError('CMS_NO_SIGNER_CERT', 'no certificate in the message matches the signer identifier');

  const digestHash = HASH_BY_DIGEST_OID[si.digestAlgorithm];
  if (digestHash === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `digest ${si.digestAlgorithm} is not offered`);
  // Some signers put id-ecPublicKey here (RFC 5753 §2.1.1 allows it); the digest algorithm then names the hash.
  const sigHash = si.signatureAlgorithm === ID_EC_PUBLIC_KEY ? digestHash : HASH_BY_SIGNATURE_OID[si.signatureAlgorithm];
  if (sigHash === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `signature algorithm ${si.signatureAlgorithm} is not offered`);

  let signedBytes: Uint8Array = sd.eContent;
  let attrs: ReadAttributes | undefined;
  if (si.signedAttrs !== undefined) {
    attrs = readSignedAttributes(b, si.signedAttrs);
    if (attrs.contentType !== sd.eContentType) throw new CmsError('CMS_BAD_SIGNATURE', 'the content-type attribute does not match the content');
    if (!bytesEqual(attrs.messageDigest, createHash(digestHash).update(sd.eContent).digest())) {
      throw new CmsError('CMS_BAD_SIGNATURE', 'the message digest does not match the content');
    }
    // RFC 5652 §5.4: the signature covers the attributes as sent, with the SET OF tag in place of [0] IMPLICIT.
    signedBytes = wholeOf(b, si.signedAttrs).slice();
    signedBytes[0] = TAG.set;
  } else if (sd.eContentType !== CONTENT_TYPE.data) {
    throw new CmsError('CMS_MALFORMED', 'signed attributes are required when the content is not id-data (RFC 5652 §5.3)');
  }
  let good: boolean;
  try {
    good = verify(sigHash, signedBytes, { key: certKey(signer).publicKey, dsaEncoding: 'der' }, si.signature);
  } catch (e) {
    if (e instanceof CmsError) throw e;
    good = false; // a signature that is not a DER SEQUENCE{r, s} is simply a bad signature
  }
  if (!good) throw new CmsError('CMS_BAD_SIGNATURE', 'the signature does not verify with the signer certificate');

  let verdict: Awaited<ReturnType<TrustCheck>>;
  try {
    verdict = await asCheck(trust)(signer, certs);
  } catch (e) {
    // A certificate odd enough to break the validator is no trusted signer either.
    throw new CmsError('CMS_UNTRUSTED_SIGNER', 'the signer chain could not be validated', { cause: e });
  }
  if (!verdict.ok) {
    const revoked = /REVOKED/.test(verdict.error.code);
    throw new CmsError(revoked ? 'CMS_SIGNER_REVOKED' : 'CMS_UNTRUSTED_SIGNER', `signer ${signer.subject}: ${verdict.error.code}: ${verdict.error.message}`, {
      cause: verdict.error,
    });
  }
  return {
    contentType: sd.eContentType,
    content: sd.eContent,
    signer,
    chain: verdict.value,
    signingTime: attrs?.signingTime,
    pseudonym: attrs?.pseudonym,
  };
}

// --- internal ---

interface SignedDataParts {
  readonly eContentType: string;
  readonly eContent: Uint8Array;
  /** DER of each certificate in `certificates` (other CertificateChoices are skipped). */
  readonly certificates: readonly Uint8Array[];
  readonly signerInfo: Tlv;
}

/**
 * SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, certificates [0] IMPLICIT OPTIONAL,
 *   crls [1] IMPLICIT OPTIONAL, signerInfos SET } (RFC 5652 §5.1), split by walking the DER.
 */
function splitSignedData(b: Uint8Array): SignedDataParts {
  const parts = childrenOf(b, topLevel(b, TAG.sequence, 'the SignedData'));
  expectTag(parts[0], TAG.integer, 'the SignedData version');
  expectTag(parts[1], TAG.set, 'the digest algorithms');
  const encap = expectTag(parts[2], TAG.sequence, 'the encapsulated content info');
  const infos = childrenOf(b, expectTag(parts[parts.length - 1], TAG.set, 'the SignerInfos'));
  const middle = parts.slice(3, -1);
  if (parts.length < 4 || middle.some((t) => t.tag !== TAG.cons0 && t.tag !== TAG.cons1)) throw new CmsError('CMS_MALFORMED', 'unexpected field in the SignedData');
  if (infos.length === 0) throw new CmsError('CMS_MALFORMED', 'the SignedData has no SignerInfo');
  if (infos.length > 1) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'more than one signer is not offered');
  const certSet = middle.find((t) => t.tag === TAG.cons0);
  return {
    ...encapsulated(b, encap),
    certificates: certSet === undefined ? [] : childrenOf(b, certSet).filter((t) => t.tag === TAG.sequence).map((t) => wholeOf(b, t)),
    signerInfo: infos[0]!,
  };
}

/** EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } */
function encapsulated(b: Uint8Array, encap: Tlv): { readonly eContentType: string; readonly eContent: Uint8Array } {
  const [type, explicit, extra] = childrenOf(b, encap);
  if (extra !== undefined) throw new CmsError('CMS_MALFORMED', 'unexpected field in the encapsulated content info');
  if (explicit === undefined) throw new CmsError('CMS_MALFORMED', 'the content is detached; only encapsulated content is offered');
  const octets = readTlv(b, expectTag(explicit, TAG.cons0, 'the encapsulated content').contentStart, explicit.end);
  if (octets.tag === 0x24) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'a constructed (streamed) encapsulated content is not offered');
  if (octets.tag !== TAG.octetString || octets.end !== explicit.end) throw new CmsError('CMS_MALFORMED', 'the encapsulated content is not one OCTET STRING');
  return { eContentType: oidOf(b, type, 'the content type'), eContent: contentOf(b, octets) };
}

type Sid = { readonly kind: 'issuer-serial'; readonly issuer: Uint8Array; readonly serial: Uint8Array } | { readonly kind: 'ski'; readonly ski: Uint8Array };

interface SignerInfoParts {
  readonly sid: Sid;
  readonly digestAlgorithm: string;
  readonly signedAttrs: Tlv | undefined;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
}

/**
 * SignerInfo ::= SEQUENCE { version, sid SignerIdentifier, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
 *   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL } (RFC 5652 §5.3)
 */
function readSignerInfo(b: Uint8Array, info: Tlv): SignerInfoParts {
  const f = childrenOf(b, expectTag(info, TAG.sequence, 'the SignerInfo'));
  expectTag(f[0], TAG.integer, 'the SignerInfo version');
  const sidTlv = f[1];
  let sid: Sid;
  if (sidTlv?.tag === TAG.sequence) {
    const [issuer, serial] = childrenOf(b, sidTlv);
    sid = { kind: 'issuer-serial', issuer: wholeOf(b, expectTag(issuer, TAG.sequence, 'the signer issuer')), serial: contentOf(b, expectTag(serial, TAG.integer, 'the signer serial')) };
  } else sid = { kind: 'ski', ski: contentOf(b, expectTag(sidTlv, TAG.context0, 'the signer identifier')) };
  const digestAlgorithm = algorithmOf(b, f[2], 'the digest algorithm');
  const signed = f[3]?.tag === TAG.cons0 ? f[3] : undefined;
  const at = signed === undefined ? 3 : 4;
  const rest = f.slice(at + 2);
  if (rest.length > 1 || (rest[0] !== undefined && rest[0].tag !== TAG.cons1)) throw new CmsError('CMS_MALFORMED', 'unexpected field in the SignerInfo');
  return {
    sid,
    digestAlgorithm,
    signedAttrs: signed,
    signatureAlgorithm: algorithmOf(b, f[at], 'the signature algorithm'),
    signature: contentOf(b, expectTag(f[at + 1], TAG.octetString, 'the signature')),
  };
}

/** The OID of an AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL }. */
function algorithmOf(b: Uint8Array, t: Tlv | undefined, what: string): string {
  return oidOf(b, childrenOf(b, expectTag(t, TAG.sequence, what))[0], what);
}
