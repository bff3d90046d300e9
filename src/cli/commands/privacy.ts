import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadGatewayConfig } from '../../gateway/config.js';
import { formatReport, privacyReport } from '../../gateway/privacy/report.js';
import { openGatewayStore } from '../../gateway/runtime.js';
import { CliError } from '../errors.js';

/** The gateway's store inside its data folder (src/gateway/runtime.ts). */
const GATEWAY_DB = 'gateway.db';

/**
 * `gridwarden privacy report --config FILE [--json]`: per consumer, each recipient of their data, the data
 * classes, granularity, legal basis and messages sent, for a data-protection impact assessment. Opens only the
 * store named by the configuration (no security module, no keys); a broken configuration exits with GW_CONFIG.
 */
export function registerPrivacy(program: Command): void {
  const privacy = program.command('privacy').description("privacy by design on the gateway: who receives which of the consumers' data");
  privacy
    .command('report')
    .description('per consumer: recipients, data classes, granularity, legal basis (contract or consent), messages sent')
    .requiredOption('--config <file>', 'gateway configuration file (JSON, or YAML by .yaml/.yml)')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { config: string; json?: boolean }) => {
      const config = await loadGatewayConfig(flags.config);
      // Opening would create an empty store: a folder without one is a mistake worth naming.
      if (!existsSync(join(config.dataDir, GATEWAY_DB))) throw new CliError('CLI_FILE', `${config.dataDir} holds no ${GATEWAY_DB}`);
      const db = await openGatewayStore(config.dataDir);
      try {
        const report = await privacyReport(db, new Date().toISOString());
        process.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      } finally {
        await db.close();
      }
    });
}
