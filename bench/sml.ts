import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../src/protocols/bytes.js';
import { crc16X25 } from '../src/protocols/sml/crc16.js';
import { decodeSml } from '../src/protocols/sml/decode.js';
import { smlReadings } from '../src/protocols/sml/readings.js';
import { SmlStreamReader } from '../src/protocols/sml/stream.js';
import { type Bench, type BenchLine, measure } from './harness.js';

/** SML rows of the conformance corpus (bench runs from dist/bench; the corpus sits beside the repository). */
function frames(): Array<{ label: string; frame_hex: string; crc_ok: boolean | null }> {
  for (const dir of [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')]) {
    try {
      return readFileSync(join(dir, 'conformance', 'sml', 'frames.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { label: string; frame_hex: string; crc_ok: boolean | null });
    } catch {
      // try the next location
    }
  }
  throw new Error('shared/conformance/sml/frames.jsonl not found beside the repository');
}

export const smlBench: Bench = {
  name: 'sml',
  async run(): Promise<readonly BenchLine[]> {
    // Frame2 of the corpus: a Holley eHZ file with 20 values, 392 bytes.
    const file = hexToBytes(frames().find((f) => f.label.startsWith('Frame2 (expected obis entries 20)'))!.frame_hex);
    const batch = 500;
    let sink = 0;
    const bareCrc = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= crc16X25(file);
    }, batch);
    const decode = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= smlReadings(decodeSml(file)).readings.length;
    }, batch);
    const stream = new Uint8Array(file.length * batch);
    for (let i = 0; i < batch; i++) stream.set(file, i * file.length);
    const streamRate = await measure(() => {
      const r = new SmlStreamReader();
      for (let at = 0; at < stream.length; at += 64) sink ^= r.push(stream.subarray(at, at + 64)).length;
    }, batch);
    if (sink === 0.5) process.stdout.write('');
    const primitive = { name: `bare CRC-16/X-25 over the same ${file.length}-byte file`, rate: bareCrc };
    return [
      { name: `SML file decode (transport, 3 messages, CRCs, 20 values) + readings`, rate: decode, unit: 'files/s', primitive },
      { name: 'SML stream reader, 64-byte chunks: framing + decode', rate: streamRate, unit: 'files/s', primitive },
    ];
  },
};
