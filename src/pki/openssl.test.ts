import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { X509Certificate } from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { PKI_FILES, issueCrl, issueParty, revoke, rollover } from './ca.js';
import { certToPem, crlToPem, parseCertificate, parseCertificates, parseCrls } from './pem.js';
import { type PkiDir, openPkiDir } from './pki-dir.js';
import { type CertUsage, partyOf } from './profile.js';
import { DAY, type PkiFixture, makePki } from './_testing/fixture.js';
import { validateChain } from './validate.js';

/** OpenSSL's `-purpose` for each of our usages. */
const PURPOSE: Readonly<Record<CertUsage, string>> = {
  'tls-client': 'sslclient',
  'tls-server': 'sslserver',
  signature: 'smimesign',
  encryption: 'smimeencrypt',
};

function openssl(args: readonly string[]): { status: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

interface Case {
  readonly leaf: X509Certificate;
  readonly usage: CertUsage;
  readonly anchors?: readonly X509Certificate[];
  readonly crls?: PkiDir['crls'];
  readonly at?: Date;
}

/** Runs `openssl verify -crl_check_all` and validateChain on the same inputs; returns both verdicts. */
async function bothVerdicts(f: PkiFixture, pki: PkiDir, c: Case): Promise<{ openssl: string; ours: string }> {
  const anchors = c.anchors ?? pki.roots;
  const crls = c.crls ?? pki.crls;
  const tmp = (name: string, text: string) => {
    const p = join(f.dir, `.t-${name}.pem`);
    writeFileSync(p, text);
    return p;
  };
  const args = [
    'verify',
    '-crl_check_all',
    '-purpose',
    PURPOSE[c.usage],
    '-CAfile',
    tmp('anchors', anchors.map(certToPem).join('')),
    '-untrusted',
    tmp('untrusted', pki.intermediates.map(certToPem).join('')),
    ...(crls.length > 0 ? ['-CRLfile', tmp('crls', crls.map(crlToPem).join(''))] : []),
    ...(c.at === undefined ? [] : ['-attime', String(Math.floor(c.at.getTime() / 1000))]),
    tmp('leaf', certToPem(c.leaf)),
  ];
  const o = openssl(args);
  const r = await validateChain({ leaf: c.leaf, intermediates: pki.intermediates, roots: anchors, crls, usage: c.usage, ...(c.at === undefined ? {} : { at: c.at }) });
  const reason = /error \d+ at \d+ depth lookup: (.*)/.exec(o.out)?.[1] ?? '';
  return { openssl: o.status === 0 ? 'ok' : reason || o.out, ours: r.ok ? 'ok' : r.error.code };
}

describe('openssl verify agrees with validateChain', () => {
  let f: PkiFixture;
  let pki: PkiDir;
  beforeAll(async () => {
    f = await makePki();
    await revoke(f.ctx, { name: 'emt1', usage: 'sig', reason: 'keyCompromise' });
    pki = await openPkiDir(f.dir, f.ctx.sm);
  });

  it.each([
    ['gw1', 'tls', 'tls-client'],
    ['gw1', 'tls', 'tls-server'],
    ['gw1', 'sig', 'signature'],
    ['emt1', 'enc', 'encryption'],
    ['emt1', 'tls', 'tls-client'],
  ] as const)('good: %s %s for %s', async (name, u, usage) => {
    const leaf = (await pki.party(name))[u].cert;
    expect(await bothVerdicts(f, pki, { leaf, usage })).toEqual({ openssl: 'ok', ours: 'ok' });
  });

  it("revoked: emt1's SIG certificate ('PKI_REVOKED' / certificate revoked)", async () => {
    const leaf = (await pki.party('emt1')).sig.cert;
    expect(await bothVerdicts(f, pki, { leaf, usage: 'signature' })).toEqual({ openssl: 'certificate revoked', ours: 'PKI_REVOKED' });
  });

  it.each([
    ['tls', 'signature'],
    ['tls', 'encryption'],
    ['sig', 'encryption'],
  ] as const)("wrong usage: the %s certificate for %s ('PKI_WRONG_USAGE' / unsuitable purpose)", async (u, usage) => {
    const leaf = (await pki.party('gw1'))[u].cert;
    expect(await bothVerdicts(f, pki, { leaf, usage })).toEqual({ openssl: 'unsuitable certificate purpose', ours: 'PKI_WRONG_USAGE' });
  });

  it("missing CRL of the sub-CA ('PKI_NO_CRL' / unable to get certificate CRL)", async () => {
    const leaf = (await pki.party('gw1')).tls.cert;
    const crls = pki.crls.filter((c) => !c.issuer.includes('Sub-CA GWA'));
    expect(await bothVerdicts(f, pki, { leaf, usage: 'tls-client', crls })).toEqual({ openssl: 'unable to get certificate CRL', ours: 'PKI_NO_CRL' });
  });

  it("stale CRLs after nextUpdate ('PKI_CRL_EXPIRED' / CRL has expired)", async () => {
    const leaf = (await pki.party('gw1')).tls.cert;
    expect(await bothVerdicts(f, pki, { leaf, usage: 'tls-client', at: new Date(Date.now() + 40 * DAY) })).toEqual({ openssl: 'CRL has expired', ours: 'PKI_CRL_EXPIRED' });
  });

  it('openssl x509 -text shows the profile extensions', async () => {
    const { out } = openssl(['x509', '-noout', '-text', '-in', join(f.dir, PKI_FILES.party('emt1', 'tls'))]);
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature/);
    expect(out).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(out).toMatch(/X509v3 Subject Key Identifier:/);
    expect(out).toMatch(/X509v3 Authority Key Identifier:/);
    expect(out).toMatch(/X509v3 CRL Distribution Points:\s+Full Name:\s+URI:file:\/\/.*\/crl\/subca-emt\.pem/);
    expect(out).toMatch(/ASN1 OID: brainpoolP256r1/);
    expect(out).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expect(out).toMatch(/Subject: C = DE, O = Lieferant AG, OU = 9900000000001, CN = emt1/);
    const enc = openssl(['x509', '-noout', '-text', '-in', join(f.dir, PKI_FILES.party('emt1', 'enc'))]).out;
    expect(enc).toMatch(/X509v3 Key Usage: critical\s+Key Encipherment, Key Agreement/);
    const root = openssl(['x509', '-noout', '-text', '-in', join(f.dir, PKI_FILES.root)]).out;
    expect(root).toMatch(/Signature Algorithm: ecdsa-with-SHA384/);
    expect(root).toMatch(/ASN1 OID: brainpoolP384r1/);
    expect(root).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(root).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    const crl = openssl(['crl', '-noout', '-text', '-in', join(f.dir, PKI_FILES.crl('subca-emt'))]).out;
    expect(crl).toMatch(/X509v3 CRL Number:\s+\d+/);
    expect(crl).toMatch(/X509v3 CRL Reason Code:\s+Key Compromise/);
  });
});

