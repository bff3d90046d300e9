export type { Db, Dialect, Row, SqlValue } from './db.js';
export { StoreError, type StoreErrorCode, STORE_ERROR_CODES, RETIRED_STORE_ERROR_CODES } from './errors.js';
export { type Migration, migrate } from './migrations.js';
export { openSqlite } from './sqlite.js';
export { openPostgres } from './postgres.js';
