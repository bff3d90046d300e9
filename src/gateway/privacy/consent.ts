/**
 * The consumer's consent to a contract the privacy policy binds to it (fine load curves, high-frequency
 * values). Such a contract sends nothing while no consent is in force; the history of grants and withdrawals
 * is kept (one row per grant) until the contract ends, and each change is written into the consumer log.
 */
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import type { GatewayLogs } from '../logs/gateway-logs.js';
import { storedContract } from '../taf/contract.js';
import { initialState } from '../taf/state.js';

export interface ConsentRecord {
  readonly consumerId: string;
  readonly contractId: string;
  readonly grantedAt: string;
  readonly withdrawnAt: string | null;
}

export interface ConsentSubject {
  readonly consumerId: string;
  readonly contractId: string;
}

/** Records consent for a contract of this consumer that needs it; logs 'consent-granted' in the consumer log. */
export async function grantConsent(db: Db, logs: GatewayLogs, c: ConsentSubject, now: string): Promise<ConsentRecord> {
  const at = instant(now);
  const out = await db.transaction(async (tx) => {
    const bound = await boundContract(tx, c, at);
    const latest = await latestConsent(tx, c.contractId);
    if (latest !== undefined && latest.withdrawnAt === null) throw new GatewayError('GW_CONSENT_ALREADY_GRANTED', `consent for contract ${c.contractId} is in force already`);
    const [row] = await tx.query<{ n: number | null }>('SELECT MAX(n) AS n FROM gw_consents WHERE contract_id = $1', [c.contractId]);
    await tx.run('INSERT INTO gw_consents (contract_id, n, consumer_id, granted_at, withdrawn_at) VALUES ($1, $2, $3, $4, NULL)', [
      c.contractId,
      Number(row?.n ?? 0) + 1,
      c.consumerId,
      at,
    ]);
    // The contract starts afresh at the grant: nothing from before it is held or sent (no back-fill).
    const closedUntil = Date.parse(at) > Date.parse(bound.validFrom) ? at : null;
    await tx.run('UPDATE gw_contracts SET state = $2 WHERE contract_id = $1', [c.contractId, JSON.stringify({ ...initialState(bound), closedUntil })]);
    return { record: { consumerId: c.consumerId, contractId: c.contractId, grantedAt: at, withdrawnAt: null }, recipient: bound.recipient.name, taf: bound.taf };
  });
  await logs.append('consumer', {
    consumerId: c.consumerId,
    level: 'notice',
    event: 'consent-granted',
    text: `consent to contract ${c.contractId} (TAF ${out.taf} for ${out.recipient}) granted`,
    outcome: 'success',
    details: { contractId: c.contractId, recipient: out.recipient, taf: out.taf, grantedAt: at },
  });
  return out.record;
}

/** Withdraws it: from now on the contract sends nothing; its undelivered outbox messages are dropped; logged. */
export async function withdrawConsent(db: Db, logs: GatewayLogs, c: ConsentSubject, now: string): Promise<ConsentRecord> {
  const at = instant(now);
  const out = await db.transaction(async (tx) => {
    const bound = await boundContract(tx, c, at);
    const latest = await latestConsent(tx, c.contractId);
    if (latest === undefined || latest.withdrawnAt !== null) throw new GatewayError('GW_CONSENT_NOT_GRANTED', `no consent for contract ${c.contractId} is in force`);
    await tx.run('UPDATE gw_consents SET withdrawn_at = $3 WHERE contract_id = $1 AND n = $2', [c.contractId, latest.n, at]);
    // Withdrawal stops the flow at once: what is not delivered yet never leaves, values held for the open period go.
    const dropped = await tx.run('DELETE FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NULL', [c.contractId]);
    await tx.run('UPDATE gw_contracts SET state = $2 WHERE contract_id = $1', [c.contractId, JSON.stringify(initialState(bound))]);
    return { record: { consumerId: c.consumerId, contractId: c.contractId, grantedAt: latest.grantedAt, withdrawnAt: at }, dropped, recipient: bound.recipient.name, taf: bound.taf };
  });
  const details = { contractId: c.contractId, recipient: out.recipient, taf: out.taf, grantedAt: out.record.grantedAt, withdrawnAt: at, droppedMessages: out.dropped };
  await logs.append('consumer', {
    consumerId: c.consumerId,
    level: 'notice',
    event: 'consent-withdrawn',
    text: `consent to contract ${c.contractId} (TAF ${out.taf} for ${out.recipient}) withdrawn; ${out.dropped} undelivered message(s) dropped`,
    outcome: 'success',
    details,
  });
  // The operator sees the flow stop (no consumer data beyond the ids).
  await logs.append('system', { level: 'notice', event: 'consent-withdrawn', text: `contract ${c.contractId} stopped: consent withdrawn`, outcome: 'success', details });
  return out.record;
}

