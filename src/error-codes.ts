import { CLI_ERROR_CODES, RETIRED_CLI_ERROR_CODES } from './cli/errors.js';
import { CODEC_ERROR_CODES, RETIRED_CODEC_ERROR_CODES } from './protocols/errors.js';

/** Every error class of the project with its closed code set; the registry test checks docs/errors.md against it. */
export const ERROR_REGISTRIES: ReadonlyArray<{
  readonly errorClass: string;
  readonly prefix: string;
  readonly codes: Readonly<Record<string, string>>;
  readonly retired: readonly string[];
}> = [
  { errorClass: 'CodecError', prefix: 'CODEC_', codes: CODEC_ERROR_CODES, retired: RETIRED_CODEC_ERROR_CODES },
  { errorClass: 'CliError', prefix: 'CLI_', codes: CLI_ERROR_CODES, retired: RETIRED_CLI_ERROR_CODES },
];
