import { describe, expect, it } from 'vitest';
import { contract, iso, ms } from './_testing/builders.js';
import { scheduleOf } from './schedule.js';
import { zone } from './_zone.js';

function ends(c: ReturnType<typeof contract>, count: number): string[] {
  const s = scheduleOf(c, zone(c.timeZone))!;
  const out: string[] = [];
  let t = ms(c.validFrom);
  for (let i = 0; i < count; i++) {
    const next = s.next(t);
    if (next === undefined) break;
    out.push(iso(next));
    t = next;
  }
  return out;
}

const days = (a: string, b: string): number => (ms(b) - ms(a)) / 86_400_000;

describe('billing periods (TAF 1, 2)', () => {
  it('end at local midnight of the 1st in Europe/Berlin: months of 31, 29, 31, 30 days, across both DST changes', () => {
    const e = ends(contract(1), 12);
    expect(e).toEqual([
      '2024-01-31T23:00:00.000Z',
      '2024-02-29T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z', // CEST from 31 March
      '2024-04-30T22:00:00.000Z',
      '2024-05-31T22:00:00.000Z',
      '2024-06-30T22:00:00.000Z',
      '2024-07-31T22:00:00.000Z',
      '2024-08-31T22:00:00.000Z',
      '2024-09-30T22:00:00.000Z',
      '2024-10-31T23:00:00.000Z', // CET from 27 October
      '2024-11-30T23:00:00.000Z',
      '2024-12-31T23:00:00.000Z', // = validTo
    ]);
    const lengths = [ms(contract(1).validFrom), ...e.map(ms)].slice(0, 4).map((t, i, a) => (i === 0 ? 0 : (t - a[i - 1]!) / 3_600_000));
    expect(lengths.slice(1)).toEqual([31 * 24, 29 * 24, 31 * 24 - 1]);
  });

  it.each([
    ['2023 (February of 28 days)', '2023-02-01T00:00:00+01:00', '2023-03-01T00:00:00+01:00', 28],
    ['2024 (leap year)', '2024-02-01T00:00:00+01:00', '2024-03-01T00:00:00+01:00', 29],
    ['April', '2024-04-01T00:00:00+02:00', '2024-05-01T00:00:00+02:00', 30],
    ['May', '2024-05-01T00:00:00+02:00', '2024-06-01T00:00:00+02:00', 31],
  ])('a month in %s has the right length', (_what, validFrom, end, length) => {
    const c = contract(1, { validFrom, validTo: '2026-01-01T00:00:00Z' });
    const [first] = ends(c, 1);
    expect(first).toBe(iso(ms(end)));
    expect(days(validFrom, first!)).toBe(length);
  });

  it('the DST change days are 23 and 25 hours long with daily billing', () => {
    const spring = contract(1, { billing: { kind: 'days', every: 1 }, validFrom: '2024-03-30T00:00:00+01:00' });
    expect(ends(spring, 3)).toEqual(['2024-03-30T23:00:00.000Z', '2024-03-31T22:00:00.000Z', '2024-04-01T22:00:00.000Z']);
    const autumn = contract(1, { billing: { kind: 'days', every: 1 }, validFrom: '2024-10-26T00:00:00+02:00' });
    const e = ends(autumn, 2);
    expect(e).toEqual(['2024-10-26T22:00:00.000Z', '2024-10-27T23:00:00.000Z']);
    expect((ms(e[1]!) - ms(e[0]!)) / 3_600_000).toBe(25);
  });

  it('a billing day in a zone west of UTC ends at that zone\'s midnight', () => {
    const c = contract(1, { timeZone: 'America/New_York', validFrom: '2024-03-01T00:00:00-05:00' });
    expect(ends(c, 2)).toEqual(['2024-04-01T04:00:00.000Z', '2024-05-01T04:00:00.000Z']);
  });

  it('every n days counts from the local date of validFrom, and validTo ends a shorter last period', () => {
    const c = contract(1, { billing: { kind: 'days', every: 10 }, validFrom: '2024-01-01T12:00:00+01:00', validTo: '2024-01-25T00:00:00+01:00' });
    expect(ends(c, 5)).toEqual(['2024-01-10T23:00:00.000Z', '2024-01-20T23:00:00.000Z', '2024-01-24T23:00:00.000Z']);
  });

  it('monthly on day 15 starting mid-month', () => {
    const c = contract(1, { billing: { kind: 'monthly', day: 15 }, validFrom: '2024-01-20T08:00:00+01:00' });
    expect(ends(c, 2)).toEqual(['2024-02-14T23:00:00.000Z', '2024-03-14T23:00:00.000Z']);
  });
});

describe('intervals (TAF 7, 9, 10, 14)', () => {
  it('TAF 7 ends on quarter hours, 92 of them on the 23-hour spring DST day', () => {
    const c = contract(7, { validFrom: '2024-03-31T00:00:00+01:00', validTo: '2024-04-01T00:00:00+02:00' });
    const e = ends(c, 200);
    expect(e).toHaveLength(92);
    expect(e[0]).toBe('2024-03-30T23:15:00.000Z');
    expect(e.at(-1)).toBe('2024-03-31T22:00:00.000Z');
  });

  it('lastBefore jumps over empty intervals and stops at validTo', () => {
    const c = contract(14, { validTo: '2024-01-01T00:10:30+01:00' });
    const s = scheduleOf(c, zone(c.timeZone))!;
    const from = ms(c.validFrom);
    expect(iso(s.lastBefore(from + 5 * 60_000 + 1, from)!)).toBe('2023-12-31T23:05:00.000Z');
    expect(iso(s.lastBefore(from + 5 * 60_000, from)!)).toBe('2023-12-31T23:04:00.000Z');
    expect(iso(s.lastBefore(from + 3_600_000, from)!)).toBe('2023-12-31T23:10:30.000Z');
    expect(s.lastBefore(from + 1000, from)).toBeUndefined();
  });

  it('TAF 6 has no schedule', () => {
    const c = contract(6);
    expect(scheduleOf(c, zone(c.timeZone))).toBeUndefined();
  });
});
