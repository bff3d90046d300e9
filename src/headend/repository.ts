/** Every SQL statement of the head-end, as small functions over the store's `Db` (portable `$n` SQL). */
import { randomUUID } from 'node:crypto';
import { type Db, type SqlValue, StoreError } from '../store/index.js';

/** 7 parameters a row: 100 rows stay well under SQLite's 32766 and PostgreSQL's 65535 parameter limits. */
const VALUES_PER_INSERT = 100;
import type { MeterValue } from './message.js';

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

/**
 * Inserts the message and its values in one transaction. Returns 'stored', or the row already held for that
 * (emt, message id): the UNIQUE constraint decides, so concurrent processes agree.
 */
export async function insertMessage(db: Db, m: NewMessage): Promise<{ kind: 'stored' } | { kind: 'exists'; existing: StoredMessageKey }> {
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO he_messages (id, emt, message_id, provenance, gateway, pseudonym, meter, contract_id, taf, period_from, period_to,
         content_sha256, signature, signer, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'verified', $13, $14)
       ON CONFLICT (emt, message_id) DO NOTHING RETURNING id`,
      [id, m.emt, m.messageId, m.provenance, m.gateway, m.pseudonym, m.meter, m.contractId, m.taf, m.period.from, m.period.to, m.contentSha256, m.signer, m.receivedAt],
    );
    if (inserted.length === 0) {
      const rows = await tx.query<{ content_sha256: string; gateway: string | null; pseudonym: string | null }>(
        'SELECT content_sha256, gateway, pseudonym FROM he_messages WHERE emt = $1 AND message_id = $2',
        [m.emt, m.messageId],
      );
      const r = rows[0];
      if (r === undefined) throw new StoreError('STORE_QUERY', 'a conflicting message vanished inside the transaction');
      return { kind: 'exists', existing: { contentSha256: r.content_sha256, gateway: r.gateway, pseudonym: r.pseudonym } };
    }
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
  const stale = new Date(now.getTime() - CONTACT_RESOLUTION_MS).toISOString();
  await db.run('UPDATE he_gateways SET last_contact = $1 WHERE name = $2 AND (last_contact IS NULL OR last_contact < $3)', [now.toISOString(), name, stale]);
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
