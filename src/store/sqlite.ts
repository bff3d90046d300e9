import Database from 'better-sqlite3';
import type { Db, Row, SqlValue } from './db.js';
import { StoreError, queryFailed } from './errors.js';

type Sqlite = InstanceType<typeof Database>;

const PLACEHOLDER = /\$(\d+)/g;

/** Each caller's part of the shared transaction (one at a time: the lock is held from SAVEPOINT to RELEASE). */
const SAVEPOINT = 'gw_caller';

/** `$1` -> `@p1`: better-sqlite3 binds numbered parameters only by name. */
function translate(sql: string): string {
  return sql.replace(PLACEHOLDER, '@p$1');
}

function bind(params: readonly SqlValue[] | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (params === undefined) return o;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    o[`p${i + 1}`] = typeof v === 'boolean' ? (v ? 1 : 0) : v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
  }
  return o;
}

/** Runs one bookkeeping statement, its failure as a StoreError. */
function sqliteStep<T>(sql: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof StoreError ? e : queryFailed(e, sql);
  }
}

/** A FIFO lock so that a transaction's awaits never interleave with other writers on the one connection. */
class Lock {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    return release;
  }
}

/** The callers whose work sits in the open shared transaction, waiting for its COMMIT. */
interface Batch {
  readonly settle: Array<{ readonly resolve: () => void; readonly reject: (e: unknown) => void }>;
}

/**
 * The one connection: a lock, the statement cache, the better-sqlite3 handle, and the group commit.
 *
 * Group commit: with synchronous FULL every COMMIT waits for the disk (a few ms), so committing each caller's
 * transaction alone bounds the store at a few hundred transactions per second. Instead, a caller's work runs
 * inside one shared transaction (BEGIN IMMEDIATE, opened by the first caller) under its own SAVEPOINT: a
 * caller that fails rolls back to its savepoint and takes nothing of the others with it. The COMMIT runs once
 * the event loop has no more ready work (setImmediate), so all transactions started in the meantime share it.
 *
 * Crash consistency: a caller's promise resolves only after the COMMIT that holds its work has returned, and
 * SQLite's COMMIT is atomic and durable (WAL, synchronous FULL). A crash before that COMMIT loses the whole
 * batch, but no caller in it was told that its work was stored; a crash after it keeps all of it. A COMMIT
 * that fails (or a failure that makes SQLite abandon the whole transaction) rejects every caller of the batch.
 * Plain statements outside a transaction first commit the open batch, so they still act as autocommit.
 */
class Connection {
  readonly lock = new Lock();
  private db: Sqlite | undefined;
  private readonly statements = new Map<string, ReturnType<Sqlite['prepare']>>();
  private batch: Batch | undefined;

  constructor(db: Sqlite) {
    this.db = db;
  }

  raw(): Sqlite {
    if (this.db === undefined) throw new StoreError('STORE_CLOSED', 'the SQLite store is closed');
    return this.db;
  }

  prepare(sql: string): ReturnType<Sqlite['prepare']> {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.raw().prepare(translate(sql));
      this.statements.set(sql, st);
    }
    return st;
  }

  /** With the lock held: the open shared transaction, begun now if there is none (its COMMIT is scheduled). */
  joinBatch(): Batch {
    if (this.batch !== undefined) return this.batch;
    this.raw().exec('BEGIN IMMEDIATE');
    const batch: Batch = { settle: [] };
    this.batch = batch;
    setImmediate(() => void this.commitLater(batch));
    return batch;
  }

  /** With the lock held: whether the shared transaction is still open (a failure may have made SQLite end it). */
  batchAlive(batch: Batch): boolean {
    if (this.batch !== batch) return false;
    if (this.db?.inTransaction === true) return true;
    this.batch = undefined;
    const e = new StoreError('STORE_QUERY', 'the shared transaction was rolled back by the database');
    for (const s of batch.settle) s.reject(e);
    return false;
  }

  /** With the lock held: COMMIT the open shared transaction, if any, and settle its callers. */
  flush(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    const db = this.db;
    try {
      db?.exec('COMMIT');
    } catch (e) {
      try {
        if (db?.inTransaction === true) db.exec('ROLLBACK');
      } catch {
        // The COMMIT error below is the one to report; SQLite ends the transaction on close anyway.
      }
      const err = queryFailed(e, 'COMMIT');
      for (const s of batch.settle) s.reject(err);
      return;
    }
    for (const s of batch.settle) s.resolve();
  }

  private async commitLater(batch: Batch): Promise<void> {
    const release = await this.lock.acquire();
    try {
      if (this.batch === batch) this.flush();
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    const release = await this.lock.acquire();
    try {
      this.flush();
      this.statements.clear();
      this.db?.close();
      this.db = undefined;
    } finally {
      release();
    }
  }
}

class SqliteHandle implements Db {
  readonly dialect = 'sqlite' as const;

  constructor(
    private readonly conn: Connection,
    private readonly inTx: boolean,
  ) {}

  private async guarded<T>(sql: string, f: () => T): Promise<T> {
    const release = this.inTx ? undefined : await this.conn.lock.acquire();
    try {
      if (!this.inTx) this.conn.flush();
      return f();
    } catch (e) {
      throw e instanceof StoreError ? e : queryFailed(e, sql);
    } finally {
      release?.();
    }
  }

  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.guarded(sql, () => this.conn.prepare(sql).all(bind(params)) as T[]);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.guarded(sql, () => this.conn.prepare(sql).run(bind(params)).changes);
  }

  exec(sql: string): Promise<void> {
    return this.guarded(sql, () => {
      this.conn.raw().exec(sql);
    });
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    let committed: Promise<void>;
    let out: T;
    const release = await this.conn.lock.acquire();
    try {
      const batch = sqliteStep('BEGIN', () => {
        const b = this.conn.joinBatch();
        this.conn.raw().exec(`SAVEPOINT ${SAVEPOINT}`);
        return b;
      });
      try {
        out = await fn(new SqliteHandle(this.conn, true));
      } catch (e) {
        // Only this caller's part goes; the others in the shared transaction stay.
        if (this.conn.batchAlive(batch)) sqliteStep('ROLLBACK TO', () => this.conn.raw().exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`));
        throw e;
      }
      if (!this.conn.batchAlive(batch)) throw new StoreError('STORE_QUERY', 'the shared transaction was rolled back by the database');
      sqliteStep('RELEASE', () => {
        try {
          this.conn.raw().exec(`RELEASE ${SAVEPOINT}`);
        } catch (e) {
          // A caller told of a failure must leave nothing behind in the shared transaction.
          if (this.conn.batchAlive(batch)) this.conn.raw().exec(`ROLLBACK TO ${SAVEPOINT}; RELEASE ${SAVEPOINT}`);
          throw e;
        }
      });
      committed = new Promise<void>((resolve, reject) => batch.settle.push({ resolve, reject }));
    } finally {
      release();
    }
    // Resolved only once the COMMIT holding this work is on disk.
    await committed;
    return out;
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/**
 * Opens (or creates) a SQLite database file, ':memory:' for a throw-away one: WAL journal, synchronous FULL
 * (an acknowledged write survives a power cut), foreign keys on.
 */
export function openSqlite(path: string): Db {
  let db: Sqlite;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new StoreError('STORE_CONNECT', `cannot open SQLite database ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return new SqliteHandle(new Connection(db), false);
}
