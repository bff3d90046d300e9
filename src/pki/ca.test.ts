import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
} from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../crypto/memory-module.js';
import { KEY_LABELS, PKI_FILES, initPki, issueCrl, issueParty, revoke, rollover } from './ca.js';
import { crlNumberOf } from './crl.js';
import { parseCertificate, parseCrls } from './pem.js';
import { openPkiDir } from './pki-dir.js';
import { EKU_OID, ROLE_POLICY_OID, partyOf } from './profile.js';
import { DAY, type PkiFixture, makePki } from './_testing/fixture.js';
import { validateChain } from './validate.js';

const read = (dir: string, rel: string): X509Certificate => parseCertificate(readFileSync(join(dir, rel), 'utf8'));
const curveOf = (c: X509Certificate): string | undefined => (c.publicKey.algorithm as { namedCurve?: string }).namedCurve;

describe('pki init and issue: the SM-PKI profile', () => {
  let f: PkiFixture;
  beforeAll(async () => {
    f = await makePki();
  });

  it('root: self-signed brainpoolP384r1, CA:TRUE critical, keyCertSign+cRLSign critical, no pathLen', () => {
    const root = read(f.dir, PKI_FILES.root);
    expect(root.subject).toBe(root.issuer);
    expect(curveOf(root)).toBe('brainpoolP384r1');
    expect(root.signatureAlgorithm.hash).toMatchObject({ name: 'SHA-384' });
    const bc = root.getExtension(BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical, bc.pathLength]).toEqual([true, true, undefined]);
    const ku = root.getExtension(KeyUsagesExtension)!;
    expect([ku.usages, ku.critical]).toEqual([KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true]);
  });

  it.each(['subca-gwa', 'subca-emt', 'subca-gwh'] as const)('%s: pathLen 0, signed by the root, AKI = root SKI', (id) => {
    const root = read(f.dir, PKI_FILES.root);
    const sub = read(f.dir, PKI_FILES.subCa(id));
    expect(sub.issuer).toBe(root.subject);
    expect(sub.getExtension(BasicConstraintsExtension)?.pathLength).toBe(0);
    expect(sub.getExtension(AuthorityKeyIdentifierExtension)?.keyId).toBe(root.getExtension(SubjectKeyIdentifierExtension)?.keyId);
    expect(sub.getExtension(CRLDistributionPointsExtension)).not.toBeNull();
  });

  it.each([
    ['tls', KeyUsageFlags.digitalSignature, [EKU_OID.serverAuth, EKU_OID.clientAuth]],
    ['sig', KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation, undefined],
    ['enc', KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement, undefined],
  ] as const)('%s certificate: key usage, EKU, CA:FALSE critical, 2 years, brainpoolP256r1, CRL DP of the sub-CA', (usage, ku, eku) => {
    const c = read(f.dir, PKI_FILES.party('emt1', usage));
    expect(c.getExtension(KeyUsagesExtension)?.usages).toBe(ku);
    expect(c.getExtension(KeyUsagesExtension)?.critical).toBe(true);
    expect(c.getExtension(ExtendedKeyUsageExtension)?.usages).toEqual(eku);
    const bc = c.getExtension(BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([false, true]);
    expect(curveOf(c)).toBe('brainpoolP256r1');
    expect(c.signatureAlgorithm.hash).toMatchObject({ name: 'SHA-256' });
    const end = new Date(c.notBefore);
    end.setUTCFullYear(end.getUTCFullYear() + 2);
    expect(c.notAfter.getTime()).toBe(end.getTime());
    const dp = c.getExtension(CRLDistributionPointsExtension)!.distributionPoints[0]?.distributionPoint?.fullName?.[0]?.uniformResourceIdentifier;
    expect(dp).toBe(`file://${join(f.dir, 'crl', 'subca-emt.pem')}`);
    expect(c.subject).toBe('C=DE, O=Lieferant AG, OU=9900000000001, CN=emt1');
  });

  it('partyOf reads role, names and usage back from the certificates', async () => {
    const gw = await f.pki.party('gw1');
    expect(partyOf(gw.tls.cert)).toEqual({ role: 'gateway', name: 'gw1', org: 'gridwarden', marketPartnerId: '', usage: 'tls' });
    const emt = await f.pki.party('emt1');
    expect(partyOf(emt.enc.cert)).toEqual({ role: 'emt', name: 'emt1', org: 'Lieferant AG', marketPartnerId: '9900000000001', usage: 'enc' });
    expect(partyOf(emt.sig.cert)?.usage).toBe('sig');
    expect(partyOf(f.pki.roots[0]!)).toBeUndefined();
    expect(partyOf(f.pki.subCas[0]!)).toBeUndefined();
    expect(ROLE_POLICY_OID.gateway.startsWith('2.25.')).toBe(true);
  });

  it('openPkiDir: key labels of the triplet, issuing sub-CA as chain', async () => {
    const gw = await f.pki.party('gw1');
    expect([gw.tls.keyLabel, gw.sig.keyLabel, gw.enc.keyLabel]).toEqual(['gw1/tls', 'gw1/sig', 'gw1/enc']);
    expect(gw.role).toBe('gateway');
    expect(gw.tls.chain.map((c) => c.subject)).toEqual(['C=DE, O=gridwarden, CN=gridwarden Sub-CA GWA']);
    expect(f.pki.parties).toEqual(['emt1', 'gw1']);
    expect(f.pki.crls).toHaveLength(4);
  });

  it.each([
    ['a module without the party keys', () => new MemorySecurityModule(), 'PKI_NO_KEY'],
  ])("openPkiDir(dir, sm).party with %s: 'PKI_NO_KEY'", async (_what, make, code) => {
    const other = await openPkiDir(f.dir, make());
    await expect(other.party('gw1')).rejects.toMatchObject({ code });
  });

  it("'PKI_NO_KEY' when a key under the label is not the certificate's", async () => {
    const sm = new MemorySecurityModule();
    for (const u of ['tls', 'sig', 'enc'] as const) await sm.generateKeyPair(KEY_LABELS.party('gw1', u), 'brainpoolP256r1');
    await expect((await openPkiDir(f.dir, sm)).party('gw1')).rejects.toMatchObject({ code: 'PKI_NO_KEY' });
  });

  it("refuses: 'PKI_EXISTS' (second init, same party), 'PKI_NO_PARTY', 'PKI_BAD_INPUT' (bad name)", async () => {
    await expect(initPki(f.ctx)).rejects.toMatchObject({ code: 'PKI_EXISTS' });
    await expect(issueParty(f.ctx, { role: 'gwa', name: 'gw1' })).rejects.toMatchObject({ code: 'PKI_EXISTS' });
    await expect(f.pki.party('nobody')).rejects.toMatchObject({ code: 'PKI_NO_PARTY' });
    await expect(revoke(f.ctx, { name: 'nobody' })).rejects.toMatchObject({ code: 'PKI_NO_PARTY' });
    for (const name of ['../x', 'crl', '', 'a b', 'x'.repeat(65)]) {
      await expect(issueParty(f.ctx, { role: 'gwa', name })).rejects.toMatchObject({ code: 'PKI_BAD_INPUT' });
    }
    await expect(issueCrl(f.ctx, 0)).rejects.toMatchObject({ code: 'PKI_BAD_INPUT' });
  });

  it("'PKI_NO_KEY' when the module lacks the CA key", async () => {
    await expect(issueParty({ dir: f.dir, sm: new MemorySecurityModule() }, { role: 'gwa', name: 'gwa9' })).rejects.toMatchObject({ code: 'PKI_NO_KEY' });
  });
});

