import type { Command } from 'commander';
import { loadHeadendConfig } from '../../headend/config.js';
import { dashboardAddress } from '../../headend/operator-auth.js';
import { exportToCsv } from '../../headend/privacy/csv.js';
import { exportConsumer } from '../../headend/privacy/export.js';
import { openHeadendStore, startHeadend } from '../../headend/runtime.js';
import { CliError } from '../errors.js';

interface HeadendOptions {
  readonly config: string;
  readonly check?: boolean;
}

/** `gridwarden headend --config FILE`: runs the administrator and market-participant head-end until SIGINT/SIGTERM. */
export function registerHeadend(program: Command): void {
  const headend = program
    .command('headend')
    .description('run the head-end: gateway administrator, EMT intake, pseudonymiser, operator API')
    .requiredOption('--config <file>', 'configuration file (JSON, or YAML by .yaml/.yml)')
    .option('--check', 'open the store, security module and listeners, print the addresses, then stop')
    .action(async (opts: HeadendOptions) => {
      const config = await loadHeadendConfig(opts.config);
      const he = await startHeadend(config);
      const address = (a: { address: string; port: number }) => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
      process.stdout.write(`${JSON.stringify({ wan: address(he.wan), operator: address(he.operator), gwa: config.gwa, emts: config.emts })}\n`);
      if (opts.check === true) {
        await he.close();
        return;
      }
      process.stderr.write(`gridwarden headend: WAN on ${address(he.wan)}, operator API on http://${address(he.operator)}\n`);
      if (config.operator.tokenFile === undefined) {
        // A token made for this run: shown once, on the terminal that started the head-end.
        process.stderr.write(`gridwarden headend: operator token for this run: ${he.operatorToken}\n  dashboard: ${dashboardAddress(address(he.operator), he.operatorToken)}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await he.close();
    });

  // `gridwarden headend --config FILE export --consumer ID`: the same export as the operator API, straight from
  // the store (no listener, no security module), e.g. to answer a written access request.
  headend
    .command('export')
    .description("print everything the hosted market participants hold about one consumer (the operator API's /consumers/:id/export)")
    .requiredOption('--consumer <id>', 'consumer id as register-meter and add-contract named it')
    .option('--format <format>', 'json or csv', 'json')
    .action(async (opts: ExportOptions, cmd: Command) => {
      if (opts.format !== 'json' && opts.format !== 'csv') throw new CliError('CLI_BAD_OPTION', '--format is json or csv');
      const config = await loadHeadendConfig((cmd.optsWithGlobals() as HeadendOptions).config);
      const db = await openHeadendStore(config.store);
      try {
        const data = await exportConsumer(db, opts.consumer, new Date());
        process.stdout.write(opts.format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : exportToCsv(data));
      } finally {
        await db.close();
      }
    });
}

interface ExportOptions {
  readonly consumer: string;
  readonly format: string;
}
