import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, orderedTimesArb, seedArb, timeArb } from './_testing/arbitraries.js';
import { DAY_S, DailyCurve } from './_curve.js';
import { createProfile, type ElectricitySample, type Medium, PROFILE_ORIGIN_MS, registerSteps, TARIFF_WINDOWS } from './profiles.js';

const MEDIA: readonly Medium[] = ['electricity', 'gas', 'water', 'heat'];

/** The register and the rate of any sample, in Wh / W or m3 / m3/h. */
function registerAndRate(s: ReturnType<ReturnType<typeof createProfile>['sampleAt']>): { register: number; rate: number } {
  switch (s.kind) {
    case 'electricity':
      return { register: s.importWh, rate: s.powerImportW };
    case 'gas':
    case 'water':
      return { register: s.volumeM3, rate: s.flowM3h };
    case 'heat':
      return { register: s.energyWh, rate: s.powerW };
  }
}

describe('DailyCurve', () => {
  const curve = new DailyCurve([
    { kind: 'constant', value: 100 },
    { kind: 'peak', height: 500, at: 7 * 3600 },
    { kind: 'ripple', amplitude: 40, cyclesPerDay: 48, phase: 1 },
    { kind: 'daylight', height: 3000, from: 6 * 3600, to: 18 * 3600 },
  ]);

  it('integrates to what a fine trapezoid sum of the rate gives', () => {
    const t = 2.5 * DAY_S + 1234;
    const n = 200_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += ((curve.rate((i * t) / n) + curve.rate(((i + 1) * t) / n)) / 2) * (t / n);
    expect(curve.integral(t) / sum).toBeCloseTo(1, 6);
  });

  it('splits a day exactly into tariff windows', () => {
    const t = 3 * DAY_S + 20 * 3600;
    expect(curve.integralWithin(t, TARIFF_WINDOWS[1]) + curve.integralWithin(t, TARIFF_WINDOWS[2])).toBeCloseTo(curve.integral(t), 3);
  });
});

describe('profiles', () => {
  it.each(MEDIA)('%s: the same seed gives the same values, another seed others', (medium) => {
    const t = Date.UTC(2025, 2, 4, 8, 15);
    expect(createProfile({ medium, seed: 7 }).sampleAt(t)).toEqual(createProfile({ medium, seed: 7 }).sampleAt(t));
    expect(createProfile({ medium, seed: 8 }).sampleAt(t)).not.toEqual(createProfile({ medium, seed: 7 }).sampleAt(t));
  });

  it.each(MEDIA)('%s: registers never decrease and rates are never negative', (medium) => {
    fc.assert(
      fc.property(seedArb, orderedTimesArb, (seed, [t1, t2]) => {
        const p = createProfile({ medium, seed, pv: true });
        const a = registerAndRate(p.sampleAt(t1));
        const b = registerAndRate(p.sampleAt(t2));
        expect(b.register).toBeGreaterThan(a.register);
        expect(a.rate).toBeGreaterThan(0);
        expect(registerSteps(b.register, 0.001)).toBeGreaterThanOrEqual(registerSteps(a.register, 0.001));
      }),
      { numRuns: 200 },
    );
  });

  it.each(MEDIA)('%s: the rate is the slope of the register', (medium) => {
    fc.assert(
      fc.property(seedArb, timeArb, (seed, t) => {
        const p = createProfile({ medium, seed });
        const before = registerAndRate(p.sampleAt(t));
        const after = registerAndRate(p.sampleAt(t + 1000));
        // Wh per second x 3600 = W; m3 per second x 3600 = m3/h.
        const slope = (after.register - before.register) * 3600;
        expect(Math.abs(slope - before.rate)).toBeLessThan(before.rate * 0.02 + 1e-3);
      }),
      { numRuns: 100 },
    );
  });

  it('electricity: tariff stages sum to the total and phases give P = U I cos(angle)', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.boolean(), (seed, t, pv) => {
        const s = createProfile({ medium: 'electricity', seed, pv }).sampleAt(t) as ElectricitySample;
        expect(s.importTariffWh[0] + s.importTariffWh[1]).toBeCloseTo(s.importWh, 3);
        expect(s.exportTariffWh[0] + s.exportTariffWh[1]).toBeCloseTo(s.exportWh, 3);
        let sum = 0;
        for (const ph of s.phases) {
          expect(ph.voltageV).toBeGreaterThan(215);
          expect(ph.voltageV).toBeLessThan(245);
          expect(ph.voltageV * ph.currentA * Math.cos((ph.phaseAngleDeg * Math.PI) / 180)).toBeCloseTo(ph.powerW, 6);
          sum += ph.powerW;
        }
        expect(sum).toBeCloseTo(s.powerImportW - s.powerExportW, 6);
        if (!pv) expect(s.powerExportW).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('electricity with PV: feed-in by day, none at night', () => {
    const p = createProfile({ medium: 'electricity', seed: 99, pv: true });
    const noon = p.sampleAt(Date.UTC(2025, 5, 1, 12));
    const night = p.sampleAt(Date.UTC(2025, 5, 1, 1));
    expect(noon.powerExportW).toBeGreaterThan(1000);
    expect(night.powerExportW).toBe(0);
    expect(p.sampleAt(Date.UTC(2025, 5, 2, 1)).exportWh).toBeGreaterThan(night.exportWh);
  });

  it('electricity: the tariff in force follows the stage windows', () => {
    const p = createProfile({ medium: 'electricity', seed: 1 });
    expect(p.sampleAt(Date.UTC(2025, 0, 1, 3)).tariff).toBe(1);
    expect(p.sampleAt(Date.UTC(2025, 0, 1, 12)).tariff).toBe(2);
    expect(p.sampleAt(Date.UTC(2025, 0, 1, 23, 30)).tariff).toBe(1);
  });

  it.each([
    ['before the origin', () => createProfile({ medium: 'gas', seed: 1 }).sampleAt(PROFILE_ORIGIN_MS - 1)],
    ['a time that is not a number', () => createProfile({ medium: 'heat', seed: 1 }).sampleAt(Number.NaN)],
    ['a negative seed', () => createProfile({ medium: 'water', seed: -1 })],
    ['a seed above 32 bits', () => createProfile({ medium: 'water', seed: 2 ** 32 })],
  ])('refuses %s with SIM_BAD_OPTION', (_, f) => {
    expect(codeOf(f)).toBe('SIM_BAD_OPTION');
  });
});
