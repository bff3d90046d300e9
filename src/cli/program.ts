import { Command, CommanderError } from 'commander';
import { registrations } from './commands/index.js';
import { CliError } from './errors.js';

export function buildProgram(): Command {
  const program = new Command('gridwarden')
    .description('open smart-metering security stack: meters, gateway, WAN, head-end, PKI')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}

/** Run the CLI: usage errors show help, coded errors print `code: message`, anything else the full error. */
export async function runMain(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // A command that ran but reported failures (e.g. some telegrams did not decode) sets exitCode itself.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      process.stderr.write(`gridwarden: ${e.code}: ${e.message}\n`);
      return e.exitCode;
    }
    const coded = e as { code?: unknown; message?: unknown };
    if (e instanceof Error && typeof coded.code === 'string') {
      process.stderr.write(`gridwarden: ${coded.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`gridwarden: unexpected error\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
