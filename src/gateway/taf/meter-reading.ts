/** The engine's input: a decoded reading with the meter it came from and the instant it belongs to. */
import type { Reading } from '../../protocols/reading.js';

export interface MeterReading {
  readonly meterId: string;
  /** ISO 8601 instant the value belongs to: the meter's own time stamp, else when the gateway received it. */
  readonly at: string;
  readonly reading: Reading;
}

/** Stamps the readings of one frame: each keeps its own time stamp where the meter sent one. */
export function stampReadings(meterId: string, readings: readonly Reading[], receivedAt: string): MeterReading[] {
  return readings.map((reading) => ({ meterId, at: reading.timestamp ?? receivedAt, reading }));
}
