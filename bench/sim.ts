import { createCipheriv, createHash } from 'node:crypto';
import { createFleet, frameAt } from '../src/sim/fleet.js';
import type { SimMeter } from '../src/sim/meter.js';
import { type Bench, type BenchLine, measure } from './harness.js';

/**
 * Frames a simulated meter makes per second, beside the cipher each one is bound by. No goal is set: the
 * demo sends every few seconds per meter, so even thousands of meters need only a few hundred frames a second.
 */
export const simBench: Bench = {
  name: 'sim',
  async run(): Promise<readonly BenchLine[]> {
    const fleet = createFleet(1, { wmbus: 2, dsmrEncrypted: 1, dlms: 1, sml: 1 });
    const pick = (f: (m: SimMeter) => boolean): SimMeter => fleet.find(f)!;
    const t0 = Date.UTC(2025, 0, 1);
    const batch = 200;
    let sink = 0;
    const key = Buffer.alloc(16, 7);
    const block64 = Buffer.alloc(64, 1);
    const cbc = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= createCipheriv('aes-128-cbc', key, Buffer.alloc(16)).setAutoPadding(false).update(block64)[0]!;
    }, batch);
    const gcm = await measure(() => {
      for (let i = 0; i < batch; i++) {
        const c = createCipheriv('aes-128-gcm', key, Buffer.alloc(12));
        sink ^= c.update(block64)[0]!;
        c.final();
      }
    }, batch);
    const sha = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= createHash('sha256').update(block64).digest()[0]!;
    }, batch);
    const rate = (m: SimMeter) =>
      measure(() => {
        for (let i = 0; i < batch; i++) sink ^= frameAt(m, t0 + i * 1000).text.length;
      }, batch);
    const lines: BenchLine[] = [
      { name: 'wM-Bus mode 5 telegrams', rate: await rate(pick((m) => m.kind === 'wmbus')), unit: 'frames/s', primitive: { name: 'AES-128-CBC 64 B, new cipher', rate: cbc } },
      { name: 'wM-Bus mode 7 telegrams (KDF-A + CMAC)', rate: await rate(fleet[1]!), unit: 'frames/s', primitive: { name: 'AES-128-CBC 64 B, new cipher', rate: cbc } },
      { name: 'encrypted P1 telegrams', rate: await rate(pick((m) => m.kind === 'dsmr')), unit: 'frames/s', primitive: { name: 'AES-128-GCM 64 B, new cipher', rate: gcm } },
      { name: 'DLMS notifications', rate: await rate(pick((m) => m.kind === 'dlms')), unit: 'frames/s', primitive: { name: 'AES-128-GCM 64 B, new cipher', rate: gcm } },
      { name: 'SML files', rate: await rate(pick((m) => m.kind === 'sml')), unit: 'frames/s', primitive: { name: 'SHA-256 of 64 B (no cipher in SML)', rate: sha } },
    ];
    if (sink === 0.5) console.log(sink);
    return lines;
  },
};
