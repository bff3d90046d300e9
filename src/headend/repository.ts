/** Every SQL statement of the head-end, as small functions over the store's `Db` (portable `$n` SQL). */
import { randomUUID } from 'node:crypto';
import { type Db, type SqlValue, StoreError } from '../store/index.js';
import type { MeterValue } from './message.js';

/** 7 parameters a row: 100 rows stay well under SQLite's 32766 and PostgreSQL's 65535 parameter limits. */
const VALUES_PER_INSERT = 100;

export type Provenance = 'direct' | 'pseudonymised';

export interface NewMessage {
  readonly emt: string;
  readonly messageId: string;
  readonly provenance: Provenance;
  /** The sending gateway; null for pseudonymised data. */
  readonly gateway: string | null;
  readonly pseudonym: string | null;
  readonly meter: string | null;
  readonly contractId: string;
  readonly taf: number;
  readonly period: { readonly from: string; readonly to: string };
  readonly contentSha256: string;
  /** Name of the party whose signature verified (the gateway, or the administrator that re-signed). */
  readonly signer: string;
  readonly receivedAt: string;
  readonly values: readonly MeterValue[];
}

export interface StoredMessageKey {
  readonly contentSha256: string;
  readonly gateway: string | null;
  readonly pseudonym: string | null;
}

/** Values one PostgreSQL statement carries (7 parameters each, far below the 65535 parameter limit). */
const VALUES_IN_ONE_STATEMENT = 1000;

/** he_messages' columns as both inserts name them. */
const MESSAGE_COLUMNS = `id, emt, message_id, provenance, gateway, pseudonym, meter, contract_id, taf, period_from, period_to,
         content_sha256, signature, signer, received_at`;

/** The message INSERT's columns and their parameters $1..$14 (`signature` is always 'verified' here). */
const MESSAGE_INSERT = `INSERT INTO he_messages (${MESSAGE_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'verified', $13, $14)
       ON CONFLICT (emt, message_id) DO NOTHING RETURNING id`;

/**
 * Inserts the message and its values atomically: in one transaction, or on PostgreSQL in one statement shared
 * with the other messages of this turn of the event loop. Returns 'stored', or the row already held for that
 * (emt, message id): the UNIQUE constraint decides, so concurrent processes agree.
 */
