/**
 * The consumer export as one CSV table (RFC 4180: CRLF line ends, a header row, fields quoted when they hold
 * a comma, a double quote, CR or LF, quotes doubled). The `record` column says what a row is (registration,
 * contract, message, value); columns that do not apply stay empty.
 *
 * Formula neutralisation (OWASP "CSV injection"): a text cell starting with = + - @ (or tab, CR) gets a
 * leading apostrophe, so a spreadsheet shows it as text instead of evaluating it. Numbers come from the store
 * as numbers and are written as such (a negative reading stays a number).
 */
import { type CsvCell, csvCell, csvRecord } from '../../csv.js';
import type { ConsumerExport } from './export.js';

export { type CsvCell, csvCell };

export const CSV_COLUMNS = [
  'record',
  'emt',
  'gateway',
  'meter',
  'pseudonym',
  'contract_id',
  'taf',
  'message_id',
  'provenance',
  'period_from',
  'period_to',
  'signer',
  'received_at',
  'seq',
  'obis',
  'value',
  'unit',
  'at',
  'quality',
  'protocol',
  'registered_at',
  'superseded_at',
  'valid_from',
  'valid_to',
  'issued_at',
  'removed_at',
  'ended_at',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];
type CsvRow = Partial<Record<CsvColumn, CsvCell>>;

/** One record with its CRLF (src/csv.ts). */
export const csvLine = csvRecord;

export function exportToCsv(x: ConsumerExport): string {
  const rows: CsvRow[] = [];
  for (const r of x.registrations) {
    rows.push({ record: 'registration', gateway: r.gateway, meter: r.meterId, protocol: r.protocol, registered_at: r.registeredAt, superseded_at: r.supersededAt, removed_at: r.removedAt });
  }
  for (const k of x.contracts) {
    rows.push({
      record: 'contract',
      emt: k.recipient,
      gateway: k.gateway,
      meter: k.meterId,
      contract_id: k.contractId,
      taf: k.taf,
      valid_from: k.validFrom,
      valid_to: k.validTo,
      issued_at: k.issuedAt,
      removed_at: k.removedAt,
      ended_at: k.endedAt,
    });
  }
  for (const d of x.recipients) {
    const byId = new Map(d.messages.map((m) => [m.messageId, m]));
    for (const m of d.messages) {
      rows.push({
        record: 'message',
        emt: d.emt,
        gateway: m.gateway,
        meter: m.meter,
        pseudonym: m.pseudonym,
        contract_id: m.contractId,
        taf: m.taf,
        message_id: m.messageId,
        provenance: m.provenance,
        period_from: m.periodFrom,
        period_to: m.periodTo,
        signer: m.signer,
        received_at: m.receivedAt,
      });
    }
    for (const v of d.values) {
      const m = byId.get(v.messageId);
      rows.push({
        record: 'value',
        emt: d.emt,
        gateway: m?.gateway ?? null,
        meter: m?.meter ?? null,
        pseudonym: m?.pseudonym ?? null,
        contract_id: m?.contractId ?? null,
        message_id: v.messageId,
        seq: v.seq,
        obis: v.obis,
        value: v.value,
        unit: v.unit,
        at: v.at,
        quality: v.quality,
      });
    }
  }
  return csvLine(CSV_COLUMNS) + rows.map((r) => csvLine(CSV_COLUMNS.map((c) => r[c] ?? null))).join('');
}
