import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../../bytes.js';

/** One row of ../shared/conformance/dlms/vectors.jsonl (hex fields as given there). */
export interface DlmsVector {
  readonly source: string;
  readonly description: string;
  readonly kind: 'apdu' | 'hls-gmac' | 'p1-encrypted';
  readonly security_control: string;
  readonly system_title: string;
  readonly invocation_counter: string;
  readonly ek: string;
  readonly ak: string;
  readonly plaintext_apdu: string;
  readonly ciphered_apdu: string;
  readonly aad?: string;
  readonly ciphertext?: string;
  readonly tag?: string;
  readonly mbus_hex?: string;
}

/** The shared conformance corpus sits beside the repository (CI clones it as ../shared). */
export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'conformance');

export function loadDlmsVectors(): DlmsVector[] {
  const text = readFileSync(join(CONFORMANCE_DIR, 'dlms', 'vectors.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as DlmsVector);
}

/** Short label for it.each titles. */
export const label = (v: DlmsVector): string => `${v.kind} SC=${v.security_control} ${v.ciphered_apdu.slice(0, 2)} ${v.description.slice(0, 50)}`;

export const bytes = (hex: string): Uint8Array => hexToBytes(hex);

/** Keys of a row: AK only where the row has one. */
export const keysOf = (v: DlmsVector): { ek: Uint8Array; ak?: Uint8Array } => (v.ak === '' ? { ek: bytes(v.ek) } : { ek: bytes(v.ek), ak: bytes(v.ak) });

/** A copy with one bit flipped. */
export function flipBit(b: Uint8Array, byteIndex: number, bit = 0): Uint8Array {
  const c = Uint8Array.from(b);
  c[byteIndex] = c[byteIndex]! ^ (1 << bit);
  return c;
}
