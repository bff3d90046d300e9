/**
 * The scheduled privacy job: settle confirmed contract removals, erase the data of ended contracts, purge
 * what outlived its retention, and log what went. One transaction per run; on PostgreSQL an advisory lock
 * lets one head-end process run it while the others skip that round (the deletes would agree anyway, the log
 * would not).
 */
import type { Db } from '../../store/index.js';
import { type ErasedContract, eraseEndedContracts } from './erasure.js';
import { PRIVACY_EVENT_KINDS, recordPrivacyEvent } from './log.js';
import { settleRemovals } from './registry.js';
import { type PurgeCounts, type RetentionPolicy, purgeExpired } from './retention.js';

export interface PrivacyPolicy extends RetentionPolicy {
  readonly afterContractEndDays: number;
}

export type PrivacyJobReport =
  | { readonly kind: 'ran'; readonly at: string; readonly purged: PurgeCounts; readonly erased: readonly ErasedContract[] }
  /** Another process on the same PostgreSQL held the job's lock. */
  | { readonly kind: 'skipped'; readonly at: string };

/** pg_try_advisory_xact_lock key of the privacy job ("priv"). */
export const PG_PRIVACY_LOCK = 0x70726976;

export async function runPrivacyJob(db: Db, policy: PrivacyPolicy, now: Date): Promise<PrivacyJobReport> {
  const at = now.toISOString();
  return db.transaction(async (tx): Promise<PrivacyJobReport> => {
    if (tx.dialect === 'postgres') {
      const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [PG_PRIVACY_LOCK]);
      if (lock[0]?.ok !== true) return { kind: 'skipped', at };
    }
    // Removals first: a confirmed remove-contract command may itself be purged below.
    await settleRemovals(tx);
    const erased = await eraseEndedContracts(tx, policy.afterContractEndDays, now);
    const purged = await purgeExpired(tx, policy, now);
    if (purged.messages + purged.values + purged.securityEvents + purged.commands > 0) {
      await recordPrivacyEvent(tx, { kind: PRIVACY_EVENT_KINDS.retentionPurge, counts: { ...purged } }, now);
    }
    return { kind: 'ran', at, purged, erased };
  });
}

export interface PrivacySchedule {
  /** Runs the job now (after a run under way), outside the schedule. */
  runNow(): Promise<PrivacyJobReport>;
  /** Stops the schedule and waits for a run under way. */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  readonly db: Db;
  readonly policy: PrivacyPolicy & { readonly purgeEveryMs: number };
  readonly now: () => Date;
  /** Told of each run and of each failure (a failed run is retried at the next tick). */
  readonly onReport?: (r: PrivacyJobReport) => void;
  readonly onError?: (e: unknown) => void;
}

/** Runs the job once right away, then every `purgeEveryMs` (never two runs at once); 0 runs it only on demand. */
export function schedulePrivacyJob(o: ScheduleOptions): PrivacySchedule {
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const runQueued = (): Promise<PrivacyJobReport> => {
    const run = chain.then(() => runPrivacyJob(o.db, o.policy, o.now()));
    chain = run.catch(() => undefined);
    return run;
  };
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    runQueued().then(
      (r) => o.onReport?.(r),
      (e: unknown) => o.onError?.(e),
    ).finally(() => {
      if (!stopped) {
        timer = setTimeout(tick, o.policy.purgeEveryMs);
        timer.unref();
      }
    });
  };
  if (o.policy.purgeEveryMs > 0) {
    timer = setTimeout(tick, 0);
    timer.unref();
  }
  return {
    runNow: runQueued,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await chain;
    },
  };
}

/** Logs a failed run (best effort: the store may be what failed). */
export async function recordJobFailure(db: Db, e: unknown, now: Date): Promise<void> {
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : 'unknown';
  await recordPrivacyEvent(db, { kind: PRIVACY_EVENT_KINDS.jobFailed, counts: { code } }, now).catch(() => undefined);
}
