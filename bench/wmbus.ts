import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WmbusSession } from '../src/protocols/wmbus/session.js';
import { isCodecError } from '../src/protocols/errors.js';
import { wmbusFrameDecoder } from '../src/protocols/wmbus/frame-decoder.js';
import { longHeaderAddress, type WmbusTelegram } from '../src/protocols/wmbus/pipeline.js';
import type { Bench, BenchLine } from './harness.js';
import { interleaved } from './interleaved.js';

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

interface Rates {
  /** Operations per CPU second of this process. */
  readonly cpu: number;
  /** Operations per second of wall time. */
  readonly wall: number;
}

/** The shared slice runner (bench/interleaved.ts), its figures as Rates. */
function interleavedRates(jobs: ReadonlyArray<{ readonly batch: () => void; readonly ops: number }>, ms: number): Rates[] {
  return interleaved(jobs.map((j, i) => ({ name: String(i), batch: j.batch, ops: j.ops })), { ms }).map((r) => ({ cpu: r.cpuRate, wall: r.wallRate }));
}

/** Variants per bench telegram: a meter's later telegrams, cycled through so that no telegram repeats its predecessor. */
const VARIANTS = 32;
/** L, C, M(2), A(6): the transport header of a telegram without ELL or AFL starts here. */
const TPL_AT = 10;

/**
 * `count` later telegrams of the meter of `hex`: access number counted on, integer and BCD readings increased
 * (as a meter's registers grow), encrypted again with the meter's key and the IV of the new header. A telegram
 * that is not a plain mode 5 one (ELL, AFL) is repeated as it is.
 */
function laterTelegrams(hex: string, session: WmbusSession, key: Uint8Array | undefined, count: number): string[] {
  const t = session.decodeBytes(Uint8Array.from(Buffer.from(hex, 'hex'))) as WmbusTelegram;
  const plain = t.effects.fullFrame?.bytes;
  if (key === undefined || plain === undefined || t.security !== 'mode5' || t.ell !== undefined || t.afl !== undefined) return Array.from({ length: count }, () => hex);
  const long = t.tpl.header === 'long';
  const accessAt = TPL_AT + (long ? 9 : 1);
  const encAt = accessAt + 4;
  const address = long ? longHeaderAddress(plain, TPL_AT) : plain.slice(2, TPL_AT);
  const out: string[] = [];
  for (let v = 1; v <= count; v++) {
    const b = plain.slice();
    b[accessAt] = (b[accessAt]! + v) & 0xff;
    for (const r of t.records) {
      if (r.kind !== 'numeric' || r.data.length === 0) continue;
      const at = r.data.byteOffset - plain.byteOffset;
      if (r.coding.startsWith('int')) addBinary(b, at, r.data.length, 7 * v);
      else if (r.coding.startsWith('bcd')) addBcd(b, at, r.data.length, 7 * v);
    }
    const iv = new Uint8Array(16).fill(b[accessAt]!);
    iv.set(address);
    const area = b.subarray(encAt, encAt + 16 * t.tpl.encryptedBlocks);
    area.set(createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(area));
    out.push(Buffer.from(b).toString('hex').toUpperCase());
  }
  return out;
}

/** Adds `n` to the little-endian integer of `size` bytes at `at` (wrapping). */
function addBinary(b: Uint8Array, at: number, size: number, n: number): void {
  let carry = n;
  for (let i = 0; i < size && carry > 0; i++) {
    const sum = b[at + i]! + carry;
    b[at + i] = sum & 0xff;
    carry = sum >>> 8;
  }
}