/** Every consent record of the consumer, newest first (history kept: grant, withdraw, grant again = 2 rows). */
export async function consentsOf(db: Db, consumerId: string): Promise<readonly ConsentRecord[]> {
  const rows = await db.query<ConsentRow>(
    'SELECT contract_id, n, consumer_id, granted_at, withdrawn_at FROM gw_consents WHERE consumer_id = $1 ORDER BY granted_at DESC, contract_id, n DESC',
    [consumerId],
  );
  return rows.map(toRecord);
}

/** Whether consent for the contract is in force now. */
export async function consentInForce(db: Db, contractId: string): Promise<boolean> {
  const latest = await latestConsent(db, contractId);
  return latest !== undefined && latest.withdrawnAt === null;
}

// --- internal ---

interface ConsentRow {
  contract_id: string;
  n: number;
  consumer_id: string;
  granted_at: string;
  withdrawn_at: string | null;
  [k: string]: unknown;
}

const toRecord = (r: ConsentRow): ConsentRecord => ({ consumerId: r.consumer_id, contractId: r.contract_id, grantedAt: r.granted_at, withdrawnAt: r.withdrawn_at });

async function latestConsent(db: Db, contractId: string): Promise<(ConsentRecord & { readonly n: number }) | undefined> {
  const [row] = await db.query<ConsentRow>('SELECT contract_id, n, consumer_id, granted_at, withdrawn_at FROM gw_consents WHERE contract_id = $1 ORDER BY n DESC LIMIT 1', [
    contractId,
  ]);
  return row === undefined ? undefined : { ...toRecord(row), n: Number(row.n) };
}

/**
 * The contract, when it is running, belongs to this consumer (its meter's consumer) and the policy binds it
 * to consent. Unknown, ended and other consumers' contracts share one code, so nothing about them leaks.
 */
async function boundContract(tx: Db, c: ConsentSubject, at: string) {
  if (typeof c.consumerId !== 'string' || c.consumerId === '' || typeof c.contractId !== 'string' || c.contractId === '') {
    throw new GatewayError('GW_BAD_INPUT', 'consumer id and contract id must be non-empty text');
  }
  const [row] = await tx.query<{ contract: string; consent_required: number | null }>(
    `SELECT c.contract, c.consent_required FROM gw_contracts c JOIN gw_meters m ON m.meter_id = c.meter_id
     WHERE c.contract_id = $1 AND m.consumer_id = $2 AND c.active = 1 AND c.ended_at IS NULL`,
    [c.contractId, c.consumerId],
  );
  const contract = row === undefined ? undefined : storedContract(row.contract);
  if (row === undefined || contract === undefined || Date.parse(contract.validTo) <= Date.parse(at)) {
    throw new GatewayError('GW_CONSENT_UNKNOWN_CONTRACT', `consumer ${c.consumerId} has no running contract ${c.contractId}`);
  }
  const required = row.consent_required === null ? contract.requiresConsent : Number(row.consent_required) === 1;
  if (!required) throw new GatewayError('GW_CONSENT_NOT_NEEDED', `contract ${c.contractId} runs without consent under the privacy policy`);
  return contract;
}

/** `now` as the canonical ISO 8601 UTC instant stored and compared. */
function instant(now: string): string {
  const ms = typeof now === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(now) ? Date.parse(now) : Number.NaN;
  if (!Number.isFinite(ms)) throw new GatewayError('GW_BAD_INPUT', 'the time given is not an ISO 8601 instant');
  return new Date(ms).toISOString();
}
