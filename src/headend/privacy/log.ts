/**
 * The privacy log (table he_privacy_events): one row per run of the job that removed anything, one row per
 * contract whose data was erased. It holds counts and names (market participant, contract id), never a
 * value or a consumer id, and the job's retention leaves it alone: it is the proof that data went.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/index.js';

export const PRIVACY_EVENT_KINDS = {
  /** Rows older than their class's retention were purged. */
  retentionPurge: 'retention-purge',
  /** Data an EMT held under a contract that ended was erased. */
  contractErasure: 'contract-erasure',
  /** The job failed (store error); it runs again on schedule. */
  jobFailed: 'privacy-job-failed',
} as const;

export type PrivacyEventKind = (typeof PRIVACY_EVENT_KINDS)[keyof typeof PRIVACY_EVENT_KINDS];

export type PrivacyCounts = Readonly<Record<string, number | string>>;

export interface PrivacyEvent {
  readonly id: string;
  readonly kind: PrivacyEventKind;
  readonly emt: string | null;
  readonly contractId: string | null;
  readonly counts: PrivacyCounts;
  readonly at: string;
}

export async function recordPrivacyEvent(
  db: Db,
  e: { readonly kind: PrivacyEventKind; readonly emt?: string; readonly contractId?: string; readonly counts: PrivacyCounts },
  at: Date,
): Promise<void> {
  await db.run('INSERT INTO he_privacy_events (id, kind, emt, contract_id, counts, at) VALUES ($1, $2, $3, $4, $5, $6)', [
    randomUUID(),
    e.kind,
    e.emt ?? null,
    e.contractId ?? null,
    JSON.stringify(e.counts),
    at.toISOString(),
  ]);
}

/** Newest first. */
export async function listPrivacyEvents(db: Db, limit = 500): Promise<PrivacyEvent[]> {
  const rows = await db.query<{ id: string; kind: PrivacyEventKind; emt: string | null; contract_id: string | null; counts: string; at: string }>(
    'SELECT id, kind, emt, contract_id, counts, at FROM he_privacy_events ORDER BY at DESC, id LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, emt: r.emt, contractId: r.contract_id, counts: JSON.parse(r.counts) as PrivacyCounts, at: r.at }));
}
