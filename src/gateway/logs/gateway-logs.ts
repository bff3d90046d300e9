import type { SecurityModule } from '../../crypto/security-module.js';
import { SecurityModuleError } from '../../crypto/errors.js';
import type { Db } from '../../store/db.js';
import { migrate } from '../../store/migrations.js';
import { GatewayError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { type CheckpointKind, LOG_NAMES, type LogEntry, type LogName, isLogEvent, isLogLevel, isLogName, isLogOutcome } from './events.js';
import { type LogVerifyKey, checkpointHash, sameKey, verifyKeyFromPoint } from './log-key.js';
import { GENESIS_HASH, checkpointPayload, hex, recordHash } from './record-hash.js';
import { readMeta } from './rows.js';
import { LOG_MIGRATIONS, LOG_SCHEMA_SCOPE } from './schema.js';
import { verifyLog } from './verify-log.js';

export interface GatewayLogsOptions {
  readonly db: Db;
  readonly sm: SecurityModule;
  /** Label of the gateway's log-signing key in the security module (its SIG key). */
  readonly keyLabel: string;
  /** Injected clock; timestamps are its ISO UTC form. */
  readonly clock?: () => Date;
  /** A checkpoint after every this many records per log (default 100). */
  readonly checkpointEvery?: number;
}

export interface CheckpointInfo {
  readonly log: LogName;
  readonly seq: number;
  readonly kind: CheckpointKind;
  readonly hash: string;
  readonly time: string;
}

export interface AppendedRecord {
  readonly log: LogName;
  readonly seq: number;
  readonly time: string;
  readonly hash: string;
  /** The checkpoint this append completed, if it did. */
  readonly checkpoint?: CheckpointInfo;
}

export interface PurgeResult {
  readonly log: LogName;
  readonly purged: number;
  /** The signed anchor the chain now starts from, when anything was purged. */
  readonly anchor: CheckpointInfo | null;
}

export const DEFAULT_CHECKPOINT_EVERY = 100;
const MAX_TEXT = 4096;
const MAX_CONSUMER_ID = 128;

interface Head {
  readonly seq: number;
  readonly hash: Uint8Array;
  readonly checkpointSeq: number;
}

/**
 * The writer of the three logs in the gateway's store. Each append is one transaction: the log's row is
 * locked and advanced (an UPDATE, which PostgreSQL row-locks and SQLite's BEGIN IMMEDIATE serialises), the
 * record inserted, and every `checkpointEvery` records a checkpoint signed by the security module is
 * inserted with it, so concurrent appends never fork the chain and a crash leaves no half record.
 */
export class GatewayLogs {
  private constructor(
    private readonly db: Db,
    private readonly sm: SecurityModule,
    private readonly keyLabel: string,
    private readonly key: LogVerifyKey,
    private readonly clock: () => Date,
    private readonly checkpointEvery: number,
  ) {}

  /**
   * Creates the log tables if needed and pins the signing key's public half for each log on first use.
   * GW_NO_SIGNING_KEY when the module lacks the label; GW_LOG_KEY_MISMATCH when a log was pinned to another key.
   */
  static async open(opts: GatewayLogsOptions): Promise<GatewayLogs> {
    const every = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isSafeInteger(every) || every < 1) throw new GatewayError('GW_BAD_INPUT', 'checkpointEvery must be a positive integer');
    const clock = opts.clock ?? (() => new Date());
    let info: Awaited<ReturnType<SecurityModule['publicKey']>>;
    try {
      info = await opts.sm.publicKey(opts.keyLabel);
    } catch (e) {
      if (e instanceof SecurityModuleError && e.code === 'SM_NO_SUCH_KEY') throw new GatewayError('GW_NO_SIGNING_KEY', `the security module has no log-signing key labelled ${JSON.stringify(opts.keyLabel)}`, { cause: e });
      throw e;
    }
    const key = verifyKeyFromPoint(info.curve, info.publicKey);
    await migrate(opts.db, LOG_MIGRATIONS, LOG_SCHEMA_SCOPE);
    const created = isoNow(clock);
    for (const log of LOG_NAMES) {
      await opts.db.run(
        'INSERT INTO gw_logs (log, key_label, curve, public_key, created_at, head_seq, head_hash, checkpoint_seq) VALUES ($1, $2, $3, $4, $5, 0, $6, 0) ON CONFLICT (log) DO NOTHING',
        [log, opts.keyLabel, info.curve, info.publicKey, created, GENESIS_HASH],
      );
      const meta = await readMeta(opts.db, log);
      let pinned: LogVerifyKey | undefined;
      try {
        pinned = verifyKeyFromPoint(meta.curve, meta.publicKey);
      } catch {
        pinned = undefined;
      }
      if (pinned === undefined || !sameKey(pinned, key)) {
        throw new GatewayError('GW_LOG_KEY_MISMATCH', `the ${log} log is pinned to another key than the one labelled ${JSON.stringify(opts.keyLabel)}`);
      }
    }
    return new GatewayLogs(opts.db, opts.sm, opts.keyLabel, key, clock, every);
  }

  /** Appends one record (and a checkpoint when one is due) in one transaction. */
  append<L extends LogName>(log: L, entry: LogEntry<L>): Promise<AppendedRecord> {
    return this.db.transaction((tx) => this.appendIn(tx, log, entry));
  }

  /**
   * Appends within the caller's transaction `tx` (of the store these logs were opened on), so the record
   * commits or rolls back with the caller's own writes: the ingest logs each queued message this way.
   */
  appendWithin<L extends LogName>(tx: Db, log: L, entry: LogEntry<L>): Promise<AppendedRecord> {
    return this.appendIn(tx, log, entry);
  }

  /** A checkpoint of the log's current head now (the gateway calls it on shutdown); unchanged logs keep theirs. */
  async checkpoint(log: LogName): Promise<CheckpointInfo> {
    checkLog(log);
    return this.db.transaction(async (tx) => {
      const head = await lockHead(tx, log);
      const [existing] = await tx.query<{ kind: string; hash: Uint8Array; time: string }>('SELECT kind, hash, time FROM gw_log_checkpoints WHERE log = $1 AND seq = $2', [log, head.seq]);
      if (existing !== undefined) return { log, seq: head.seq, kind: existing.kind as CheckpointKind, hash: hex(existing.hash), time: existing.time };
      return this.signCheckpoint(tx, log, 'on-demand', head.seq, head.hash);
    });
  }

  /** Checkpoints of all three logs (shutdown). */
  async checkpointAll(): Promise<readonly CheckpointInfo[]> {
    const out: CheckpointInfo[] = [];
    for (const log of LOG_NAMES) out.push(await this.checkpoint(log));
    return out;
  }

  /**
   * Removes the records before `seq` (retention) without breaking verification: the chain is verified first
   * (GW_LOG_BROKEN when it is not intact: a purge must not launder tampering), then the records and the
   * checkpoints they carried are deleted and a signed `anchor` checkpoint of record seq - 1 is written, from
   * which the chain verifies on. The purge is logged in the system log, all in one transaction.
   */
  async purgeBefore(log: LogName, seq: number): Promise<PurgeResult> {
    checkLog(log);
    if (!Number.isSafeInteger(seq) || seq < 1) throw new GatewayError('GW_BAD_INPUT', 'the purge bound must be a positive integer');
    return this.db.transaction(async (tx) => {
      const head = await lockHead(tx, log);
      if (seq > head.seq + 1) throw new GatewayError('GW_BAD_INPUT', `the ${log} log ends at ${head.seq}: nothing to keep from ${seq}`);
      const verdict = await verifyLog(tx, log, this.key);
      if (!verdict.ok) throw new GatewayError('GW_LOG_BROKEN', `the ${log} log is broken at ${verdict.broken.seq ?? 'its key'} (${verdict.broken.code}): not purged`);
      if (verdict.firstSeq === null || verdict.firstSeq >= seq) return { log, purged: 0, anchor: null };
      const anchorSeq = seq - 1;
      const [row] = await tx.query<{ hash: Uint8Array }>('SELECT hash FROM gw_log_records WHERE log = $1 AND seq = $2', [log, anchorSeq]);
      if (row === undefined) throw new GatewayError('GW_LOG_BROKEN', `record ${anchorSeq} of the ${log} log is missing: not purged`);
      const purged = await tx.run('DELETE FROM gw_log_records WHERE log = $1 AND seq < $2', [log, seq]);
      await tx.run('DELETE FROM gw_log_checkpoints WHERE log = $1 AND seq <= $2', [log, anchorSeq]);
      const anchor = await this.signCheckpoint(tx, log, 'anchor', anchorSeq, new Uint8Array(row.hash));
      await this.appendIn(tx, 'system', {
        level: 'notice',
        event: 'log-purged',
        text: `${log} log records before ${seq} purged; the chain starts at the anchor ${anchorSeq}`,
        outcome: 'success',
        details: { log, purged, before: seq, anchorSeq, anchorHash: anchor.hash },
      });
      return { log, purged, anchor };
    });
  }

  private async appendIn<L extends LogName>(tx: Db, log: L, entry: LogEntry<L>): Promise<AppendedRecord> {
    checkLog(log);
    const fields = checkEntry(log, entry);
    const time = isoNow(this.clock);
    const [row] = await tx.query<{ head_seq: number; head_hash: Uint8Array; checkpoint_seq: number }>(
      'UPDATE gw_logs SET head_seq = head_seq + 1 WHERE log = $1 RETURNING head_seq, head_hash, checkpoint_seq',
      [log],
    );
    if (row === undefined) throw new GatewayError('GW_LOG_NOT_FOUND', `the database holds no ${log} log`);
    const seq = Number(row.head_seq);
    const record = { log, seq, time, ...fields, prevHash: new Uint8Array(row.head_hash) };
    const hash = recordHash(record);
    await tx.run(
      'INSERT INTO gw_log_records (log, seq, time, level, event, text, outcome, details, consumer_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [log, seq, time, record.level, record.event, record.text, record.outcome, record.details, record.consumerId, record.prevHash, hash],
    );
    await tx.run('UPDATE gw_logs SET head_hash = $2 WHERE log = $1', [log, hash]);
    const due = seq - Number(row.checkpoint_seq) >= this.checkpointEvery;
    const checkpoint = due ? await this.signCheckpoint(tx, log, 'interval', seq, hash) : undefined;
    return { log, seq, time, hash: hex(hash), ...(checkpoint === undefined ? {} : { checkpoint }) };
  }

  private async signCheckpoint(tx: Db, log: LogName, kind: CheckpointKind, seq: number, hash: Uint8Array): Promise<CheckpointInfo> {
    const time = isoNow(this.clock);
    const signature = await this.sm.sign(this.keyLabel, checkpointPayload({ log, kind, seq, hash, time }), checkpointHash(this.key.curve));
    await tx.run('INSERT INTO gw_log_checkpoints (log, seq, kind, hash, time, signature) VALUES ($1, $2, $3, $4, $5, $6)', [log, seq, kind, hash, time, signature]);
    // An anchor below the latest interval checkpoint must not move the interval schedule back.
    await tx.run('UPDATE gw_logs SET checkpoint_seq = $2 WHERE log = $1 AND checkpoint_seq < $2', [log, seq]);
    return { log, seq, kind, hash: hex(hash), time };
  }
}

