import { Command, CommanderError } from 'commander';
import { registrationsFor } from './commands/index.js';
import { CliError } from './errors.js';

/** The program for a run with these arguments: with only the command they name, or with all (help, unknown). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('gridwarden')
    .description('open smart-metering security stack: meters, gateway, WAN, head-end, PKI')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of await registrationsFor(argv)) register(program);
  return program;
}

/** Run the CLI: usage errors show help, coded errors print `code: message`, anything else the full error. */
export async function runMain(argv: readonly string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
