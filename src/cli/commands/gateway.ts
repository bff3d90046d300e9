import type { Command } from 'commander';
import { loadGatewayConfig } from '../../gateway/config.js';
import { type RuntimeEvent, startGateway } from '../../gateway/runtime.js';

interface GatewayFlags {
  readonly config: string;
  readonly exitWhenInputsEnd?: boolean;
}

/**
 * `gridwarden gateway --config FILE`: runs the gateway until SIGINT/SIGTERM (or, with --exit-when-inputs-end,
 * until its stdin/file inputs are read through and the outbox has had a last drain). Events go to stderr as
 * JSON lines; the final counts to stdout as one JSON object.
 */
export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .description('run the smart meter gateway: LMN inputs in, contract data out to the head-end')
    .requiredOption('--config <file>', 'configuration file (JSON, or YAML by .yaml/.yml)')
    .option('--exit-when-inputs-end', 'stop once every stdin/file input is read through (batch ingest)')
    .action(async (flags: GatewayFlags) => {
      const config = await loadGatewayConfig(flags.config);
      const emit = (e: RuntimeEvent) => process.stderr.write(`${JSON.stringify(e)}\n`);
      const gw = await startGateway(config, { onEvent: emit });
      const stopped = new Promise<void>((resolve) => {
        const stop = () => {
          void gw.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (flags.exitWhenInputsEnd === true) void gw.inputsDone.then(stop);
      });
      await stopped;
      process.stdout.write(`${JSON.stringify({ stats: gw.ingestor.stats })}\n`);
    });
}
