import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Migration, migrate } from './migrations.js';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import { storeBackends } from './_testing/backends.js';

const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: 'items', sql: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, blob BYTEA)' },
  { id: 2, name: 'counter', sql: 'ALTER TABLE items ADD COLUMN n BIGINT NOT NULL DEFAULT 0' },
];
// SQLite takes BYTEA as a column type name with BLOB affinity, so the same text serves both.

const stores = storeBackends('t');
const backends = stores.list;
let sqliteFiles = 0;

beforeAll(() => stores.start());
afterAll(() => stores.stop());

describe.each(backends)('%s store', (_name, open) => {
  it('applies migrations once and records them', async () => {
    const db = await open();
    expect(await migrate(db, MIGRATIONS)).toEqual([1, 2]);
    expect(await migrate(db, MIGRATIONS)).toEqual([]);
    const rows = await db.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => Number(r.id))).toEqual([1, 2]);
    await db.close();
  });

  it('refuses a database newer than the program', async () => {
    const db = await open();
    await migrate(db, MIGRATIONS);
    await expect(migrate(db, MIGRATIONS.slice(0, 1))).rejects.toMatchObject({ code: 'STORE_MIGRATION' });
    await db.close();
  });

  it('binds $n parameters, bytes and big counters, and returns rows', async () => {
    const db = await open();
    await migrate(db, MIGRATIONS);
    expect(await db.run('INSERT INTO items (id, name, blob, n) VALUES ($1, $2, $3, $4)', [1, 'a', Uint8Array.from([1, 2, 255]), 2 ** 40])).toBe(1);
    const [row] = await db.query<{ name: string; blob: Uint8Array; n: number }>('SELECT name, blob, n FROM items WHERE id = $1', [1]);
    expect(row?.name).toBe('a');
    expect([...(row?.blob ?? [])]).toEqual([1, 2, 255]);
    expect(Number(row?.n)).toBe(2 ** 40);
    await db.close();
  });

  it('rolls a failed transaction back whole and keeps what was stored before', async () => {
    const db = await open();
    await migrate(db, MIGRATIONS);
    await db.run('INSERT INTO items (id, name) VALUES ($1, $2)', [1, 'kept']);
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [2, 'new']);
        await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [3, 'kept']); // UNIQUE violation
      }),
    ).rejects.toMatchObject({ code: 'STORE_QUERY' });
    const names = (await db.query<{ name: string }>('SELECT name FROM items ORDER BY id')).map((r) => r.name);
    expect(names).toEqual(['kept']);
    await db.close();
  });

  it('serialises concurrent transactions so that increments are not lost', async () => {
    const db = await open();
    await migrate(db, MIGRATIONS);
    await db.run('INSERT INTO items (id, name) VALUES ($1, $2)', [1, 'c']);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          await tx.run('UPDATE items SET n = n + 1 WHERE id = $1', [1]);
        }),
      ),
    );
    const [row] = await db.query<{ n: number }>('SELECT n FROM items WHERE id = $1', [1]);
    expect(Number(row?.n)).toBe(20);
    await db.close();
  });

  it('keeps the other concurrent transactions when one of them fails', async () => {
    const db = await open();
    await migrate(db, MIGRATIONS);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [10 + i, `item-${i}`]);
          // The fourth caller collides with the first one's name: only its own insert may go.
          if (i === 3) await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [99, 'item-0']);
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes[3]).toMatchObject({ reason: { code: 'STORE_QUERY' } });
    const ids = (await db.query<{ id: number }>('SELECT id FROM items ORDER BY id')).map((r) => Number(r.id));
    expect(ids).toEqual([10, 11, 12, 14, 15]);
    await db.close();
  });

  it('reports use after close', async () => {
    const db = await open();
    await db.close();
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(db.transaction(async () => 1)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

describe('sqlite group commit', () => {
  it('resolves a transaction only once its work is committed where another connection sees it', async () => {
    const path = join(stores.dir, `s${sqliteFiles++}.db`);
    const db = openSqlite(path);
    await migrate(db, MIGRATIONS);
    const other = openSqlite(path);
    const seenAtResolve = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db
          .transaction(async (tx) => void (await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [i + 1, `g${i}`])))
          .then(() => other.query<{ n: number }>('SELECT COUNT(*) AS n FROM items WHERE id = $1', [i + 1])),
      ),
    );
    expect(seenAtResolve.map((rows) => Number(rows[0]?.n))).toEqual([1, 1, 1, 1, 1]);
    await Promise.all([db.close(), other.close()]);
  });

  it('commits the pending shared transaction before a plain statement and before close', async () => {
    const path = join(stores.dir, `s${sqliteFiles++}.db`);
    const db = openSqlite(path);
    await migrate(db, MIGRATIONS);
    const pending = db.transaction(async (tx) => void (await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [1, 'a'])));
    expect(await db.run('INSERT INTO items (id, name) VALUES ($1, $2)', [2, 'b'])).toBe(1);
    await pending;
    const late = db.transaction(async (tx) => void (await tx.run('INSERT INTO items (id, name) VALUES ($1, $2)', [3, 'c'])));
    await Promise.all([late, db.close()]);
    const reopened = openSqlite(path);
    expect((await reopened.query<{ id: number }>('SELECT id FROM items ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 2, 3]);
    await reopened.close();
  });
});

describe('connection failures', () => {
  it('names an unreachable PostgreSQL', async () => {
    await expect(openPostgres('postgres://nobody@127.0.0.1:1/none')).rejects.toMatchObject({ code: 'STORE_CONNECT' });
  });

  it('names an SQLite path that cannot be opened', () => {
    expect(() => openSqlite(join(stores.dir, 'no-such-dir', 'x.db'))).toThrowError(expect.objectContaining({ code: 'STORE_CONNECT' }));
  });
});
