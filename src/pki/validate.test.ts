import { X509Certificate, X509Crl } from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_LABELS } from './ca.js';
import { buildCertificate } from './certificates.js';
import { moduleSigningKey, securityModuleCrypto } from './module-signer.js';
import { type CertUsage, ISSUING_SUB_CA } from './profile.js';
import { DAY, type PkiFixture, makePki } from './_testing/fixture.js';
import { type ChainInput, validateChain } from './validate.js';
import type { PartyCredentials } from './pki-dir.js';

let f: PkiFixture;
let gw: PartyCredentials;
let emt: PartyCredentials;

beforeAll(async () => {
  f = await makePki();
  gw = await f.pki.party('gw1');
  emt = await f.pki.party('emt1');
});

const chain = (leaf: X509Certificate, usage: CertUsage, over: Partial<ChainInput> = {}): ChainInput => ({
  leaf,
  intermediates: f.pki.intermediates,
  roots: f.pki.roots,
  crls: f.pki.crls,
  usage,
  ...over,
});

/** The same DER with one byte changed (an offset from the end: inside the signature's s value). */
function flipFromEnd(der: ArrayBuffer, back: number): Uint8Array {
  const b = new Uint8Array(der.slice(0));
  b[b.length - back]! ^= 0x01;
  return b;
}

const codeOf = async (input: ChainInput) => {
  const r = await validateChain(input);
  return r.ok ? 'ok' : r.error.code;
};

describe('validateChain on a fresh PKI', () => {
  it.each([
    ['tls', 'tls-client'],
    ['tls', 'tls-server'],
    ['sig', 'signature'],
    ['enc', 'encryption'],
  ] as const)('accepts the %s certificate for %s and returns leaf, sub-CA, root', async (u, usage) => {
    const r = await validateChain(chain(gw[u].cert, usage));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((c) => c.subject)).toEqual([gw[u].cert.subject, 'C=DE, O=gridwarden, CN=gridwarden Sub-CA GWA', 'C=DE, O=gridwarden, CN=gridwarden SM-Root CA 1']);
  });

  it.each([
    ['sig', 'tls-client'],
    ['enc', 'tls-server'],
    ['tls', 'signature'],
    ['sig', 'encryption'],
    ['tls', 'encryption'],
    ['enc', 'signature'],
  ] as const)("refuses the %s certificate for %s with 'PKI_WRONG_USAGE'", async (u, usage) => {
    expect(await codeOf(chain(emt[u].cert, usage))).toBe('PKI_WRONG_USAGE');
  });

  it("validity: 'PKI_EXPIRED' after two years, 'PKI_NOT_YET_VALID' before issue", async () => {
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { at: new Date(gw.tls.cert.notAfter.getTime() + DAY) }))).toBe('PKI_EXPIRED');
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { at: new Date(gw.tls.cert.notBefore.getTime() - DAY) }))).toBe('PKI_NOT_YET_VALID');
  });

  it("CRLs: 'PKI_NO_CRL' without the issuer's CRL, 'PKI_CRL_EXPIRED' after nextUpdate", async () => {
    const withoutGwa = f.pki.crls.filter((c) => !c.issuer.includes('Sub-CA GWA'));
    expect(withoutGwa.length).toBe(f.pki.crls.length - 1);
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { crls: withoutGwa }))).toBe('PKI_NO_CRL');
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { crls: [] }))).toBe('PKI_NO_CRL');
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { at: new Date(Date.now() + 40 * DAY) }))).toBe('PKI_CRL_EXPIRED');
  });

  it("'PKI_CRL_BAD_SIGNATURE' for an altered CRL", async () => {
    const crls = f.pki.crls.map((c) => (c.issuer.includes('Sub-CA GWA') ? new X509Crl(flipFromEnd(c.rawData, 2)) : c));
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { crls }))).toBe('PKI_CRL_BAD_SIGNATURE');
  });

  it("'PKI_BAD_SIGNATURE' for an altered certificate, at the leaf and at the sub-CA", async () => {
    expect(await codeOf(chain(new X509Certificate(flipFromEnd(gw.tls.cert.rawData, 2)), 'tls-client'))).toBe('PKI_BAD_SIGNATURE');
    const intermediates = f.pki.intermediates.map((c) => (c.subject.includes('Sub-CA GWA') ? new X509Certificate(flipFromEnd(c.rawData, 2)) : c));
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { intermediates }))).toBe('PKI_BAD_SIGNATURE');
  });

  it("chain building: 'PKI_NO_ISSUER' without the sub-CA, 'PKI_UNTRUSTED' with the root not trusted", async () => {
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { intermediates: [] }))).toBe('PKI_NO_ISSUER');
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { intermediates: [...f.pki.intermediates, ...f.pki.roots], roots: [] }))).toBe('PKI_UNTRUSTED');
  });

  it("'PKI_BAD_INPUT' for an invalid validation time", async () => {
    expect(await codeOf(chain(gw.tls.cert, 'tls-client', { at: new Date('not a date') }))).toBe('PKI_BAD_INPUT');
  });
});

