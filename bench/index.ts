import type { Bench } from './harness.js';

/** Every benchmark, one line each. */
export const benches: readonly Bench[] = [];
