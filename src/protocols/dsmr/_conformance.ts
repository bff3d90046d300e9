/** Test data: the DSMR rows of the shared conformance corpus (../shared/conformance beside the repository). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance');

export interface ExpectedValue {
  readonly value: string | null;
  readonly unit: string | null;
  readonly datetime_utc?: string;
}

export interface DsmrRow {
  readonly source: string;
  readonly version: string;
  readonly telegram_text: string;
  readonly crc_ok: boolean | null;
  readonly crc_calculated: string | null;
  readonly expected: Readonly<Record<string, ExpectedValue>>;
  readonly mbus_devices?: ReadonlyArray<Readonly<Record<string, ExpectedValue | number>>>;
  readonly expected_error?: string;
  readonly encrypted?: {
    readonly frame_hex: string;
    readonly encryption_key: string;
    readonly authentication_key?: string;
    readonly aad: string;
    readonly system_title: string;
    readonly invocation_counter: string;
  };
}

export const dsmrRows: readonly DsmrRow[] = readFileSync(join(CONFORMANCE_DIR, 'dsmr', 'telegrams.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as DsmrRow);

/** Rows as it.each tables: [index, short label, row]. */
export const dsmrTable = dsmrRows.map((r, i) => [i, r.version, r] as const);

/** The authentication key of an encrypted row: given, or taken from its AAD (SC || AK). */
export const rowAk = (r: DsmrRow): string | undefined => r.encrypted?.authentication_key ?? (r.encrypted && r.encrypted.aad.length > 2 ? r.encrypted.aad.slice(2) : undefined);
