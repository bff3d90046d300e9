/**
 * Who a consumer is, as the administrator's own commands said it: register-meter binds a gateway's meter to a
 * consumer, add-contract binds a contract (meter, consumer, recipient, TAF, validity), remove-contract ends it
 * and remove-meter ends every contract of the meter (as the gateway does) and marks the registration removed,
 * each once its gateway reports success. Written in the transaction that queues the command, so the registry
 * never knows of a command the store lacks (or the reverse).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/index.js';

/** What the privacy layer needs of an issued command; the rest of the payload stays the gateway's business. */
export type IssuedCommand =
  | { readonly type: 'register-meter'; readonly payload: { readonly meterId: string; readonly protocol: string; readonly consumerId: string } }
  | { readonly type: 'add-contract'; readonly payload: { readonly contract: ContractFacts } }
  | { readonly type: 'remove-contract'; readonly payload: { readonly contractId: string } }
  | { readonly type: 'remove-meter'; readonly payload: { readonly meterId: string } }
  | { readonly type: 'set-emt-certificates'; readonly payload: unknown };

/** The privacy-relevant fields of a contract (src/gateway/taf/contract.ts). */
export interface ContractFacts {
  readonly id: string;
  readonly meterId: string;
  readonly consumerId: string;
  readonly recipient: { readonly name: string };
  readonly taf: number;
  readonly validFrom: string;
  readonly validTo: string;
}

export interface MeterRegistration {
  readonly gateway: string;
  readonly meterId: string;
  readonly protocol: string;
  readonly registeredAt: string;
  /** When the same meter was registered again (for this or another consumer); null while current. */
  readonly supersededAt: string | null;
  /** When its gateway confirmed a remove-meter issued while this registration was current; null otherwise. */
  readonly removedAt: string | null;
}

export interface ContractRecord {
  readonly contractId: string;
  readonly gateway: string;
  readonly meterId: string;
  readonly consumerId: string;
  readonly recipient: string;
  readonly taf: number;
  readonly validFrom: string;
  readonly validTo: string;
  readonly issuedAt: string;
  /** When its gateway confirmed remove-contract; null otherwise (validTo may still have passed). */
  readonly removedAt: string | null;
  /** The earlier of validTo and removedAt, once it lies in the past of `now`; null while the contract runs. */
  readonly endedAt: string | null;
}

