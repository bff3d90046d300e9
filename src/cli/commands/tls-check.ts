import { join } from 'node:path';
import type { Command } from 'commander';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import { partyTlsFromPkiDir } from '../../wan/pki-credentials.js';
import { type TlsCheckOptions, checkTls, formatReport } from '../../wan/tls-check.js';
import type { TlsVariant } from '../../wan/tls-profile.js';
import { CliError } from '../errors.js';
import { keyStorePassphrase } from '../passphrase.js';

const PROFILES: readonly TlsVariant[] = ['wan', 'han', 'lmn'];

interface TlsCheckFlags {
  readonly profile: string;
  readonly dir?: string;
  readonly as?: string;
  readonly passphraseFile?: string;
  readonly timeout: string;
}

export function registerTlsCheck(program: Command): void {
  program
    .command('tls-check')
    .description('probe a TLS endpoint against the WAN/HAN/LMN profile: JSON on stdout, a table on stderr, exit 1 when not compliant')
    .argument('<host:port>', 'the endpoint, e.g. 127.0.0.1:8443 or [::1]:8443')
    .option('--profile <profile>', `one of ${PROFILES.join(', ')}`, 'wan')
    .option('--dir <dir>', 'PKI folder with our party (to complete mutual-TLS handshakes)')
    .option('--as <name>', 'the party in --dir whose TLS certificate to present')
    .option('--passphrase-file <file>', 'key store passphrase for --dir (else GRIDWARDEN_PASSPHRASE)')
    .option('--timeout <ms>', 'per-handshake timeout in milliseconds', '10000')
    .action(async (target: string, flags: TlsCheckFlags) => {
      const { host, port } = parseTarget(target);
      const variant = PROFILES.find((p) => p === flags.profile);
      if (variant === undefined) throw new CliError('CLI_BAD_OPTION', `--profile must be one of ${PROFILES.join(', ')}`);
      const timeoutMs = Number(flags.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError('CLI_BAD_OPTION', '--timeout must be a positive number of milliseconds');
      if ((flags.dir === undefined) !== (flags.as === undefined)) throw new CliError('CLI_USAGE', '--dir and --as go together');

      const run = async (client?: TlsCheckOptions['client']) => {
        const report = await checkTls({ host, port, variant, timeoutMs, ...(client === undefined ? {} : { client }) });
        process.stdout.write(`${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
        process.stderr.write(`${formatReport(report)}\n`);
        // The command ran; a non-compliant endpoint is its finding, reported through the exit status.
        if (!report.compliant) process.exitCode = 1;
      };
      if (flags.dir === undefined || flags.as === undefined) return run();
      const sm = await SoftwareSecurityModule.open(join(flags.dir, 'keys.json'), keyStorePassphrase(flags.passphraseFile));
      try {
        const party = await partyTlsFromPkiDir(flags.dir, flags.as, sm);
        await run({ credentials: party.credentials, trust: party.trust });
      } finally {
        await sm.close();
      }
    });
}

function parseTarget(target: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port < 1 || port > 65535) throw new CliError('CLI_USAGE', `expected HOST:PORT, got ${JSON.stringify(target)}`);
  return { host: (m[1] ?? m[2])!, port };
}

