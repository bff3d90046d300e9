/**
 * Access and portability (issue 9; GDPR articles 15 and 20): everything the gateway's store holds about one
 * consumer, as one plain object (JSON) or as CSV. Bound to the consumer id throughout: meters by their consumer,
 * readings and contracts through those meters, log records and outbox messages by the consumer they name.
 *
 * Left out on purpose: meter keys (sealed or not, and their labels), the outbox's CMS ciphertext (only its
 * metadata and size), password hashes and session tokens of the portal accounts, and frame hashes other than
 * the one each reading came with (the replay table holds nothing else about the consumer).
 *
 * CSV layout (one file, no zip): sections one after another, separated by an empty line. Each section starts
 * with a title record `section,<name>`, then a header record, then one record per row. Sections: `export`,
 * `meters`, `readings`, `contracts`, `consents`, `consumer_log`, `system_log`, `outbox`, `accounts` (always all,
 * in that order, empty ones with their header only). Records end with CRLF and are quoted as RFC 4180 says; a
 * cell that starts with = + - @ (or a tab or CR) gets a leading apostrophe so that no spreadsheet runs it as a
 * formula. Nested values (contract terms, engine state, log details) are JSON text in one cell.
 */
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import type { JsonValue } from '../logs/events.js';
import { parseContract } from '../taf/contract.js';
import { type ConsentRecord, consentsOf } from './consent.js';
import { CRLF, type CsvCell, csvCell, csvRecord } from '../../csv.js';
import type { LogRecordView } from '../logs/read-records.js';

export const EXPORT_VERSION = 1;

export interface ExportMeter {
  readonly meterId: string;
  readonly protocol: string;
  readonly active: boolean;
  readonly registeredAt: string;
  /** Whether the meter encrypts (the gateway holds its key: the key itself is never exported). */
  readonly encrypted: boolean;
}

export interface ExportReading {
  readonly meterId: string;
  readonly obis: string;
  /** The value as stored (JSON text of the decoded value). */
  readonly value: string;
  readonly unit: string | null;
  /** When the meter says it measured. */
  readonly at: string;
  /** When the gateway received it. */
  readonly receivedAt: string;
  /** SHA-256 (hex) of the frame it came in. */
  readonly frameSha256: string;
}

export type LegalBasisKind = 'contract' | 'consent';

export interface ExportContract {
  readonly contractId: string;
  readonly meterId: string;
  readonly active: boolean;
  readonly addedAt: string;
  readonly endedAt: string | null;
  /** Consent when the privacy policy binds the contract to the consumer's consent, else the contract itself. */
  readonly legalBasis: LegalBasisKind;
  /** The contract as the administrator sent it (TAF, recipient, validity, interval, values). */
  readonly terms: JsonValue;
  /** The TAF engine's state of the open period (values held until sent), or null. */
  readonly state: JsonValue;
}

/** A log record as the display view has it, without the chain fields (hashes, log name, consumer id). */
export type ExportLogRecord = Pick<LogRecordView, 'seq' | 'time' | 'level' | 'event' | 'text' | 'outcome' | 'details'>;

export type OutboxState = 'queued' | 'delivered' | 'parked';

export interface ExportOutboxMessage {
  readonly messageId: string;
  readonly recipient: string;
  readonly route: string;
  readonly contractId: string;
  readonly state: OutboxState;
  readonly createdAt: string;
  readonly attempts: number;
  readonly deliveredAt: string | null;
  readonly parkedAt: string | null;
  readonly lastError: string | null;
  /** Size of the protected (encrypted and signed) message; its content is not exported. */
  readonly cmsBytes: number;
}

export interface ExportAccount {
  readonly username: string;
  readonly createdAt: string;
}

export interface ConsumerExport {
  readonly kind: 'gridwarden-consumer-export';
  readonly version: typeof EXPORT_VERSION;
  readonly consumerId: string;
  readonly exportedAt: string;
  readonly meters: readonly ExportMeter[];
  readonly readings: readonly ExportReading[];
  readonly contracts: readonly ExportContract[];
  readonly consents: readonly ConsentRecord[];
  readonly consumerLog: readonly ExportLogRecord[];
  /** System-log records that name the consumer (operator events about them). */
  readonly systemLog: readonly ExportLogRecord[];
  readonly outbox: readonly ExportOutboxMessage[];
  readonly accounts: readonly ExportAccount[];
}

export interface ExportOptions {
  /** The export's timestamp (default: now). */
  readonly now?: string;
}

/**
 * Everything the store holds about the consumer, read in one transaction (a repeatable-read snapshot on
 * PostgreSQL). GW_BAD_INPUT for an empty consumer id; an unknown consumer gets an empty export.
 */
