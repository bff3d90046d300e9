/**
 * Erasure at contract end: the messages and values a market participant holds under a contract that ended
 * (validTo passed, or its gateway confirmed remove-contract) more than `afterContractEndDays` ago are removed.
 * A contract is bound to one gateway, so its rows are those of its recipient, its contract id and either that
 * gateway (direct) or that gateway's pseudonym (TAF 10, pseudonymised): another contract, another EMT of the
 * same meter, or another gateway's contract of the same id keeps its rows.
 */
import type { Db, SqlValue } from '../../store/index.js';
import { PRIVACY_EVENT_KINDS, recordPrivacyEvent } from './log.js';
import { pseudonymLookup } from './pseudonyms.js';
import { type ContractRecord, contractsEndedBefore } from './registry.js';
import { retentionCutoff } from './retention.js';

export interface ErasedContract {
  readonly gateway: string;
  readonly contractId: string;
  readonly emt: string;
  readonly messages: number;
  readonly values: number;
}

/** Erases the data of every contract that ended before the cutoff and logs each erasure that removed rows. */
export async function eraseEndedContracts(db: Db, afterContractEndDays: number, now: Date): Promise<ErasedContract[]> {
  const ended = await contractsEndedBefore(db, retentionCutoff(now, afterContractEndDays));
  const pseudonymOf = await pseudonymLookup(db);
  const out: ErasedContract[] = [];
  for (const k of ended) {
    const erased = await eraseContract(db, k, pseudonymOf(k.gateway));
    if (erased.messages + erased.values === 0) continue;
    await recordPrivacyEvent(
      db,
      { kind: PRIVACY_EVENT_KINDS.contractErasure, emt: k.recipient, contractId: k.contractId, counts: { messages: erased.messages, values: erased.values, endedAt: k.endedAt ?? '' } },
      now,
    );
    out.push(erased);
  }
  return out;
}

// --- internal ---

async function eraseContract(db: Db, k: ContractRecord, pseudonym: string | null): Promise<ErasedContract> {
  const params: SqlValue[] = [k.recipient, k.contractId, k.gateway];
  let rows = "emt = $1 AND contract_id = $2 AND ((provenance = 'direct' AND gateway = $3)";
  if (pseudonym !== null) {
    params.push(pseudonym);
    rows += " OR (provenance = 'pseudonymised' AND pseudonym = $4)";
  }
  rows += ')';
  const values = await db.run(`DELETE FROM he_values WHERE message IN (SELECT id FROM he_messages WHERE ${rows})`, params);
  const messages = await db.run(`DELETE FROM he_messages WHERE ${rows}`, params);
  return { gateway: k.gateway, contractId: k.contractId, emt: k.recipient, messages, values };
}
