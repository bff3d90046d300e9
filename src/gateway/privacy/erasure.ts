/**
 * Erasure at contract end (issue 9; GDPR art. 5(1)(e) and 17): when a contract is removed, its meter removed,
 * or its validTo has passed, what the gateway keeps only for that recipient goes: the TAF state, the delivered
 * copies of its messages, the consents bound to it, and the recipient's certificates when no other contract
 * names them. The readings stay (the consumer's own data, under readings retention); so do the consumer log's
 * records of consent and withdrawal (the consumer's own record). The contract row stays as a tombstone
 * (ended_at, and counts of what was sent for the privacy report).
 *
 * Undelivered messages: those made while the contract ran lawfully (a billing value of a valid period, a load
 * curve under consent in force) are still delivered, then their copies go at the next sweep. A consent-bound
 * contract's messages after withdrawal never exist: withdrawal dropped them (consent.ts) and ingest makes none.
 */
import type { Db } from '../../store/db.js';
import type { GatewayLogs } from '../logs/gateway-logs.js';
import { type Contract, parseContract } from '../taf/contract.js';

/**
 * A contract past its validTo is erased once its final period has been closed (the last message made), or
 * this long after validTo whatever its state (dormant without consent, on demand, or never fed again).
 */
export const FINAL_PERIOD_GRACE_MS = 86_400_000;

export interface SentSummary {
  readonly messages: number;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
}

export interface ErasureResult {
  readonly contractId: string;
  /** Null only for a stored contract that no longer parses (its meter unknown): erased by id all the same. */
  readonly consumerId: string | null;
  readonly recipient: string | null;
  readonly taf: number | null;
  readonly endedAt: string;
  /** Delivered copies of its messages removed. */
  readonly deliveredErased: number;
  /** Undelivered messages left to go out (made while the contract ran lawfully). */
  readonly pendingKept: number;
  readonly consentsErased: number;
  /** The recipient's certificates were removed: no other contract names them. */
  readonly certificatesErased: boolean;
}

/**
 * Ends one contract and erases its recipient's data, in the transaction given. Undefined when the contract is
 * unknown or was erased before.
 */
export async function eraseContract(tx: Db, contractId: string, now: string): Promise<ErasureResult | undefined> {
  const [row] = await tx.query<{ contract: string; consumer_id: string | null }>(
    `SELECT c.contract, m.consumer_id FROM gw_contracts c LEFT JOIN gw_meters m ON m.meter_id = c.meter_id WHERE c.contract_id = $1 AND c.ended_at IS NULL`,
    [contractId],
  );
  if (row === undefined) return undefined;
  const contract = storedContract(row.contract);
  const summary = await summariseDelivered(tx, contractId, null);
  const deliveredErased = await tx.run('DELETE FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NOT NULL', [contractId]);
  const [pending] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = $1', [contractId]);
  const consentsErased = await tx.run('DELETE FROM gw_consents WHERE contract_id = $1', [contractId]);
  await tx.run('UPDATE gw_contracts SET active = 0, state = NULL, ended_at = $2, sent_summary = $3 WHERE contract_id = $1', [contractId, now, JSON.stringify(summary)]);
  const sha = contract?.recipient.encCertSha256;
  const certificatesErased = sha !== undefined && !(await namedElsewhere(tx, sha)) && (await tx.run('DELETE FROM gw_emt_certs WHERE enc_sha256 = $1', [sha])) > 0;
  return {
    contractId,
    consumerId: row.consumer_id ?? contract?.consumerId ?? null,
    recipient: contract?.recipient.name ?? null,
    taf: contract?.taf ?? null,
    endedAt: now,
    deliveredErased,
    pendingKept: Number(pending?.n ?? 0),
    consentsErased,
    certificatesErased,
  };
}

/**
 * For the scheduled job: erases every contract that ended (removed, meter removed, or validTo passed and its
 * final period sent, see FINAL_PERIOD_GRACE_MS) and was not erased yet, each in its own transaction, and
 * sweeps the delivered copies of messages that went out after their contract's erasure. Each erasure is
 * written into the consumer's log and the system log.
 */
export async function eraseEndedContracts(db: Db, logs: GatewayLogs, now: string): Promise<readonly ErasureResult[]> {
  const nowMs = Date.parse(now);
  const rows = await db.query<{ contract_id: string; contract: string; state: string | null; active: number }>(
    'SELECT contract_id, contract, state, active FROM gw_contracts WHERE ended_at IS NULL ORDER BY contract_id',
  );
  const ended = rows.filter((r) => Number(r.active) !== 1 || expired(r.contract, r.state, nowMs)).map((r) => r.contract_id);
  const out: ErasureResult[] = [];
  for (const id of ended) {
    const r = await db.transaction((tx) => eraseContract(tx, id, now));
    if (r === undefined) continue;
    await logErasure(logs, r);
    out.push(r);
  }
  await sweepLateDeliveries(db);
  return out;
}

