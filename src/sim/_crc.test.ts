import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc16Arc, crc16X25 } from './_crc.js';

/** The shared conformance corpus sits beside the repository (CI clones it as ../shared). */
const CONFORMANCE = join(import.meta.dirname, '..', '..', '..', 'shared', 'conformance');
const rows = <T>(file: string): T[] =>
  readFileSync(join(CONFORMANCE, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

interface DsmrRow {
  readonly version: string;
  readonly telegram_text: string;
  readonly crc_ok: boolean | null;
}
interface SmlRow {
  readonly label: string;
  readonly frame_hex: string;
  readonly crc_ok: boolean | null;
  readonly crc_variant?: string | null;
}

const dsmr = rows<DsmrRow>('dsmr/telegrams.jsonl').filter((r) => r.crc_ok !== null && /![0-9A-F]{3,4}\r?\n?$/i.test(r.telegram_text));
const sml = rows<SmlRow>('sml/frames.jsonl').filter((r) => r.crc_ok !== null && r.frame_hex.toUpperCase().startsWith('1B1B1B1B01010101'));

describe('CRC-16/ARC against the DSMR corpus', () => {
  it('has rows to check', () => {
    expect(dsmr.length).toBeGreaterThan(10);
  });

  it.each(dsmr.map((r) => [r.version, r] as const))('%s: computed CRC agrees with the verdict', (_, r) => {
    const text = r.telegram_text;
    const bang = text.lastIndexOf('!');
    const sent = Number.parseInt(text.slice(bang + 1).trim(), 16);
    const crc = crc16Arc(Buffer.from(text.slice(text.indexOf('/'), bang + 1), 'latin1'));
    expect(crc === sent).toBe(r.crc_ok);
  });
});

describe('CRC-16/X-25 against the SML corpus', () => {
  it.each(sml.map((r) => [r.label, r] as const))('%s: file CRC agrees with the verdict', (_, r) => {
    const b = Buffer.from(r.frame_hex, 'hex');
    const crc = crc16X25(b.subarray(0, b.length - 2));
    const sentLowFirst = b[b.length - 2]! | (b[b.length - 1]! << 8);
    expect(crc === sentLowFirst).toBe(r.crc_ok === true && r.crc_variant !== 'kermit');
  });
});
