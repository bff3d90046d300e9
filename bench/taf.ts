import { contractOrThrow } from '../src/gateway/taf/contract.js';
import { applyContract } from '../src/gateway/taf/engine.js';
import type { MeterReading } from '../src/gateway/taf/meter-reading.js';
import { initialState } from '../src/gateway/taf/state.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const base = {
  meterId: 'bench-meter',
  consumerId: 'bench-consumer',
  recipient: { name: 'EMT', encCertSha256: 'ab'.repeat(32) },
  validFrom: '2024-01-01T00:00:00+01:00',
  validTo: '2025-01-01T00:00:00+01:00',
};
const START = Date.parse(base.validFrom);
const MINUTE = 60_000;

/** `frames` frames of `obis` values, one frame every `stepMs`. */
function frames(obis: readonly string[], count: number, stepMs: number): MeterReading[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(START + i * stepMs).toISOString();
    return obis.map((o, k) => ({ meterId: base.meterId, at, reading: { obis: o, quantity: 'energy', value: 1000 + i + k, unit: 'kWh' } }));
  }).flat();
}

export const tafBench: Bench = {
  name: 'taf',
  async run(): Promise<readonly BenchLine[]> {
    const frameKinds = ['1-0:1.8.0', '1-0:2.8.0', '1-0:1.8.1', '1-0:1.8.2', '1-0:1.7.0', '1-0:2.7.0', '1-0:32.7.0', '1-0:52.7.0', '1-0:72.7.0', '1-0:31.7.0', '1-0:51.7.0', '1-0:71.7.0', '1-0:14.7.0', '1-0:16.7.0', '1-0:21.7.0', '1-0:41.7.0', '1-0:61.7.0', '1-0:81.7.1', '1-0:81.7.2', '1-0:81.7.4'];
    // A day of 5-minute frames, 20 values each: 5,760 readings per step.
    const day = frames(frameKinds, 288, 5 * MINUTE);
    const taf7 = contractOrThrow({ ...base, id: 'bench-7', taf: 7, registers: ['1-0:1.8.0', '1-0:2.8.0'] });
    const dayEnd = new Date(START + 24 * 60 * MINUTE + MINUTE).toISOString();
    // A month of A+ readings every 15 minutes: 2,976 readings per step, each split over the stages.
    const month = frames(['1-0:1.8.0'], 31 * 96, 15 * MINUTE);
    const taf2 = contractOrThrow({
      ...base,
      id: 'bench-2',
      taf: 2,
      billing: { kind: 'monthly', day: 1 },
      stages: [{ windows: [{ from: '06:00', to: '22:00' }] }, { windows: [{ from: '22:00', to: '06:00' }] }],
    });
    const monthEnd = new Date(START + 31 * 96 * 15 * MINUTE + MINUTE).toISOString();
    let sink = 0;

    const times = day.map((r) => r.at);
    const parse = await measure(() => {
      for (const t of times) sink += Date.parse(t);
    }, times.length);
    const engine7 = await measure(() => {
      sink += applyContract(taf7, initialState(taf7), day, dayEnd).messages.length;
    }, day.length);

    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    const intl = await measure(() => {
      for (let i = 0; i < 500; i++) sink += fmt.formatToParts(START + i * MINUTE).length;
    }, 500);
    const engine2 = await measure(() => {
      sink += applyContract(taf2, initialState(taf2), month, monthEnd).messages.length;
    }, month.length);

    if (sink === 0.5) console.log(sink);
    return [
      {
        name: 'TAF 7 engine step, 20-value frames (2 of them used)',
        rate: engine7,
        unit: 'readings/s',
        primitive: { name: 'Date.parse of an ISO 8601 time', rate: parse },
        note: 'time stamps parsed once per frame; OBIS text normalised once per step',
      },
      {
        name: 'TAF 2 engine step, A+ readings split over 2 stages in Europe/Berlin',
        rate: engine2,
        unit: 'readings/s',
        primitive: { name: 'Intl.DateTimeFormat formatToParts', rate: intl },
        note: 'two local-time conversions per reading (local time, offset at the next midnight); midnights memoised per step',
      },
    ];
  },
};
