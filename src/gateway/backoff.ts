/**
 * Retry delays of the outbox: exponential from `baseMs`, capped at `maxMs`, with "full jitter" (a uniform
 * draw below the exponential bound) so that many gateways coming back after a head-end outage do not retry
 * in step. Pure: the random draw comes in as a number in [0, 1).
 */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before attempt `attempts + 1`, after `attempts` failed attempts (attempts >= 1). */
export function retryDelay(b: Backoff, attempts: number, random: number): number {
  const exp = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempts - 1, 30));
  // At least half the bound: a retry never comes immediately, however the draw falls.
  return Math.round(exp / 2 + (exp / 2) * Math.min(Math.max(random, 0), 1));
}
