/**
 * Both store back ends for the privacy tests. The gateway runs on SQLite; its schema's one SQLite-only phrase
 * (`INTEGER PRIMARY KEY AUTOINCREMENT`) is given its PostgreSQL form here so that the purge and export
 * statements are exercised on PostgreSQL too.
 */
import { type Backends, storeBackends } from '../../../store/_testing/backends.js';
import { type Migration, migrate } from '../../../store/migrations.js';
import { GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE } from '../../schema.js';

export type { Backend, Backends } from '../../../store/_testing/backends.js';

const forPostgres = (m: Migration): Migration =>
  typeof m.sql === 'string' ? { ...m, sql: { sqlite: m.sql, postgres: m.sql.replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGSERIAL PRIMARY KEY') } } : m;

/** A fresh, migrated gateway store per call, on SQLite files in a temp folder or on a throw-away PostgreSQL. */
export function gatewayBackends(prefix: string): Backends {
  return storeBackends(prefix, (db, name) => migrate(db, name === 'postgres' ? GATEWAY_MIGRATIONS.map(forPostgres) : GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE));
}
