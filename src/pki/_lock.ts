import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PkiError } from './errors.js';

/** Beside pki.json while an operation reads, signs and writes it back. */
export const LOCK_FILE = 'pki.lock';

export interface LockOptions {
  /** How long to wait for another operation to finish before giving up. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/**
 * Runs `work` holding the folder's lock, so two processes (or two calls in one) issuing, revoking or rolling
 * over never write pki.json from stale copies: the later one would silently drop the earlier's party or
 * revocation. The lock is a file created exclusively with the holder's pid; a lock whose process is gone is
 * taken over.
 */
export async function withPkiLock<T>(dir: string, work: () => Promise<T>, o: LockOptions = {}): Promise<T> {
  const path = join(dir, LOCK_FILE);
  mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + (o.waitMs ?? 30_000);
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if (!isCode(e, 'EEXIST')) throw new PkiError('PKI_DIR', `cannot create the lock ${path}: ${e instanceof Error ? e.message : String(e)}`);
      if (holderGone(path)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() >= deadline) throw new PkiError('PKI_BUSY', `another operation holds ${path} (pid ${holderPid(path) ?? 'unknown'})`);
      await sleep(o.pollMs ?? 25);
    }
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}

function holderPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8'));
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** A lock file naming a process that no longer exists. An empty file is one being written: not gone. */
function holderGone(path: string): boolean {
  const pid = holderPid(path);
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return isCode(e, 'ESRCH');
  }
}

function isCode(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}
