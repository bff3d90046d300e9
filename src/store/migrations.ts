import type { Db, Dialect } from './db.js';
import { StoreError } from './errors.js';

/** One schema step. `sql` serves both dialects unless a dialect has its own text. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string | Readonly<Record<Dialect, string>>;
}

// Serialises migrations of several head-end processes on one PostgreSQL (pg_advisory_xact_lock key).
const PG_MIGRATION_LOCK = 0x67726964;

/**
 * Applies the migrations not applied yet, each in its own transaction, in id order. A database that has
 * a migration this program does not know is newer than the program: STORE_MIGRATION, nothing touched.
 */
export async function migrate(db: Db, migrations: readonly Migration[], scope = 'default'): Promise<readonly number[]> {
  const sorted = [...migrations].sort((a, b) => a.id - b.id);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new StoreError('STORE_MIGRATION', `two migrations share id ${sorted[i]!.id} in ${scope}`);
  }
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (scope TEXT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (scope, id))',
  );
  const applied: number[] = [];
  for (const m of sorted) {
    const done = await db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATION_LOCK]);
      const seen = await tx.query<{ id: number }>('SELECT id FROM schema_migrations WHERE scope = $1', [scope]);
      const known = new Set(sorted.map((x) => x.id));
      const unknown = seen.filter((r) => !known.has(Number(r.id)));
      if (unknown.length > 0) {
        throw new StoreError('STORE_MIGRATION', `the ${scope} schema has migration(s) ${unknown.map((r) => r.id).join(', ')} that this program does not know: it is older than the database`);
      }
      if (seen.some((r) => Number(r.id) === m.id)) return false;
      const text = typeof m.sql === 'string' ? m.sql : m.sql[tx.dialect];
      try {
        await tx.exec(text);
      } catch (e) {
        throw new StoreError('STORE_MIGRATION', `migration ${scope}/${m.id} (${m.name}) failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      await tx.run('INSERT INTO schema_migrations (scope, id, name, applied_at) VALUES ($1, $2, $3, $4)', [scope, m.id, m.name, new Date().toISOString()]);
      return true;
    });
    if (done) applied.push(m.id);
  }
  return applied;
}