export async function insertMessage(db: Db, m: NewMessage): Promise<{ kind: 'stored' } | { kind: 'exists'; existing: StoredMessageKey }> {
  if (db.dialect === 'postgres' && m.values.length <= VALUES_IN_ONE_STATEMENT) {
    return (await insertMessageOneStatement(db, m)) ? { kind: 'stored' } : { kind: 'exists', existing: await storedKey(db, m) };
  }
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const inserted = await tx.query<{ id: string }>(
      MESSAGE_INSERT,
      messageParams(id, m),
    );
    if (inserted.length === 0) return { kind: 'exists', existing: await storedKey(tx, m) };
    // One multi-row INSERT per chunk: fewer statements (and round trips on PostgreSQL) per message.
    for (let first = 0; first < m.values.length; first += VALUES_PER_INSERT) {
      const chunk = m.values.slice(first, first + VALUES_PER_INSERT);
      const params: SqlValue[] = [];
      const rows = chunk.map((v, i) => {
        params.push(id, first + i, v.obis, v.value, v.unit, v.at, v.quality ?? null);
        const p = i * 7;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`;
      });
      await tx.run(`INSERT INTO he_values (message, seq, obis, value, unit, at, quality) VALUES ${rows.join(', ')}`, params);
    }
    if (m.provenance === 'direct' && m.gateway !== null) await touchGateway(tx, m.gateway, new Date(m.receivedAt));
    return { kind: 'stored' };
  });
}

/** A message waiting for the next PostgreSQL statement, and its caller. */
interface Pending {
  readonly id: string;
  readonly m: NewMessage;
  readonly done: (inserted: boolean) => void;
  readonly fail: (e: unknown) => void;
}

/** Messages one statement takes at most (each has at most VALUES_IN_ONE_STATEMENT values alone). */
const MESSAGES_IN_ONE_STATEMENT = 64;

/** Per PostgreSQL store: the messages handed in during this turn of the event loop. */
const waiting = new WeakMap<Db, Pending[]>();

/**
 * PostgreSQL: messages, values and gateway contacts in ONE statement (a data-modifying WITH, autocommit). A
 * single statement is atomic like the transaction it replaces, but costs one round trip instead of five
 * (BEGIN, three statements, COMMIT): on loopback the socket writes and wake-ups of those trips were most of
 * the head-end's CPU per message beyond the cryptography. The messages that callers hand in during one turn
 * of the event loop (several are in flight on a busy listener) share the statement; each caller learns
 * whether its own row went in once the statement has returned, i.e. after its commit. Should the shared
 * statement fail, each message is tried again alone, so one bad message fails only its own caller.
 */
function insertMessageOneStatement(db: Db, m: NewMessage): Promise<boolean> {
  return new Promise((done, fail) => {
    let queue = waiting.get(db);
    if (queue === undefined) {
      const q: Pending[] = [];
      queue = q;
      waiting.set(db, q);
      setImmediate(() => {
        waiting.delete(db);
        void flush(db, q);
      });
    }
    queue.push({ id: randomUUID(), m, done, fail });
  });
}

async function flush(db: Db, queue: readonly Pending[]): Promise<void> {
  const groups: Pending[][] = [];
  let values = Number.POSITIVE_INFINITY;
  for (const p of queue) {
    const last = groups.at(-1);
    if (last === undefined || last.length >= MESSAGES_IN_ONE_STATEMENT || values + p.m.values.length > VALUES_IN_ONE_STATEMENT) {
      groups.push([p]);
      values = p.m.values.length;
    } else {
      last.push(p);
      values += p.m.values.length;
    }
  }
  await Promise.all(groups.map((g) => runGroup(db, g)));
}

async function runGroup(db: Db, group: readonly Pending[]): Promise<void> {
  try {
    const inserted = new Set((await db.query<{ id: string }>(...insertStatement(group))).map((r) => r.id));
    for (const p of group) p.done(inserted.has(p.id));
  } catch (e) {
    if (group.length === 1) {
      group[0]?.fail(e);
      return;
    }
    // The statement wrote nothing: each message alone, in the order handed in, so only a bad one fails.
    for (const p of group) await runGroup(db, [p]);
  }
}

/** The statement for a group of messages and its parameters. */
function insertStatement(group: readonly Pending[]): [string, SqlValue[]] {
  const params: SqlValue[] = [];
  const ref = (v: SqlValue, type?: string): string => {
    params.push(v);
    return type === undefined ? `$${params.length}` : `$${params.length}::${type}`;
  };
  const messages: string[] = [];
  const values: string[] = [];
  const contacts: string[] = [];
  for (const { id, m } of group) {
    messages.push(`(${messageParams(id, m).map((v, i) => (i === 12 ? `'verified', ${ref(v)}` : ref(v))).join(', ')})`);
    m.values.forEach((v, seq) => {
      values.push(
        `(${ref(id, 'text')}, ${ref(seq, 'integer')}, ${ref(v.obis, 'text')}, ${ref(v.value, 'double precision')}, ${ref(v.unit, 'text')}, ${ref(v.at, 'text')}, ${ref(v.quality ?? null, 'text')})`,
      );
    });
    if (m.provenance === 'direct' && m.gateway !== null) {
      const at = new Date(m.receivedAt);
      contacts.push(`(${ref(id, 'text')}, ${ref(m.gateway, 'text')}, ${ref(at.toISOString(), 'text')}, ${ref(staleBefore(at), 'text')})`);
    }
  }
  const parts = [
    `m AS (INSERT INTO he_messages (${MESSAGE_COLUMNS}) VALUES ${messages.join(', ')}
       ON CONFLICT (emt, message_id) DO NOTHING RETURNING id)`,
  ];
  if (values.length > 0) {
    parts.push(`v AS (INSERT INTO he_values (message, seq, obis, value, unit, at, quality)
       SELECT x.message, x.seq, x.obis, x.value, x.unit, x.at, x.quality
       FROM (VALUES ${values.join(', ')}) AS x (message, seq, obis, value, unit, at, quality) JOIN m ON m.id = x.message)`);
  }
  if (contacts.length > 0) {
    // One row per gateway (an UPDATE takes one source row per target row): its earliest stored message, as if
    // the messages had come one after the other.
    parts.push(`g AS (UPDATE he_gateways SET last_contact = t.at
       FROM (SELECT x.name, MIN(x.at) AS at, MIN(x.stale) AS stale
             FROM (VALUES ${contacts.join(', ')}) AS x (id, name, at, stale) JOIN m ON m.id = x.id GROUP BY x.name) AS t
       WHERE he_gateways.name = t.name AND (he_gateways.last_contact IS NULL OR he_gateways.last_contact < t.stale))`);
  }
  return [`WITH ${parts.join(',\n')}\nSELECT id FROM m`, params];
}

/** $1..$14 of MESSAGE_INSERT. */
function messageParams(id: string, m: NewMessage): SqlValue[] {
  return [id, m.emt, m.messageId, m.provenance, m.gateway, m.pseudonym, m.meter, m.contractId, m.taf, m.period.from, m.period.to, m.contentSha256, m.signer, m.receivedAt];
}

/** The key fields of the row that holds (emt, message id) already. */
async function storedKey(db: Db, m: Pick<NewMessage, 'emt' | 'messageId'>): Promise<StoredMessageKey> {
  const rows = await db.query<{ content_sha256: string; gateway: string | null; pseudonym: string | null }>(
    'SELECT content_sha256, gateway, pseudonym FROM he_messages WHERE emt = $1 AND message_id = $2',
    [m.emt, m.messageId],
  );
  const r = rows[0];
  if (r === undefined) throw new StoreError('STORE_QUERY', 'a conflicting message vanished before it could be read');
  return { contentSha256: r.content_sha256, gateway: r.gateway, pseudonym: r.pseudonym };
}

export type SecurityEvent = {
  readonly kind: string;
  readonly peer: string | null;
  readonly emt: string | null;
  /** What was wrong; never key material or plaintext. */
  readonly detail: string;
};

export async function recordSecurityEvent(db: Db, e: SecurityEvent, at = new Date()): Promise<void> {
  await db.run('INSERT INTO he_security_events (id, kind, peer, emt, detail, at) VALUES ($1, $2, $3, $4, $5, $6)', [
    randomUUID(),
    e.kind,
    e.peer,
    e.emt,
    e.detail,
    at.toISOString(),
  ]);
}

export async function listSecurityEvents(db: Db, limit = 500): Promise<Array<SecurityEvent & { id: string; at: string }>> {
  return db.query<SecurityEvent & { id: string; at: string }>('SELECT id, kind, peer, emt, detail, at FROM he_security_events ORDER BY at DESC, id LIMIT $1', [limit]);
}

export async function securityEventCounts(db: Db): Promise<Array<{ kind: string; n: number }>> {
  const rows = await db.query<{ kind: string; n: number | string }>('SELECT kind, COUNT(*) AS n FROM he_security_events GROUP BY kind ORDER BY kind');
  return rows.map((r) => ({ kind: r.kind, n: Number(r.n) }));
}

// --- gateways ---

export type GatewayRow = {
  readonly name: string;
  readonly state: string;
  readonly wakeup_host: string | null;
  readonly wakeup_port: number | null;
  readonly created_at: string;
  readonly last_contact: string | null;
};

export async function upsertGateway(db: Db, g: { name: string; state?: string; wakeUp?: { host: string; port: number } | undefined }, now = new Date()): Promise<void> {
  await db.run(
    `INSERT INTO he_gateways (name, state, wakeup_host, wakeup_port, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO UPDATE SET state = excluded.state,
       wakeup_host = COALESCE(excluded.wakeup_host, he_gateways.wakeup_host),
       wakeup_port = COALESCE(excluded.wakeup_port, he_gateways.wakeup_port)`,
    [g.name, g.state ?? 'active', g.wakeUp?.host ?? null, g.wakeUp?.port ?? null, now.toISOString()],
  );
}

export async function getGateway(db: Db, name: string): Promise<GatewayRow | undefined> {
  const rows = await db.query<GatewayRow>('SELECT name, state, wakeup_host, wakeup_port, created_at, last_contact FROM he_gateways WHERE name = $1', [name]);
  const r = rows[0];
  return r === undefined ? undefined : { ...r, wakeup_port: r.wakeup_port === null ? null : Number(r.wakeup_port) };
}

export async function listGateways(db: Db): Promise<GatewayRow[]> {
  const rows = await db.query<GatewayRow>('SELECT name, state, wakeup_host, wakeup_port, created_at, last_contact FROM he_gateways ORDER BY name');
  return rows.map((r) => ({ ...r, wakeup_port: r.wakeup_port === null ? null : Number(r.wakeup_port) }));
}

/** Last contact is kept to the minute: a busy gateway does not rewrite its inventory row on every message. */
const CONTACT_RESOLUTION_MS = 60_000;

/** Notes a gateway's contact; gateways outside the inventory are not added behind the administrator's back. */
export async function touchGateway(db: Db, name: string, now = new Date()): Promise<void> {
  await db.run('UPDATE he_gateways SET last_contact = $1 WHERE name = $2 AND (last_contact IS NULL OR last_contact < $3)', [now.toISOString(), name, staleBefore(now)]);
}

/** A last contact older than this is rewritten. */
function staleBefore(now: Date): string {
  return new Date(now.getTime() - CONTACT_RESOLUTION_MS).toISOString();
}

// --- commands ---

export type CommandRow = {
  readonly id: string;
  readonly gateway: string;
  readonly type: string;
  readonly created_at: string;
  readonly delivered_at: string | null;
  readonly completed_at: string | null;
  readonly result_ok: boolean | null;
  readonly result_code: string | null;
  readonly result_message: string | null;
};

export async function insertCommand(db: Db, c: { id: string; gateway: string; type: string; cmsBase64: string }, now = new Date()): Promise<void> {
  await db.run('INSERT INTO he_commands (id, gateway, type, cms, created_at) VALUES ($1, $2, $3, $4, $5)', [c.id, c.gateway, c.type, c.cmsBase64, now.toISOString()]);
}

/** The gateway's commands without a result, oldest first; marks them delivered. */
export async function takePendingCommands(db: Db, gateway: string, now = new Date()): Promise<Array<{ id: string; cms: string }>> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; cms: string }>(
      'SELECT id, cms FROM he_commands WHERE gateway = $1 AND completed_at IS NULL ORDER BY created_at, id',
      [gateway],
    );
    await tx.run('UPDATE he_commands SET delivered_at = $1 WHERE gateway = $2 AND completed_at IS NULL AND delivered_at IS NULL', [now.toISOString(), gateway]);
    return rows;
  });
}

/** Records a result once; false when no command of that id belongs to the gateway. */
export async function completeCommand(
  db: Db,
  c: { id: string; gateway: string; ok: boolean; code: string | null; message: string | null },
  now = new Date(),
): Promise<boolean> {
  const exists = await db.query('SELECT id FROM he_commands WHERE id = $1 AND gateway = $2', [c.id, c.gateway]);
  if (exists.length === 0) return false;
  await db.run('UPDATE he_commands SET completed_at = $1, result_ok = $2, result_code = $3, result_message = $4 WHERE id = $5 AND gateway = $6 AND completed_at IS NULL', [
    now.toISOString(),
    c.ok ? 1 : 0,
    c.code,
    c.message,
    c.id,
    c.gateway,
  ]);
  return true;
}

export async function listCommands(db: Db, gateway?: string): Promise<CommandRow[]> {
  const rows = await db.query<Omit<CommandRow, 'result_ok'> & { result_ok: number | null }>(
    `SELECT id, gateway, type, created_at, delivered_at, completed_at, result_ok, result_code, result_message FROM he_commands
     ${gateway === undefined ? '' : 'WHERE gateway = $1'} ORDER BY created_at, id`,
    gateway === undefined ? [] : [gateway],
  );
  return rows.map((r) => ({ ...r, result_ok: r.result_ok === null ? null : Number(r.result_ok) === 1 }));
}

// --- stored data per EMT ---

export type MessageRow = {
  readonly id: string;
  readonly emt: string;
  readonly message_id: string;
  readonly provenance: Provenance;
  readonly gateway: string | null;
  readonly pseudonym: string | null;
  readonly meter: string | null;
  readonly contract_id: string;
  readonly taf: number;
  readonly period_from: string;
  readonly period_to: string;
  readonly signature: string;
  readonly signer: string;
  readonly received_at: string;
};

export async function listMessages(db: Db, emt: string, filter: { meter?: string; pseudonym?: string } = {}): Promise<MessageRow[]> {
  const params: string[] = [emt];
  let where = 'emt = $1';
  if (filter.meter !== undefined) {
    params.push(filter.meter);
    where += ` AND meter = $${params.length}`;
  }
  if (filter.pseudonym !== undefined) {
    params.push(filter.pseudonym);
    where += ` AND pseudonym = $${params.length}`;
  }
  const rows = await db.query<MessageRow>(
    `SELECT id, emt, message_id, provenance, gateway, pseudonym, meter, contract_id, taf, period_from, period_to, signature, signer, received_at
     FROM he_messages WHERE ${where} ORDER BY period_from, message_id`,
    params,
  );
  return rows.map((r) => ({ ...r, taf: Number(r.taf) }));
}

export type ValueRow = {
  readonly message_id: string;
  readonly meter: string | null;
  readonly pseudonym: string | null;
  readonly obis: string;
  readonly value: number;
  readonly unit: string;
  readonly at: string;
  readonly quality: string | null;
};

export async function listValues(db: Db, emt: string, filter: { meter?: string } = {}): Promise<ValueRow[]> {
  const params: string[] = [emt];
  let where = 'm.emt = $1';
  if (filter.meter !== undefined) {
    params.push(filter.meter);
    where += ' AND m.meter = $2';
  }
  const rows = await db.query<ValueRow>(
    `SELECT m.message_id, m.meter, m.pseudonym, v.obis, v.value, v.unit, v.at, v.quality
     FROM he_values v JOIN he_messages m ON m.id = v.message WHERE ${where} ORDER BY v.at, m.message_id, v.seq`,
    params,
  );
  return rows.map((r) => ({ ...r, value: Number(r.value) }));
}

// --- secrets ---

/** The named secret, made once by `make` if absent; whichever process inserts first wins, all read the same. */
export async function ensureSecret(db: Db, name: string, make: () => Promise<string>): Promise<string> {
  const candidate = await make();
  await db.run('INSERT INTO he_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, candidate]);
  const rows = await db.query<{ value: string }>('SELECT value FROM he_secrets WHERE name = $1', [name]);
  const v = rows[0]?.value;
  if (v === undefined) throw new StoreError('STORE_QUERY', `secret ${name} missing after insert`);
  return v;
}
