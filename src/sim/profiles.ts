/**
 * Deterministic consumption profiles: every value is a pure function of the seed and the time, so the same
 * seed replays the same meter, and a register read at any t agrees with the power read at any other t
 * (the register is the closed-form integral of the power; see _curve.ts). Times are Unix milliseconds.
 */
import { DAY_S, DailyCurve, type Term } from './_curve.js';
import { SimError } from './errors.js';
import { SeededRandom } from './prng.js';

/** Start of every profile: registers hold their seeded start values here (2024-01-01T00:00:00Z). */
export const PROFILE_ORIGIN_MS = Date.UTC(2024, 0, 1);

const HOUR_S = 3600;

/** Tariff stages of the electricity profiles, as daily windows (UTC seconds after midnight). */
export const TARIFF_WINDOWS = {
  /** Stage 1, low tariff: 23:00 to 07:00. */
  1: [
    [0, 7 * HOUR_S],
    [23 * HOUR_S, DAY_S],
  ],
  /** Stage 2, normal tariff: 07:00 to 23:00. */
  2: [[7 * HOUR_S, 23 * HOUR_S]],
} as const satisfies Record<1 | 2, readonly (readonly [number, number])[]>;

export type Medium = 'electricity' | 'gas' | 'water' | 'heat';

export interface PhaseSample {
  readonly voltageV: number;
  /** Magnitude of the current. */
  readonly currentA: number;
  /** Angle between voltage and current; above 90 degrees when the phase feeds in. */
  readonly phaseAngleDeg: number;
  /** Active power, negative when feeding in: voltageV x currentA x cos(phaseAngle). */
  readonly powerW: number;
}

export interface ElectricitySample {
  readonly kind: 'electricity';
  readonly timeMs: number;
  /** Import register (+A) in Wh, and per tariff stage [stage 1, stage 2]; the stages sum to the total. */
  readonly importWh: number;
  readonly importTariffWh: readonly [number, number];
  /** Export register (-A) in Wh: the PV plant's feed-in; stays at its start value without a plant. */
  readonly exportWh: number;
  readonly exportTariffWh: readonly [number, number];
  readonly powerImportW: number;
  readonly powerExportW: number;
  /** Tariff stage in force. */
  readonly tariff: 1 | 2;
  readonly phases: readonly [PhaseSample, PhaseSample, PhaseSample];
}

export interface VolumeSample {
  readonly kind: 'gas' | 'water';
  readonly timeMs: number;
  readonly volumeM3: number;
  readonly flowM3h: number;
}

export interface HeatSample {
  readonly kind: 'heat';
  readonly timeMs: number;
  readonly energyWh: number;
  readonly powerW: number;
}

export type ProfileSample = ElectricitySample | VolumeSample | HeatSample;

export interface ProfileSpec {
  readonly medium: Medium;
  readonly seed: number;
  /** Electricity only: the meter also measures a PV plant's feed-in. */
  readonly pv?: boolean;
}

export interface Profile<S extends ProfileSample = ProfileSample> {
  readonly spec: ProfileSpec;
  sampleAt(timeMs: number): S;
}

/** Seconds since the origin; a time before it has no register values. */
function secondsOf(timeMs: number): number {
  if (!Number.isFinite(timeMs) || timeMs < PROFILE_ORIGIN_MS) {
    throw new SimError('SIM_BAD_OPTION', `time ${timeMs} is not a finite Unix time in ms at or after the profile origin ${new Date(PROFILE_ORIGIN_MS).toISOString()}`);
  }
  return (timeMs - PROFILE_ORIGIN_MS) / 1000;
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new SimError('SIM_BAD_OPTION', `seed ${seed} is not an unsigned 32-bit integer`);
}

/** Small ripples ("noise") of total amplitude below `budget`, each with a whole number of cycles a day. */
function ripples(rng: SeededRandom, budget: number, count = 3): Term[] {
  const out: Term[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ kind: 'ripple', amplitude: (budget / count) * rng.between(0.3, 1), cyclesPerDay: rng.int(12, 288), phase: rng.between(0, 2 * Math.PI) });
  }
  return out;
}

const hours = (rng: SeededRandom, min: number, max: number): number => rng.between(min, max) * HOUR_S;

// --- electricity ---

interface Phase {
  readonly share: number;
  readonly voltage: DailyCurve;
  readonly angle: DailyCurve;
}

