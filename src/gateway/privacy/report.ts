/**
 * The privacy report for a data-protection impact assessment (GDPR art. 35): per consumer, each recipient
 * that receives or received their data, which data classes at which granularity, under which legal basis
 * (the contract, or the consumer's consent with its history), and how many messages went out when. Read from
 * the store only: no keys are needed.
 */
import type { Db } from '../../store/db.js';
import type { Contract } from '../taf/contract.js';
import { parseSummary, storedContract } from './erasure.js';
import { DATA_CLASSES, type Granularity, granularityOf, valuesOf } from './policy.js';

export type LegalBasis =
  | { readonly kind: 'contract' }
  | {
      readonly kind: 'consent';
      /** erased: the contract ended and its consents went with it (the consumer log keeps the record). */
      readonly state: 'in-force' | 'withdrawn' | 'never-granted' | 'erased';
      readonly history: ReadonlyArray<{ readonly grantedAt: string; readonly withdrawnAt: string | null }>;
    };

export interface RecipientFlow {
  readonly contractId: string;
  readonly meterId: string;
  readonly recipient: string;
  readonly taf: Contract['taf'];
  readonly dataClasses: readonly string[];
  readonly values: readonly string[];
  readonly granularity: Granularity;
  readonly validFrom: string;
  readonly validTo: string;
  /** dormant: bound to consent that is not in force, so nothing is sent. */
  readonly status: 'running' | 'dormant' | 'ended';
  readonly endedAt: string | null;
  readonly legalBasis: LegalBasis;
  readonly messages: { readonly sent: number; readonly pending: number; readonly firstSentAt: string | null; readonly lastSentAt: string | null };
}

export interface ConsumerPrivacy {
  readonly consumerId: string;
  readonly meters: readonly string[];
  readonly recipients: readonly RecipientFlow[];
}

export interface PrivacyReport {
  readonly generatedAt: string;
  readonly consumers: readonly ConsumerPrivacy[];
  /** Ids of stored contracts whose text does not parse: named, so the assessment knows what it misses. */
  readonly unreadableContracts: readonly string[];
}

interface ContractRow {
  contract_id: string;
  meter_id: string;
  contract: string;
  active: number;
  consent_required: number | null;
  ended_at: string | null;
  sent_summary: string | null;
  consumer_id: string | null;
  [k: string]: unknown;
}

/** The report as the store holds it at `now`, consumers and contracts in id order. */
export async function privacyReport(db: Db, now: string): Promise<PrivacyReport> {
  const nowMs = Date.parse(now);
  const meters = await db.query<{ meter_id: string; consumer_id: string }>('SELECT meter_id, consumer_id FROM gw_meters ORDER BY consumer_id, meter_id');
  const contracts = await db.query<ContractRow>(
    `SELECT c.contract_id, c.meter_id, c.contract, c.active, c.consent_required, c.ended_at, c.sent_summary, m.consumer_id
     FROM gw_contracts c LEFT JOIN gw_meters m ON m.meter_id = c.meter_id ORDER BY c.contract_id`,
  );
  const consents = await db.query<{ contract_id: string; granted_at: string; withdrawn_at: string | null }>(
    'SELECT contract_id, granted_at, withdrawn_at FROM gw_consents ORDER BY contract_id, n',
  );
  const outbox = await db.query<{ contract_id: string; sent: number; pending: number; first_at: string | null; last_at: string | null }>(
    `SELECT contract_id, SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS sent, SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS pending,
            MIN(delivered_at) AS first_at, MAX(delivered_at) AS last_at FROM gw_outbox GROUP BY contract_id`,
  );

  const byConsumer = new Map<string, { meters: string[]; recipients: RecipientFlow[] }>();
  const entry = (id: string) => {
    let e = byConsumer.get(id);
    if (e === undefined) {
      e = { meters: [], recipients: [] };
      byConsumer.set(id, e);
    }
    return e;
  };
  for (const m of meters) entry(m.consumer_id).meters.push(m.meter_id);

  const unreadableContracts: string[] = [];
  for (const row of contracts) {
    const contract = storedContract(row.contract);
    if (contract === undefined) {
      unreadableContracts.push(row.contract_id);
      continue;
    }
    const history = consents.filter((c) => c.contract_id === row.contract_id).map((c) => ({ grantedAt: c.granted_at, withdrawnAt: c.withdrawn_at }));
    const required = row.consent_required === null ? contract.requiresConsent : Number(row.consent_required) === 1;
    const ended = row.ended_at !== null || Number(row.active) !== 1 || Date.parse(contract.validTo) <= nowMs;
    const legalBasis: LegalBasis = required ? { kind: 'consent', state: consentState(history, row.ended_at !== null), history } : { kind: 'contract' };
    const out = outbox.find((o) => o.contract_id === row.contract_id);
    const summary = parseSummary(row.sent_summary);
    entry(row.consumer_id ?? contract.consumerId).recipients.push({
      contractId: row.contract_id,
      meterId: row.meter_id,
      recipient: contract.recipient.name,
      taf: contract.taf,
      dataClasses: DATA_CLASSES[contract.taf],
      values: valuesOf(contract),
      granularity: granularityOf(contract),
      validFrom: contract.validFrom,
      validTo: contract.validTo,
      status: ended ? 'ended' : required && legalBasis.kind === 'consent' && legalBasis.state !== 'in-force' ? 'dormant' : 'running',
      endedAt: row.ended_at,
      legalBasis,
      messages: {
        sent: Number(out?.sent ?? 0) + (summary?.messages ?? 0),
        pending: Number(out?.pending ?? 0),
        firstSentAt: earliest(summary?.firstAt ?? null, out?.first_at ?? null),
        lastSentAt: latest(summary?.lastAt ?? null, out?.last_at ?? null),
      },
    });
  }
  const consumers = [...byConsumer.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([consumerId, e]) => ({ consumerId, meters: e.meters, recipients: e.recipients }));
  return { generatedAt: new Date(nowMs).toISOString(), consumers, unreadableContracts };
}

