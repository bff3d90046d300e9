/**
 * What the CMS layer needs from an X.509 certificate: its issuer and serial (for IssuerAndSerialNumber), its
 * subject key identifier, and its EC public key (curve and point). Parsed once per certificate object.
 */
import 'reflect-metadata';
import { IssuerAndSerialNumber } from '@peculiar/asn1-cms';
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { X509Certificate } from '@peculiar/x509';
import { type KeyObject, createPublicKey } from 'node:crypto';
import type { Curve, HashName } from '../crypto/security-module.js';
import { TAG, childrenOf, contentOf, expectTag, parseOr, topLevel, wholeOf } from './der.js';
import { CmsError } from './errors.js';
import { ID_EC_PUBLIC_KEY } from './oids.js';

/** Named curves by OID (RFC 5639 §4.1 brainpool, RFC 5480 §2.1.1.1 NIST). */
const CURVE_BY_OID: Readonly<Record<string, Curve>> = {
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1', // 2b2403030208010107
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1', // 2b240303020801010b
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1', // 2b240303020801010d
  '1.2.840.10045.3.1.7': 'secp256r1', // 2a8648ce3d030107
  '1.3.132.0.34': 'secp384r1', // 2b81040022
};

/** The hash that matches a curve's strength: SHA-256 on 256-bit curves, SHA-384 on 384-bit ones (TR-03116-3). */
export const HASH_FOR_CURVE: Readonly<Record<Curve, HashName>> = {
  brainpoolP256r1: 'sha256',
  secp256r1: 'sha256',
  brainpoolP384r1: 'sha384',
  secp384r1: 'sha384',
  brainpoolP512r1: 'sha512',
};

/** How CMS names a certificate. */
export interface CertIds {
  readonly issuer: Name;
  /** DER of the issuer Name as the certificate encodes it, for byte comparison (RFC 5652 §10.2.4). */
  readonly issuerDer: Uint8Array;
  /** Serial number content bytes as encoded (two's complement). */
  readonly serial: Uint8Array;
  readonly subjectKeyId: Uint8Array | undefined;
}

/** A certificate's EC public key. */
export interface CertKey {
  readonly curve: Curve;
  /** Uncompressed EC point 04 || X || Y. */
  readonly point: Uint8Array;
  readonly publicKey: KeyObject;
}

export type CertFacts = CertIds & CertKey;

const parsedCache = new WeakMap<X509Certificate, Certificate>();
const idCache = new WeakMap<X509Certificate, CertIds>();
const keyCache = new WeakMap<X509Certificate, CertKey>();

function parsed(cert: X509Certificate): Certificate {
  let p = parsedCache.get(cert);
  if (p === undefined) {
    const der = cert.rawData;
    p = parseOr(() => AsnConvert.parse(der, Certificate), 'a certificate');
    parsedCache.set(cert, p);
  }
  return p;
}

/** Issuer, serial and subject key identifier of any certificate; issuer and serial as the certificate encodes them. */
export function certIds(cert: X509Certificate): CertIds {
  const hit = idCache.get(cert);
  if (hit !== undefined) return hit;
  const der = new Uint8Array(cert.rawData);
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, ... }, ... }
  const tbs = expectTag(childrenOf(der, topLevel(der, TAG.sequence, 'a certificate'))[0], TAG.sequence, 'tbsCertificate');
  const fields = childrenOf(der, tbs);
  const at = fields[0]?.tag === TAG.cons0 ? 1 : 0;
  const tbsParsed = parsed(cert).tbsCertificate;
  const skiExt = tbsParsed.extensions?.find((x) => x.extnID === id_ce_subjectKeyIdentifier);
  const ids: CertIds = {
    issuer: tbsParsed.issuer,
    issuerDer: wholeOf(der, expectTag(fields[at + 2], TAG.sequence, 'the certificate issuer')),
    serial: contentOf(der, expectTag(fields[at], TAG.integer, 'the certificate serial number')),
    subjectKeyId:
      skiExt === undefined ? undefined : parseOr(() => new Uint8Array(AsnConvert.parse(skiExt.extnValue, SubjectKeyIdentifier).buffer), 'a subject key identifier'),
  };
  idCache.set(cert, ids);
  return ids;
}

/** The EC key of a certificate; CMS_UNSUPPORTED_ALGORITHM when it is not EC on a curve we offer. */
export function certKey(cert: X509Certificate): CertKey {
  const hit = keyCache.get(cert);
  if (hit !== undefined) return hit;
  const spki = parsed(cert).tbsCertificate.subjectPublicKeyInfo;
  const params = spki.algorithm.parameters;
  if (spki.algorithm.algorithm !== ID_EC_PUBLIC_KEY || params == null) {
    throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `certificate ${cert.subject} has no EC public key`);
  }
  const namedCurve = parseOr(() => AsnConvert.parse(params, ECParameters), 'the EC parameters').namedCurve;
  const curve = namedCurve === undefined ? undefined : CURVE_BY_OID[namedCurve];
  if (curve === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `certificate ${cert.subject} is on curve ${String(namedCurve)}, which we do not offer`);
  const key: CertKey = {
    curve,
    point: new Uint8Array(spki.subjectPublicKey),
    publicKey: parseOr(() => createPublicKey({ key: Buffer.from(AsnConvert.serialize(spki)), format: 'der', type: 'spki' }), 'the public key'),
  };
  keyCache.set(cert, key);
  return key;
}

/** Both halves: for certificates we address or sign with. */
export function certFacts(cert: X509Certificate): CertFacts {
  return { ...certIds(cert), ...certKey(cert) };
}

export function issuerAndSerialOf(cert: X509Certificate): IssuerAndSerialNumber {
  const f = certIds(cert);
  return new IssuerAndSerialNumber({ issuer: f.issuer, serialNumber: f.serial.slice().buffer });
}

/** Whether an IssuerAndSerialNumber (its issuer Name DER and serial INTEGER content) names this certificate. */
export function matchesIssuerAndSerial(cert: X509Certificate, issuerDer: Uint8Array, serial: Uint8Array): boolean {
  const f = certIds(cert);
  return bytesEqual(f.serial, serial) && bytesEqual(f.issuerDer, issuerDer);
}

export function matchesSubjectKeyId(cert: X509Certificate, ski: Uint8Array): boolean {
  const own = certIds(cert).subjectKeyId;
  return own !== undefined && bytesEqual(own, ski);
}

// Senders attach the same few certificates to every message: parse each once (bounded, oldest dropped first).
const byDer = new Map<string, X509Certificate>();
const BY_DER_MAX = 512;

/** An embedded certificate as an X509Certificate, parsed once per distinct DER; CMS_MALFORMED when it does not parse. */
export function certificateFromDer(der: Uint8Array): X509Certificate {
  const key = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const hit = byDer.get(key);
  if (hit !== undefined) return hit;
  const cert = parseOr(() => new X509Certificate(der.slice().buffer), 'an embedded certificate');
  if (byDer.size >= BY_DER_MAX) byDer.delete(byDer.keys().next().value!);
  byDer.set(key, cert);
  return cert;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