function electricityProfile(spec: ProfileSpec): Profile<ElectricitySample> {
  const rng = new SeededRandom(spec.seed, 'electricity');
  const base = rng.between(150, 400);
  const consumption = new DailyCurve([
    { kind: 'constant', value: base },
    { kind: 'peak', height: rng.between(300, 900), at: hours(rng, 6, 8) },
    { kind: 'peak', height: rng.between(200, 600), at: hours(rng, 11.5, 13) },
    { kind: 'peak', height: rng.between(800, 2000), at: hours(rng, 17.5, 20) },
    ...ripples(rng, base * 0.8),
  ]);
  const feedIn = new DailyCurve(spec.pv === true ? [{ kind: 'daylight', height: rng.between(2000, 8000), from: hours(rng, 5, 6.5), to: hours(rng, 17, 19) }] : []);
  const importStart = rng.between(1_000_000, 30_000_000);
  const exportStart = spec.pv === true ? rng.between(500_000, 5_000_000) : 0;
  const shares = [rng.between(0.2, 0.5), rng.between(0.2, 0.5), rng.between(0.2, 0.5)] as const;
  const total = shares[0] + shares[1] + shares[2];
  const phase = (share: number): Phase => ({
    share: share / total,
    voltage: new DailyCurve([{ kind: 'constant', value: rng.between(226, 234) }, ...ripples(rng, 4, 2)]),
    angle: new DailyCurve([{ kind: 'constant', value: rng.between(8, 25) }, ...ripples(rng, 5, 2)]),
  });
  const phases = [phase(shares[0]), phase(shares[1]), phase(shares[2])] as const;

  const register = (curve: DailyCurve, start: number, s: number): number => start + curve.integral(s) / HOUR_S;
  const stages = (curve: DailyCurve, start: number, s: number): [number, number] => [
    start * 0.4 + curve.integralWithin(s, TARIFF_WINDOWS[1]) / HOUR_S,
    start * 0.6 + curve.integralWithin(s, TARIFF_WINDOWS[2]) / HOUR_S,
  ];

  return {
    spec,
    sampleAt(timeMs: number): ElectricitySample {
      const s = secondsOf(timeMs);
      const powerImportW = consumption.rate(s);
      const powerExportW = feedIn.rate(s);
      const net = powerImportW - powerExportW;
      const phaseAt = (p: Phase): PhaseSample => {
        const voltageV = p.voltage.rate(s);
        const powerW = net * p.share;
        const angle = p.angle.rate(s);
        // Feeding in turns the current around: the angle moves past 90 degrees and cos goes negative.
        const phaseAngleDeg = powerW < 0 ? 180 - angle : angle;
        const currentA = Math.abs(powerW) / (voltageV * Math.cos((angle * Math.PI) / 180));
        return { voltageV, currentA, phaseAngleDeg, powerW };
      };
      const inDay = s - Math.floor(s / DAY_S) * DAY_S;
      const tariff = TARIFF_WINDOWS[1].some(([from, to]) => inDay >= from && inDay < to) ? 1 : 2;
      return {
        kind: 'electricity',
        timeMs,
        importWh: register(consumption, importStart, s),
        importTariffWh: stages(consumption, importStart, s),
        exportWh: register(feedIn, exportStart, s),
        exportTariffWh: stages(feedIn, exportStart, s),
        powerImportW,
        powerExportW,
        tariff,
        phases: [phaseAt(phases[0]), phaseAt(phases[1]), phaseAt(phases[2])],
      };
    },
  };
}

// --- gas, water, heat ---

function volumeProfile(spec: ProfileSpec, kind: 'gas' | 'water'): Profile<VolumeSample> {
  const rng = new SeededRandom(spec.seed, kind);
  // m3/h: gas heats in the morning and evening, water runs at the morning shower and the evening dishes.
  const [base, morning, evening] = kind === 'gas' ? [rng.between(0.03, 0.1), rng.between(0.5, 1.5), rng.between(0.4, 1.2)] : [rng.between(0.005, 0.02), rng.between(0.2, 0.5), rng.between(0.1, 0.3)];
  const flow = new DailyCurve([
    { kind: 'constant', value: base },
    { kind: 'peak', height: morning, at: hours(rng, 5.5, 7.5) },
    { kind: 'peak', height: evening, at: hours(rng, 17, 21) },
    ...ripples(rng, base * 0.8),
  ]);
  const start = kind === 'gas' ? rng.between(500, 20_000) : rng.between(50, 2_000);
  return {
    spec,
    sampleAt(timeMs: number): VolumeSample {
      const s = secondsOf(timeMs);
      return { kind, timeMs, volumeM3: start + flow.integral(s) / HOUR_S, flowM3h: flow.rate(s) };
    },
  };
}

function heatProfile(spec: ProfileSpec): Profile<HeatSample> {
  const rng = new SeededRandom(spec.seed, 'heat');
  const base = rng.between(500, 2000);
  const power = new DailyCurve([
    { kind: 'constant', value: base },
    { kind: 'peak', height: rng.between(2000, 6000), at: hours(rng, 5, 7) },
    { kind: 'peak', height: rng.between(1500, 5000), at: hours(rng, 17, 20) },
    ...ripples(rng, base * 0.8),
  ]);
  const start = rng.between(2_000_000, 80_000_000);
  return {
    spec,
    sampleAt(timeMs: number): HeatSample {
      const s = secondsOf(timeMs);
      return { kind: 'heat', timeMs, energyWh: start + power.integral(s) / HOUR_S, powerW: power.rate(s) };
    },
  };
}

export function createProfile(spec: ProfileSpec & { readonly medium: 'electricity' }): Profile<ElectricitySample>;
export function createProfile(spec: ProfileSpec & { readonly medium: 'gas' | 'water' }): Profile<VolumeSample>;
export function createProfile(spec: ProfileSpec & { readonly medium: 'heat' }): Profile<HeatSample>;
export function createProfile(spec: ProfileSpec): Profile;
export function createProfile(spec: ProfileSpec): Profile {
  checkSeed(spec.seed);
  switch (spec.medium) {
    case 'electricity':
      return electricityProfile(spec);
    case 'gas':
    case 'water':
      return volumeProfile(spec, spec.medium);
    case 'heat':
      return heatProfile(spec);
  }
}

/** Whole steps of `resolution` in a register, cut down (never rounded up) as a meter's counter does. */
export const registerSteps = (value: number, resolution: number): number => Math.floor(value / resolution);

/** An instantaneous value in whole steps of `resolution`, rounded to the nearest. */
export const valueSteps = (value: number, resolution: number): number => Math.round(value / resolution);