describe('revocation and CRLs', () => {
  let f: PkiFixture;
  beforeAll(async () => {
    f = await makePki();
  });

  it('revoke puts one serial with its reason on the sub-CA CRL; CRL numbers increase; crl renews every CA', async () => {
    const before = parseCrls(readFileSync(join(f.dir, PKI_FILES.crl('subca-emt')), 'utf8'))[0]!;
    const out = await revoke(f.ctx, { name: 'emt1', usage: 'sig', reason: 'keyCompromise' });
    const crl = parseCrls(readFileSync(join(f.dir, PKI_FILES.crl('subca-emt')), 'utf8'))[0]!;
    expect(crlNumberOf(crl)).toBeGreaterThan(crlNumberOf(before));
    expect(crl.entries).toHaveLength(1);
    const emt = await (await openPkiDir(f.dir)).party('emt1');
    expect(crl.entries[0]!.serialNumber).toBe(emt.sig.cert.serialNumber);
    expect(crl.entries[0]!.reason).toBe(1); // keyCompromise
    expect(out.revoked).toEqual([{ usage: 'sig', serialNumber: emt.sig.cert.serialNumber }]);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(30 * DAY);
    expect(crl.getExtension(AuthorityKeyIdentifierExtension)?.keyId).toBe(f.pki.subCas.find((c) => c.subject.includes('EMT'))?.getExtension(SubjectKeyIdentifierExtension)?.keyId);

    const renewed = await issueCrl(f.ctx, 7);
    expect(renewed.map((c) => c.ca).sort()).toEqual(['root-g1', 'subca-emt', 'subca-gwa', 'subca-gwh']);
    expect(renewed.find((c) => c.ca === 'subca-emt')).toMatchObject({ crlNumber: crlNumberOf(crl) + 1, revoked: 1 });

    const pki = await openPkiDir(f.dir);
    const r = await pki.validate(emt.sig.cert, 'signature');
    expect(r.ok ? 'ok' : r.error.code).toBe('PKI_REVOKED');
    const enc = await pki.validate(emt.enc.cert, 'encryption');
    expect(enc.ok).toBe(true);
  });

  it('a CRL PEM is labelled X509 CRL and ends with a newline', () => {
    const text = readFileSync(join(f.dir, PKI_FILES.crl('root-g1')), 'utf8');
    expect(text.startsWith('-----BEGIN X509 CRL-----\n')).toBe(true);
    expect(text.endsWith('-----END X509 CRL-----\n')).toBe(true);
  });

  it("'PKI_DIR' for a folder without a PKI or with a damaged pki.json", async () => {
    await expect(openPkiDir(join(f.dir, 'gw1'))).rejects.toMatchObject({ code: 'PKI_DIR' });
    const broken = await makePki();
    writeFileSync(join(broken.dir, 'pki.json'), '{"version":1,"org":"x"}');
    await expect(openPkiDir(broken.dir)).rejects.toMatchObject({ code: 'PKI_DIR' });
    writeFileSync(join(broken.dir, 'pki.json'), 'not json');
    await expect(issueCrl(broken.ctx)).rejects.toMatchObject({ code: 'PKI_DIR' });
  });
});

