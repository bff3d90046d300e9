import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away PostgreSQL server on loopback, for tests: its own data folder, port and superuser. */
export interface TestPostgres {
  readonly url: string;
  /** A fresh empty database on that server, by name. */
  createDatabase(name: string): Promise<string>;
  /**
   * CPU seconds (user + system) the server's processes have used so far, from /proc: the postmaster, its
   * live children (one backend a connection) and the children it has reaped. Linux only; 0 elsewhere.
   */
  cpuSeconds(): number;
  stop(): void;
}

function pgBin(tool: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(base, v, 'bin', tool);
    if (existsSync(p)) return p;
  }
  throw new Error(`PostgreSQL's ${tool} was not found under ${base}: install the Debian package postgresql (npm run test:all does)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` system user. */
function asServerUser(tool: string, args: readonly string[]): { cmd: string; args: string[] } {
  const path = pgBin(tool);
  return process.getuid?.() === 0 ? { cmd: 'runuser', args: ['-u', 'postgres', '--', path, ...args] } : { cmd: path, args: [...args] };
}

/** utime + stime + cutime + cstime of a process, in clock ticks (proc(5): fields 14 to 17 of /proc/pid/stat). */
function ticksOf(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0; // exited meanwhile: its time moves to the parent's cutime
  }
  // After the command name in parentheses (which may contain spaces): field 3 (state) is index 0.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function clockTicksPerSecond(): number {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

/** A new temporary folder the server user owns (as root: handed to `postgres`). */
function serverOwnedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

// 1 MB WAL segments instead of 16: the folder every test file copies shrinks from 39 MB to 24 MB.
const INITDB_ARGS = ['-A', 'trust', '-U', 'gridwarden', '--no-sync', '-E', 'UTF8', '--locale=C', '--wal-segsize=1'] as const;
/** A lock older than this was left by a killed process: taken over. */
const STALE_LOCK_MS = 180_000;

/**
 * A data folder fresh from initdb, made once and then copied by every test file (and later runs) of this user,
 * PostgreSQL version and initdb arguments: initdb takes seconds (ten and more on a loaded machine), a copy
 * of its 40 MB a fraction of one. It is made elsewhere and renamed into place, so nobody sees half a folder;
 * a lock folder keeps parallel workers from all running initdb at once.
 */
async function templateDataDir(): Promise<string> {
  const initdb = pgBin('initdb');
  const key = createHash('sha256').update(`${initdb} ${INITDB_ARGS.join(' ')}`).digest('hex').slice(0, 16);
  const home = join(tmpdir(), `gridwarden-pg-template-${process.getuid?.() ?? 'user'}`);
  const ready = join(home, key);
  const lock = `${ready}.lock`;
  mkdirSync(home, { recursive: true });
  for (;;) {
    if (existsSync(join(ready, 'PG_VERSION'))) return ready;
    try {
      mkdirSync(lock);
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      if (existsSync(join(ready, 'PG_VERSION'))) return ready;
      const work = serverOwnedTempDir('gw-pg-initdb-');
      try {
        const init = asServerUser('initdb', ['-D', join(work, 'data'), ...INITDB_ARGS]);
        const r = spawnSync(init.cmd, init.args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}`);
        rmSync(ready, { recursive: true, force: true });
        renameSync(join(work, 'data'), ready);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      return ready;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const template = await templateDataDir();
  const dir = serverOwnedTempDir('gw-pg-');
  const data = join(dir, 'data');
  // Copied as the server user with modes kept: PostgreSQL insists on owning its 0700 data folder.
  const copy = process.getuid?.() === 0 ? { cmd: 'runuser', args: ['-u', 'postgres', '--', 'cp', '-a', template, data] } : { cmd: 'cp', args: ['-a', template, data] };
  const r1 = spawnSync(copy.cmd, copy.args, { encoding: 'utf8' });
  if (r1.status !== 0) throw new Error(`copying the template data folder failed: ${r1.stderr}`);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = asServerUser('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const r2 = spawnSync(start.cmd, start.args, { encoding: 'utf8' });
  if (r2.status !== 0) throw new Error(`pg_ctl start failed: ${r2.stderr}${r2.stdout}`);
  const url = `postgres://gridwarden@127.0.0.1:${port}/postgres`;
  let stopped = false;
  let postmaster: number | undefined;
  const ticksPerSecond = clockTicksPerSecond();
  const stop = () => {
    if (stopped) return;
    stopped = true;
    const s = asServerUser('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(s.cmd, s.args, { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  return {
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://gridwarden@127.0.0.1:${port}/${name}`;
    },
    cpuSeconds() {
      if (postmaster === undefined) {
        try {
          postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        } catch {
          return 0;
        }
      }
      const pid = postmaster;
      return (ticksOf(pid) + childrenOf(pid).reduce((sum, c) => sum + ticksOf(c), 0)) / ticksPerSecond;
    },
    stop,
  };
}
