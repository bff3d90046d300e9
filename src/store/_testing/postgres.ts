import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throw-away PostgreSQL server on loopback, for tests: its own data folder, port and superuser. */
export interface TestPostgres {
  readonly url: string;
  /** A fresh empty database on that server, by name. */
  createDatabase(name: string): Promise<string>;
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

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const init = asServerUser('initdb', ['-D', data, '-A', 'trust', '-U', 'gridwarden', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const r1 = spawnSync(init.cmd, init.args, { encoding: 'utf8' });
  if (r1.status !== 0) throw new Error(`initdb failed: ${r1.stderr}`);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = asServerUser('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const r2 = spawnSync(start.cmd, start.args, { encoding: 'utf8' });
  if (r2.status !== 0) throw new Error(`pg_ctl start failed: ${r2.stderr}${r2.stdout}`);
  const url = `postgres://gridwarden@127.0.0.1:${port}/postgres`;
  let stopped = false;
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
    stop,
  };
}
