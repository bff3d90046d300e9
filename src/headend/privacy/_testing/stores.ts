/** Stores for the privacy tests: a migrated head-end database on SQLite or on a throw-away PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, migrate, openPostgres, openSqlite } from '../../../store/index.js';
import { type TestPostgres, startPostgres } from '../../../store/_testing/postgres.js';
import { type NewMessage, insertMessage } from '../../repository.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from '../../schema.js';

export type Backend = 'sqlite' | 'postgres';
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres'];

/** Opens fresh migrated databases of either kind; `close()` stops the PostgreSQL server and removes files. */
export function testStores() {
  const dir = mkdtempSync(join(tmpdir(), 'gw-privacy-'));
  let pg: TestPostgres | undefined;
  let n = 0;
  const opened: Db[] = [];
  return {
    dir,
    async storeConfig(backend: Backend) {
      if (backend === 'sqlite') return { kind: 'sqlite' as const, path: join(dir, `he-${n++}.db`) };
      pg ??= await startPostgres();
      return { kind: 'postgres' as const, url: await pg.createDatabase(`privacy_${n++}`) };
    },
    async open(backend: Backend): Promise<Db> {
      const c = await this.storeConfig(backend);
      const db = c.kind === 'sqlite' ? openSqlite(c.path) : await openPostgres(c.url);
      await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
      opened.push(db);
      return db;
    },
    async close() {
      for (const db of opened) await db.close().catch(() => undefined);
      pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A stored message with `values` readings, received at `receivedAt` (direct unless a pseudonym is given). */
export async function storeMessage(
  db: Db,
  o: { emt: string; contractId: string; receivedAt: Date; gateway?: string; meter?: string; pseudonym?: string; taf?: number; values?: number },
): Promise<string> {
  const messageId = randomUUID().replace(/-/g, '');
  const at = o.receivedAt.toISOString();
  const m: NewMessage = {
    emt: o.emt,
    messageId,
    provenance: o.pseudonym === undefined ? 'direct' : 'pseudonymised',
    gateway: o.pseudonym === undefined ? (o.gateway ?? 'gw-1') : null,
    pseudonym: o.pseudonym ?? null,
    meter: o.pseudonym === undefined ? (o.meter ?? 'm-1') : null,
    contractId: o.contractId,
    taf: o.taf ?? (o.pseudonym === undefined ? 7 : 10),
    period: { from: at, to: at },
    contentSha256: '00'.repeat(32),
    signer: o.gateway ?? 'gwa-1',
    receivedAt: at,
    values: Array.from({ length: o.values ?? 1 }, (_, i) => ({ obis: '1-0:1.8.0', value: 100 + i, unit: 'kWh', at })),
  };
  const r = await insertMessage(db, m);
  if (r.kind !== 'stored') throw new Error('test message id collided');
  return messageId;
}
