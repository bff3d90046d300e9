import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from './certificate-facts.js';
import { type TlsObservations, evaluateTls, isCompliant } from './tls-compliance.js';
import { TLS12_SUITES, TLS_GROUPS } from './tls-profile.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const cert = (over: Partial<CertificateFacts> = {}): CertificateFacts => ({
  subject: 'CN=gwa-1',
  issuer: 'CN=GWA-CA',
  keyType: 'ec',
  curve: 'brainpoolP256r1',
  keyBits: 256,
  signatureAlgorithm: 'ecdsa-with-SHA256',
  keyUsage: ['digitalSignature'],
  extKeyUsage: ['serverAuth', 'clientAuth'],
  isCa: false,
  notBefore: new Date('2026-01-01T00:00:00Z'),
  notAfter: new Date('2028-01-01T00:00:00Z'),
  ...over,
});

/** What a compliant WAN server shows (the shape of our head-end's tls-check run). */
const compliant = (over: Partial<TlsObservations> = {}): TlsObservations => ({
  versions: {
    TLSv1: { negotiated: false },
    'TLSv1.1': { negotiated: false },
    'TLSv1.2': { negotiated: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', group: 'brainpoolP256r1' },
    'TLSv1.3': { negotiated: false },
  },
  suites: [...TLS12_SUITES.map((s) => ({ name: s.name, negotiated: true })), { name: 'ECDHE-ECDSA-AES128-SHA', negotiated: false }],
  groups: [...TLS_GROUPS.map((g) => ({ name: g.name, negotiated: g.required })), { name: 'X25519', negotiated: false }],
  certificate: cert(),
  clientCertificateRequired: true,
  compression: 'NONE',
  sessionTicket: false,
  renegotiation: 'refused',
  chainTrusted: undefined,
  ...over,
});

const failedIds = (o: TlsObservations, variant: 'wan' | 'han' | 'lmn' = 'wan') =>
  evaluateTls(o, variant, NOW)
    .filter((l) => l.ok === false)
    .map((l) => l.id);

describe('evaluateTls', () => {
  it('passes a compliant WAN server', () => {
    expect(failedIds(compliant())).toEqual([]);
    expect(isCompliant(evaluateTls(compliant(), 'wan', NOW))).toBe(true);
  });

  it.each<[string, Partial<TlsObservations>, string[]]>([
    ['TLS 1.1 accepted', { versions: { ...compliant().versions, 'TLSv1.1': { negotiated: true, cipher: 'ECDHE-ECDSA-AES128-SHA' } } }, ['version.tls1.1']],
    ['TLS 1.3 on X25519', { versions: { ...compliant().versions, 'TLSv1.3': { negotiated: true, cipher: 'TLS_AES_128_GCM_SHA256', group: 'X25519' } } }, ['version.tls1.3']],
    ['TLS 1.3 with ChaCha20', { versions: { ...compliant().versions, 'TLSv1.3': { negotiated: true, cipher: 'TLS_CHACHA20_POLY1305_SHA256', group: 'prime256v1' } } }, ['version.tls1.3']],
    ['a CBC-SHA1 suite accepted', { suites: [...compliant().suites.slice(0, 3), { name: 'ECDHE-ECDSA-AES128-SHA', negotiated: true }] }, ['suite.others']],
    ['a required suite missing', { suites: compliant().suites.map((s) => (s.name === 'ECDHE-ECDSA-AES128-SHA256' ? { ...s, negotiated: false } : s)) }, ['suite.ECDHE-ECDSA-AES128-SHA256']],
    ['X25519 chosen', { groups: [...compliant().groups.slice(0, 5), { name: 'X25519', negotiated: true }] }, ['group.others']],
    ['a SHA-1 certificate', { certificate: cert({ signatureAlgorithm: 'ecdsa-with-SHA1' }) }, ['certificate.profile']],
    ['an expired certificate', { certificate: cert({ notAfter: new Date('2026-01-02T00:00:00Z') }) }, ['certificate.validity']],
    ['no client certificate demanded', { clientCertificateRequired: false }, ['auth.client-certificate']],
    ['session tickets', { sessionTicket: true }, ['session.tickets']],
    ['renegotiation', { renegotiation: 'accepted' }, ['renegotiation']],
    ['an untrusted chain', { chainTrusted: false, chainError: 'CERT_REVOKED' }, ['certificate.chain']],
  ])('fails %s', (_n, over, ids) => {
    expect(failedIds(compliant(over))).toEqual(ids);
  });

  it('HAN: a P-256 certificate and an optional client certificate are fine', () => {
    expect(failedIds(compliant({ certificate: cert({ curve: 'prime256v1' }), clientCertificateRequired: false }), 'han')).toEqual([]);
    expect(failedIds(compliant({ certificate: cert({ curve: 'prime256v1' }) }), 'wan')).toEqual(['certificate.profile']);
  });

  it('lines that could not be tested do not fail the verdict', () => {
    const lines = evaluateTls(compliant({ sessionTicket: undefined, renegotiation: undefined, clientCertificateRequired: undefined }), 'wan', NOW);
    expect(lines.filter((l) => l.ok === null).map((l) => l.id)).toEqual(['auth.client-certificate', 'session.tickets', 'renegotiation']);
    expect(isCompliant(lines)).toBe(true);
  });
});
