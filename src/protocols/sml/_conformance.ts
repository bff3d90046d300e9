/** Test data: the SML rows of the shared conformance corpus (../shared/conformance beside the repository). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance');

export interface SmlRow {
  readonly source: string;
  readonly label: string;
  readonly frame_hex: string;
  readonly crc_ok: boolean | null;
  readonly crc_variant: 'x25' | 'kermit' | null;
  readonly obis: ReadonlyArray<{ readonly obis: string; readonly value: string | number; readonly unit: number | null; readonly scaler: number | null }>;
  readonly negative?: boolean;
}

export const smlRows: readonly SmlRow[] = readFileSync(join(CONFORMANCE_DIR, 'sml', 'frames.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as SmlRow);

export const smlTable = smlRows.map((r, i) => [i, r.label, r] as const);

/**
 * Wrap messages into an SML transport v1 file (our builder for cases the corpus lacks): escape 1B1B1B1B,
 * pad with 00 to 4 bytes, end sequence, X.25 CRC low byte first (or Kermit high byte first).
 */
export function buildSmlFile(payload: Uint8Array, crc: (b: Uint8Array) => number, variant: 'x25' | 'kermit' = 'x25'): Uint8Array {
  const out: number[] = [0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1];
  const padded = [...payload];
  const padding = (4 - (padded.length % 4)) % 4;
  for (let i = 0; i < padding; i++) padded.push(0);
  for (let i = 0; i < padded.length; i += 4) {
    const block = padded.slice(i, i + 4);
    out.push(...block);
    if (block.every((b) => b === 0x1b)) out.push(...block);
  }
  out.push(0x1b, 0x1b, 0x1b, 0x1b, 0x1a, padding);
  const c = crc(Uint8Array.from(out));
  if (variant === 'x25') out.push(c & 0xff, c >>> 8);
  else out.push(c >>> 8, c & 0xff);
  return Uint8Array.from(out);
}
