import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE_POLICY_OID, type Role } from '../../pki/index.js';

/**
 * A small SM-PKI look-alike built with the `openssl` command for WAN tests and the bench: a brainpoolP384r1
 * root, brainpoolP256r1 sub-CAs, party certificates per the DESIGN profiles, CRLs for every CA, and the odd
 * certificates the negative tests need (revoked, expired, P-256, foreign CA, SIG used for TLS, RSA).
 */

export interface TestCa {
  readonly name: string;
  readonly dir: string;
  readonly certPem: string;
  readonly crlPem: string;
}

export interface TestCredential {
  readonly certFile: string;
  readonly keyFile: string;
  /** The issuing sub-CA certificate (for `s_client -cert_chain`). */
  readonly issuerFile: string;
  /** The certificate followed by its issuing sub-CA, as a TLS peer sends it. */
  readonly chainPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface TestPki {
  readonly dir: string;
  readonly root: TestCa;
  readonly subCas: { readonly gwa: TestCa; readonly emt: TestCa };
  /** Roots to trust (the PEM of our root). */
  readonly rootsPem: string;
  /** All CRLs of our hierarchy, one per CA including the root. */
  readonly crlsPem: readonly string[];
  readonly rootFile: string;
  /** Concatenated CRL file for `openssl s_client -CRL`. */
  readonly crlFile: string;
  /** Sub-CA certificates concatenated (what a peer needs to build chains). */
  readonly subCasFile: string;
  readonly party: Readonly<Record<FixtureParty, TestCredential>>;
  issue(name: string, opts: IssueOptions): TestCredential;
  /** Revoke and re-issue that CA's CRL; `crlsPem` and `crlFile` follow. */
  revoke(cred: TestCredential, ca: 'gwa' | 'emt'): void;
}

export type FixtureParty =
  | 'gwa'
  | 'emt'
  | 'gateway'
  | 'gatewaySig'
  | 'gwaSig'
  | 'revoked'
  | 'expired'
  | 'p256'
  | 'foreign'
  | 'rsa'
  | 'hanP256';

export interface IssueOptions {
  readonly ca: 'gwa' | 'emt' | 'foreign';
  readonly role: Role;
  readonly usage: 'tls' | 'sig';
  readonly org: string;
  readonly marketPartnerId: string;
  readonly curve?: 'brainpoolP256r1' | 'prime256v1' | 'rsa';
  readonly expired?: boolean;
}

const openssl = (args: readonly string[], cwd: string): string => execFileSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function caConfig(dir: string): string {
  return `[ca]
default_ca = ca_default
[ca_default]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/new
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
default_md = sha256
default_days = 730
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ext_subca]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ext_crl]
authorityKeyIdentifier = keyid:always
`;
}

function genKey(curve: 'brainpoolP256r1' | 'brainpoolP384r1' | 'prime256v1' | 'rsa', file: string, cwd: string): void {
  if (curve === 'rsa') openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file], cwd);
  else openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`, '-pkeyopt', 'ec_param_enc:named_curve', '-out', file], cwd);
}

function makeCaDir(dir: string): void {
  mkdirSync(join(dir, 'new'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), caConfig(dir));
}

function makeCrl(dir: string): string {
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-gencrl', '-keyfile', 'key.pem', '-cert', 'cert.pem', '-crlexts', 'ext_crl', '-md', 'sha256', '-out', 'crl.pem'], dir);
  return readFileSync(join(dir, 'crl.pem'), 'utf8');
}

function makeRoot(dir: string, cn: string): TestCa {
  makeCaDir(dir);
  genKey('brainpoolP384r1', 'key.pem', dir);
  openssl(
    ['req', '-new', '-x509', '-key', 'key.pem', '-sha384', '-days', '3650', '-subj', `/CN=${cn}/O=gridwarden test/C=DE`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'cert.pem'],
    dir,
  );
  return { name: cn, dir, certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), crlPem: makeCrl(dir) };
}

function makeSubCa(root: TestCa, dir: string, cn: string): TestCa {
  makeCaDir(dir);
  genKey('brainpoolP256r1', 'key.pem', dir);
  openssl(['req', '-new', '-key', 'key.pem', '-subj', `/CN=${cn}/O=gridwarden test/C=DE`, '-out', 'req.pem'], dir);
  openssl(['ca', '-batch', '-config', join(root.dir, 'ca.cnf'), '-keyfile', join(root.dir, 'key.pem'), '-cert', join(root.dir, 'cert.pem'),
    '-md', 'sha384', '-extensions', 'ext_subca', '-days', '1825', '-notext', '-in', 'req.pem', '-out', 'cert.pem'], dir);
  return { name: cn, dir, certPem: readFileSync(join(dir, 'cert.pem'), 'utf8'), crlPem: makeCrl(dir) };
}

/** End-entity extensions of the SM-PKI profile, with the role as a certificate policy (as src/pki reads it). */
function leafExtensions(opts: IssueOptions): string {
  const usage =
    opts.usage === 'tls'
      ? 'keyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth,clientAuth'
      : 'keyUsage = critical,digitalSignature,nonRepudiation';
  return `[leaf]
basicConstraints = critical,CA:FALSE
${usage}
certificatePolicies = ${ROLE_POLICY_OID[opts.role]}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;
}

