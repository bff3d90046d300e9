/**
 * Data minimisation: for each TAF, what the recipient receives is exactly the contract's values over the
 * contract's periods, whatever kinds of readings the meter delivers; other meters never leak in.
 */
import { describe, expect, it } from 'vitest';
import type { Contract } from './contract.js';
import { METER, MINUTE, OTHER_METER, contract, everyKind, everyKindAt, iso, ms } from './_testing/builders.js';
import { applyContract } from './engine.js';
import type { TafMessage } from './message.js';
import type { MeterReading } from './meter-reading.js';
import { initialState } from './state.js';

const kinds = everyKind();

function run(c: Contract, readings: readonly MeterReading[], now: string) {
  return applyContract(c, initialState(c), readings, now);
}

const pairs = (messages: readonly TafMessage[]): string[] => messages.flatMap((m) => m.values.map((v) => `${v.obis} ${m.period.from} ${m.period.to}`)).sort();

const range = (from: number, to: number, step: number): number[] => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/** Expected (obis, period) pairs: every output value in every period between consecutive ends. */
function expected(outputs: readonly string[], ends: readonly number[], start: number): string[] {
  return outputs.flatMap((o) => ends.map((e, i) => `${o} ${iso(i === 0 ? start : ends[i - 1]!)} ${iso(e)}`)).sort();
}

const start = ms('2024-01-01T00:00:00+01:00');
const H = 60 * MINUTE;
const monthEnds = ['2024-01-31T23:00:00Z', '2024-02-29T23:00:00Z', '2024-03-31T22:00:00Z'].map(ms);

// TAF, times of the meter's frames, now, the periods' ends, the values the recipient may see.
const cases: Array<[string, Contract, number[], number, number[], string[]]> = [
  ['TAF 1', contract(1), range(start, ms('2024-04-01T00:00:00+02:00'), 12 * H), ms('2024-04-01T01:00:00+02:00'), monthEnds, ['1-0:1.8.0', '1-0:2.8.0']],
  ['TAF 1 (gas)', contract(1, { registers: ['7-0:3.0.0'] }), range(start, ms('2024-04-01T00:00:00+02:00'), 12 * H), ms('2024-04-01T01:00:00+02:00'), monthEnds, ['7-0:3.0.0']],
  ['TAF 2', contract(2), range(start, ms('2024-04-01T00:00:00+02:00'), 12 * H), ms('2024-04-01T01:00:00+02:00'), monthEnds, ['1-0:1.8.1', '1-0:1.8.2']],
  ['TAF 7', contract(7), range(start, start + 6 * H, 5 * MINUTE), start + 6 * H + 1, range(start + 15 * MINUTE, start + 6 * H, 15 * MINUTE), ['1-0:1.8.0', '1-0:2.8.0']],
  ['TAF 7 (water, hourly)', contract(7, { registers: ['8-0:1.0.0'], intervalMinutes: 60 }), range(start, start + 6 * H, 5 * MINUTE), start + 6 * H + 1, range(start + H, start + 6 * H, H), ['8-0:1.0.0']],
  ['TAF 9', contract(9), range(start, start + 6 * H, 5 * MINUTE), start + 6 * H + 1, range(start + 15 * MINUTE, start + 6 * H, 15 * MINUTE), ['1-0:2.8.0', '1-0:2.7.0']],
  ['TAF 10', contract(10), range(start, start + 6 * H, 5 * MINUTE), start + 6 * H + 1, range(start + 15 * MINUTE, start + 6 * H, 15 * MINUTE), ['1-0:32.7.0', '1-0:31.7.0', '1-0:81.7.4', '1-0:21.7.0']],
  ['TAF 14', contract(14), range(start, start + H, MINUTE), start + H + 1, range(start + MINUTE, start + H, MINUTE), ['1-0:1.7.0', '1-0:14.7.0']],
];

describe('what the recipient receives', () => {
  it('the corpus holds readings of every kind', () => {
    const quantities = new Set(kinds.map((r) => r.quantity));
    for (const q of ['energy', 'power', 'voltage', 'current', 'volume', 'flow temperature', 'return temperature']) expect(quantities, q).toContain(q);
    expect(kinds.some((r) => r.obis?.startsWith('1-0:81.7.'))).toBe(true);
    expect(kinds.some((r) => r.obis === undefined)).toBe(true);
    expect(kinds.length).toBeGreaterThan(80);
  });

  it.each(cases)('%s: exactly the contract values in exactly the contract periods', (_name, c, times, now, ends, outputs) => {
    const { messages } = run(c, everyKindAt(kinds, times), iso(now));
    expect(pairs(messages)).toEqual(expected(outputs, ends, start));
    for (const m of messages) {
      expect(m.meterId).toBe(METER);
      expect(m.recipient.name).toBe(c.recipient.name);
      expect(m.pseudonymise).toBe(c.taf === 10);
    }
  });

  it.each(cases)('%s: another meter\'s readings change nothing', (_name, c, times, now) => {
    const own = everyKindAt(kinds, times);
    const other = everyKindAt(kinds, times, OTHER_METER).map((r) => (typeof r.reading.value === 'number' ? { ...r, reading: { ...r.reading, value: r.reading.value * 7 + 1 } } : r));
    const mixed = times.flatMap((_, i) => [...own.slice(i * kinds.length, (i + 1) * kinds.length), ...other.slice(i * kinds.length, (i + 1) * kinds.length)]);
    const alone = run(c, own, iso(now));
    const both = run(c, mixed, iso(now));
    expect(both.messages).toEqual(alone.messages);
    expect(both.notices).toContainEqual({ kind: 'ignored', reason: 'other-meter', count: other.length });
  });

  it.each(cases)('%s: a meter without a contract produces nothing', (_name, c, times, now) => {
    const other = everyKindAt(kinds, times, OTHER_METER);
    const { messages, notices } = run(c, other, iso(now));
    expect(messages).toEqual([]);
    expect(notices).toContainEqual({ kind: 'ignored', reason: 'other-meter', count: other.length });
  });

  it('every reading left out is counted: not-in-contract plus what was used adds up', () => {
    const c = contract(7);
    const times = range(start, start + H, 5 * MINUTE);
    const readings = everyKindAt(kinds, times);
    const { notices } = run(c, readings, iso(start + H + 1));
    const ignored = notices.flatMap((n) => (n.kind === 'ignored' ? [n.count] : [])).reduce((a, b) => a + b, 0);
    const used = readings.filter((r) => r.reading.obis === '1-0:1.8.0' || r.reading.obis === '1-0:2.8.0').length;
    expect(ignored + used).toBe(readings.length);
  });
});
