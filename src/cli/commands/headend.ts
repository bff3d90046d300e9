import type { Command } from 'commander';
import { loadHeadendConfig } from '../../headend/config.js';
import { startHeadend } from '../../headend/runtime.js';

interface HeadendOptions {
  readonly config: string;
  readonly check?: boolean;
}

/** `gridwarden headend --config FILE`: runs the administrator and market-participant head-end until SIGINT/SIGTERM. */
export function registerHeadend(program: Command): void {
  program
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
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await he.close();
    });
}
