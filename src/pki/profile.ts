import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  type X509Certificate,
} from '@peculiar/x509';
import type { Curve, HashName } from '../crypto/security-module.js';

/** What a validated end certificate is going to be used for. */
export type CertUsage = 'tls-client' | 'tls-server' | 'signature' | 'encryption';

/** The SM-PKI parties: smart meter gateway, gateway administrator, external market participant, manufacturer. */
export type Role = 'gateway' | 'gwa' | 'emt' | 'gwh';

/** The three certificates every party holds (DESIGN.md "SM-PKI certificate profiles"). */
export type TripletUsage = 'tls' | 'sig' | 'enc';

export type SubCaId = 'subca-gwa' | 'subca-emt' | 'subca-gwh';

export const ROLES: readonly Role[] = ['gateway', 'gwa', 'emt', 'gwh'];
export const TRIPLET_USAGES: readonly TripletUsage[] = ['tls', 'sig', 'enc'];
export const SUB_CAS: readonly SubCaId[] = ['subca-gwa', 'subca-emt', 'subca-gwh'];

/** Which sub-CA certifies a role: gateways are certified through their administrator's sub-CA, as in the SM-PKI. */
export const ISSUING_SUB_CA: Readonly<Record<Role, SubCaId>> = {
  gateway: 'subca-gwa',
  gwa: 'subca-gwa',
  emt: 'subca-emt',
  gwh: 'subca-gwh',
};

/**
 * gridwarden's own OID arc under 2.25 (ITU-T X.667: a UUID as one integer, allocatable by anyone):
 * UUID f1cd6703-d065-4df4-b3c5-2906ac6c0586. Below it, .1.<n> names the role of a party as a certificate
 * policy, so the role is readable from the certificate alone.
 */
export const GRIDWARDEN_OID_ARC = '2.25.321410457230533380385312324423619708294';

export const ROLE_POLICY_OID: Readonly<Record<Role, string>> = {
  gateway: `${GRIDWARDEN_OID_ARC}.1.1`,
  gwa: `${GRIDWARDEN_OID_ARC}.1.2`,
  emt: `${GRIDWARDEN_OID_ARC}.1.3`,
  gwh: `${GRIDWARDEN_OID_ARC}.1.4`,
};

/** RFC 5280 4.2.1.12 key purposes. */
export const EKU_OID = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/** RFC 5280 4.2.1 extension OIDs read during validation. */
export const EXT_OID = {
  subjectKeyIdentifier: '2.5.29.14', // 4.2.1.2
  keyUsage: '2.5.29.15', // 4.2.1.3
  basicConstraints: '2.5.29.19', // 4.2.1.9
  crlNumber: '2.5.29.20', // 5.2.3
  crlDistributionPoints: '2.5.29.31', // 4.2.1.13
  certificatePolicies: '2.5.29.32', // 4.2.1.4
  authorityKeyIdentifier: '2.5.29.35', // 4.2.1.1
  extKeyUsage: '2.5.29.37', // 4.2.1.12
} as const;

/** Key usage bits of each triplet certificate (DESIGN.md; TR-03109-4 profiles). */
export const TRIPLET_KEY_USAGE: Readonly<Record<TripletUsage, KeyUsageFlags>> = {
  tls: KeyUsageFlags.digitalSignature,
  sig: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
  enc: KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement,
};

/** The extended key usages of each triplet certificate: only TLS carries one. */
export const TRIPLET_EKU: Readonly<Record<TripletUsage, readonly string[]>> = {
  tls: [EKU_OID.serverAuth, EKU_OID.clientAuth],
  sig: [],
  enc: [],
};

/** Curves and validity of the profile. */
export const PROFILE = {
  rootCurve: 'brainpoolP384r1',
  subCaCurve: 'brainpoolP256r1',
  partyCurve: 'brainpoolP256r1',
  rootYears: 10,
  subCaYears: 7,
  partyYears: 2,
  crlDays: 30,
} as const satisfies Record<string, Curve | number>;

/** The hash that goes with a signing key: SHA-384 on 384-bit keys (ecdsa-with-SHA384), SHA-512 on 512-bit keys. */
export const HASH_OF_CURVE: Readonly<Record<Curve, HashName>> = {
  brainpoolP256r1: 'sha256',
  brainpoolP384r1: 'sha384',
  brainpoolP512r1: 'sha512',
  secp256r1: 'sha256',
  secp384r1: 'sha384',
};

export interface Party {
  readonly role: Role;
  readonly name: string;
  readonly org: string;
  /** Market partner id from OU; empty when the certificate names none. */
  readonly marketPartnerId: string;
  readonly usage: TripletUsage;
}

/**
 * Who a certificate belongs to and which of the triplet it is, read from the certificate alone: the role from
 * the role policy, the names from the subject, the usage from key usage and EKU. Undefined for certificates
 * outside the profile (CA certificates, foreign ones without a role policy).
 */
export function partyOf(cert: X509Certificate): Party | undefined {
  const policies = cert.getExtension(EXT_OID.certificatePolicies);
  const role = policies === null ? undefined : ROLES.find((r) => containsBytes(new Uint8Array(policies.value), ROLE_POLICY_DER[r]));
  if (role === undefined) return undefined;
  if (cert.getExtension(BasicConstraintsExtension)?.ca === true) return undefined;
  const usage = tripletUsageOf(cert);
  if (usage === undefined) return undefined;
  const first = (oid: string): string => cert.subjectName.getField(oid)[0] ?? '';
  return { role, name: first('2.5.4.3'), org: first('2.5.4.10'), marketPartnerId: first('2.5.4.11'), usage };
}

/**
 * DER of an OBJECT IDENTIFIER (X.690 8.19), arcs of any size. The role OIDs are matched as bytes because
 * asn1js decodes arcs above 2^53 (our 2.25 UUID arc) wrongly.
 */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => BigInt(a));
  const [a0, a1, ...rest] = arcs;
  if (a0 === undefined || a1 === undefined) throw new RangeError(`not an OID: ${oid}`);
  const body: number[] = [];
  for (const arc of [a0 * 40n + a1, ...rest]) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(Number(v & 0x7fn) | (chunk.length > 0 ? 0x80 : 0));
      v >>= 7n;
    } while (v > 0n);
    body.push(...chunk);
  }
  return Uint8Array.from([0x06, body.length, ...body]);
}

const ROLE_POLICY_DER: Readonly<Record<Role, Uint8Array>> = {
  gateway: encodeOid(ROLE_POLICY_OID.gateway),
  gwa: encodeOid(ROLE_POLICY_OID.gwa),
  emt: encodeOid(ROLE_POLICY_OID.emt),
  gwh: encodeOid(ROLE_POLICY_OID.gwh),
};

function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle) >= 0;
}

function tripletUsageOf(cert: X509Certificate): TripletUsage | undefined {
  const ku = cert.getExtension(KeyUsagesExtension)?.usages ?? 0;
  const eku = cert.getExtension(ExtendedKeyUsageExtension)?.usages.map(String) ?? [];
  if (eku.includes(EKU_OID.serverAuth) || eku.includes(EKU_OID.clientAuth)) return 'tls';
  if ((ku & KeyUsageFlags.keyAgreement) !== 0 || (ku & KeyUsageFlags.keyEncipherment) !== 0) return 'enc';
  if ((ku & KeyUsageFlags.digitalSignature) !== 0 || (ku & KeyUsageFlags.nonRepudiation) !== 0) return 'sig';
  return undefined;
}