export async function exportConsumerData(db: Db, consumerId: string, opts: ExportOptions = {}): Promise<ConsumerExport> {
  if (typeof consumerId !== 'string' || consumerId === '' || consumerId.length > 128) throw new GatewayError('GW_BAD_INPUT', 'a consumer id is a non-empty string of at most 128 characters');
  const at = opts.now === undefined ? new Date() : new Date(opts.now);
  if (Number.isNaN(at.getTime())) throw new GatewayError('GW_BAD_INPUT', 'the export time is not an ISO 8601 instant');
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const scopes = new Set((await tx.query<{ scope: string }>('SELECT DISTINCT scope FROM schema_migrations')).map((r) => r.scope));
    const meters = await tx.query<{ meter_id: string; protocol: string; active: unknown; registered_at: string; key_label: string | null }>(
      'SELECT meter_id, protocol, active, registered_at, key_label FROM gw_meters WHERE consumer_id = $1 ORDER BY meter_id',
      [consumerId],
    );
    const readings = await tx.query<{ meter_id: string; obis: string; value: string; unit: string | null; at: string; received_at: string; frame_hash: Uint8Array }>(
      `SELECT r.meter_id, r.obis, r.value, r.unit, r.at, r.received_at, r.frame_hash FROM gw_readings r JOIN gw_meters m ON m.meter_id = r.meter_id
       WHERE m.consumer_id = $1 ORDER BY r.meter_id, r.received_at, r.at, r.obis`,
      [consumerId],
    );
    const contracts = await tx.query<{ contract_id: string; meter_id: string; contract: string; state: string | null; active: unknown; added_at: string; consent_required: unknown; ended_at: string | null }>(
      `SELECT c.contract_id, c.meter_id, c.contract, c.state, c.active, c.added_at, c.consent_required, c.ended_at FROM gw_contracts c JOIN gw_meters m ON m.meter_id = c.meter_id
       WHERE m.consumer_id = $1 ORDER BY c.meter_id, c.contract_id`,
      [consumerId],
    );
    const outbox = await tx.query<{
      message_id: string;
      recipient: string;
      route: string;
      contract_id: string;
      created_at: string;
      attempts: unknown;
      delivered_at: string | null;
      parked_at: string | null;
      last_error: string | null;
      cms_bytes: unknown;
    }>(
      `SELECT message_id, recipient, route, contract_id, created_at, attempts, delivered_at, parked_at, last_error, LENGTH(cms) AS cms_bytes FROM gw_outbox
       WHERE consumer_id = $1 ORDER BY seq`,
      [consumerId],
    );
    const logRecords = async (log: 'consumer' | 'system'): Promise<ExportLogRecord[]> => {
      if (!scopes.has('gateway-logs')) return [];
      const rows = await tx.query<{ seq: unknown; time: string; level: string; event: string; text: string; outcome: string; details: string }>(
        'SELECT seq, time, level, event, text, outcome, details FROM gw_log_records WHERE log = $1 AND consumer_id = $2 ORDER BY seq',
        [log, consumerId],
      );
      return rows.map((r) => ({ seq: Number(r.seq), time: r.time, level: r.level, event: r.event, text: r.text, outcome: r.outcome, details: jsonOf(r.details) }));
    };
    const accounts = scopes.has('gateway-han')
      ? await tx.query<{ username: string; created_at: string }>('SELECT username, created_at FROM han_accounts WHERE consumer_id = $1 ORDER BY username', [consumerId])
      : [];
    return {
      kind: 'gridwarden-consumer-export',
      version: EXPORT_VERSION,
      consumerId,
      exportedAt: at.toISOString(),
      meters: meters.map((m) => ({ meterId: m.meter_id, protocol: m.protocol, active: Number(m.active) === 1, registeredAt: m.registered_at, encrypted: m.key_label !== null })),
      readings: readings.map((r) => ({
        meterId: r.meter_id,
        obis: r.obis,
        value: r.value,
        unit: r.unit,
        at: r.at,
        receivedAt: r.received_at,
        frameSha256: Buffer.from(r.frame_hash).toString('hex'),
      })),
      contracts: contracts.map((c) => {
        const terms = jsonOf(c.contract);
        return {
          contractId: c.contract_id,
          meterId: c.meter_id,
          active: Number(c.active) === 1,
          addedAt: c.added_at,
          endedAt: c.ended_at,
          legalBasis: legalBasisOf(c.consent_required, terms),
          terms,
          state: c.state === null ? null : jsonOf(c.state),
        };
      }),
      consents: await consentsOf(tx, consumerId),
      consumerLog: await logRecords('consumer'),
      systemLog: await logRecords('system'),
      outbox: outbox.map((o) => ({
        messageId: o.message_id,
        recipient: o.recipient,
        route: o.route,
        contractId: o.contract_id,
        state: o.delivered_at !== null ? 'delivered' : o.parked_at !== null ? 'parked' : 'queued',
        createdAt: o.created_at,
        attempts: Number(o.attempts),
        deliveredAt: o.delivered_at,
        parkedAt: o.parked_at,
        lastError: o.last_error,
        cmsBytes: Number(o.cms_bytes),
      })),
      accounts: accounts.map((a) => ({ username: a.username, createdAt: a.created_at })),
    };
  });
}

