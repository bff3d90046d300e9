/**
 * Simulated time for the demo: it starts `backlogMs` in the past and runs `speed` times faster until it has
 * caught up with the real time, then runs with it. So a day of 15-minute and daily tariff periods closes in a
 * few minutes while someone watches, and no reading ever lies in the future. TLS, CRLs, wake-ups and CMS
 * signing times keep the real clock; the meters and the gateway's tariff engine see this one.
 */
export interface VirtualClock {
  readonly speed: number;
  now(): number;
  date(): Date;
  /** Simulated (= real) time at which the clock has caught up. */
  readonly caughtUpAt: number;
}

export function catchUpClock(backlogMs: number, speed: number, real: () => number = Date.now): VirtualClock {
  if (!(speed > 1) || !(backlogMs >= 0)) throw new RangeError('speed must be above 1 and the backlog not negative');
  const start = real();
  const now = () => {
    const t = real();
    return t - Math.max(0, backlogMs - (t - start) * (speed - 1));
  };
  return { speed, now, date: () => new Date(now()), caughtUpAt: start + backlogMs / (speed - 1) };
}
