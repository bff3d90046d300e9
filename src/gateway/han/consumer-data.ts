/**
 * What one consumer may see on the HAN portal, read from the gateway's store. Every query is bound to the
 * consumer id of the session: a meter of another consumer is answered exactly like a meter that does not exist.
 */
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import { readConsumerLog } from '../logs/read-records.js';
import { type ConsentRecord, consentsOf } from '../privacy/consent.js';
import { type LegalBasisKind, legalBasisOf } from '../privacy/export.js';
import { type CurveRange, type LoadCurve, type RegisterReading, loadCurves } from './load-curve.js';

export interface CurrentValue {
  readonly obis: string;
  readonly value: string;
  readonly unit: string | null;
  readonly at: string;
}

export interface ConsumerMeter {
  readonly meterId: string;
  readonly protocol: string;
  readonly active: boolean;
  readonly current: readonly CurrentValue[];
}

export interface ConsumerContract {
  readonly contractId: string;
  readonly meterId: string;
  readonly taf: number | null;
  readonly recipient: string | null;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly intervalMinutes: number | null;
}

/** Where a contract stands with the consumer's consent: `not-needed` when its legal basis is the contract. */
export type ConsentState = 'granted' | 'withdrawn' | 'none' | 'not-needed';

export interface ContractConsent {
  readonly contractId: string;
  readonly meterId: string;
  readonly taf: number | null;
  readonly recipient: string | null;
  readonly intervalMinutes: number | null;
  readonly intervalSeconds: number | null;
  readonly legalBasis: LegalBasisKind;
  readonly state: ConsentState;
  /** The latest grant and its withdrawal, if any. */
  readonly grantedAt: string | null;
  readonly withdrawnAt: string | null;
}

export interface ConsumerConsents {
  readonly contracts: readonly ContractConsent[];
  /** Every grant, newest first. */
  readonly history: readonly ConsentRecord[];
}

export interface ConsumerLogEntry {
  readonly seq: number;
  readonly time: string;
  readonly event: string;
  readonly text: string;
  readonly outcome: string;
  readonly recipient: string | null;
  readonly taf: number | null;
  readonly contractId: string | null;
}

// Cumulative registers: OBIS value group D = 8 (time integral, IEC 62056-61), e.g. 1-0:1.8.0 A+ and 1-0:2.8.0 A-.
const CUMULATIVE = /^\d+-\d+:\d+\.8\.\d+$/;

export async function consumerMeters(db: Db, consumerId: string): Promise<readonly ConsumerMeter[]> {
  const meters = await db.query<{ meter_id: string; protocol: string; active: number }>(
    'SELECT meter_id, protocol, active FROM gw_meters WHERE consumer_id = $1 ORDER BY meter_id',
    [consumerId],
  );
  const out: ConsumerMeter[] = [];
  for (const m of meters) {
    const current = await db.query<{ obis: string; value: string; unit: string | null; at: string }>(
      `SELECT r.obis, r.value, r.unit, r.at FROM gw_readings r
       JOIN (SELECT obis, MAX(at) AS at FROM gw_readings WHERE meter_id = $1 GROUP BY obis) l ON r.obis = l.obis AND r.at = l.at
       WHERE r.meter_id = $1 ORDER BY r.obis`,
      [m.meter_id],
    );
    const seen = new Set<string>();
    const values = current.filter((r) => !seen.has(r.obis) && seen.add(r.obis)).map((r) => ({ obis: r.obis, value: r.value, unit: r.unit, at: r.at }));
    out.push({ meterId: m.meter_id, protocol: m.protocol, active: Number(m.active) === 1, current: values });
  }
  return out;
}

/** GW_HAN_NOT_FOUND unless the meter belongs to the consumer. */
export async function ownMeter(db: Db, consumerId: string, meterId: string): Promise<string> {
  const [row] = await db.query<{ meter_id: string }>('SELECT meter_id FROM gw_meters WHERE meter_id = $1 AND consumer_id = $2', [meterId, consumerId]);
  if (row === undefined) throw new GatewayError('GW_HAN_NOT_FOUND', 'no such meter');
  return row.meter_id;
}

/** Load curves of the cumulative registers of one of the consumer's meters. */
export async function meterLoadCurves(db: Db, consumerId: string, meterId: string, range: CurveRange): Promise<readonly LoadCurve[]> {
  const id = await ownMeter(db, consumerId, meterId);
  // Readings from one step before, so the register at the first boundary is known.
  const since = new Date(range.from - 24 * 3600_000).toISOString();
  const until = new Date(range.to + 24 * 3600_000).toISOString();
  const rows = await db.query<{ obis: string; value: string; unit: string | null; at: string }>(
    'SELECT obis, value, unit, at FROM gw_readings WHERE meter_id = $1 AND at >= $2 AND at <= $3 ORDER BY at',
    [id, since, until],
  );
  const readings: RegisterReading[] = rows
    .filter((r) => CUMULATIVE.test(r.obis))
    .map((r) => ({ obis: r.obis, value: Number(r.value), unit: r.unit, at: Date.parse(r.at) }));
  return loadCurves(readings, range);
}

