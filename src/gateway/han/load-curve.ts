import { GatewayError } from '../errors.js';

/** Steps of the load curve the portal offers, in milliseconds. */
export const CURVE_STEPS = { '15m': 15 * 60_000, '1h': 60 * 60_000, '1d': 24 * 60 * 60_000 } as const;
export type CurveStep = keyof typeof CURVE_STEPS;

/** At most this long a range per request (a month of quarter hours is 2,976 points). */
export const MAX_CURVE_RANGE_MS = 31 * 24 * 60 * 60_000;

/** One register reading as the gateway stored it. */
export interface RegisterReading {
  readonly obis: string;
  readonly value: number;
  readonly unit: string | null;
  /** ms since epoch */
  readonly at: number;
}

export interface CurvePoint {
  /** Start of the step, ISO UTC. */
  readonly from: string;
  /** Register at the end of the step minus register at its start; null where either is unknown. */
  readonly delta: number | null;
}

export interface LoadCurve {
  readonly kind: 'load-curve';
  readonly obis: string;
  readonly unit: string | null;
  readonly step: CurveStep;
  readonly points: readonly CurvePoint[];
}

export interface CurveRange {
  readonly from: number;
  readonly to: number;
  readonly step: CurveStep;
}

export const isCurveStep = (s: unknown): s is CurveStep => typeof s === 'string' && Object.hasOwn(CURVE_STEPS, s);

/** Checks a requested range: GW_HAN_BAD_QUERY when it is empty, reversed or longer than a month. */
export function checkRange(r: CurveRange): CurveRange {
  if (!Number.isFinite(r.from) || !Number.isFinite(r.to) || r.to <= r.from) throw new GatewayError('GW_HAN_BAD_QUERY', 'from must be before to');
  if (r.to - r.from > MAX_CURVE_RANGE_MS) throw new GatewayError('GW_HAN_BAD_QUERY', 'the range is longer than 31 days');
  return r;
}

/**
 * Consumption per step from cumulative registers: the register value at a step boundary is the last reading
 * at or before it (meters send registers, not deltas), and a step's value is the difference across it. A step
 * with no reading on either side has no value rather than a guessed one. `readings` may be in any order and
 * hold several registers; one curve per register comes out, in order of first appearance.
 */
export function loadCurves(readings: readonly RegisterReading[], range: CurveRange): readonly LoadCurve[] {
  const { from, to, step } = checkRange(range);
  const stepMs = CURVE_STEPS[step];
  const byObis = new Map<string, RegisterReading[]>();
  for (const r of readings) {
    if (!Number.isFinite(r.value) || !Number.isFinite(r.at)) continue;
    const list = byObis.get(r.obis) ?? [];
    list.push(r);
    byObis.set(r.obis, list);
  }
  const curves: LoadCurve[] = [];
  for (const [obis, list] of byObis) {
    list.sort((a, b) => a.at - b.at);
    const boundaries: number[] = [];
    for (let t = from; t < to; t += stepMs) boundaries.push(t);
    boundaries.push(boundaries[boundaries.length - 1]! + stepMs);
    const values = registerAt(list, boundaries);
    const points: CurvePoint[] = [];
    for (let i = 0; i + 1 < boundaries.length; i++) {
      const a = values[i];
      const b = values[i + 1];
      points.push({ from: new Date(boundaries[i]!).toISOString(), delta: a === undefined || b === undefined ? null : round(b - a) });
    }
    curves.push({ kind: 'load-curve', obis, unit: list[list.length - 1]?.unit ?? null, step, points });
  }
  return curves;
}

/** The last value at or before each boundary (boundaries ascending, readings sorted by time). */
function registerAt(sorted: readonly RegisterReading[], boundaries: readonly number[]): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  let i = 0;
  let last: number | undefined;
  for (const b of boundaries) {
    while (i < sorted.length && sorted[i]!.at <= b) {
      last = sorted[i]!.value;
      i++;
    }
    out.push(last);
  }
  return out;
}

// Register values are decimal strings; differences of binary floats get rounded back to 9 decimals.
const round = (x: number): number => Math.round(x * 1e9) / 1e9;
