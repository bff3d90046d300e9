import { createHash } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  type Name,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from '@peculiar/x509';
import { children, readTlv } from './_der.js';
import { PkiError } from './errors.js';
import type { ModuleSigningKey, X509Crypto } from './module-signer.js';
import { ROLE_POLICY_OID, type Role, TRIPLET_EKU, TRIPLET_KEY_USAGE, type TripletUsage } from './profile.js';

/** Which profile a certificate follows: CA certificates, or one of a party's triplet. */
export type CertificateKind =
  | { readonly kind: 'root' }
  | { readonly kind: 'sub-ca' }
  /** A root of one generation certified by the root of another (RFC 4210 5.3.10 NewWithOld / OldWithNew). */
  | { readonly kind: 'link' }
  | { readonly kind: 'party'; readonly usage: TripletUsage; readonly role: Role };

/** A subject name in the SM-PKI form `CN=<name>, O=<org>, OU=<market partner id>, C=DE`. */
export interface SubjectFields {
  readonly commonName: string;
  readonly org: string;
  /** Omitted from the name when empty. */
  readonly orgUnit: string;
  readonly country: string;
}

export interface CertificateSpec {
  readonly profile: CertificateKind;
  readonly subject: SubjectFields | Name;
  /** SubjectPublicKeyInfo DER of the key being certified. */
  readonly subjectSpki: Uint8Array;
  /** The issuer: its name (the subject of its certificate) and its signing key; for a root, its own. */
  readonly issuerName: SubjectFields | Name;
  readonly signer: ModuleSigningKey;
  /** Positive serial number, hex. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Where the issuer's CRL is published (file: or http: URI); not on roots. */
  readonly crlUri?: string;
}

/** The JSON name form @peculiar/x509 encodes: RDNs in DER order C, O, OU, CN. */
export function jsonName(f: SubjectFields): Array<Record<string, string[]>> {
  const rdns: Array<Record<string, string[]>> = [{ C: [f.country] }, { O: [f.org] }];
  if (f.orgUnit !== '') rdns.push({ OU: [f.orgUnit] });
  rdns.push({ CN: [f.commonName] });
  return rdns;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 over the subjectPublicKey BIT STRING's bits, hex. */
export function keyIdentifier(spki: Uint8Array): string {
  const outer = readTlv(spki, 0);
  const bits = children(spki, outer)[1];
  if (bits === undefined || bits.tag !== 0x03) throw new PkiError('PKI_PARSE', 'SubjectPublicKeyInfo lacks its BIT STRING');
  return createHash('sha1')
    .update(spki.subarray(bits.contentStart + 1, bits.end))
    .digest('hex');
}

const CA_KEY_USAGE = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;

function extensionsOf(spec: CertificateSpec): Extension[] {
  const ski = keyIdentifier(spec.subjectSpki);
  const aki = keyIdentifier(spec.signer.spki);
  const ext: Extension[] = [];
  const p = spec.profile;
  switch (p.kind) {
    case 'root':
    case 'link':
      ext.push(new BasicConstraintsExtension(true, undefined, true), new KeyUsagesExtension(CA_KEY_USAGE, true));
      break;
    case 'sub-ca':
      // pathLen 0: a sub-CA certifies end entities only.
      ext.push(new BasicConstraintsExtension(true, 0, true), new KeyUsagesExtension(CA_KEY_USAGE, true));
      break;
    case 'party': {
      ext.push(new BasicConstraintsExtension(false, undefined, true), new KeyUsagesExtension(TRIPLET_KEY_USAGE[p.usage], true));
      const eku = TRIPLET_EKU[p.usage];
      if (eku.length > 0) ext.push(new ExtendedKeyUsageExtension([...eku], false));
      ext.push(new CertificatePolicyExtension([ROLE_POLICY_OID[p.role]], false));
      break;
    }
  }
  ext.push(new SubjectKeyIdentifierExtension(ski, false), new AuthorityKeyIdentifierExtension(aki, false));
  if (spec.crlUri !== undefined && p.kind !== 'root') ext.push(new CRLDistributionPointsExtension([spec.crlUri], false));
  return ext;
}

/** Builds and signs one certificate of the profile with the issuer's key in the security module. */
export async function buildCertificate(spec: CertificateSpec, crypto: X509Crypto): Promise<X509Certificate> {
  const name = (n: SubjectFields | Name) => ('commonName' in n ? jsonName(n) : n);
  return X509CertificateGenerator.create(
    {
      serialNumber: spec.serialNumber,
      subject: name(spec.subject),
      issuer: name(spec.issuerName),
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: spec.subjectSpki,
      signingKey: spec.signer.key,
      signingAlgorithm: spec.signer.algorithm,
      extensions: extensionsOf(spec),
    },
    crypto,
  );
}

/** A positive serial number of 16 random bytes (RFC 5280 4.1.2.2: at most 20 octets, positive, unique). */
export function serialFrom(random: Uint8Array): string {
  const b = Uint8Array.from(random.subarray(0, 16));
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(b).toString('hex');
}

/** `years` after `from`, on the same calendar day. */
export function addYears(from: Date, years: number): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}
