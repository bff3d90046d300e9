/** Errors of the command line itself (usage, files, options); never reused once published. */
import { CodedError } from '../coded-error.js';

export const CLI_ERROR_CODES = {
  CLI_USAGE: 'the command line is not valid for this command',
  CLI_BAD_OPTION: 'an option value is not valid (hex key of the wrong length, unknown protocol)',
  CLI_FILE: 'a file named on the command line cannot be read or written',
  CLI_CONFIG: 'a configuration file is not valid',
  CLI_DEMO: 'the demo cannot start in that folder or could not set itself up',
} as const;

export type CliErrorCode = keyof typeof CLI_ERROR_CODES;

export const RETIRED_CLI_ERROR_CODES: readonly string[] = [];

export class CliError extends CodedError<CliErrorCode> {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, exitCode = code === 'CLI_USAGE' ? 2 : 1) {
    super(code, message);
    this.exitCode = exitCode;
  }
}
