import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';
import { CliError } from '../errors.js';

interface DemoFlags {
  readonly dir: string;
  readonly duration?: string;
  readonly speed: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole system on loopback with simulated meters: PKI, head-end, gateway, portal, dashboard')
    .option('--dir <dir>', 'data folder (made anew each run)', '.gridwarden-demo')
    .option('--duration <seconds>', 'stop after this many seconds (default: run until Ctrl-C)')
    .option('--speed <factor>', 'how fast the meters replay the last 24 hours before running in real time', '240')
    .action(async (flags: DemoFlags) => {
      const duration = flags.duration === undefined ? undefined : Number(flags.duration);
      if (duration !== undefined && !(Number.isFinite(duration) && duration > 0)) throw new CliError('CLI_BAD_OPTION', '--duration must be a positive number of seconds');
      const speed = Number(flags.speed);
      if (!(Number.isFinite(speed) && speed >= 2 && speed <= 10_000)) throw new CliError('CLI_BAD_OPTION', '--speed must be a number from 2 to 10000');
      let onSignal = () => {};
      const stopSignal = new Promise<void>((resolve) => {
        onSignal = resolve;
      });
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runDemo({
          dir: flags.dir,
          speed,
          ...(duration === undefined ? {} : { durationS: duration }),
          say: (line) => process.stderr.write(`${line}\n`),
          emit: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
          stopSignal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