describe('CA constraints', () => {
  /** A certificate of the given profile signed by the key under `signerLabel`, issued in the name of `issuer`. */
  async function issueBy(signerLabel: string, issuer: X509Certificate, subjectLabel: string, kind: 'sub-ca' | 'party'): Promise<X509Certificate> {
    const sm = f.ctx.sm;
    await sm.generateKeyPair(subjectLabel, 'brainpoolP256r1');
    const now = new Date();
    return buildCertificate(
      {
        profile: kind === 'sub-ca' ? { kind: 'sub-ca' } : { kind: 'party', usage: 'tls', role: 'gateway' },
        subject: { commonName: subjectLabel, org: 'x', orgUnit: '', country: 'DE' },
        subjectSpki: (await moduleSigningKey(sm, subjectLabel)).spki,
        issuerName: issuer.subjectName,
        signer: await moduleSigningKey(sm, signerLabel),
        serialNumber: '01',
        notBefore: now,
        notAfter: new Date(now.getTime() + 30 * DAY),
      },
      securityModuleCrypto(sm),
    );
  }

  it("'PKI_NOT_CA' for a certificate issued by an end entity", async () => {
    // An end entity straight under the root (no path length limit above it), and a certificate it signed.
    const ee = await issueBy(KEY_LABELS.root(1), f.pki.roots[0]!, 'ee-under-root', 'party');
    const leaf = await issueBy('ee-under-root', ee, 'under-ee', 'party');
    expect(await codeOf(chain(leaf, 'tls-client', { intermediates: [...f.pki.intermediates, ee] }))).toBe('PKI_NOT_CA');
  });

  it("'PKI_PATH_LENGTH' for a CA below a pathLen 0 sub-CA", async () => {
    const subCa = f.pki.subCas.find((c) => c.subject.includes('Sub-CA GWA'))!;
    const deep = await issueBy(KEY_LABELS.subCa(ISSUING_SUB_CA.gateway), subCa, 'deep-ca', 'sub-ca');
    const leaf = await issueBy('deep-ca', deep, 'under-deep', 'party');
    expect(await codeOf(chain(leaf, 'tls-client', { intermediates: [...f.pki.intermediates, deep] }))).toBe('PKI_PATH_LENGTH');
  });

  it("'PKI_UNSUPPORTED_ALGORITHM' for a signature outside the profile (ECDSA with SHA-1)", async () => {
    const sm = f.ctx.sm;
    const signer = { ...(await moduleSigningKey(sm, KEY_LABELS.subCa('subca-gwa'))), algorithm: { name: 'ECDSA', hash: 'SHA-1' } } as const;
    const now = new Date();
    await expect(
      buildCertificate(
        {
          profile: { kind: 'party', usage: 'sig', role: 'gwa' },
          subject: { commonName: 'sha1', org: 'x', orgUnit: '', country: 'DE' },
          subjectSpki: signer.spki,
          issuerName: f.pki.subCas[0]!.subjectName,
          signer,
          serialNumber: '02',
          notBefore: now,
          notAfter: new Date(now.getTime() + DAY),
        },
        securityModuleCrypto(sm),
      ),
    ).rejects.toMatchObject({ code: 'PKI_UNSUPPORTED_ALGORITHM' });
  });
});