/** Records what an issued command says about consumers (other command types leave no trace here). */
export async function recordIssuedCommand(db: Db, gateway: string, commandId: string, c: IssuedCommand, now: Date): Promise<void> {
  const at = now.toISOString();
  if (c.type === 'register-meter') {
    const p = c.payload;
    await db.run('UPDATE he_privacy_meters SET superseded_at = $1 WHERE gateway = $2 AND meter_id = $3 AND superseded_at IS NULL', [at, gateway, p.meterId]);
    await db.run(
      `INSERT INTO he_privacy_meters (id, gateway, meter_id, consumer_id, protocol, command_id, registered_at, superseded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
      [randomUUID(), gateway, p.meterId, p.consumerId, p.protocol, commandId, at],
    );
  } else if (c.type === 'add-contract') {
    const k = c.payload.contract;
    // Times normalised to UTC ISO text so that the store compares them as strings.
    await db.run(
      `INSERT INTO he_privacy_contracts (gateway, contract_id, meter_id, consumer_id, recipient, taf, valid_from, valid_to, command_id, issued_at, ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)
       ON CONFLICT (gateway, contract_id) DO UPDATE SET meter_id = excluded.meter_id, consumer_id = excluded.consumer_id,
         recipient = excluded.recipient, taf = excluded.taf, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
         command_id = excluded.command_id, issued_at = excluded.issued_at, ended_at = NULL`,
      [gateway, k.id, k.meterId, k.consumerId, k.recipient.name, k.taf, utc(k.validFrom), utc(k.validTo), commandId, at],
    );
  } else if (c.type === 'remove-contract') {
    // Every removal is kept: the first one its gateway confirms ends the contract, whatever the order of results.
    await db.run('INSERT INTO he_privacy_removals (command_id, gateway, contract_id, issued_at) VALUES ($1, $2, $3, $4)', [commandId, gateway, c.payload.contractId, at]);
  } else if (c.type === 'remove-meter') {
    await db.run('INSERT INTO he_privacy_meter_removals (command_id, gateway, meter_id, issued_at) VALUES ($1, $2, $3, $4)', [commandId, gateway, c.payload.meterId, at]);
  }
}

/**
 * The first confirmed removal of contract row `k` or of its meter, issued since the contract was (re-)added: a
 * removal of an earlier contract of the same id (or of the meter before this contract) does not end a newer one.
 */
const CONFIRMED_REMOVAL = `(SELECT MIN(c.completed_at) FROM he_commands c WHERE c.result_ok = 1 AND c.id IN (
     SELECT r.command_id FROM he_privacy_removals r WHERE r.gateway = k.gateway AND r.contract_id = k.contract_id AND r.issued_at >= k.issued_at
     UNION ALL
     SELECT m.command_id FROM he_privacy_meter_removals m WHERE m.gateway = k.gateway AND m.meter_id = k.meter_id AND m.issued_at >= k.issued_at))`;

/**
 * Copies the completion time of each successful remove-contract (or remove-meter) into its contracts, and of
 * each successful remove-meter into the registration, so the end survives the retention of the command itself.
 * Returns the number of contracts that ended.
 */
export async function settleRemovals(db: Db): Promise<number> {
  const ended = await db.query<{ gateway: string; contract_id: string; removed_at: string | null }>(
    `SELECT k.gateway, k.contract_id, ${CONFIRMED_REMOVAL} AS removed_at FROM he_privacy_contracts k WHERE k.ended_at IS NULL`,
  );
  let n = 0;
  for (const r of ended) {
    if (r.removed_at === null) continue;
    n += await db.run('UPDATE he_privacy_contracts SET ended_at = $1 WHERE gateway = $2 AND contract_id = $3 AND ended_at IS NULL', [r.removed_at, r.gateway, r.contract_id]);
  }
  // A registration current when a confirmed remove-meter was issued is marked removed.
  const meters = await db.query<{ id: string; removed_at: string }>(
    `SELECT p.id, MIN(c.completed_at) AS removed_at FROM he_privacy_meters p
       JOIN he_privacy_meter_removals r ON r.gateway = p.gateway AND r.meter_id = p.meter_id AND r.issued_at >= p.registered_at
         AND (p.superseded_at IS NULL OR r.issued_at < p.superseded_at)
       JOIN he_commands c ON c.id = r.command_id AND c.result_ok = 1
     WHERE p.removed_at IS NULL GROUP BY p.id`,
  );
  for (const m of meters) await db.run('UPDATE he_privacy_meters SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL', [m.removed_at, m.id]);
  // Removals whose command was purged by retention have done their work (or never will).
  await db.run('DELETE FROM he_privacy_removals WHERE command_id NOT IN (SELECT id FROM he_commands)');
  await db.run('DELETE FROM he_privacy_meter_removals WHERE command_id NOT IN (SELECT id FROM he_commands)');
  return n;
}

export async function meterRegistrations(db: Db, consumerId: string): Promise<MeterRegistration[]> {
  const rows = await db.query<{ gateway: string; meter_id: string; protocol: string; registered_at: string; superseded_at: string | null; removed_at: string | null }>(
    'SELECT gateway, meter_id, protocol, registered_at, superseded_at, removed_at FROM he_privacy_meters WHERE consumer_id = $1 ORDER BY registered_at, gateway, meter_id',
    [consumerId],
  );
  return rows.map((r) => ({
    gateway: r.gateway,
    meterId: r.meter_id,
    protocol: r.protocol,
    registeredAt: r.registered_at,
    supersededAt: r.superseded_at,
    removedAt: r.removed_at,
  }));
}

/** One consumer's contracts; a removal whose command succeeded counts even before the job settled it. */
export async function consumerContracts(db: Db, consumerId: string, now: Date): Promise<ContractRecord[]> {
  return selectContracts(db, 'k.consumer_id = $1', [consumerId], now);
}

/** Contracts whose end (validTo or confirmed removal) lies before `cutoff`. */
export async function contractsEndedBefore(db: Db, cutoff: Date): Promise<ContractRecord[]> {
  const all = await selectContracts(db, '(k.valid_to < $1 OR k.ended_at < $1)', [cutoff.toISOString()], cutoff);
  return all.filter((k) => k.endedAt !== null && k.endedAt < cutoff.toISOString());
}

// --- internal ---

type ContractRow = {
  gateway: string;
  contract_id: string;
  meter_id: string;
  consumer_id: string;
  recipient: string;
  taf: number | string;
  valid_from: string;
  valid_to: string;
  issued_at: string;
  removed_at: string | null;
};

async function selectContracts(db: Db, where: string, params: string[], now: Date): Promise<ContractRecord[]> {
  const rows = await db.query<ContractRow>(
    `SELECT k.gateway, k.contract_id, k.meter_id, k.consumer_id, k.recipient, k.taf, k.valid_from, k.valid_to, k.issued_at,
       COALESCE(k.ended_at, ${CONFIRMED_REMOVAL}) AS removed_at
     FROM he_privacy_contracts k WHERE ${where} ORDER BY k.issued_at, k.gateway, k.contract_id`,
    params,
  );
  const t = now.toISOString();
  return rows.map((r) => {
    const end = r.removed_at !== null && r.removed_at < r.valid_to ? r.removed_at : r.valid_to;
    return {
      contractId: r.contract_id,
      gateway: r.gateway,
      meterId: r.meter_id,
      consumerId: r.consumer_id,
      recipient: r.recipient,
      taf: Number(r.taf),
      validFrom: r.valid_from,
      validTo: r.valid_to,
      issuedAt: r.issued_at,
      removedAt: r.removed_at,
      endedAt: end <= t ? end : null,
    };
  });
}

function utc(instant: string): string {
  return new Date(instant).toISOString();
}
