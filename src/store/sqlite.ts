import Database from 'better-sqlite3';
import type { Db, Row, SqlValue } from './db.js';
import { StoreError } from './errors.js';

type Sqlite = InstanceType<typeof Database>;

const PLACEHOLDER = /\$(\d+)/g;

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

function wrap(e: unknown, sql: string): StoreError {
  const msg = e instanceof Error ? e.message : String(e);
  return new StoreError('STORE_QUERY', `${msg} (in: ${sql.trim().split('\n')[0]?.slice(0, 80)})`, { cause: e });
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

/** The one connection: a lock, the statement cache, and the better-sqlite3 handle. */
class Connection {
  readonly lock = new Lock();
  private db: Sqlite | undefined;
  private readonly statements = new Map<string, ReturnType<Sqlite['prepare']>>();

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

  async close(): Promise<void> {
    const release = await this.lock.acquire();
    try {
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
      return f();
    } catch (e) {
      throw e instanceof StoreError ? e : wrap(e, sql);
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
    const release = await this.conn.lock.acquire();
    try {
      const db = this.conn.raw();
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(new SqliteHandle(this.conn, true));
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      release();
    }
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