/**
 * The legal basis the gateway applies: consent when the policy's verdict stored with the contract says so
 * (consent_required), for older rows the contract's derived requiresConsent (as consent.ts decides).
 */
export function legalBasisOf(consentRequired: unknown, terms: unknown): LegalBasisKind {
  if (consentRequired !== null && consentRequired !== undefined) return Number(consentRequired) === 1 ? 'consent' : 'contract';
  const parsed = parseContract(terms);
  if (parsed.ok) return parsed.value.requiresConsent ? 'consent' : 'contract';
  // A stored contract that no longer validates: its own flag, if it has one.
  const own = typeof terms === 'object' && terms !== null && !Array.isArray(terms) ? (terms as { readonly requiresConsent?: unknown }).requiresConsent : undefined;
  return own === true ? 'consent' : 'contract';
}

type Cell = CsvCell;

interface Section<T> {
  readonly name: string;
  readonly columns: readonly (readonly [header: string, cell: (row: T) => Cell])[];
  readonly rows: readonly T[];
}

const json = (v: JsonValue): string => JSON.stringify(v);

/** The export as CSV in the layout described at the top of this module. */
export function exportCsv(data: ConsumerExport): string {
  const sections = [
    section('export', [data], [
      ['kind', (d) => d.kind],
      ['version', (d) => d.version],
      ['consumerId', (d) => d.consumerId],
      ['exportedAt', (d) => d.exportedAt],
    ]),
    section('meters', data.meters, [
      ['meterId', (m) => m.meterId],
      ['protocol', (m) => m.protocol],
      ['active', (m) => m.active],
      ['registeredAt', (m) => m.registeredAt],
      ['encrypted', (m) => m.encrypted],
    ]),
    section('readings', data.readings, [
      ['meterId', (r) => r.meterId],
      ['obis', (r) => r.obis],
      ['value', (r) => r.value],
      ['unit', (r) => r.unit],
      ['at', (r) => r.at],
      ['receivedAt', (r) => r.receivedAt],
      ['frameSha256', (r) => r.frameSha256],
    ]),
    section('contracts', data.contracts, [
      ['contractId', (c) => c.contractId],
      ['meterId', (c) => c.meterId],
      ['active', (c) => c.active],
      ['addedAt', (c) => c.addedAt],
      ['endedAt', (c) => c.endedAt],
      ['legalBasis', (c) => c.legalBasis],
      ['terms', (c) => json(c.terms)],
      ['state', (c) => (c.state === null ? null : json(c.state))],
    ]),
    section('consents', data.consents, [
      ['contractId', (c) => c.contractId],
      ['grantedAt', (c) => c.grantedAt],
      ['withdrawnAt', (c) => c.withdrawnAt],
    ]),
    logSection('consumer_log', data.consumerLog),
    logSection('system_log', data.systemLog),
    section('outbox', data.outbox, [
      ['messageId', (o) => o.messageId],
      ['recipient', (o) => o.recipient],
      ['route', (o) => o.route],
      ['contractId', (o) => o.contractId],
      ['state', (o) => o.state],
      ['createdAt', (o) => o.createdAt],
      ['attempts', (o) => o.attempts],
      ['deliveredAt', (o) => o.deliveredAt],
      ['parkedAt', (o) => o.parkedAt],
      ['lastError', (o) => o.lastError],
      ['cmsBytes', (o) => o.cmsBytes],
    ]),
    section('accounts', data.accounts, [
      ['username', (a) => a.username],
      ['createdAt', (a) => a.createdAt],
    ]),
  ];
  return sections.join(CRLF);
}

/** One CSV cell and record (src/csv.ts), re-exported for the portal's callers. */
export { csvCell, csvRecord };

// --- internal ---

/** A section rendered: title record, header record, one record per row. */
function section<T>(name: string, rows: readonly T[], columns: Section<T>['columns']): string {
  return renderSection({ name, rows, columns });
}

function logSection(name: string, rows: readonly ExportLogRecord[]): string {
  return section(name, rows, [
    ['seq', (r) => r.seq],
    ['time', (r) => r.time],
    ['level', (r) => r.level],
    ['event', (r) => r.event],
    ['text', (r) => r.text],
    ['outcome', (r) => r.outcome],
    ['details', (r) => json(r.details)],
  ]);
}

function renderSection<T>(s: Section<T>): string {
  let out = csvRecord(['section', s.name]) + csvRecord(s.columns.map(([h]) => h));
  for (const row of s.rows) out += csvRecord(s.columns.map(([, cell]) => cell(row)));
  return out;
}

/** Stored JSON text as a value; text that is not JSON (a damaged row) is kept as the string it is. */
function jsonOf(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
