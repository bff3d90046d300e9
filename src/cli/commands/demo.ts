import type { Command } from 'commander';
import { CliError } from '../errors.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole system on loopback with simulated meters')
    .option('--dir <dir>', 'data folder')
    .option('--duration <seconds>', 'stop after this many seconds')
    .action(() => {
      throw new CliError('CLI_USAGE', 'demo comes with the gateway runtime, which is not built yet; try `gridwarden decode --help`', 1);
    });
}
