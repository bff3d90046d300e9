import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { X509Certificate } from '@peculiar/x509';
import type { SecurityModule } from '../../crypto/security-module.js';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import {
  type CertUsage,
  PKI_FILES,
  PkiError,
  ROLES,
  type Role,
  TRIPLET_USAGES,
  type TripletUsage,
  crlNumberOf,
  initPki,
  isRevocationReason,
  issueCrl,
  issueParty,
  openPkiDir,
  parseCertificate,
  partyOf,
  revoke,
  rollover,
} from '../../pki/index.js';
import { CliError } from '../errors.js';
import { keyStorePassphrase } from '../passphrase.js';

/** The security module's store inside the PKI folder. */
const KEY_STORE = 'keys.json';

/** What each certificate of the triplet is validated for when no --purpose is given. */
const DEFAULT_PURPOSE: Readonly<Record<TripletUsage, CertUsage>> = { tls: 'tls-client', sig: 'signature', enc: 'encryption' };
const PURPOSES: readonly CertUsage[] = ['tls-client', 'tls-server', 'signature', 'encryption'];

interface DirOptions {
  readonly dir: string;
  readonly passphraseFile?: string;
}


/** Opens (or for init, creates) the software key store of the folder, runs `job`, and closes the store. */
async function withModule<T>(opts: DirOptions, create: boolean, job: (sm: SecurityModule) => Promise<T>): Promise<T> {
  const path = join(opts.dir, KEY_STORE);
  const secret = keyStorePassphrase(opts.passphraseFile);
  let sm: SecurityModule;
  if (existsSync(path)) sm = await SoftwareSecurityModule.open(path, secret);
  else if (create) sm = await SoftwareSecurityModule.create(path, secret);
  else throw new PkiError('PKI_DIR', `${opts.dir} has no key store (${KEY_STORE}); run \`pki init\` first`);
  try {
    return await job(sm);
  } finally {
    await sm.close();
  }
}

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new PkiError('PKI_BAD_INPUT', `${what} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function parseAt(at: string | undefined): Date | undefined {
  if (at === undefined) return undefined;
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) throw new PkiError('PKI_BAD_INPUT', `--at ${JSON.stringify(at)} is not an ISO date`);
  return d;
}

function certSummary(c: X509Certificate): Record<string, unknown> {
  const party = partyOf(c);
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    ...(party === undefined ? {} : { party }),
  };
}

export function registerPki(program: Command): void {
  const pki = program.command('pki').description('the smart-metering PKI: root and sub-CAs, party certificates, CRLs, link certificates');
  const withDir = (cmd: Command): Command =>
    cmd.requiredOption('--dir <dir>', 'the PKI folder').option('--passphrase-file <file>', 'key store passphrase (else GRIDWARDEN_PASSPHRASE)');

  withDir(pki.command('init').description('create the root CA, the sub-CAs GWA, EMT and GWH and their CRLs'))
    .option('--org <org>', 'organisation named in the CA certificates', 'gridwarden')
    .option('--crl-base <uri>', 'CRL distribution point prefix (default: file: URI of DIR/crl/)')
    .action(async (opts: DirOptions & { org: string; crlBase?: string }) => {
      if (existsSync(join(opts.dir, 'pki.json'))) throw new PkiError('PKI_EXISTS', `${opts.dir} holds a PKI already`);
      mkdirSync(opts.dir, { recursive: true });
      const summary = await withModule(opts, true, (sm) => initPki({ dir: opts.dir, sm }, { org: opts.org, ...(opts.crlBase === undefined ? {} : { crlBase: opts.crlBase }) }));
      print(summary);
    });

  withDir(pki.command('issue').description("issue a party's TLS, SIG and ENC certificates"))
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--name <name>', 'party name (CN, and the folder of its certificates)')
    .option('--org <org>', 'organisation (O)')
    .option('--mpid <id>', 'market partner id (OU)')
    .action(async (opts: DirOptions & { role: string; name: string; org?: string; mpid?: string }) => {
      const role = oneOf<Role>(opts.role, ROLES, '--role')!;
      const issued = await withModule(opts, false, (sm) =>
        issueParty(
          { dir: opts.dir, sm },
          { role, name: opts.name, ...(opts.org === undefined ? {} : { org: opts.org }), ...(opts.mpid === undefined ? {} : { marketPartnerId: opts.mpid }) },
        ),
      );
      print(issued);
    });

  withDir(pki.command('revoke').description("revoke a party's certificates and publish its sub-CA's CRL"))
    .requiredOption('--name <name>', 'party name')
    .option('--usage <usage>', `one of ${TRIPLET_USAGES.join(', ')} (default: all three)`)
    .option('--reason <reason>', 'RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn')
    .action(async (opts: DirOptions & { name: string; usage?: string; reason?: string }) => {
      const usage = oneOf<TripletUsage>(opts.usage, TRIPLET_USAGES, '--usage');
      if (opts.reason !== undefined && !isRevocationReason(opts.reason)) throw new PkiError('PKI_BAD_INPUT', `--reason ${JSON.stringify(opts.reason)} is not a revocation reason`);
      const reason = opts.reason;
      const out = await withModule(opts, false, (sm) =>
        revoke({ dir: opts.dir, sm }, { name: opts.name, ...(usage === undefined ? {} : { usage }), ...(reason !== undefined && isRevocationReason(reason) ? { reason } : {}) }),
      );
      print(out);
    });

  withDir(pki.command('crl').description('publish a fresh CRL for every CA, each root generation included'))
    .option('--days <days>', 'validity of the CRLs in days', '30')
    .action(async (opts: DirOptions & { days: string }) => {
      const days = Number(opts.days);
      print({ crls: await withModule(opts, false, (sm) => issueCrl({ dir: opts.dir, sm }, days)) });
    });

  withDir(pki.command('rollover').description('new root key and certificate, link certificates both ways, sub-CAs certified anew')).action(
    async (opts: DirOptions) => {
      print(await withModule(opts, false, (sm) => rollover({ dir: opts.dir, sm })));
    },
  );

  pki
    .command('show')
    .description('the CAs, CRLs and parties of a PKI folder, or one party')
    .requiredOption('--dir <dir>', 'the PKI folder')
    .option('--name <name>', 'one party')
    .action(async (opts: { dir: string; name?: string }) => {
      const p = await openPkiDir(opts.dir);
      if (opts.name !== undefined) {
        const party = await p.party(opts.name);
        print({
          name: party.name,
          role: party.role,
          certs: Object.fromEntries(TRIPLET_USAGES.map((u) => [u, { file: PKI_FILES.party(party.name, u), keyLabel: party[u].keyLabel, ...certSummary(party[u].cert) }])),
        });
        return;
      }
      print({
        roots: p.roots.map(certSummary),
        subCas: p.subCas.map(certSummary),
        links: p.links.map(certSummary),
        crls: p.crls.map((c) => ({ issuer: c.issuer, crlNumber: crlNumberOf(c), thisUpdate: c.thisUpdate.toISOString(), nextUpdate: c.nextUpdate?.toISOString(), revoked: c.entries.length })),
        parties: p.parties,
      });
    });

  pki
    .command('verify')
    .description('validate certificates against the folder: chain, usage, validity, revocation, link certificates')
    .requiredOption('--dir <dir>', 'the PKI folder')
    .option('--name <name>', "a party's certificates")
    .option('--usage <usage>', `with --name: one of ${TRIPLET_USAGES.join(', ')} (default: all three)`)
    .option('--cert <file>', 'a certificate file (PEM or DER)')
    .option('--purpose <purpose>', `validate for ${PURPOSES.join(', ')} (default: from the certificate's usage)`)
    .option('--at <iso>', 'validation time (default: now)')
    .action(async (opts: { dir: string; name?: string; usage?: string; cert?: string; purpose?: string; at?: string }) => {
      if ((opts.name === undefined) === (opts.cert === undefined)) throw new CliError('CLI_USAGE', 'give either --name or --cert');
      const at = parseAt(opts.at);
      const purpose = oneOf<CertUsage>(opts.purpose, PURPOSES, '--purpose');
      const usage = oneOf<TripletUsage>(opts.usage, TRIPLET_USAGES, '--usage');
      const p = await openPkiDir(opts.dir);
      const targets: Array<{ what: string; cert: X509Certificate; usage: TripletUsage | undefined }> = [];
      if (opts.name !== undefined) {
        const party = await p.party(opts.name);
        for (const u of usage === undefined ? TRIPLET_USAGES : [usage]) targets.push({ what: PKI_FILES.party(opts.name, u), cert: party[u].cert, usage: u });
      } else {
        let bytes: Buffer;
        try {
          bytes = readFileSync(opts.cert!);
        } catch {
          throw new CliError('CLI_FILE', `cannot read ${opts.cert}`);
        }
        const cert = parseCertificate(new Uint8Array(bytes), opts.cert);
        targets.push({ what: opts.cert!, cert, usage: usage ?? partyOf(cert)?.usage });
      }
      const results = [];
      let firstError: PkiError | undefined;
      for (const t of targets) {
        const as = purpose ?? (t.usage === undefined ? undefined : DEFAULT_PURPOSE[t.usage]);
        if (as === undefined) throw new CliError('CLI_USAGE', `${t.what} is no party certificate of the profile: give --purpose`);
        const r = await p.validate(t.cert, as, at);
        if (r.ok) results.push({ certificate: t.what, purpose: as, valid: true, chain: r.value.map((c) => c.subject) });
        else {
          firstError ??= r.error;
          results.push({ certificate: t.what, purpose: as, valid: false, error: r.error.toJSON() });
        }
      }
      print({ valid: firstError === undefined, at: (at ?? new Date()).toISOString(), results });
      if (firstError !== undefined) throw firstError;
    });
}
