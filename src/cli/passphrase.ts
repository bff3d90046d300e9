import { readFileSync } from 'node:fs';
import { CliError } from './errors.js';

/** Environment variable that holds the software key store's passphrase when no file is named. */
export const PASSPHRASE_ENV = 'GRIDWARDEN_PASSPHRASE';

/** The key store passphrase: the first line of `--passphrase-file`, else GRIDWARDEN_PASSPHRASE. */
export function keyStorePassphrase(file: string | undefined): string {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliError('CLI_FILE', `cannot read the passphrase file ${file}`);
    }
    const first = text.split(/\r?\n/)[0] ?? '';
    if (first === '') throw new CliError('CLI_BAD_OPTION', 'the passphrase file is empty');
    return first;
  }
  const env = process.env[PASSPHRASE_ENV];
  if (env === undefined || env === '') throw new CliError('CLI_USAGE', `the key store needs a passphrase: set ${PASSPHRASE_ENV} or give --passphrase-file`);
  return env;
}
