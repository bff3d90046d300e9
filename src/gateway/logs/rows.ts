import type { Db } from '../../store/db.js';
import { StoreError } from '../../store/errors.js';
import { GatewayError } from '../errors.js';
import type { RecordFields } from './record-hash.js';

/** A record as stored: strings as they are in the database, so that verification sees what an attacker left. */
export interface StoredRecord extends RecordFields {
  readonly hash: Uint8Array;
}

/** A checkpoint as stored. */
export interface StoredCheckpoint {
  readonly log: string;
  readonly seq: number;
  readonly kind: string;
  readonly hash: Uint8Array;
  readonly time: string;
  readonly signature: Uint8Array;
}

/** The per-log row: the pinned key and the head. Neither is signed: the head only catches naive cuts. */
export interface LogMeta {
  readonly log: string;
  readonly keyLabel: string;
  readonly curve: string;
  readonly publicKey: Uint8Array;
  readonly createdAt: string;
  readonly headSeq: number;
  readonly headHash: Uint8Array;
  readonly checkpointSeq: number;
}

const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(0));
const text = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const int = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(text(v)));

export const RECORD_COLUMNS = 'log, seq, time, level, event, text, outcome, details, consumer_id, prev_hash, hash';

export function recordFromRow(r: Record<string, unknown>): StoredRecord {
  return {
    log: text(r.log),
    seq: int(r.seq),
    time: text(r.time),
    level: text(r.level),
    event: text(r.event),
    text: text(r.text),
    outcome: text(r.outcome),
    details: text(r.details),
    consumerId: r.consumer_id === null || r.consumer_id === undefined ? null : text(r.consumer_id),
    prevHash: bytes(r.prev_hash),
    hash: bytes(r.hash),
  };
}

function checkpointFromRow(r: Record<string, unknown>): StoredCheckpoint {
  return { log: text(r.log), seq: int(r.seq), kind: text(r.kind), hash: bytes(r.hash), time: text(r.time), signature: bytes(r.signature) };
}

function metaFromRow(r: Record<string, unknown>): LogMeta {
  return {
    log: text(r.log),
    keyLabel: text(r.key_label),
    curve: text(r.curve),
    publicKey: bytes(r.public_key),
    createdAt: text(r.created_at),
    headSeq: int(r.head_seq),
    headHash: bytes(r.head_hash),
    checkpointSeq: int(r.checkpoint_seq),
  };
}

/** The log's row; GW_LOG_NOT_FOUND when the database has no log tables or no such log. */
export async function readMeta(db: Db, log: string): Promise<LogMeta> {
  let rows: Record<string, unknown>[];
  try {
    rows = await db.query('SELECT log, key_label, curve, public_key, created_at, head_seq, head_hash, checkpoint_seq FROM gw_logs WHERE log = $1', [log]);
  } catch (e) {
    if (e instanceof StoreError && e.code === 'STORE_QUERY') throw new GatewayError('GW_LOG_NOT_FOUND', 'the database holds no gateway logs', { cause: e });
    throw e;
  }
  const [row] = rows;
  if (row === undefined) throw new GatewayError('GW_LOG_NOT_FOUND', `the database holds no ${log} log`);
  return metaFromRow(row);
}

/** Every record of the log in sequence order (the verifier wants them all). */
export async function readAllRecords(db: Db, log: string): Promise<StoredRecord[]> {
  const rows = await db.query(`SELECT ${RECORD_COLUMNS} FROM gw_log_records WHERE log = $1 ORDER BY seq`, [log]);
  return rows.map(recordFromRow);
}

export async function readCheckpoints(db: Db, log: string): Promise<StoredCheckpoint[]> {
  const rows = await db.query('SELECT log, seq, kind, hash, time, signature FROM gw_log_checkpoints WHERE log = $1 ORDER BY seq', [log]);
  return rows.map(checkpointFromRow);
}
