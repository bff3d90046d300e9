/**
 * Access and portability at the head-end: everything the market participants hosted here hold about one
 * consumer, per participant, with the registration and contracts it was collected under.
 *   - direct rows: by the consumer's meters (gateway and meter id), received while the meter was registered
 *     to that consumer (a later tenant of the same meter gets none of the earlier one's rows);
 *   - pseudonymised rows: by the pseudonym the pseudonymiser gives the meter's gateway, and the contract id of
 *     one of the consumer's contracts on that gateway (another consumer behind the same gateway stays out).
 */
import type { Db, SqlValue } from '../../store/index.js';
import { HeadendError } from '../errors.js';
import { pseudonymLookup } from './pseudonyms.js';
import { type ContractRecord, type MeterRegistration, consumerContracts, meterRegistrations } from './registry.js';

export interface ExportedMessage {
  readonly messageId: string;
  readonly provenance: 'direct' | 'pseudonymised';
  readonly gateway: string | null;
  readonly pseudonym: string | null;
  readonly meter: string | null;
  readonly contractId: string;
  readonly taf: number;
  readonly periodFrom: string;
  readonly periodTo: string;
  readonly signer: string;
  readonly receivedAt: string;
}

export interface ExportedValue {
  readonly messageId: string;
  readonly seq: number;
  readonly obis: string;
  readonly value: number;
  readonly unit: string;
  readonly at: string;
  readonly quality: string | null;
}

export interface RecipientData {
  readonly emt: string;
  readonly messages: readonly ExportedMessage[];
  readonly values: readonly ExportedValue[];
}

export interface ConsumerExport {
  readonly consumerId: string;
  readonly exportedAt: string;
  readonly registrations: readonly MeterRegistration[];
  readonly contracts: readonly ContractRecord[];
  /** One entry per market participant that holds rows or has a contract, by name. */
  readonly recipients: readonly RecipientData[];
}

/** HE_UNKNOWN_CONSUMER when the administrator never registered a meter or contract for that consumer. */
export async function exportConsumer(db: Db, consumerId: string, now: Date): Promise<ConsumerExport> {
  const registrations = await meterRegistrations(db, consumerId);
  const contracts = await consumerContracts(db, consumerId, now);
  if (registrations.length === 0 && contracts.length === 0) {
    throw new HeadendError('HE_UNKNOWN_CONSUMER', 'no meter or contract is registered for that consumer');
  }
  const pseudonymOf = await pseudonymLookup(db);
  const selections: Selection[] = registrations.map((r) => direct(r));
  for (const k of contracts) {
    const p = pseudonymOf(k.gateway);
    if (p !== null) selections.push({ where: "m.provenance = 'pseudonymised' AND m.pseudonym = $1 AND m.contract_id = $2", params: [p, k.contractId] });
  }
  const messages = new Map<string, MessageRow>();
  const values = new Map<string, ValueRow[]>();
  for (const s of selections) {
    // Selections do not overlap (registrations are half-open intervals, provenances differ); a row is still
    // taken once only, should the registry ever say otherwise.
    const fresh = new Set<string>();
    for (const m of await db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM he_messages m WHERE ${s.where}`, s.params)) {
      if (messages.has(m.id)) continue;
      messages.set(m.id, m);
      fresh.add(m.id);
    }
    if (fresh.size === 0) continue;
    for (const v of await db.query<ValueRow>(`SELECT v.message, ${VALUE_COLUMNS} FROM he_values v JOIN he_messages m ON m.id = v.message WHERE ${s.where}`, s.params)) {
      if (!fresh.has(v.message)) continue;
      const l = values.get(v.message) ?? [];
      l.push(v);
      values.set(v.message, l);
    }
  }
  return { consumerId, exportedAt: now.toISOString(), registrations, contracts, recipients: byRecipient(contracts, [...messages.values()], values) };
}

// --- internal ---

interface Selection {
  readonly where: string;
  readonly params: SqlValue[];
}

const MESSAGE_COLUMNS = 'm.id, m.emt, m.message_id, m.provenance, m.gateway, m.pseudonym, m.meter, m.contract_id, m.taf, m.period_from, m.period_to, m.signer, m.received_at';
const VALUE_COLUMNS = 'v.seq, v.obis, v.value, v.unit, v.at, v.quality';

type MessageRow = {
  id: string;
  emt: string;
  message_id: string;
  provenance: 'direct' | 'pseudonymised';
  gateway: string | null;
  pseudonym: string | null;
  meter: string | null;
  contract_id: string;
  taf: number | string;
  period_from: string;
  period_to: string;
  signer: string;
  received_at: string;
};

type ValueRow = { message: string; seq: number | string; obis: string; value: number | string; unit: string; at: string; quality: string | null };

function direct(r: MeterRegistration): Selection {
  const base = "m.provenance = 'direct' AND m.gateway = $1 AND m.meter = $2 AND m.received_at >= $3";
  return r.supersededAt === null
    ? { where: base, params: [r.gateway, r.meterId, r.registeredAt] }
    : { where: `${base} AND m.received_at < $4`, params: [r.gateway, r.meterId, r.registeredAt, r.supersededAt] };
}

function byRecipient(contracts: readonly ContractRecord[], messages: MessageRow[], values: ReadonlyMap<string, ValueRow[]>): RecipientData[] {
  const names = new Set([...contracts.map((k) => k.recipient), ...messages.map((m) => m.emt)]);
  messages.sort((a, b) => cmp(a.period_from, b.period_from) || cmp(a.message_id, b.message_id));
  return [...names].sort(cmp).map((emt) => {
    const own = messages.filter((m) => m.emt === emt);
    return {
      emt,
      messages: own.map(toMessage),
      values: own.flatMap((m) =>
        (values.get(m.id) ?? [])
          .map((v) => ({ messageId: m.message_id, seq: Number(v.seq), obis: v.obis, value: Number(v.value), unit: v.unit, at: v.at, quality: v.quality }))
          .sort((a, b) => a.seq - b.seq),
      ),
    };
  });
}

function toMessage(m: MessageRow): ExportedMessage {
  return {
    messageId: m.message_id,
    provenance: m.provenance,
    gateway: m.gateway,
    pseudonym: m.pseudonym,
    meter: m.meter,
    contractId: m.contract_id,
    taf: Number(m.taf),
    periodFrom: m.period_from,
    periodTo: m.period_to,
    signer: m.signer,
    receivedAt: m.received_at,
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