describe('openssl verify agrees on expiry (-attime) with long-lived CRLs', () => {
  it("a leaf past its two years ('PKI_EXPIRED' / certificate has expired)", async () => {
    const f = await makePki();
    await issueCrl(f.ctx, 3000);
    const pki = await openPkiDir(f.dir);
    const leaf = (await pki.party('gw1')).tls.cert;
    const at = new Date(leaf.notAfter.getTime() + DAY);
    expect(await bothVerdicts(f, pki, { leaf, usage: 'tls-client', at })).toEqual({ openssl: 'certificate has expired', ours: 'PKI_EXPIRED' });
    const before = new Date(leaf.notAfter.getTime() - DAY);
    expect(await bothVerdicts(f, pki, { leaf, usage: 'tls-client', at: before })).toEqual({ openssl: 'ok', ours: 'ok' });
  });
});

describe('openssl verify agrees across a root rollover (link certificates)', () => {
  let f: PkiFixture;
  let pki: PkiDir;
  let oldLeaf: X509Certificate;
  let newLeaf: X509Certificate;
  beforeAll(async () => {
    f = await makePki();
    oldLeaf = (await f.pki.party('gw1')).tls.cert;
    await rollover(f.ctx);
    await issueParty(f.ctx, { role: 'gwa', name: 'gwa2' });
    pki = await openPkiDir(f.dir, f.ctx.sm);
    newLeaf = (await pki.party('gwa2')).tls.cert;
  });

  it.each([
    ['old-generation leaf, new root as the only anchor', 'old', 0],
    ['new-generation leaf, old root as the only anchor', 'new', 1],
    ['old-generation leaf, old root', 'old', 1],
    ['new-generation leaf, new root', 'new', 0],
  ] as const)('%s: valid for both', async (_n, which, rootIndex) => {
    const leaf = which === 'old' ? oldLeaf : newLeaf;
    expect(await bothVerdicts(f, pki, { leaf, usage: 'tls-client', anchors: [pki.roots[rootIndex]!] })).toEqual({ openssl: 'ok', ours: 'ok' });
  });

  it("without the root's CRL of the old generation the link chain fails for both ('PKI_NO_CRL')", async () => {
    const crls = pki.crls.filter((c) => !c.issuer.endsWith('SM-Root CA 1'));
    const r = await bothVerdicts(f, pki, { leaf: newLeaf, usage: 'tls-client', anchors: [pki.roots[1]!], crls });
    expect(r).toEqual({ openssl: 'unable to get certificate CRL', ours: 'PKI_NO_CRL' });
  });
});