function issueLeaf(ca: TestCa, dir: string, name: string, opts: IssueOptions): TestCredential {
  mkdirSync(dir, { recursive: true });
  const extFile = join(dir, `${opts.usage}-ext.cnf`);
  writeFileSync(extFile, leafExtensions(opts));
  const keyFile = join(dir, `${opts.usage}-key.pem`);
  const certFile = join(dir, `${opts.usage}.pem`);
  genKey(opts.curve ?? 'brainpoolP256r1', keyFile, dir);
  openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${name}/O=${opts.org}/OU=${opts.marketPartnerId}/C=DE`, '-out', join(dir, 'req.pem')], dir);
  const validity = opts.expired === true ? ['-startdate', '20200101000000Z', '-enddate', '20220101000000Z'] : ['-days', '730'];
  openssl(['ca', '-batch', '-config', join(ca.dir, 'ca.cnf'), '-keyfile', join(ca.dir, 'key.pem'), '-cert', join(ca.dir, 'cert.pem'),
    '-md', 'sha256', '-extfile', extFile, '-extensions', 'leaf', ...validity, '-notext', '-in', join(dir, 'req.pem'), '-out', certFile], dir);
  const certPem = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, issuerFile: join(ca.dir, 'cert.pem'), certPem, keyPem: readFileSync(keyFile, 'utf8'), chainPem: certPem + ca.certPem };
}

/** Build the whole fixture in `dir` (a fresh temporary folder); takes about a second. */
export function createTestPki(dir: string): TestPki {
  const root = makeRoot(join(dir, 'root'), 'gridwarden test root');
  const gwa = makeSubCa(root, join(dir, 'subca-gwa'), 'gridwarden test GWA-CA');
  const emt = makeSubCa(root, join(dir, 'subca-emt'), 'gridwarden test EMT-CA');
  const foreignRoot = makeRoot(join(dir, 'foreign-root'), 'foreign root');
  const foreignSub = makeSubCa(foreignRoot, join(dir, 'foreign-sub'), 'foreign sub-CA');
  const cas = { gwa, emt, foreign: foreignSub } as const;
  const issue = (name: string, opts: IssueOptions): TestCredential => issueLeaf(cas[opts.ca], join(dir, 'parties', name), name, opts);

  const party: Record<FixtureParty, TestCredential> = {
    gwa: issue('gwa-1', { ca: 'gwa', role: 'gwa', usage: 'tls', org: 'Admin GmbH', marketPartnerId: '9900000000001' }),
    gwaSig: issue('gwa-1', { ca: 'gwa', role: 'gwa', usage: 'sig', org: 'Admin GmbH', marketPartnerId: '9900000000001' }),
    emt: issue('emt-1', { ca: 'emt', role: 'emt', usage: 'tls', org: 'Energy AG', marketPartnerId: '9900000000002' }),
    gateway: issue('EDEF0123456789', { ca: 'gwa', role: 'gateway', usage: 'tls', org: 'Gateway Operator', marketPartnerId: '9900000000001' }),
    gatewaySig: issue('EDEF0123456789', { ca: 'gwa', role: 'gateway', usage: 'sig', org: 'Gateway Operator', marketPartnerId: '9900000000001' }),
    revoked: issue('emt-revoked', { ca: 'emt', role: 'emt', usage: 'tls', org: 'Energy AG', marketPartnerId: '9900000000003' }),
    expired: issue('emt-expired', { ca: 'emt', role: 'emt', usage: 'tls', org: 'Energy AG', marketPartnerId: '9900000000004', expired: true }),
    p256: issue('emt-p256', { ca: 'emt', role: 'emt', usage: 'tls', org: 'Energy AG', marketPartnerId: '9900000000005', curve: 'prime256v1' }),
    hanP256: issue('gateway-han', { ca: 'gwa', role: 'gateway', usage: 'tls', org: 'Gateway Operator', marketPartnerId: '9900000000001', curve: 'prime256v1' }),
    foreign: issue('emt-foreign', { ca: 'foreign', role: 'emt', usage: 'tls', org: 'Elsewhere', marketPartnerId: '9900000000006' }),
    rsa: issue('emt-rsa', { ca: 'emt', role: 'emt', usage: 'tls', org: 'Energy AG', marketPartnerId: '9900000000007', curve: 'rsa' }),
  };

  const crls: string[] = [];
  const write = (): { crlsPem: string[]; crlFile: string } => {
    const crlsPem = [root.dir, gwa.dir, emt.dir].map((d) => readFileSync(join(d, 'crl.pem'), 'utf8'));
    const crlFile = join(dir, 'crls.pem');
    writeFileSync(crlFile, crlsPem.join(''));
    return { crlsPem, crlFile };
  };
  const revoke = (cred: TestCredential, ca: 'gwa' | 'emt'): void => {
    const caDir = cas[ca].dir;
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-keyfile', 'key.pem', '-cert', 'cert.pem', '-revoke', cred.certFile, '-crl_reason', 'keyCompromise'], caDir);
    makeCrl(caDir);
    const next = write();
    crls.splice(0, crls.length, ...next.crlsPem);
  };
  revoke(party.revoked, 'emt');
  const crlFile = join(dir, 'crls.pem');

  const rootFile = join(root.dir, 'cert.pem');
  const subCasFile = join(dir, 'subcas.pem');
  writeFileSync(subCasFile, gwa.certPem + emt.certPem);
  return {
    dir,
    root,
    subCas: { gwa, emt },
    rootsPem: root.certPem,
    get crlsPem() {
      return crls;
    },
    rootFile,
    crlFile,
    subCasFile,
    party,
    issue,
    revoke,
  };
}
