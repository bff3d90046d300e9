import { constants as C } from 'node:crypto';
import { type SecureContext, type SecureContextOptions, createSecureContext } from 'node:tls';
import type { TlsKeyOptions } from '../crypto/security-module.js';
import { secureContextKeyOptions } from '../crypto/tls-key-options.js';
import { type CertificateFacts, certificateFacts, pemToDerList } from './certificate-facts.js';
import { TlsProfileError } from './errors.js';

/**
 * The TLS profile of BSI TR-03116-3 (WAN, HAN, LMN variants) as node:tls options: one module, so every
 * endpoint of gridwarden and the tls-check probe agree on it.
 */

export type TlsVariant = 'wan' | 'han' | 'lmn';
export type TlsSide = 'server' | 'client';

/** TLS 1.2 cipher suites of TR-03116-3 (IANA code points, RFC 5289). */
export const TLS12_SUITES = [
  { name: 'ECDHE-ECDSA-AES128-SHA256', code: 0xc023, required: true }, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
  { name: 'ECDHE-ECDSA-AES128-GCM-SHA256', code: 0xc02b, required: true }, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
  { name: 'ECDHE-ECDSA-AES256-GCM-SHA384', code: 0xc02c, required: false }, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
] as const;

/** TLS 1.3 suites allowed where 1.3 is (RFC 8446 B.4); only the HAN variant enables 1.3 here. */
export const TLS13_SUITES = [
  { name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, required: true },
  { name: 'TLS_AES_256_GCM_SHA384', code: 0x1302, required: false },
] as const;

/** Named groups (IANA TLS Supported Groups; RFC 7027 for brainpool) by OpenSSL name. */
export const TLS_GROUPS = [
  { name: 'brainpoolP256r1', code: 0x001a, required: true },
  { name: 'brainpoolP384r1', code: 0x001b, required: true },
  { name: 'prime256v1', code: 0x0017, required: true }, // secp256r1
  { name: 'secp384r1', code: 0x0018, required: false },
  { name: 'brainpoolP512r1', code: 0x001c, required: false },
] as const;

export type TlsGroupName = (typeof TLS_GROUPS)[number]['name'];
export type OptionalGroup = 'secp384r1' | 'brainpoolP512r1';

/** Signature schemes: ECDSA only (the profile's certificates are ECDSA). */
export const TLS_SIGALGS = 'ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512';

/** Session lifetime limits in seconds: 48 h on WAN and HAN, 744 h on LMN (TR-03116-3). */
export const SESSION_LIFETIME_S: Readonly<Record<TlsVariant, number>> = { wan: 48 * 3600, han: 48 * 3600, lmn: 744 * 3600 };

/** Certificate curves each variant accepts; browsers refuse brainpool, so a HAN server may use secp256r1. */
export const CERTIFICATE_CURVES: Readonly<Record<TlsVariant, readonly string[]>> = {
  wan: ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1'],
  lmn: ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1'],
  han: ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'prime256v1'],
};

export const CERTIFICATE_SIGNATURES: readonly string[] = ['ecdsa-with-SHA256', 'ecdsa-with-SHA384', 'ecdsa-with-SHA512'];

/**
 * Tickets off (server-side state only), no renegotiation, no compression; OpenSSL 3 keeps encrypt-then-MAC and
 * the extended master secret on by default, and never offers truncated HMAC.
 */
export const PROFILE_SECURE_OPTIONS = C.SSL_OP_NO_TICKET | C.SSL_OP_NO_RENEGOTIATION | C.SSL_OP_NO_COMPRESSION;

export interface TlsCredentials {
  /** Our certificate first, then the sub-CA that issued it (PEM). */
  readonly certPem: string;
  readonly key: TlsKeyOptions;
}

export interface TlsTrust {
  /** Trust anchors (PEM; several roots during a rollover). */
  readonly rootsPem: string;
  /** One CRL per CA, the root's included (PEM each). */
  readonly crlsPem: readonly string[];
  /** Sub-CA certificates, so chains build when a peer sends its leaf only. */
  readonly intermediatesPem?: string;
}

export interface TlsProfileOptions {
  readonly variant: TlsVariant;
  readonly side: TlsSide;
  readonly credentials: TlsCredentials;
  readonly trust: TlsTrust;
  /** Offer ECDHE-ECDSA-AES256-GCM-SHA384 as well (default true). */
  readonly optionalSuite?: boolean;
  readonly optionalGroups?: readonly OptionalGroup[];
  /** HAN server only: whether a consumer must present a client certificate (default optional). */
  readonly clientCertificate?: 'required' | 'optional';
}

/** Everything node:tls takes from the profile: context options plus the per-endpoint switches. */
export interface ProfileTlsOptions extends SecureContextOptions {
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly sessionTimeout: number;
}

