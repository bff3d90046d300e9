import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Test helper: rows of the shared wM-Bus conformance corpus (../shared/conformance beside the repository). */

export interface CorpusRow {
  readonly telegram_hex: string;
  readonly key_hex_or_null: string | null;
  readonly security: 'none' | 'mode5' | 'mode7' | 'ELL_AES_CTR';
  readonly layers: {
    readonly dll_id: string;
    readonly tpl_id: string | null;
    readonly compact_frame: boolean;
    readonly tpl_ci: string;
    readonly link: { readonly dll_crc: string };
  };
  readonly expected: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly negative?: string;
  readonly edge?: string;
}

export const corpusDir = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance', 'wmbus');

export function corpusRows(): CorpusRow[] {
  return readFileSync(join(corpusDir, 'telegrams.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusRow);
}

export const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

/** The first row matching `pred` (throws when the corpus has none, so a test cannot pass vacuously). */
export function corpusRow(pred: (r: CorpusRow) => boolean): CorpusRow {
  const r = corpusRows().find(pred);
  if (r === undefined) throw new Error('no such corpus row');
  return r;
}