interface ContractFields {
  readonly taf?: unknown;
  readonly recipient?: { readonly name?: unknown };
  readonly validFrom?: unknown;
  readonly validTo?: unknown;
  readonly intervalMinutes?: unknown;
  readonly intervalSeconds?: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function contractFields(json: string): ContractFields {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null ? (v as ContractFields) : {};
  } catch {
    return {};
  }
}

/** The running contracts of the consumer's meters (erasure sets active = 0 with ended_at), as stored. */
function runningContractRows(db: Db, consumerId: string) {
  return db.query<{ contract_id: string; meter_id: string; contract: string; consent_required: unknown }>(
    `SELECT c.contract_id, c.meter_id, c.contract, c.consent_required FROM gw_contracts c JOIN gw_meters m ON m.meter_id = c.meter_id
     WHERE m.consumer_id = $1 AND c.active = 1 AND c.ended_at IS NULL ORDER BY c.meter_id, c.contract_id`,
    [consumerId],
  );
}

/** Contracts in force for the consumer's meters. */
export async function consumerContracts(db: Db, consumerId: string): Promise<readonly ConsumerContract[]> {
  const rows = await runningContractRows(db, consumerId);
  return rows.map((r) => {
    const c = contractFields(r.contract);
    return {
      contractId: r.contract_id,
      meterId: r.meter_id,
      taf: num(c.taf),
      recipient: str(c.recipient?.name),
      validFrom: str(c.validFrom),
      validTo: str(c.validTo),
      intervalMinutes: num(c.intervalMinutes),
    };
  });
}

/**
 * The running contracts of the consumer's meters with their legal basis and consent state (as the gateway
 * enforces them: see privacy/consent.ts), and the consumer's consent history.
 */
export async function consumerConsents(db: Db, consumerId: string): Promise<ConsumerConsents> {
  const rows = await runningContractRows(db, consumerId);
  const history = await consentsOf(db, consumerId);
  const contracts = rows.map((r): ContractConsent => {
    const c = contractFields(r.contract);
    const legalBasis = legalBasisOf(r.consent_required, c);
    // consentsOf lists newest first: the first record of a contract is its latest grant.
    const latest = history.find((h) => h.contractId === r.contract_id);
    const state: ConsentState = legalBasis === 'contract' ? 'not-needed' : latest === undefined ? 'none' : latest.withdrawnAt === null ? 'granted' : 'withdrawn';
    return {
      contractId: r.contract_id,
      meterId: r.meter_id,
      taf: num(c.taf),
      recipient: str(c.recipient?.name),
      intervalMinutes: num(c.intervalMinutes),
      intervalSeconds: num(c.intervalSeconds),
      legalBasis,
      state,
      grantedAt: latest?.grantedAt ?? null,
      withdrawnAt: latest?.withdrawnAt ?? null,
    };
  });
  return { contracts, history };
}

/**
 * The consumer log as the consumer sees it: what was sent to whom, when, and under which TAF (taken from the
 * contract the record names). No log yet means no entries.
 */
export async function consumerLog(db: Db, consumerId: string, limit = 200): Promise<readonly ConsumerLogEntry[]> {
  let records: Awaited<ReturnType<typeof readConsumerLog>>;
  try {
    records = await readConsumerLog(db, consumerId, { limit });
  } catch (e) {
    if (e instanceof GatewayError && e.code === 'GW_LOG_NOT_FOUND') return [];
    throw e;
  }
  const tafOf = new Map<string, number | null>();
  const all = await db.query<{ contract_id: string; contract: string }>(
    'SELECT c.contract_id, c.contract FROM gw_contracts c JOIN gw_meters m ON m.meter_id = c.meter_id WHERE m.consumer_id = $1',
    [consumerId],
  );
  for (const c of all) tafOf.set(c.contract_id, num(contractFields(c.contract).taf));
  return records
    .map((r) => {
      const d = typeof r.details === 'object' && r.details !== null && !Array.isArray(r.details) ? (r.details as Readonly<Record<string, unknown>>) : {};
      const contractId = str(d.contractId);
      return {
        seq: r.seq,
        time: r.time,
        event: r.event,
        text: r.text,
        outcome: r.outcome,
        recipient: str(d.recipient),
        taf: num(d.taf) ?? (contractId === null ? null : (tafOf.get(contractId) ?? null)),
        contractId,
      };
    })
    .reverse();
}