/** The report as a plain table, one line per recipient flow. */
export function formatReport(r: PrivacyReport): string {
  const header = ['consumer', 'contract', 'recipient', 'data classes', 'granularity', 'legal basis', 'status', 'sent', 'first sent', 'last sent'];
  const rows: string[][] = [];
  for (const c of r.consumers) {
    if (c.recipients.length === 0) rows.push([c.consumerId, '-', '(none)', '-', '-', '-', '-', '0', '-', '-']);
    for (const f of c.recipients) {
      rows.push([
        c.consumerId,
        f.contractId,
        f.recipient,
        `TAF ${f.taf}: ${f.dataClasses.join(', ')}`,
        granularityText(f.granularity),
        basisText(f.legalBasis),
        f.status,
        f.messages.pending > 0 ? `${f.messages.sent} (+${f.messages.pending} queued)` : String(f.messages.sent),
        f.messages.firstSentAt ?? '-',
        f.messages.lastSentAt ?? '-',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const unreadable = r.unreadableContracts.length === 0 ? [] : [`contracts that cannot be read (not reported): ${r.unreadableContracts.join(', ')}`];
  return [`privacy report at ${r.generatedAt}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...unreadable].join('\n');
}

// --- internal ---

function consentState(history: ReadonlyArray<{ readonly withdrawnAt: string | null }>, erased: boolean): 'in-force' | 'withdrawn' | 'never-granted' | 'erased' {
  const last = history.at(-1);
  if (last === undefined) return erased ? 'erased' : 'never-granted';
  return last.withdrawnAt === null ? 'in-force' : 'withdrawn';
}

function granularityText(g: Granularity): string {
  switch (g.kind) {
    case 'interval':
      return g.seconds % 60 === 0 ? `every ${g.seconds / 60} min` : `every ${g.seconds} s`;
    case 'billing-period':
      return `billing period ${g.period}`;
    case 'on-demand':
      return 'on demand';
  }
}

function basisText(b: LegalBasis): string {
  if (b.kind === 'contract') return 'contract';
  const last = b.history.at(-1);
  if (b.state === 'in-force' && last !== undefined) return `consent since ${last.grantedAt}`;
  if (b.state === 'withdrawn' && last !== undefined) return `consent withdrawn ${last.withdrawnAt}`;
  return `consent ${b.state}`;
}

const earliest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a < b ? a : b);
const latest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);
