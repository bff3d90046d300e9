/**
 * TAF 2 stage attribution: which tariff stage is active at an instant (local time of day), and how the
 * consumption between two readings splits over the stages, pro rata by time.
 */
import type { StageWindow } from './contract.js';
import { windowRanges } from './contract.js';
import { type Zone, addDays } from './_zone.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface StageClock {
  /** Stage index (0-based) active at the instant. */
  stageAt(ms: number): number;
  /** Milliseconds spent in each stage between two instants, end exclusive (sums to end - start). */
  split(start: number, end: number): number[];
}

/** Builds the stage lookup of a validated contract (its windows cover the day without overlap). */
export function stageClock(stages: ReadonlyArray<{ readonly windows: readonly StageWindow[] }>, z: Zone): StageClock {
  const byMinute = new Uint8Array(1440);
  stages.forEach((s, i) => {
    for (const w of s.windows) for (const [a, b] of windowRanges(w)) byMinute.fill(i, a, b);
  });
  // Local ms-of-day at which the stage changes, ascending, ending with the end of the day.
  const edges: number[] = [];
  for (let m = 1; m < 1440; m++) if (byMinute[m] !== byMinute[m - 1]) edges.push(m * MINUTE_MS);
  edges.push(DAY_MS);

  const stageOfMs = (msOfDay: number): number => byMinute[Math.min(1439, Math.floor(msOfDay / MINUTE_MS))]!;

  return {
    stageAt: (ms) => stageOfMs(z.local(ms).msOfDay),
    split(start, end) {
      const out = stages.map(() => 0);
      let cur = start;
      while (cur < end) {
        const here = z.local(cur);
        const off = here.offset;
        // A piece with one local date and one UTC offset maps local time linearly onto instants.
        let pieceEnd = Math.min(end, z.startOfDay(addDays(here, 1)));
        if (pieceEnd <= cur) pieceEnd = Math.min(end, cur + MINUTE_MS);
        if (z.offset(pieceEnd - 1) !== off) pieceEnd = offsetChange(z, cur, pieceEnd - 1, off);
        let mod = here.msOfDay;
        while (cur < pieceEnd) {
          const edge = edges.find((e) => e > mod) ?? DAY_MS;
          const segEnd = Math.min(pieceEnd, cur + (edge - mod));
          out[stageOfMs(mod)]! += segEnd - cur;
          mod += segEnd - cur;
          cur = segEnd;
        }
      }
      return out;
    },
  };
}

/** The first whole second in (lo, hi] whose UTC offset differs from `off` (offset(lo) = off != offset(hi)). */
function offsetChange(z: Zone, lo: number, hi: number, off: number): number {
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (z.offset(mid) === off) lo = mid;
    else hi = mid;
  }
  // Offsets change on whole seconds, and lo lies in an earlier second than hi.
  return Math.floor(hi / 1000) * 1000;
}