// --- internal ---

function checkLog(log: unknown): asserts log is LogName {
  if (!isLogName(log)) throw new GatewayError('GW_BAD_INPUT', `there is no log named ${JSON.stringify(String(log).slice(0, 40))}`);
}

function isoNow(clock: () => Date): string {
  const d = clock();
  if (!(d instanceof Date) || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) {
    throw new GatewayError('GW_BAD_INPUT', 'the clock gave no valid date');
  }
  return d.toISOString();
}

/** The row lock on the log's head (an UPDATE that changes nothing still locks in PostgreSQL). */
async function lockHead(tx: Db, log: LogName): Promise<Head> {
  const [row] = await tx.query<{ head_seq: number; head_hash: Uint8Array; checkpoint_seq: number }>(
    'UPDATE gw_logs SET head_seq = head_seq WHERE log = $1 RETURNING head_seq, head_hash, checkpoint_seq',
    [log],
  );
  if (row === undefined) throw new GatewayError('GW_LOG_NOT_FOUND', `the database holds no ${log} log`);
  return { seq: Number(row.head_seq), hash: new Uint8Array(row.head_hash), checkpointSeq: Number(row.checkpoint_seq) };
}

/** The stored form of an entry, after checking it against the log's vocabulary (callers may be untyped JS). */
function checkEntry<L extends LogName>(log: L, entry: LogEntry<L>) {
  const e = entry as unknown as Partial<Record<string, unknown>>;
  if (!isLogLevel(e.level)) throw new GatewayError('GW_BAD_INPUT', 'level must be one of info, notice, warning, error, critical');
  if (!isLogEvent(log, e.event)) throw new GatewayError('GW_BAD_INPUT', `${JSON.stringify(String(e.event).slice(0, 40))} is not an event type of the ${log} log`);
  if (!isLogOutcome(e.outcome)) throw new GatewayError('GW_BAD_INPUT', 'outcome must be one of success, failure, refused, none');
  if (typeof e.text !== 'string' || e.text.length > MAX_TEXT) throw new GatewayError('GW_BAD_INPUT', `text must be a string of at most ${MAX_TEXT} characters`);
  const consumerId = e.consumerId ?? null;
  if (consumerId !== null && (typeof consumerId !== 'string' || consumerId === '' || consumerId.length > MAX_CONSUMER_ID)) {
    throw new GatewayError('GW_BAD_INPUT', `a consumer id is a non-empty string of at most ${MAX_CONSUMER_ID} characters`);
  }
  if (log === 'consumer' && consumerId === null) throw new GatewayError('GW_BAD_INPUT', 'every consumer log record names its consumer');
  return {
    level: e.level,
    event: e.event,
    text: e.text,
    outcome: e.outcome,
    details: canonicalJson(e.details === undefined ? {} : e.details),
    consumerId: consumerId as string | null,
  };
}
