import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type ContentEncryption, protect, resign, unprotect } from '../../cms/index.js';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import type { SecurityModule } from '../../crypto/security-module.js';
import { type PkiDir, openPkiDir, partyOf } from '../../pki/index.js';
import { CliError } from '../errors.js';
import { keyStorePassphrase } from '../passphrase.js';

/** The security module's store inside the PKI folder (as `gridwarden pki` keeps it). */
const KEY_STORE = 'keys.json';

interface CommonOptions {
  readonly dir: string;
  readonly in?: string;
  readonly out?: string;
  readonly passphraseFile?: string;
}

export function registerCms(program: Command): void {
  const cms = program.command('cms').description('CMS content protection: encrypt-then-sign, verify-and-decrypt, pseudonymising re-signature');
  const common = (cmd: Command): Command =>
    cmd
      .requiredOption('--dir <dir>', 'the PKI folder (certificates, CRLs and the key store)')
      .option('--in <file>', 'input file (default: stdin)')
      .option('--out <file>', 'output file (default: stdout)')
      .option('--passphrase-file <file>', 'key store passphrase (else GRIDWARDEN_PASSPHRASE)');

  common(cms.command('protect').description('encrypt for the recipients (AES-128-GCM AuthEnvelopedData), then sign; DER out'))
    .requiredOption('--from <name>', 'the sending party (its signature key and certificate)')
    .requiredOption('--to <names>', 'recipient parties, comma-separated (their encryption certificates)')
    .option('--cbc', 'AES-128-CBC EnvelopedData instead of AES-128-GCM AuthEnvelopedData')
    .action(async (opts: CommonOptions & { from: string; to: string; cbc?: boolean }) => {
      const names = opts.to.split(',').map((n) => n.trim());
      if (names.some((n) => n === '')) throw new CliError('CLI_BAD_OPTION', '--to needs party names separated by commas');
      const content = await input(opts);
      const der = await withPki(opts, async (pki, sm) => {
        const from = await pki.party(opts.from);
        const recipients = await Promise.all(names.map(async (n) => (await pki.party(n)).enc.cert));
        const contentEncryption: ContentEncryption = opts.cbc === true ? 'aes128-cbc' : 'aes128-gcm';
        return protect(content, { sm, signer: { keyLabel: from.sig.keyLabel, cert: from.sig.cert }, recipients, contentEncryption, includeCerts: from.sig.chain });
      });
      output(opts, der);
    });

  common(cms.command('unprotect').description('verify the signature and the signer chain, then decrypt; content out, JSON summary on stderr'))
    .requiredOption('--as <name>', 'the receiving party (its encryption key and certificate)')
    .action(async (opts: CommonOptions & { as: string }) => {
      const der = await input(opts);
      const out = await withPki(opts, async (pki, sm) => {
        const me = await pki.party(opts.as);
        return unprotect(der, { sm, recipient: { keyLabel: me.enc.keyLabel, cert: me.enc.cert }, trust: pki });
      });
      output(opts, out.content);
      const party = partyOf(out.signer);
      const summary = {
        signer: out.signer.subject,
        ...(party === undefined ? {} : { party: party.name, role: party.role }),
        ...(out.pseudonym === undefined ? {} : { pseudonym: out.pseudonym }),
        ...(out.signingTime === undefined ? {} : { signingTime: out.signingTime.toISOString() }),
        encryption: out.encryption,
        bytes: out.content.length,
      };
      process.stderr.write(`${JSON.stringify(summary)}\n`);
    });

  common(cms.command('resign').description("verify the sender, then replace its signature by ours with a pseudonym (no decryption); DER out"))
    .requiredOption('--as <name>', 'the intermediary party (its signature key and certificate)')
    .requiredOption('--pseudonym <p>', 'the pseudonym that stands in for the sender')
    .action(async (opts: CommonOptions & { as: string; pseudonym: string }) => {
      const der = await input(opts);
      const out = await withPki(opts, async (pki, sm) => {
        const me = await pki.party(opts.as);
        return resign(der, { sm, intermediary: { keyLabel: me.sig.keyLabel, cert: me.sig.cert }, pseudonym: opts.pseudonym, trust: pki, includeCerts: me.sig.chain });
      });
      output(opts, out);
    });
}

// --- internal ---

/** Opens the folder's certificates and its software key store, runs `job`, and closes the store. */
async function withPki<T>(opts: CommonOptions, job: (pki: PkiDir, sm: SecurityModule) => Promise<T>): Promise<T> {
  const pki = await openPkiDir(opts.dir);
  const sm = await SoftwareSecurityModule.open(join(opts.dir, KEY_STORE), keyStorePassphrase(opts.passphraseFile));
  try {
    return await job(pki, sm);
  } finally {
    await sm.close();
  }
}


async function input(opts: CommonOptions): Promise<Uint8Array> {
  if (opts.in !== undefined) {
    try {
      return new Uint8Array(readFileSync(opts.in));
    } catch {
      throw new CliError('CLI_FILE', `cannot read ${opts.in}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function output(opts: CommonOptions, bytes: Uint8Array): void {
  if (opts.out === undefined) {
    process.stdout.write(bytes);
    return;
  }
  try {
    writeFileSync(opts.out, bytes);
  } catch {
    throw new CliError('CLI_FILE', `cannot write ${opts.out}`);
  }
}