/** The consumer's record that the recipient's data is gone, and the operator's. */
export async function logErasure(logs: GatewayLogs, r: ErasureResult): Promise<void> {
  const details = {
    contractId: r.contractId,
    recipient: r.recipient,
    taf: r.taf,
    deliveredErased: r.deliveredErased,
    pendingKept: r.pendingKept,
    consentsErased: r.consentsErased,
    certificatesErased: r.certificatesErased,
  };
  if (r.consumerId !== null && r.consumerId !== '') {
    await logs.append('consumer', {
      consumerId: r.consumerId,
      level: 'notice',
      event: 'contract-erased',
      text: `contract ${r.contractId} (TAF ${r.taf ?? '?'} for ${r.recipient ?? '?'}) ended: the data kept for that recipient was erased`,
      outcome: 'success',
      details,
    });
  }
  await logs.append('system', { level: 'notice', event: 'contract-erased', text: `contract ${r.contractId} ended and erased`, outcome: 'success', details });
}

// --- internal ---

/** Delivered copies of erased contracts' messages that were still pending at erasure: counted, then removed. */
async function sweepLateDeliveries(db: Db): Promise<void> {
  const late = await db.query<{ contract_id: string; sent_summary: string | null }>(
    `SELECT DISTINCT c.contract_id, c.sent_summary FROM gw_contracts c JOIN gw_outbox o ON o.contract_id = c.contract_id
     WHERE c.ended_at IS NOT NULL AND o.delivered_at IS NOT NULL`,
  );
  for (const l of late) {
    await db.transaction(async (tx) => {
      const summary = await summariseDelivered(tx, l.contract_id, parseSummary(l.sent_summary));
      await tx.run('DELETE FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NOT NULL', [l.contract_id]);
      await tx.run('UPDATE gw_contracts SET sent_summary = $2 WHERE contract_id = $1', [l.contract_id, JSON.stringify(summary)]);
    });
  }
}

/** What the report needs of the delivered messages, added to a previous summary. */
export async function summariseDelivered(db: Db, contractId: string, previous: SentSummary | null): Promise<SentSummary> {
  const [row] = await db.query<{ n: number; first_at: string | null; last_at: string | null }>(
    'SELECT COUNT(*) AS n, MIN(delivered_at) AS first_at, MAX(delivered_at) AS last_at FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NOT NULL',
    [contractId],
  );
  const n = Number(row?.n ?? 0);
  const first = [previous?.firstAt ?? null, row?.first_at ?? null].filter((x): x is string => x !== null).sort()[0] ?? null;
  const last = [previous?.lastAt ?? null, row?.last_at ?? null].filter((x): x is string => x !== null).sort().at(-1) ?? null;
  return { messages: (previous?.messages ?? 0) + n, firstAt: first, lastAt: last };
}

export function parseSummary(text: string | null): SentSummary | null {
  if (text === null) return null;
  const v = JSON.parse(text) as Partial<SentSummary>;
  return { messages: Number(v.messages ?? 0), firstAt: typeof v.firstAt === 'string' ? v.firstAt : null, lastAt: typeof v.lastAt === 'string' ? v.lastAt : null };
}

/**
 * Whether a running contract has ended by its validTo and its final period was sent (or the grace is over).
 * One whose stored text no longer parses cannot be told ended: it is left alone.
 */
function expired(text: string, state: string | null, nowMs: number): boolean {
  const validTo = Date.parse(storedContract(text)?.validTo ?? '');
  if (!(validTo <= nowMs)) return false;
  if (nowMs >= validTo + FINAL_PERIOD_GRACE_MS) return true;
  let closedUntil: unknown;
  try {
    closedUntil = state === null ? null : (JSON.parse(state) as { closedUntil?: unknown }).closedUntil;
  } catch {
    closedUntil = null;
  }
  return typeof closedUntil === 'string' && Date.parse(closedUntil) >= validTo;
}

/** A stored contract, or undefined when its text no longer parses (damaged, or written by an older program). */
export function storedContract(text: string): Contract | undefined {
  try {
    const r = parseContract(JSON.parse(text));
    return r.ok ? r.value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a contract not erased names the certificate. */
async function namedElsewhere(tx: Db, sha: string): Promise<boolean> {
  const rows = await tx.query<{ contract: string }>('SELECT contract FROM gw_contracts WHERE ended_at IS NULL');
  return rows.some((r) => (JSON.parse(r.contract) as { recipient?: { encCertSha256?: string } }).recipient?.encCertSha256 === sha);
}
