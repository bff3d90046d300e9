import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../src/protocols/bytes.js';
import { crc16Arc } from '../src/protocols/dsmr/crc16-arc.js';
import { decryptP1 } from '../src/protocols/dsmr/encrypted.js';
import { interpretTelegram } from '../src/protocols/dsmr/readings.js';
import { DsmrStreamReader } from '../src/protocols/dsmr/stream.js';
import { parseTelegram } from '../src/protocols/dsmr/telegram.js';
import { type Bench, type BenchLine, measure } from './harness.js';

interface Row {
  readonly version: string;
  readonly telegram_text: string;
  readonly crc_ok: boolean | null;
  readonly encrypted?: { readonly frame_hex: string; readonly encryption_key: string; readonly authentication_key?: string; readonly aad: string };
}

/** The DSMR rows of the conformance corpus (bench runs from dist/bench; the corpus sits beside the repository). */
function rows(): Row[] {
  for (const dir of [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')]) {
    try {
      return readFileSync(join(dir, 'conformance', 'dsmr', 'telegrams.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Row);
    } catch {
      // try the next location
    }
  }
  throw new Error('shared/conformance/dsmr/telegrams.jsonl not found beside the repository');
}

export const dsmrBench: Bench = {
  name: 'dsmr',
  async run(): Promise<readonly BenchLine[]> {
    const all = rows();
    const v5 = all.find((r) => r.version === 'DSMR 5.0')!.telegram_text;
    const v5Bytes = Uint8Array.from(v5, (c) => c.charCodeAt(0));
    const enc = all.find((r) => r.encrypted !== undefined && r.crc_ok === true)!.encrypted!;
    const frame = hexToBytes(enc.frame_hex);
    const ek = hexToBytes(enc.encryption_key);
    const ak = hexToBytes(enc.authentication_key ?? enc.aad.slice(2));
    const batch = 500;
    let sink = 0;

    const bareCrc = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= crc16Arc(v5Bytes, 0, v5Bytes.length - 6);
    }, batch);
    const parse = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= parseTelegram(v5).objects.length;
    }, batch);
    const parseRead = await measure(() => {
      for (let i = 0; i < batch; i++) sink ^= interpretTelegram(parseTelegram(v5)).readings.length;
    }, batch);
    // The same telegram arriving from a serial port in 64-byte chunks, framed and parsed.
    const stream = new Uint8Array(v5Bytes.length * batch);
    for (let i = 0; i < batch; i++) stream.set(v5Bytes, i * v5Bytes.length);
    const streamRate = await measure(() => {
      const r = new DsmrStreamReader();
      for (let at = 0; at < stream.length; at += 64) sink ^= r.push(stream.subarray(at, at + 64)).length;
    }, batch);

    // Encrypted P1: the GCM part of the frame is everything after DB 08 ST(8) 82 LL(2) SC IC(4).
    const ct = frame.subarray(18, frame.length - 12);
    const tag = frame.subarray(frame.length - 12);
    const iv = Uint8Array.from([...frame.subarray(2, 10), ...frame.subarray(14, 18)]);
    const aad = Uint8Array.from([frame[13]!, ...ak]);
    const encBatch = 200;
    const bareGcm = await measure(() => {
      for (let i = 0; i < encBatch; i++) {
        const d = createDecipheriv('aes-128-gcm', ek, iv, { authTagLength: 12 });
        d.setAAD(aad);
        d.setAuthTag(tag);
        sink ^= d.update(ct).length;
        d.final();
      }
    }, encBatch);
    const decryptParse = await measure(() => {
      for (let i = 0; i < encBatch; i++) sink ^= decryptP1(frame, { ek, ak }).invocationCounter;
    }, encBatch);
    if (sink === 0.5) process.stdout.write('');

    const crcPrimitive = { name: `bare CRC-16/ARC over the same ${v5Bytes.length}-byte telegram`, rate: bareCrc };
    return [
      { name: `DSMR 5.0 telegram parse + CRC check (${v5Bytes.length} bytes, 36 lines)`, rate: parse, unit: 'telegrams/s', primitive: crcPrimitive, goalRate: 100_000, note: 'goal: under 10 us per telegram (dsmr_parser: 638 us)' },
      { name: 'DSMR 5.0 telegram parse + CRC + readings, M-Bus, logs', rate: parseRead, unit: 'telegrams/s', primitive: crcPrimitive },
      { name: 'DSMR stream reader, 64-byte chunks: framing + parse + CRC', rate: streamRate, unit: 'telegrams/s', primitive: crcPrimitive },
      {
        name: `encrypted P1 (SC 0x30, ${frame.length}-byte frame) decrypt + parse`,
        rate: decryptParse,
        unit: 'frames/s',
        primitive: { name: `bare AES-128-GCM decrypt+verify of ${ct.length} bytes`, rate: bareGcm },
        goalRatio: 0.3,
      },
    ];
  },
};
