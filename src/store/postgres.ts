import pg from 'pg';
import type { Db, Row, SqlValue } from './db.js';
import { StoreError, queryFailed } from './errors.js';

// int8 (20) and numeric counts come back as strings by default: ids and counters here stay below 2^53.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function toParam(v: SqlValue): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : typeof v === 'bigint' ? v.toString() : v;
}

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

class PgHandle implements Db {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly client: pg.PoolClient | undefined,
    private readonly state: { closed: boolean },
  ) {}

  private get target(): Queryable {
    if (this.state.closed) throw new StoreError('STORE_CLOSED', 'the PostgreSQL store is closed');
    return this.client ?? this.pool;
  }

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    const target = this.target;
    try {
      const r = await target.query<T>(sql, params?.map(toParam));
      return r.rows;
    } catch (e) {
      throw queryFailed(e, sql);
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    const target = this.target;
    try {
      const r = await target.query(sql, params?.map(toParam));
      return r.rowCount ?? 0;
    } catch (e) {
      throw queryFailed(e, sql);
    }
  }

  async exec(sql: string): Promise<void> {
    const target = this.target;
    try {
      await target.query(sql);
    } catch (e) {
      throw queryFailed(e, sql);
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.client !== undefined) return fn(this);
    if (this.state.closed) throw new StoreError('STORE_CLOSED', 'the PostgreSQL store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw new StoreError('STORE_CONNECT', `cannot reach PostgreSQL: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      await client.query('BEGIN');
      try {
        const out = await fn(new PgHandle(this.pool, client, this.state));
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.client !== undefined || this.state.closed) return;
    this.state.closed = true;
    await this.pool.end();
  }
}

/** A pool of connections to PostgreSQL (`postgres://user@host:port/db`); checks it can connect. */
export async function openPostgres(url: string, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  pool.on('error', () => undefined); // an idle client lost: the next query reconnects
  try {
    await pool.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new StoreError('STORE_CONNECT', `cannot reach PostgreSQL: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return new PgHandle(pool, undefined, { closed: false });
}
