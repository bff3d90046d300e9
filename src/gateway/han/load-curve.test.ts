import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { CURVE_STEPS, type RegisterReading, checkRange, loadCurves } from './load-curve.js';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const H = 3600_000;
const r = (value: number, atHours: number, obis = '1-0:1.8.0'): RegisterReading => ({ obis, value, unit: 'kWh', at: T0 + atHours * H });

describe('loadCurves', () => {
  it('gives the register difference across each step', () => {
    const [c] = loadCurves([r(100, 0), r(100.5, 1), r(101.75, 2), r(101.75, 3)], { from: T0, to: T0 + 3 * H, step: '1h' });
    expect(c?.points.map((p) => p.delta)).toEqual([0.5, 1.25, 0]);
    expect(c?.points.map((p) => p.from)).toEqual(['2026-11-20T00:00:00.000Z', '2026-11-20T01:00:00.000Z', '2026-11-20T02:00:00.000Z']);
    expect(c).toMatchObject({ kind: 'load-curve', obis: '1-0:1.8.0', unit: 'kWh', step: '1h' });
  });

  it('takes the last reading at or before a boundary, in any input order', () => {
    const [c] = loadCurves([r(103, 1.9), r(100, 0), r(101, 0.5), r(102, 1)], { from: T0, to: T0 + 2 * H, step: '1h' });
    // register at 00:00 = 100, at 01:00 = 102, at 02:00 = 103
    expect(c?.points.map((p) => p.delta)).toEqual([2, 1]);
  });

  it('leaves steps without a known register on either side empty rather than guessing', () => {
    const [c] = loadCurves([r(10, 1), r(12, 2)], { from: T0, to: T0 + 4 * H, step: '1h' });
    expect(c?.points.map((p) => p.delta)).toEqual([null, 2, 0, 0]);
    const [gap] = loadCurves([r(10, 2)], { from: T0, to: T0 + 2 * H, step: '1h' });
    expect(gap?.points.map((p) => p.delta)).toEqual([null, null]);
  });

  it('makes one curve per register', () => {
    const curves = loadCurves([r(1, 0), r(5, 0, '1-0:2.8.0'), r(2, 1), r(5.5, 1, '1-0:2.8.0')], { from: T0, to: T0 + H, step: '1h' });
    expect(curves.map((c) => [c.obis, c.points[0]?.delta])).toEqual([
      ['1-0:1.8.0', 1],
      ['1-0:2.8.0', 0.5],
    ]);
  });

  it.each([
    ['15m', 96],
    ['1h', 24],
    ['1d', 1],
  ] as const)('a day in steps of %s has %i points', (step, n) => {
    const [c] = loadCurves([r(0, 0)], { from: T0, to: T0 + 24 * H, step });
    expect(c?.points).toHaveLength(n);
    expect(CURVE_STEPS[step] * n).toBe(24 * H);
  });

  it.each([
    ['an empty range', T0, T0],
    ['a reversed range', T0 + H, T0],
    ['more than 31 days', T0, T0 + 32 * 24 * H],
    ['a range that is not a number', Number.NaN, T0],
  ])('refuses %s with GW_HAN_BAD_QUERY', (_what, from, to) => {
    const e = (() => {
      try {
        checkRange({ from, to, step: '1h' });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).code).toBe('GW_HAN_BAD_QUERY');
  });

  it('sums to the register growth over the range when the register is known at both ends (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 48 }), (increments, hours) => {
        let v = 1000;
        const readings: RegisterReading[] = [r(v, 0)];
        increments.forEach((inc, i) => {
          v += inc / 1000;
          readings.push(r(v, ((i + 1) * hours) / increments.length));
        });
        const [c] = loadCurves(readings, { from: T0, to: T0 + hours * H, step: '15m' });
        const sum = (c?.points ?? []).reduce((s, p) => s + (p.delta ?? Number.NaN), 0);
        expect(sum).toBeCloseTo(v - 1000, 6);
        expect(c?.points.every((p) => p.delta !== null && p.delta >= 0)).toBe(true);
      }),
    );
  });
});
