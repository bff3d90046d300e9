/** Test builders: contracts per TAF, reading series, and a corpus of real decoded readings of every kind. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dsmrFrameDecoder } from '../../../protocols/dsmr/index.js';
import type { Reading } from '../../../protocols/reading.js';
import { smlFrameDecoder } from '../../../protocols/sml/index.js';
import { wmbusFrameDecoder } from '../../../protocols/wmbus/index.js';
import { GRID_VALUES, REGISTERS } from '../allowed.js';
import { type Contract, contractOrThrow } from '../contract.js';
import type { MeterReading } from '../meter-reading.js';

export const METER = 'MTR-0001';
export const OTHER_METER = 'MTR-0002';

export const RECIPIENT = { name: 'EMT Stadtwerke Musterstadt', encCertSha256: 'a3'.repeat(32) };

const base = {
  meterId: METER,
  consumerId: 'consumer-17',
  recipient: RECIPIENT,
  validFrom: '2024-01-01T00:00:00+01:00',
  validTo: '2025-01-01T00:00:00+01:00',
  timeZone: 'Europe/Berlin',
};

/** Plain-JSON contract inputs of every TAF, as an administrator would send them. */
export const CONTRACT_INPUTS = {
  1: { ...base, id: 'c-taf1', taf: 1, billing: { kind: 'monthly', day: 1 }, registers: ['1-0:1.8.0', '1-0:2.8.0'] },
  2: {
    ...base,
    id: 'c-taf2',
    taf: 2,
    billing: { kind: 'monthly', day: 1 },
    stages: [
      { windows: [{ from: '06:00', to: '22:00' }] },
      { windows: [{ from: '22:00', to: '06:00' }] },
    ],
  },
  6: { ...base, id: 'c-taf6', taf: 6 },
  7: { ...base, id: 'c-taf7', taf: 7, intervalMinutes: 15, registers: ['1-0:1.8.0', '1-0:2.8.0'] },
  9: { ...base, id: 'c-taf9', taf: 9, intervalMinutes: 15, registers: ['1-0:2.8.0', '1-0:2.7.0'] },
  10: { ...base, id: 'c-taf10', taf: 10, intervalMinutes: 15, values: ['1-0:32.7.0', '1-0:31.7.0', '1-0:81.7.4', '1-0:21.7.0'], pseudonymise: true },
  14: { ...base, id: 'c-taf14', taf: 14, intervalSeconds: 60, values: ['1-0:1.7.0', '1-0:14.7.0'] },
} as const;

export function contract<T extends keyof typeof CONTRACT_INPUTS>(taf: T, override: Record<string, unknown> = {}): Contract {
  return contractOrThrow({ ...CONTRACT_INPUTS[taf], ...override });
}

export const ms = (iso: string): number => Date.parse(iso);
export const iso = (t: number): string => new Date(t).toISOString();
export const MINUTE = 60_000;

export function reading(obis: string | undefined, value: Reading['value'], unit?: string, quantity = 'value'): Reading {
  return { ...(obis !== undefined ? { obis } : {}), quantity, value, ...(unit !== undefined ? { unit } : {}) };
}

/** `count` readings of one OBIS, `stepMs` apart from `start`, value(i). */
export function series(obis: string, start: number, stepMs: number, count: number, value: (i: number) => number, meterId = METER, unit = 'kWh'): MeterReading[] {
  return Array.from({ length: count }, (_, i) => ({ meterId, at: iso(start + i * stepMs), reading: reading(obis, value(i), unit, 'energy') }));
}

const conformance = join(import.meta.dirname, '../../../../../shared/conformance');
const rows = (file: string): Array<Record<string, unknown>> =>
  readFileSync(join(conformance, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * One reading of every kind the real corpus holds (SML, DSMR and plain wM-Bus frames of the conformance set:
 * energy, power, voltage, current, angles, frequency, volumes, flows, temperatures, historic values, text
 * values, values without OBIS), first occurrence per OBIS id; plus what no peer frame holds (gas volume,
 * every grid value, readings without OBIS id).
 */
export function everyKind(): Reading[] {
  const found: Reading[] = [];
  const decode = (f: () => readonly Reading[]): void => {
    try {
      found.push(...f());
    } catch {
      // negative rows of the corpus: rejected by the codec, nothing to collect
    }
  };
  for (const r of rows('sml/frames.jsonl')) decode(() => smlFrameDecoder.session({}).decode(String(r.frame_hex)).readings);
  for (const r of rows('dsmr/telegrams.jsonl')) decode(() => dsmrFrameDecoder.session({}).decode(String(r.telegram_text)).readings);
  for (const r of rows('wmbus/telegrams.jsonl')) if (r.key_hex_or_null === null && !r.negative) decode(() => wmbusFrameDecoder.session({}).decode(String(r.telegram_hex)).readings);
  const extra: Reading[] = [
    ...Object.values(REGISTERS).map((o) => reading(o, 1000, 'kWh', 'energy')),
    ...GRID_VALUES.map((o) => reading(o, 230, 'V', 'voltage')),
    reading('1-0:1.8.1', 10, 'kWh', 'energy'),
    reading('1-0:1.8.2', 20, 'kWh', 'energy'),
    reading(undefined, 21.5, '°C', 'flow temperature'),
    reading(undefined, 'manufacturer data', undefined, 'manufacturer specific'),
  ];
  const seen = new Set<string>();
  const out: Reading[] = [];
  for (const r of [...found, ...extra]) {
    const key = r.obis ?? `(${r.quantity})`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/** The corpus of every kind at each of `times`, for `meterId`, numeric values raised step by step. */
export function everyKindAt(kinds: readonly Reading[], times: readonly number[], meterId = METER): MeterReading[] {
  return times.flatMap((t, i) =>
    kinds.map((r) => ({ meterId, at: iso(t), reading: typeof r.value === 'number' ? { ...r, value: r.value + i } : r })),
  );
}
