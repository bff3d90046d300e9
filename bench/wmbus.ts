import { createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WmbusSession } from '../src/protocols/wmbus/session.js';
import { isCodecError } from '../src/protocols/errors.js';
import { wmbusFrameDecoder } from '../src/protocols/wmbus/frame-decoder.js';
import type { Bench, BenchLine } from './harness.js';

/**
 * wM-Bus decode throughput: hex in, decrypted, records decoded, JSON out, beside the bare AES-128-CBC
 * decipher rate (a new decipher per 64-byte message) measured in the same run.
 */

/** ../shared/conformance beside the repository, from bench/ (tsx) or dist/bench/ (built). */
function conformanceDir(): string {
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const dir = join(import.meta.dirname, ...up, 'shared', 'conformance', 'wmbus');
    if (existsSync(dir)) return dir;
  }
  throw new Error('shared/conformance/wmbus not found beside the repository');
}

interface BenchMeter {
  readonly id: string;
  readonly key: string;
}

interface ConformanceRow {
  readonly telegram_hex: string;
  readonly key_hex_or_null: string | null;
  readonly security: string;
  readonly negative?: string;
  readonly expected: { readonly id?: string };
}

const keyBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** CPU time of this process in milliseconds (user + system): unlike wall time, other processes barely move it. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Rates per CPU second of several batches run in turn for about `ms` of wall time, after a warm-up round
 * each: on a machine shared with other work, both figures of a ratio see the same conditions.
 */
function interleaved(jobs: ReadonlyArray<{ readonly batch: () => void; readonly ops: number }>, ms = 3000): number[] {
  const time = jobs.map(() => 0);
  const ops = jobs.map(() => 0);
  for (let w = 0; w < 3; w++) for (const j of jobs) j.batch();
  const until = performance.now() + ms;
  while (performance.now() < until) {
    jobs.forEach((j, i) => {
      const t0 = cpuMs();
      j.batch();
      time[i]! += cpuMs() - t0;
      ops[i]! += j.ops;
    });
  }
  return jobs.map((_, i) => (ops[i]! * 1000) / time[i]!);
}

export const wmbusBench: Bench = {
  name: 'wmbus',
  run(): Promise<readonly BenchLine[]> {
    const dir = conformanceDir();
    const telegrams = wmbusFrameDecoder.split(readFileSync(join(dir, 'bench', 'telegrams.txt'), 'utf8'));
    const meters = JSON.parse(readFileSync(join(dir, 'bench', 'meters.json'), 'utf8')) as BenchMeter[];
    const mode5 = new WmbusSession({ keys: { byId: new Map(meters.map((m) => [m.id, keyBytes(m.key)])) } });
    // A telegram that fails is one JSON error object, as `gridwarden decode --file` prints it.
    const decodeToJson = (s: WmbusSession, hex: string): string => {
      try {
        return JSON.stringify(s.decode(hex));
      } catch (e) {
        if (!isCodecError(e)) throw e;
        return JSON.stringify({ error: e.toJSON() });
      }
    };
    const decodable = telegrams.filter((t) => {
      try {
        return mode5.decode(t).security === 'mode5';
      } catch {
        return false;
      }
    });

    const rows = readFileSync(join(dir, 'telegrams.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ConformanceRow)
      .filter((r) => r.security === 'mode7' && r.negative === undefined);
    const mode7Keys = { byId: new Map(rows.map((r) => [r.expected.id!, keyBytes(r.key_hex_or_null!)])) };

    const key = randomBytes(16);
    const iv = randomBytes(16);
    const message = randomBytes(64);
    let sink = 0;
    const bareBatch = () => {
      for (let i = 0; i < 1000; i++) sink += createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(message)[0]!;
    };
    const mode5Batch = () => {
      for (let r = 0; r < 100; r++) for (const t of decodable) sink += JSON.stringify(mode5.decode(t)).length;
    };
    const fileBatch = () => {
      for (let r = 0; r < 100; r++) for (const t of telegrams) sink += decodeToJson(mode5, t).length;
    };
    // The same mode 7 telegram again is a replay (two rows even carry one message twice, direct and through a
    // radio converter): each telegram gets a fresh session, whose cost is included.
    const mode7Batch = () => {
      for (let r = 0; r < 100; r++) {
        for (const row of rows) sink += JSON.stringify(new WmbusSession({ keys: mode7Keys }).decode(row.telegram_hex)).length;
      }
    };
    // Interleaved, so that load from elsewhere on the machine weighs on every figure alike.
    const [bare, mode5Rate, fileRate, mode7Rate] = interleaved([
      { batch: bareBatch, ops: 1000 },
      { batch: mode5Batch, ops: 100 * decodable.length },
      { batch: fileBatch, ops: 100 * telegrams.length },
      { batch: mode7Batch, ops: 100 * rows.length },
    ], 6000) as [number, number, number, number];

    if (sink === 0) throw new Error('nothing decoded');

    const primitive = { name: 'AES-128-CBC decipher, new per 64-byte message', rate: bare };
    return Promise.resolve([
      {
        name: `mode 5 decode+decrypt+records+JSON (the ${decodable.length} of ${telegrams.length} bench telegrams that decode, repeated)`,
        rate: mode5Rate,
        unit: 'telegrams/s',
        primitive,
        goalRate: 100_000,
        goalRatio: 0.2,
        note: 'all figures per CPU second of this process, measured in turn',
      },
      {
        name: `mode 5 bench file as is (${telegrams.length} telegrams; ${telegrams.length - decodable.length} end as JSON error objects)`,
        rate: fileRate,
        unit: 'telegrams/s',
        primitive,
        goalRate: 100_000,
        goalRatio: 0.2,
        note: 'the failures: a compact frame (CI 0x73) whose full frame never came, and manufacturer data the generic record decoder rejects',
      },
      {
        name: `mode 7 decode+KDF+MAC+decrypt+records+JSON (${rows.length} conformance telegrams)`,
        rate: mode7Rate,
        unit: 'telegrams/s',
        primitive,
        note: 'mode 7 costs two KDF-A CMACs, one AFL CMAC and the decipher per telegram',
      },
    ]);
  },
};