/** A chain made entirely by OpenSSL (keys, certificates with the profile's extensions, CRLs from `openssl ca`). */
function opensslChain(): { dir: string; file: (n: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-openssl-ca-'));
  const file = (n: string) => join(dir, n);
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
  };
  writeFileSync(
    file('ext.cnf'),
    [
      '[sub]',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '[tls]',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  for (const ca of ['root', 'sub']) {
    writeFileSync(file(`${ca}-index.txt`), '');
    writeFileSync(file(`${ca}-crlnumber`), '01\n');
    writeFileSync(
      file(`${ca}-ca.cnf`),
      ['[ca]', 'default_ca = d', '[d]', `database = ${file(`${ca}-index.txt`)}`, `crlnumber = ${file(`${ca}-crlnumber`)}`, 'default_md = default', 'default_crl_days = 30', 'crl_extensions = e', '[e]', 'authorityKeyIdentifier = keyid:always', ''].join('\n'),
    );
  }
  run('ecparam', '-name', 'brainpoolP384r1', '-genkey', '-noout', '-out', 'root.key');
  run('req', '-x509', '-new', '-key', 'root.key', '-sha384', '-subj', '/C=DE/O=Peer/CN=Peer Root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'root.pem');
  run('ecparam', '-name', 'brainpoolP256r1', '-genkey', '-noout', '-out', 'sub.key');
  run('req', '-new', '-key', 'sub.key', '-subj', '/C=DE/O=Peer/CN=Peer Sub-CA', '-out', 'sub.csr');
  run('x509', '-req', '-in', 'sub.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-sha384', '-days', '2000', '-set_serial', '2', '-extfile', 'ext.cnf', '-extensions', 'sub', '-out', 'sub.pem');
  for (const [leaf, serial] of [
    ['good', '10'],
    ['revoked', '11'],
  ] as const) {
    run('ecparam', '-name', 'brainpoolP256r1', '-genkey', '-noout', '-out', `${leaf}.key`);
    run('req', '-new', '-key', `${leaf}.key`, '-subj', `/C=DE/O=Peer/CN=${leaf}`, '-out', `${leaf}.csr`);
    run('x509', '-req', '-in', `${leaf}.csr`, '-CA', 'sub.pem', '-CAkey', 'sub.key', '-sha256', '-days', '730', '-set_serial', serial, '-extfile', 'ext.cnf', '-extensions', 'tls', '-out', `${leaf}.pem`);
  }
  run('ca', '-config', 'sub-ca.cnf', '-keyfile', 'sub.key', '-cert', 'sub.pem', '-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise');
  run('ca', '-config', 'sub-ca.cnf', '-keyfile', 'sub.key', '-cert', 'sub.pem', '-gencrl', '-out', 'sub.crl');
  run('ca', '-config', 'root-ca.cnf', '-keyfile', 'root.key', '-cert', 'root.pem', '-gencrl', '-out', 'root.crl');
  return { dir, file };
}

describe('validateChain on certificates and CRLs made by OpenSSL', () => {
  it('accepts the good leaf, refuses the one `openssl ca -revoke` revoked, and reads the role-less leaf as no party', async () => {
    const { file } = opensslChain();
    const load = (n: string) => readFileSync(file(n), 'utf8');
    const input = {
      intermediates: parseCertificates(load('sub.pem')),
      roots: parseCertificates(load('root.pem')),
      crls: [...parseCrls(load('sub.crl')), ...parseCrls(load('root.crl'))],
    };
    const good = parseCertificate(load('good.pem'));
    const ok = await validateChain({ ...input, leaf: good, usage: 'tls-server' });
    expect(ok.ok ? ok.value.map((c) => c.subject) : ok.error.code).toEqual(['C=DE, O=Peer, CN=good', 'C=DE, O=Peer, CN=Peer Sub-CA', 'C=DE, O=Peer, CN=Peer Root']);
    const revoked = await validateChain({ ...input, leaf: parseCertificate(load('revoked.pem')), usage: 'tls-server' });
    expect(revoked.ok ? 'ok' : revoked.error.code).toBe('PKI_REVOKED');
    const wrong = await validateChain({ ...input, leaf: good, usage: 'encryption' });
    expect(wrong.ok ? 'ok' : wrong.error.code).toBe('PKI_WRONG_USAGE');
    expect(partyOf(good)).toBeUndefined();
  });
});
