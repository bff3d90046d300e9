import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The run's temporary files (SQLite stores, PostgreSQL clusters, key stores, browser profiles) go to a folder
 * in RAM when the machine has room there: on a busy disk every fsync of a store costs milliseconds, and
 * copying a PostgreSQL data folder seconds. The folder is the run's own and is removed when the run ends.
 */
function ramTmpDir(): string | undefined {
  const shm = '/dev/shm';
  try {
    const fs = statfsSync(shm);
    // Containers often give /dev/shm 64 MB: too small, then the usual temporary folder stays.
    if (fs.bavail * fs.bsize < 2 * 1024 ** 3) return undefined;
    const dir = mkdtempSync(join(shm, 'gridwarden-vitest-'));
    // Open like /tmp (sticky, everyone may write): PostgreSQL's tools run as their own user under it.
    chmodSync(dir, 0o1777);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  } catch {
    return undefined;
  }
}

// GRIDWARDEN_TEST_TMPDIR names another folder to use instead. Set before the workers start, so they and every
// process they spawn inherit it (os.tmpdir() reads TMPDIR); a config loaded twice makes one folder only.
const testTmp = process.env.GRIDWARDEN_TEST_TMPDIR || ramTmpDir();
if (testTmp !== undefined) process.env.TMPDIR = process.env.GRIDWARDEN_TEST_TMPDIR = testTmp;

/**
 * Files that take minutes of a run, longest first. A fresh clone has no timings from an earlier run, and
 * vitest then starts the largest files first: one of these started last would run alone at the end.
 */
const LONG_FIRST = [
  /gateway\/crash\.test\.ts$/,
  /cli\/commands\/log\.test\.ts$/,
  /cli\/commands\/demo\.test\.ts$/,
  /cli\/demo\/run-demo\.test\.ts$/,
  /\.browser\.test\.ts$/,
  /cli\/commands\/pki\.test\.ts$/,
  /gateway\/logs\/gateway-logs\.test\.ts$/,
  /cli\/commands\/decode\.test\.ts$/,
  /cli\/commands\/tls-check\.test\.ts$/,
];

class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((re) => re.test(relative(import.meta.dirname, f.moduleId)));
      return i < 0 ? LONG_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order (known slow and failed ones first).
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most tests wait on child processes, servers and sockets: more workers than the 2 cores keep both busy.
    maxWorkers: 4,
    sequence: { sequencer: LongFirstSequencer },
  },
});
