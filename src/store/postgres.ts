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

/**
 * Statement names by SQL text. A named statement is parsed and planned once per connection and later
 * executions send only its parameters: less for the server to do and fewer bytes on the wire for the
 * head-end's hot statements. Texts without parameters (schema, BEGIN) stay unnamed; past the cap, new texts
 * do too, so statements built from user input cannot grow the servers' caches without bound.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 1000;

function statement(sql: string, params: readonly SqlValue[] | undefined): pg.QueryConfig<unknown[]> {
  const values = params?.map(toParam);
  if (values === undefined || values.length === 0) return { text: sql, ...(values === undefined ? {} : { values }) };
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `gw_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name === undefined ? { text: sql, values } : { name, text: sql, values };
}

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
      const r = await target.query<T>(statement(sql, params));
      return r.rows;
    } catch (e) {
      throw queryFailed(e, sql);
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    const target = this.target;
    try {
      const r = await target.query(statement(sql, params));
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