/** The suite string for node's `ciphers`: TLS 1.2 names plus, where 1.3 is on, the 1.3 suites. */
export function cipherList(variant: TlsVariant, optionalSuite = true): string {
  const v12 = TLS12_SUITES.filter((s) => s.required || optionalSuite).map((s) => s.name);
  const v13 = variant === 'han' ? TLS13_SUITES.filter((s) => s.required || optionalSuite).map((s) => s.name) : [];
  return [...v13, ...v12].join(':');
}

export function groupList(optional: readonly OptionalGroup[] = []): string {
  return TLS_GROUPS.filter((g) => g.required || (optional as readonly string[]).includes(g.name))
    .map((g) => g.name)
    .join(':');
}

/**
 * Node TLS options for one endpoint. Checks our own certificate against the profile first, so a wrong
 * credential fails at start-up (WAN_BAD_CERTIFICATE) rather than in every handshake.
 */
export function profileTlsOptions(o: TlsProfileOptions): ProfileTlsOptions {
  if (pemToDerList(o.trust.rootsPem).length === 0) throw new TlsProfileError('WAN_BAD_OPTIONS', 'no trust anchor given');
  if (o.trust.crlsPem.length === 0) throw new TlsProfileError('WAN_BAD_OPTIONS', 'no CRL given: the profile checks revocation of every CA');
  const chain = pemToDerList(o.credentials.certPem);
  const leaf = chain[0];
  if (leaf === undefined) throw new TlsProfileError('WAN_BAD_OPTIONS', 'no certificate in the credentials');
  const violations = certificateViolations(certificateFacts(leaf, 'WAN_BAD_CERTIFICATE'), {
    curves: o.variant === 'han' && o.side === 'server' ? CERTIFICATE_CURVES.han : CERTIFICATE_CURVES.wan,
    purpose: o.side === 'server' ? 'serverAuth' : 'clientAuth',
  });
  if (violations.length > 0) throw new TlsProfileError('WAN_BAD_CERTIFICATE', `own certificate outside the ${o.variant} profile: ${violations.join('; ')}`);

  const allowTls13 = o.variant === 'han';
  const optionalClientCert = o.variant === 'han' && o.side === 'server' && o.clientCertificate !== 'required';
  return {
    ...secureContextKeyOptions(o.credentials.key),
    cert: o.credentials.certPem,
    ca: o.trust.intermediatesPem === undefined ? o.trust.rootsPem : o.trust.rootsPem + o.trust.intermediatesPem,
    crl: [...o.trust.crlsPem],
    minVersion: 'TLSv1.2',
    maxVersion: allowTls13 ? 'TLSv1.3' : 'TLSv1.2',
    ciphers: cipherList(o.variant, o.optionalSuite ?? true),
    ecdhCurve: groupList(o.optionalGroups),
    sigalgs: TLS_SIGALGS,
    secureOptions: PROFILE_SECURE_OPTIONS,
    // Node servers default to their own order; the client's lets a peer pick any allowed group, which under
    // TLS 1.2 is the only way to reach secp256r1 or brainpoolP384r1 beside a brainpoolP256r1 certificate.
    honorCipherOrder: false,
    sessionTimeout: SESSION_LIFETIME_S[o.variant],
    requestCert: true,
    rejectUnauthorized: !optionalClientCert,
  };
}

/** One SecureContext for a client endpoint, built once and handed to every connection it opens. */
export function profileSecureContext(o: TlsProfileOptions): { readonly secureContext: SecureContext; readonly options: ProfileTlsOptions } {
  const options = profileTlsOptions(o);
  return { secureContext: createSecureContext(options), options };
}

export interface CertificatePolicy {
  readonly curves: readonly string[];
  readonly purpose: 'serverAuth' | 'clientAuth';
}

/** Where a certificate leaves the profile (empty when it fits): pure, so servers, clients and tls-check share it. */
export function certificateViolations(f: CertificateFacts, policy: CertificatePolicy): string[] {
  const out: string[] = [];
  if (f.keyType !== 'ec') out.push(`key type ${f.keyType}, not EC`);
  else if (f.curve === undefined || !policy.curves.includes(f.curve)) out.push(`curve ${String(f.curve)} not in ${policy.curves.join(', ')}`);
  if (!CERTIFICATE_SIGNATURES.includes(f.signatureAlgorithm)) out.push(`signature ${f.signatureAlgorithm}`);
  if (f.isCa) out.push('a CA certificate');
  if (!f.keyUsage.includes('digitalSignature')) out.push('key usage lacks digitalSignature');
  if (!f.extKeyUsage.includes(policy.purpose)) out.push(`extended key usage lacks ${policy.purpose} (not a TLS certificate)`);
  return out;
}