describe('root rollover and link certificates', () => {
  let f: PkiFixture;
  let oldLeaf: X509Certificate;
  let newLeaf: X509Certificate;
  beforeAll(async () => {
    f = await makePki();
    oldLeaf = (await f.pki.party('gw1')).tls.cert;
    await rollover(f.ctx);
    await issueParty(f.ctx, { role: 'gwa', name: 'gwa2' });
    newLeaf = read(f.dir, PKI_FILES.party('gwa2', 'tls'));
  });

  it('writes a new root generation, both link certificates and sub-CAs under the new root', async () => {
    const pki = await openPkiDir(f.dir);
    expect(pki.roots.map((r) => r.subject)).toEqual(['C=DE, O=gridwarden, CN=gridwarden SM-Root CA 2', 'C=DE, O=gridwarden, CN=gridwarden SM-Root CA 1']);
    expect(pki.links.map((l) => `${l.subject} <- ${l.issuer}`).sort()).toEqual([
      'C=DE, O=gridwarden, CN=gridwarden SM-Root CA 1 <- C=DE, O=gridwarden, CN=gridwarden SM-Root CA 2',
      'C=DE, O=gridwarden, CN=gridwarden SM-Root CA 2 <- C=DE, O=gridwarden, CN=gridwarden SM-Root CA 1',
    ]);
    expect(read(f.dir, PKI_FILES.subCa('subca-gwa')).issuer).toContain('SM-Root CA 2');
    expect(pki.crls).toHaveLength(5);
    expect(await f.ctx.sm.publicKey(KEY_LABELS.root(2))).toBeDefined();
  });

  it.each([
    ['old leaf, old root only', 'old', 1],
    ['old leaf, new root only', 'old', 2],
    ['new leaf, old root only', 'new', 1],
    ['new leaf, new root only', 'new', 2],
  ] as const)('%s: valid through the link certificates', async (_name, which, gen) => {
    const pki = await openPkiDir(f.dir);
    const anchor = pki.roots.find((r) => r.subject.endsWith(`CA ${gen}`))!;
    const leaf = which === 'old' ? oldLeaf : newLeaf;
    const r = await validateChain({ leaf, intermediates: pki.intermediates, roots: [anchor], crls: pki.crls, usage: 'tls-server' });
    expect(r.ok ? 'ok' : r.error.code).toBe('ok');
    if (r.ok) expect(r.value.at(-1)?.subject).toBe(anchor.subject);
  });

  it("without the link certificates an old-generation anchor does not reach a new-generation leaf: 'PKI_NO_ISSUER'", async () => {
    const pki = await openPkiDir(f.dir);
    const newSub = read(f.dir, PKI_FILES.subCa('subca-gwa'));
    const r = await validateChain({ leaf: newLeaf, intermediates: [newSub], roots: [pki.roots[1]!], crls: pki.crls, usage: 'tls-server' });
    expect(r.ok ? 'ok' : r.error.code).toBe('PKI_NO_ISSUER');
  });
});
