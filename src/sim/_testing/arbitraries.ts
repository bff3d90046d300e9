import fc from 'fast-check';
import { CodecError } from '../../protocols/errors.js';
import { SimError } from '../errors.js';
import { PROFILE_ORIGIN_MS } from '../profiles.js';

/** Seeds over the whole u32 range. */
export const seedArb = fc.integer({ min: 0, max: 0xffffffff });
/** Times from the origin to about ten years after, whole milliseconds. */
export const timeArb = fc.integer({ min: PROFILE_ORIGIN_MS, max: PROFILE_ORIGIN_MS + 10 * 365 * 86_400_000 });
/** Two times at least a second apart, in order. */
export const orderedTimesArb = fc.tuple(timeArb, fc.integer({ min: 1000, max: 30 * 86_400_000 })).map(([t, d]) => [t, t + d] as const);

export const key = (fill: number): Uint8Array => new Uint8Array(16).fill(fill);

/** The code of the CodecError or SimError that `f` throws, 'no error', or 'other: <name>'. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError || e instanceof SimError) return e.code;
    return `other: ${e instanceof Error ? e.name : typeof e}`;
  }
  return 'no error';
}

/** Factor from a decoded unit to the base unit the simulator counts in (Wh, W, m3, m3/h, V, A). */
export const TO_BASE: Readonly<Record<string, number>> = { Wh: 1, kWh: 1000, W: 1, kW: 1000, m3: 1, 'm3/h': 1, V: 1, A: 1, '°': 1 };
