/**
 * Both store back ends for tests that must hold on each: SQLite files in a temp folder and databases on one
 * throw-away PostgreSQL server. `start` in beforeAll, `stop` in afterAll; each `open` gives a fresh database,
 * prepared (e.g. migrated) by the caller's function when one is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db.js';
import { openPostgres } from '../postgres.js';
import { openSqlite } from '../sqlite.js';
import { type TestPostgres, startPostgres } from './postgres.js';

export type BackendName = 'sqlite' | 'postgres';
export type Backend = readonly [name: BackendName, open: () => Promise<Db>];

export interface Backends {
  /** The temp folder of the SQLite files (removed by stop). */
  readonly dir: string;
  readonly list: readonly Backend[];
  start(): Promise<void>;
  stop(): void;
}

export function storeBackends(prefix: string, prepare?: (db: Db, name: BackendName) => Promise<unknown>): Backends {
  const tmp = mkdtempSync(join(tmpdir(), `gw-${prefix}-`));
  let pg: TestPostgres | undefined;
  let n = 0;
  const ready = async (db: Db, name: BackendName): Promise<Db> => {
    await prepare?.(db, name);
    return db;
  };
  return {
    dir: tmp,
    list: [
      ['sqlite', async () => ready(openSqlite(join(tmp, `${prefix}${n++}.db`)), 'sqlite')],
      [
        'postgres',
        async () => {
          if (pg === undefined) throw new Error('start() the back ends first');
          return ready(await openPostgres(await pg.createDatabase(`${prefix}${n++}`)), 'postgres');
        },
      ],
    ],
    async start() {
      pg = await startPostgres();
    },
    stop() {
      pg?.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
