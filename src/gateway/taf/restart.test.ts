/**
 * Restart without loss or duplicates: the same readings fed in chunks, the state persisted as JSON and read
 * back between steps, give exactly the messages of one step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import type { Contract } from './contract.js';
import { METER, MINUTE, OTHER_METER, contract, everyKind, everyKindAt, iso, ms, reading } from './_testing/builders.js';
import { applyContract } from './engine.js';
import type { TafMessage } from './message.js';
import type { MeterReading } from './meter-reading.js';
import { type TafState, initialState, parseTafState } from './state.js';

const H = 60 * MINUTE;
const start = ms('2024-01-01T00:00:00+01:00');
const all = everyKind();
// Every value any builder contract asks for, plus a few kinds none asks for.
const asked = new Set(['1-0:1.8.0', '1-0:2.8.0', '1-0:2.7.0', '1-0:32.7.0', '1-0:31.7.0', '1-0:81.7.4', '1-0:21.7.0', '1-0:1.7.0', '1-0:14.7.0']);
const kinds = [...all.filter((r) => r.obis !== undefined && asked.has(r.obis)), ...all.filter((r) => r.obis === undefined || !asked.has(r.obis)).slice(0, 12)];

/** Frames of the meter and of another meter at each time, with a reading arriving out of order now and then. */
function feed(times: readonly number[]): MeterReading[] {
  const own = everyKindAt(kinds, times);
  const other = everyKindAt(kinds.slice(0, 5), times, OTHER_METER);
  return times.flatMap((t, i) => [
    ...own.slice(i * kinds.length, (i + 1) * kinds.length),
    ...other.slice(i * 5, (i + 1) * 5),
    ...(i % 7 === 3 ? [{ meterId: METER, at: iso(t - 2 * MINUTE), reading: reading('1-0:1.8.0', -1, 'kWh') }] : []),
  ]);
}

const range = (from: number, count: number, step: number): number[] => Array.from({ length: count }, (_, i) => from + i * step);

const cases: Array<[string, Contract, MeterReading[]]> = [
  ['TAF 1 (daily billing)', contract(1, { billing: { kind: 'days', every: 1 } }), feed(range(start, 40, 3 * H))],
  ['TAF 2 (daily billing)', contract(2, { billing: { kind: 'days', every: 1 } }), feed(range(start, 40, 3 * H))],
  ['TAF 7', contract(7), feed(range(start, 60, 5 * MINUTE))],
  ['TAF 9', contract(9), feed(range(start, 60, 7 * MINUTE))],
  ['TAF 10', contract(10), feed(range(start, 60, 5 * MINUTE))],
  ['TAF 14', contract(14), feed(range(start, 60, 20_000))],
];

/** The gateway's clock at the end of a chunk: the latest reading time seen so far. */
function clockAfter(readings: readonly MeterReading[], upTo: number, previous: number): number {
  let now = previous;
  for (let i = 0; i < upTo; i++) now = Math.max(now, ms(readings[i]!.at));
  return now;
}

function inChunks(c: Contract, readings: readonly MeterReading[], cuts: readonly number[]): TafMessage[] {
  let state: TafState = initialState(c);
  let now = start;
  const messages: TafMessage[] = [];
  const bounds = [0, ...cuts, readings.length];
  for (let i = 1; i < bounds.length; i++) {
    now = clockAfter(readings, bounds[i]!, now);
    const step = applyContract(c, state, readings.slice(bounds[i - 1], bounds[i]), iso(now));
    messages.push(...step.messages);
    state = parseTafState(JSON.parse(JSON.stringify(step.state)));
  }
  return messages;
}

describe.each(cases)('%s', (_name, c, readings) => {
  const once = applyContract(c, initialState(c), readings, iso(clockAfter(readings, readings.length, start))).messages;

  it('sends messages at all', () => {
    expect(once.length).toBeGreaterThan(2);
  });

  it('gives the same messages in chunks with the state carried, and no message id twice', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: readings.length - 1 }), { maxLength: 12 }), (cuts) => {
        const chunked = inChunks(c, readings, [...cuts].sort((a, b) => a - b));
        expect(chunked).toEqual(once);
        expect(new Set(chunked.map((m) => m.messageId)).size).toBe(chunked.length);
      }),
      { numRuns: 40 },
    );
  });

  it('feeding the same readings again after a restart sends nothing twice', () => {
    const first = applyContract(c, initialState(c), readings, iso(clockAfter(readings, readings.length, start)));
    const again = applyContract(c, parseTafState(JSON.parse(JSON.stringify(first.state))), readings, iso(clockAfter(readings, readings.length, start)));
    expect(again.messages).toEqual([]);
  });
});

describe('mutated input', () => {
  const c = contract(7);
  const real = feed(range(start, 12, 5 * MINUTE));

  it('readings with any field damaged give messages and notices, never an exception', () => {
    const junk = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.constant(undefined), fc.boolean());
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(real.length - 1), fc.constantFrom('meterId', 'at', 'obis', 'value', 'unit'), junk), { maxLength: 20 }), (edits) => {
        const damaged = real.map((r) => ({ ...r, reading: { ...r.reading } })) as Array<Record<string, unknown> & { reading: Record<string, unknown> }>;
        for (const [i, field, v] of edits) {
          const target = field === 'meterId' || field === 'at' ? damaged[i]! : damaged[i]!.reading;
          target[field] = v;
        }
        const step = applyContract(c, initialState(c), damaged as unknown as MeterReading[], iso(start + 2 * H));
        for (const m of step.messages) for (const v of m.values) expect(Number.isFinite(v.value)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('persisted state with bit flips reads back or fails with GW_TAF_BAD_STATE only', () => {
    const mid = applyContract(c, initialState(c), real.slice(0, real.length / 2), iso(start + 30 * MINUTE)).state;
    const text = JSON.stringify(mid);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(text.length - 1), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 4 }), fc.nat(text.length), (flips, cut) => {
        const chars = [...text];
        for (const [i, bit] of flips) chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) ^ (1 << bit));
        const damaged = chars.join('').slice(0, Math.max(cut, text.length - 3));
        let json: unknown;
        try {
          json = JSON.parse(damaged);
        } catch {
          return; // not JSON any more: the store's problem, not the engine's
        }
        try {
          const state = parseTafState(json);
          try {
            applyContract(c, state, real, iso(start + 2 * H));
          } catch (e) {
            expect(e).toBeInstanceOf(GatewayError);
            expect((e as GatewayError).code).toBe('GW_TAF_BAD_STATE');
          }
        } catch (e) {
          expect(e).toBeInstanceOf(GatewayError);
          expect((e as GatewayError).code).toBe('GW_TAF_BAD_STATE');
        }
      }),
      { numRuns: 300 },
    );
  });
});
