import type { CertificateFacts } from './certificate-facts.js';
import { CERTIFICATE_CURVES, TLS12_SUITES, TLS13_SUITES, TLS_GROUPS, type TlsVariant, certificateViolations } from './tls-profile.js';

/**
 * The verdict of tls-check: observations of a TLS endpoint in, one line per requirement out. Pure, so the
 * rules are tested on their own and the probing stays at the edge (tls-check.ts).
 */

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface NegotiationSeen {
  /** The server chose a version (and suite) in its ServerHello. */
  readonly negotiated: boolean;
  readonly protocol?: string;
  readonly cipher?: string;
  readonly group?: string;
}

export interface TlsObservations {
  readonly versions: Readonly<Record<TlsVersionName, NegotiationSeen>>;
  /** TLS 1.2 suites offered one at a time. */
  readonly suites: ReadonlyArray<{ readonly name: string; readonly negotiated: boolean }>;
  /** TLS 1.2 groups offered one at a time (beside the certificate's own curve). */
  readonly groups: ReadonlyArray<{ readonly name: string; readonly negotiated: boolean }>;
  readonly certificate: CertificateFacts | undefined;
  /** A handshake without a client certificate was refused after ServerHello; undefined when unknown. */
  readonly clientCertificateRequired: boolean | undefined;
  readonly compression: string | undefined;
  readonly sessionTicket: boolean | undefined;
  readonly renegotiation: 'refused' | 'accepted' | undefined;
  /** The server chain validated against the trust given with --dir (undefined without one). */
  readonly chainTrusted: boolean | undefined;
  readonly chainError?: string;
}

export interface CheckLine {
  readonly id: string;
  readonly requirement: string;
  readonly observed: string;
  /** null: could not be tested (for example no client credentials against a mutual-TLS server). */
  readonly ok: boolean | null;
}

/** TLS 1.2 suites a probe offers to see that they are refused (ECDSA CBC-SHA1, ChaCha, RSA and DHE suites). */
export const FORBIDDEN_TLS12_SUITES = [
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-CCM',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-SHA',
  'DHE-RSA-AES128-GCM-SHA256',
  'AES128-GCM-SHA256',
  'AES128-SHA',
  'AES256-SHA256',
] as const;

/** Groups a probe offers to see that they are never chosen. */
export const FORBIDDEN_GROUPS = ['X25519', 'X448', 'secp521r1'] as const;

/** TLS 1.3 groups where 1.3 is allowed at all (OpenSSL 3.0 has no brainpool in 1.3). */
const TLS13_GROUPS: readonly string[] = ['prime256v1', 'secp384r1'];

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const seen = (n: NegotiationSeen) => (n.negotiated ? `accepted (${n.cipher ?? '?'}${n.group === undefined ? '' : `, ${n.group}`})` : 'refused');

export function evaluateTls(o: TlsObservations, variant: TlsVariant, now: Date): CheckLine[] {
  const lines: CheckLine[] = [];
  const add = (id: string, requirement: string, observed: string, ok: boolean | null) => lines.push({ id, requirement, observed, ok });

  add('version.tls1.0', 'TLS 1.0 refused', seen(o.versions.TLSv1), !o.versions.TLSv1.negotiated);
  add('version.tls1.1', 'TLS 1.1 refused', seen(o.versions['TLSv1.1']), !o.versions['TLSv1.1'].negotiated);
  add('version.tls1.2', 'TLS 1.2 accepted', seen(o.versions['TLSv1.2']), o.versions['TLSv1.2'].negotiated);
  const v13 = o.versions['TLSv1.3'];
  const v13ok = !v13.negotiated || (TLS13_GROUPS.includes(v13.group ?? '') && TLS13_SUITES.some((s) => s.name === v13.cipher));
  add('version.tls1.3', 'TLS 1.3 refused, or only with secp256r1/secp384r1 and an allowed suite', seen(v13), v13ok);

  for (const s of TLS12_SUITES) {
    const got = o.suites.find((x) => x.name === s.name)?.negotiated ?? false;
    if (s.required) add(`suite.${s.name}`, `${s.name} (0x${s.code.toString(16).toUpperCase()}) accepted`, got ? 'accepted' : 'refused', got);
    else add(`suite.${s.name}`, `${s.name} (0x${s.code.toString(16).toUpperCase()}) optional`, got ? 'accepted' : 'refused', true);
  }
  const allowedSuites = new Set<string>(TLS12_SUITES.map((s) => s.name));
  const extra = o.suites.filter((s) => s.negotiated && !allowedSuites.has(s.name)).map((s) => s.name);
  add('suite.others', 'no other TLS 1.2 suite accepted', extra.length === 0 ? 'none accepted' : extra.join(', '), extra.length === 0);

  for (const g of TLS_GROUPS) {
    const got = o.groups.find((x) => x.name === g.name)?.negotiated ?? false;
    add(`group.${g.name}`, `group ${g.name} ${g.required ? 'accepted' : 'optional'}`, got ? 'accepted' : 'refused', g.required ? got : true);
  }
  const allowedGroups = new Set<string>(TLS_GROUPS.map((g) => g.name));
  const extraGroups = o.groups.filter((g) => g.negotiated && !allowedGroups.has(g.name)).map((g) => g.name);
  add('group.others', 'no other group chosen', extraGroups.length === 0 ? 'none chosen' : extraGroups.join(', '), extraGroups.length === 0);

  if (o.certificate === undefined) add('certificate.profile', 'server certificate ECDSA on an allowed curve, SHA-2, TLS key usage', 'no certificate seen', false);
  else {
    const c = o.certificate;
    const v = certificateViolations(c, { curves: CERTIFICATE_CURVES[variant], purpose: 'serverAuth' });
    const desc = `${c.keyType}${c.curve === undefined ? '' : ` ${c.curve}`}, ${c.signatureAlgorithm}, KU ${c.keyUsage.join('+') || '-'}, EKU ${c.extKeyUsage.join('+') || '-'}`;
    add('certificate.profile', 'server certificate ECDSA on an allowed curve, SHA-2, TLS key usage', v.length === 0 ? desc : `${desc}: ${v.join('; ')}`, v.length === 0);
    const valid = c.notBefore <= now && now <= c.notAfter;
    add('certificate.validity', 'server certificate within its validity period', `${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}`, valid);
  }
  if (o.chainTrusted !== undefined) add('certificate.chain', 'server chain validates against the given trust anchors and CRLs', o.chainTrusted ? 'trusted' : (o.chainError ?? 'not trusted'), o.chainTrusted);

  const mutualDue = variant !== 'han';
  add(
    'auth.client-certificate',
    mutualDue ? 'client certificate required (mutual authentication)' : 'client certificate optional',
    o.clientCertificateRequired === undefined ? 'unknown' : yesNo(o.clientCertificateRequired),
    mutualDue ? (o.clientCertificateRequired ?? null) : true,
  );
  add('session.tickets', 'no session tickets', o.sessionTicket === undefined ? 'not tested (needs a completed handshake)' : o.sessionTicket ? 'ticket sent' : 'none sent', o.sessionTicket === undefined ? null : !o.sessionTicket);
  add('renegotiation', 'renegotiation refused', o.renegotiation ?? 'not tested (needs a completed handshake)', o.renegotiation === undefined ? null : o.renegotiation === 'refused');
  add('compression', 'no TLS compression', o.compression ?? 'unknown', o.compression === undefined ? null : o.compression === 'NONE');
  return lines;
}

/** Compliant when no line failed; lines that could not be tested do not count against it. */
export const isCompliant = (lines: readonly CheckLine[]): boolean => lines.every((l) => l.ok !== false);
