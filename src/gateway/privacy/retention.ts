/**
 * Retention (issue 9): what the gateway no longer needs goes, per data class, after the configured number of
 * days. Readings and frame hashes, delivered or parked outbox messages, consumer-log and system-log records are
 * purged; the calibration log never is (metrology law fixes how long it is kept), and an undelivered outbox
 * message is never purged by age (it is owed to its recipient).
 *
 * Readings expire by `received_at`, not by the meter's `at`: `received_at` is the gateway's own synchronised
 * clock in one canonical ISO form (so SQL string order is time order on both back ends) and marks when the
 * gateway began to hold the value; `at` comes from the meter, may lack a zone or differ in form between codecs,
 * and a meter with a wrong (or forged) clock could otherwise keep its data forever or have it purged on arrival.
 * Frame hashes expire with the readings they came with, so replay protection covers at least that span.
 */
import type { Db } from '../../store/db.js';
import type { PrivacyConfig } from '../config.js';
import { GatewayError, type GatewayErrorCode } from '../errors.js';
import type { GatewayLogs } from '../logs/gateway-logs.js';

export type RetentionPolicy = PrivacyConfig['retention'];

/** The two logs the retention job purges; the calibration log is not among them on purpose. */
export const PURGED_LOGS = ['consumer', 'system'] as const;
export type PurgedLog = (typeof PURGED_LOGS)[number];

/** Per data class: everything stored before this instant (ISO UTC) is expired. */
export interface RetentionCutoffs {
  readonly readings: string;
  readonly frames: string;
  readonly outbox: string;
  readonly consumerLog: string;
  readonly systemLog: string;
}

export interface PurgeCounts {
  readonly readings: number;
  readonly frames: number;
  readonly outbox: number;
  readonly consumerLog: number;
  readonly systemLog: number;
}

export interface RetentionPurge {
  readonly at: string;
  readonly cutoffs: RetentionCutoffs;
  readonly purged: PurgeCounts;
  /** Logs left unpurged because their chain did not verify (a purge must not launder tampering). */
  readonly refused: readonly { readonly log: PurgedLog; readonly code: GatewayErrorCode }[];
}

const DAY_MS = 24 * 3600_000;
const MAX_DAYS = 36_500;

/** The cutoffs of a policy at `now` (pure). GW_BAD_INPUT for a `now` that is no instant or a bad day count. */
export function retentionCutoffs(retention: RetentionPolicy, now: string): RetentionCutoffs {
  const t = typeof now === 'string' ? Date.parse(now) : Number.NaN;
  if (!Number.isFinite(t)) throw new GatewayError('GW_BAD_INPUT', 'the purge time is not an ISO 8601 instant');
  const before = (name: keyof RetentionPolicy): string => {
    const days = retention[name];
    if (!Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS) throw new GatewayError('GW_BAD_INPUT', `retention ${name} must be a whole number of days from 1 to ${MAX_DAYS}`);
    const cut = new Date(t - days * DAY_MS);
    if (Number.isNaN(cut.getTime()) || cut.getUTCFullYear() < 0) throw new GatewayError('GW_BAD_INPUT', 'the purge time is out of range');
    return cut.toISOString();
  };
  const readings = before('readingsDays');
  return { readings, frames: readings, outbox: before('outboxDays'), consumerLog: before('consumerLogDays'), systemLog: before('systemLogDays') };
}

/**
 * Purges what is past its retention at `now` and writes one `retention-purged` record with the counts per class
 * into the system log. Each log goes first through `GatewayLogs.purgeBefore` (its own transaction, which
 * verifies the chain, signs an anchor and logs `log-purged`); then the data tables and the summary record go in
 * one transaction. A log whose chain is broken is left as it is and named in `refused`; the rest is still purged.
 */
export async function purgeExpired(db: Db, logs: GatewayLogs, retention: RetentionPolicy, now: string): Promise<RetentionPurge> {
  const cutoffs = retentionCutoffs(retention, now);
  const refused: { log: PurgedLog; code: GatewayErrorCode }[] = [];
  const logCount = async (log: PurgedLog, cutoff: string): Promise<number> => {
    try {
      return await purgeLogBefore(db, logs, log, cutoff);
    } catch (e) {
      if (!(e instanceof GatewayError) || e.code !== 'GW_LOG_BROKEN') throw e;
      refused.push({ log, code: e.code });
      return 0;
    }
  };
  // The logs first (each purge records itself atomically); the consumer log before the system log, since its
  // purge writes a system record, which the system purge then keeps (it is new).
  const consumerLog = await logCount('consumer', cutoffs.consumerLog);
  const systemLog = await logCount('system', cutoffs.systemLog);
  // The data deletes and their summary record commit together: no purge goes unrecorded.
  const purged = await db.transaction(async (tx): Promise<PurgeCounts> => {
    const counts: PurgeCounts = {
      readings: await tx.run('DELETE FROM gw_readings WHERE received_at < $1', [cutoffs.readings]),
      frames: await tx.run('DELETE FROM gw_frames WHERE received_at < $1', [cutoffs.frames]),
      outbox: await tx.run(
        'DELETE FROM gw_outbox WHERE (delivered_at IS NOT NULL AND delivered_at < $1) OR (parked_at IS NOT NULL AND parked_at < $1)',
        [cutoffs.outbox],
      ),
      consumerLog,
      systemLog,
    };
    await logs.appendWithin(tx, 'system', {
      level: refused.length === 0 ? 'notice' : 'warning',
      event: 'retention-purged',
      text: `retention purge: ${counts.readings} readings, ${counts.frames} frame hashes, ${counts.outbox} outbox messages, ${consumerLog} consumer-log and ${systemLog} system-log records removed${refused.length === 0 ? '' : `; not purged (chain broken): ${refused.map((r) => r.log).join(', ')}`}`,
      outcome: refused.length === 0 ? 'success' : 'failure',
      details: { at: now, cutoffs: { ...cutoffs }, purged: { ...counts }, refused: refused.map((r) => ({ ...r })) },
    });
    return counts;
  });
  return { at: now, cutoffs, purged, refused };
}

// --- internal ---

/**
 * Purges the log's records stamped before `cutoff`: the first record to keep is the first one stamped at or
 * after it (records are stamped in sequence order; should a clock have stepped back, this keeps more, never
 * less). All expired: the purge runs up to the head and the chain continues from the signed anchor.
 */
async function purgeLogBefore(db: Db, logs: GatewayLogs, log: PurgedLog, cutoff: string): Promise<number> {
  const [range] = await db.query<{ first: unknown; last: unknown }>('SELECT MIN(seq) AS first, MAX(seq) AS last FROM gw_log_records WHERE log = $1', [log]);
  const [kept] = await db.query<{ keep: unknown }>('SELECT MIN(seq) AS keep FROM gw_log_records WHERE log = $1 AND time >= $2', [log, cutoff]);
  const first = seqOf(range?.first);
  const last = seqOf(range?.last);
  if (first === null || last === null) return 0;
  const keep = seqOf(kept?.keep) ?? last + 1;
  if (keep <= first) return 0;
  const result = await logs.purgeBefore(log, keep);
  return result.purged;
}

const seqOf = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