/** Adds `n` to the little-endian BCD number of `size` bytes at `at` (wrapping), if all its digits are decimal. */
function addBcd(b: Uint8Array, at: number, size: number, n: number): void {
  for (let i = 0; i < size; i++) if ((b[at + i]! & 0x0f) > 9 || b[at + i]! >> 4 > 9) return;
  let carry = n;
  for (let i = 0; i < size && carry > 0; i++) {
    const byte = b[at + i]!;
    const sum = (byte >> 4) * 10 + (byte & 0x0f) + carry;
    const d = sum % 100;
    carry = Math.floor(sum / 100);
    b[at + i] = ((d / 10) | 0) * 16 + (d % 10);
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
/** The wall-time figures of a line, for its note. */
const wallNote = (r: Rates, bare: Rates): string =>
  `wall time: ${fmt(r.wall)}/s beside ${fmt(bare.wall)}/s bare (${((100 * r.wall) / bare.wall).toFixed(1)}%)`;

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
        return s.decodeJson(hex);
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

    // The measured set: per decodable telegram VARIANTS later ones of its meter, the meters taking turns.
    const keyOf = new Map(meters.map((m) => [m.id.toUpperCase(), keyBytes(m.key)]));
    const later = decodable.map((t) => laterTelegrams(t, mode5, keyOf.get(mode5.decode(t).meter.id ?? ''), VARIANTS));
    const measured: string[] = [];
    for (let v = 0; v < VARIANTS; v++) for (const l of later) measured.push(l[v]!);
    if (measured.some((t) => mode5.decode(t).security !== 'mode5')) throw new Error('a variant does not decode');

    const rows = readFileSync(join(dir, 'telegrams.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ConformanceRow)
      .filter((r) => r.security === 'mode7' && r.negative === undefined);
    const mode7Keys = { byId: new Map(rows.map((r) => [r.expected.id!, keyBytes(r.key_hex_or_null!)])) };

    const key = randomBytes(16);
    const iv = randomBytes(16);
    const message = randomBytes(64);
    // The JSON text is written, as the CLI writes it; its middle character is read so that a string built
    // in pieces is flattened here, as writing it out would.
    let sink = 0;
    const use = (text: string): void => {
      sink += text.charCodeAt(text.length >> 1);
    };
    // Slices of a few milliseconds each, so that the figures alternate often.
    const bareBatch = () => {
      for (let i = 0; i < 200; i++) sink += createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(message)[0]!;
    };
    let next = 0;
    const mode5Batch = () => {
      for (let i = 0; i < 5 * decodable.length; i++) {
        use(mode5.decodeJson(measured[next]!));
        next = next + 1 === measured.length ? 0 : next + 1;
      }
    };
    const fileBatch = () => {
      for (let r = 0; r < 5; r++) for (const t of telegrams) use(decodeToJson(mode5, t));
    };
    // The same mode 7 telegram again is a replay (two rows even carry one message twice, direct and through a
    // radio converter): each telegram gets a fresh session, whose cost is included.
    const mode7Batch = () => {
      for (let r = 0; r < 5; r++) {
        for (const row of rows) use(new WmbusSession({ keys: mode7Keys }).decodeJson(row.telegram_hex));
      }
    };
    // Floors under the mode 5 figure, per telegram of the same set: the loop itself, the hex decode of the line,
    // the one ECB decipher call on a telegram's encrypted blocks (the key's decipher kept, as ours is), and
    // making the JSON line a string from its bytes. What is left is frame, records, readings and JSON writing.
    const ecb = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
    const encrypted = decodable.map((t) => message.subarray(0, 16 * Math.min(4, Math.max(1, Math.floor((t.length / 2 - 15) / 16)))));
    const line = Buffer.from(mode5.decodeJson(decodable[0]!), 'latin1');
    const loopBatch = () => {
      for (let r = 0; r < 5; r++) for (const t of decodable) use(t);
    };
    const hexBatch = () => {
      for (let r = 0; r < 5; r++) for (const t of decodable) sink += Buffer.from(t, 'hex')[0]!;
    };
    const ecbBatch = () => {
      for (let r = 0; r < 5; r++) for (const m of encrypted) sink += ecb.update(m)[0]!;
    };
    const stringBatch = () => {
      for (let r = 0; r < 5; r++) for (let i = 0; i < decodable.length; i++) use(line.toString('latin1'));
    };
    const perSet = 5 * decodable.length;
    // Interleaved, so that load from elsewhere on the machine weighs on every figure alike.
    const [bare, mode5Rate, fileRate, mode7Rate, loopRate, hexRate, ecbRate, stringRate] = interleavedRates([
      { batch: bareBatch, ops: 200 },
      { batch: mode5Batch, ops: perSet },
      { batch: fileBatch, ops: 5 * telegrams.length },
      { batch: mode7Batch, ops: 5 * rows.length },
      { batch: loopBatch, ops: perSet },
      { batch: hexBatch, ops: perSet },
      { batch: ecbBatch, ops: perSet },
      { batch: stringBatch, ops: perSet },
    ], 1000) as [Rates, Rates, Rates, Rates, Rates, Rates, Rates, Rates];
    /** A floor's share of the time of one mode 5 telegram. */
    const share = (floor: Rates): string => `${((100 * mode5Rate.cpu) / floor.cpu).toFixed(1)}% of a mode 5 telegram's CPU time`;
    const floors: ReadonlyArray<readonly [string, Rates, string]> = [
      ['loop over the telegram lines alone', loopRate, 'the bench loop, nothing decoded'],
      ['hex decode of the telegram line alone (Buffer.from hex)', hexRate, 'the first step of every telegram'],
      ['AES-128-ECB decipher call alone on the encrypted blocks (decipher kept per key)', ecbRate, 'the decipher as our path calls it, once per telegram'],
      [`JSON line made a string alone (${line.length} bytes, latin1)`, stringRate, 'the last step of every telegram'],
    ];

    if (sink === 0) throw new Error('nothing decoded');
    const stats = mode5.planStats();
    const planNote = `${stats.plans} plans, ${fmt(stats.hits)} telegrams written by one in this run`;

    const primitive = { name: 'AES-128-CBC decipher, new per 64-byte message', rate: bare.cpu };
    const failing = telegrams.length - decodable.length;
    return Promise.resolve([
      {
        name: `mode 5 decode+decrypt+records+JSON (${measured.length} telegrams: ${VARIANTS} later ones of each of the ${decodable.length} of ${telegrams.length} bench telegrams that decode, in turn)`,
        rate: mode5Rate.cpu,
        unit: 'telegrams/s',
        primitive,
        goalRate: 100_000,
        goalRatio: 0.2,
        note: `figures per CPU second of this process, measured in alternating slices; the primitive sets up a new decipher per message, our path keeps one AES-128-ECB decipher per key and chains CBC itself, so its set-up is amortised; each variant has a later access number and higher register values, encrypted again with the meter's key, so no telegram repeats its predecessor; decodeJson writes a telegram of a learnt structure by its meter's JSON plan (${planNote}); the floors below add up to ${(100 * mode5Rate.cpu * (1 / hexRate.cpu + 1 / ecbRate.cpu + 1 / stringRate.cpu)).toFixed(0)}% of it; ${wallNote(mode5Rate, bare)}`,
      },
      {
        name: `mode 5 bench file as is (${telegrams.length} telegrams; ${failing} end${failing === 1 ? 's' : ''} as JSON error object${failing === 1 ? '' : 's'})`,
        rate: fileRate.cpu,
        unit: 'telegrams/s',
        primitive,
        goalRate: 100_000,
        goalRatio: 0.2,
        note: `the failure: a compact frame (CI 0x73) whose full frame never came; ${wallNote(fileRate, bare)}`,
      },
      {
        name: `mode 7 decode+KDF+MAC+decrypt+records+JSON (${rows.length} conformance telegrams)`,
        rate: mode7Rate.cpu,
        unit: 'telegrams/s',
        primitive,
        note: `mode 7 costs one ECB call for both KDF-A keys, the AFL CMAC (subkeys + CBC-MAC) and the decipher per telegram; ${wallNote(mode7Rate, bare)}`,
      },
      ...floors.map(([name, rate, what]) => ({
        name: `floor: ${name}`,
        rate: rate.cpu,
        unit: 'telegrams/s',
        primitive,
        note: `${what}: ${share(rate)}; ${wallNote(rate, bare)}`,
      })),
    ]);
  },
};
