/**
 * Both store back ends for the privacy tests. The gateway runs on SQLite; its schema's one SQLite-only phrase
 * (`INTEGER PRIMARY KEY AUTOINCREMENT`) is given its PostgreSQL form here so that the purge and export
 * statements are exercised on PostgreSQL too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestPostgres, startPostgres } from '../../../store/_testing/postgres.js';
import type { Db } from '../../../store/db.js';
import { type Migration, migrate } from '../../../store/migrations.js';
import { openPostgres } from '../../../store/postgres.js';
import { openSqlite } from '../../../store/sqlite.js';
import { GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE } from '../../schema.js';

export type Backend = readonly [name: 'sqlite' | 'postgres', open: () => Promise<Db>];

export interface Backends {
  readonly list: readonly Backend[];
  start(): Promise<void>;
  stop(): void;
}

const forPostgres = (m: Migration): Migration =>
  typeof m.sql === 'string' ? { ...m, sql: { sqlite: m.sql, postgres: m.sql.replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGSERIAL PRIMARY KEY') } } : m;

/** A fresh, migrated gateway store per call, on SQLite files in a temp folder or on a throw-away PostgreSQL. */
export function gatewayBackends(prefix: string): Backends {
  const tmp = mkdtempSync(join(tmpdir(), `gw-${prefix}-`));
  let pg: TestPostgres | undefined;
  let n = 0;
  const sqlite = async (): Promise<Db> => {
    const db = openSqlite(join(tmp, `${prefix}${n++}.db`));
    await migrate(db, GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE);
    return db;
  };
  const postgres = async (): Promise<Db> => {
    if (pg === undefined) throw new Error('start() the backends first');
    const db = await openPostgres(await pg.createDatabase(`${prefix}${n++}`));
    await migrate(db, GATEWAY_MIGRATIONS.map(forPostgres), GATEWAY_SCHEMA_SCOPE);
    return db;
  };
  return {
    list: [
      ['sqlite', sqlite],
      ['postgres', postgres],
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
