import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOFTHSM2_LIBRARY } from '../_pkcs11-library.js';

export interface SoftHsmToken {
  /** Temporary folder holding softhsm2.conf and the token files. */
  readonly dir: string;
  readonly library: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly soPin: string;
  /** Removes the folder and restores SOFTHSM2_CONF. */
  cleanup(): void;
}

const MISSING =
  'SoftHSM2 is not installed (softhsm2-util or libsofthsm2.so missing). Install softhsm2 and ' +
  'libengine-pkcs11-openssl (apt-get install softhsm2 libengine-pkcs11-openssl; scripts/test-all.sh does it).';

/**
 * A fresh SoftHSM2 token in a temporary folder, found through SOFTHSM2_CONF (set here for this process and
 * its children). SoftHSM reads the configuration at C_Initialize, so make the token before opening a module.
 * Throws (it does not skip) when SoftHSM2 is missing: CI installs it, and a silent skip would hide the gap.
 */
export function createSoftHsmToken(opts: { tokenLabel?: string; pin?: string; soPin?: string } = {}): SoftHsmToken {
  if (!existsSync(SOFTHSM2_LIBRARY)) throw new Error(MISSING);
  const tokenLabel = opts.tokenLabel ?? 'gridwarden-test';
  const pin = opts.pin ?? '1234-user';
  const soPin = opts.soPin ?? '5678-so';
  const dir = mkdtempSync(join(tmpdir(), 'gridwarden-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const cleanup = () => {
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', soPin], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    cleanup();
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(MISSING);
    throw new Error(`softhsm2-util --init-token failed: ${String((e as { stderr?: unknown }).stderr ?? e)}`);
  }
  return { dir, library: SOFTHSM2_LIBRARY, tokenLabel, pin, soPin, cleanup };
}
