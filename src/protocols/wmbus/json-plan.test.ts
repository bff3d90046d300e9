import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecodeKeys } from '../decoder.js';
import { CodecError } from '../errors.js';
import { buildTelegram } from './_build.js';
import { bytesOf, corpusDir, corpusRows, hexOf } from './_corpus.js';
import { wmbusFrameDecoder } from './frame-decoder.js';
import { crc16En13757 } from './crc.js';
import { encodeFrameB } from './link.js';
import type { WmbusTelegram } from './pipeline.js';
import { dataRecordHeaders } from './records.js';
import { WmbusSession } from './session.js';

/**
 * The JSON plan (json-plan.ts) must give, for every input, exactly the text (or the error code) the general path
 * gives. Checked differentially: a session that has learnt a telegram's plan is fed variants of it, and its answer
 * is compared with a fresh session's `JSON.stringify(decode(...))`.
 */

interface Plannable {
  readonly name: string;
  readonly hex: string;
  readonly keys: DecodeKeys;
  /** The meter's AES key (mode 5), to re-encrypt variants with. */
  readonly key: Uint8Array | undefined;
  /** The frame with its encrypted area decrypted. */
  readonly plain: Uint8Array;
  readonly accessAt: number;
  readonly encAt: number;
  readonly encLength: number;
  /** M || A of the header the IV comes from. */
  readonly ivAddress: Uint8Array;
  /** Offsets of the variable bytes (record data fields) and of all others but the access number. */
  readonly holes: readonly number[];
  readonly fixed: readonly number[];
}

const TPL_AT = 10;

function outcome(f: () => string): string {
  try {
    return f();
  } catch (e) {
    if (e instanceof CodecError) return `error ${e.code}`;
    throw e;
  }
}

const benchDir = join(corpusDir, 'bench');
const benchMeters = JSON.parse(readFileSync(join(benchDir, 'meters.json'), 'utf8')) as { id: string; key: string }[];
const benchKeys: DecodeKeys = { byId: new Map(benchMeters.map((m) => [m.id, bytesOf(m.key)])) };

/** Every conformance and bench telegram whose second decode is written by a plan. */
function plannable(): Plannable[] {
  const candidates: { name: string; hex: string; keys: DecodeKeys; key: Uint8Array | undefined }[] = [];
  for (const [i, row] of corpusRows().entries()) {
    if (row.negative !== undefined) continue;
    const key = row.key_hex_or_null === null ? undefined : bytesOf(row.key_hex_or_null);
    candidates.push({ name: `conformance row ${i}`, hex: row.telegram_hex, keys: key === undefined ? {} : { key }, key });
  }
  for (const [i, hex] of wmbusFrameDecoder.split(readFileSync(join(benchDir, 'telegrams.txt'), 'utf8')).entries()) {
    // The meter's id as sent: its 4 BCD bytes, least significant first.
    const meter = benchMeters.find((m) => hex.includes(m.id.match(/../g)!.reverse().join('')));
    candidates.push({ name: `bench telegram ${i}`, hex, keys: benchKeys, key: meter === undefined ? undefined : bytesOf(meter.key) });
  }
  const out: Plannable[] = [];
  for (const c of candidates) {
    const s = new WmbusSession({ keys: c.keys });
    const first = outcome(() => s.decodeJson(c.hex));
    if (first.startsWith('error') || outcome(() => s.decodeJson(c.hex)) !== first || s.planStats().hits !== 1) continue;
    const t = s.decodeBytes(bytesOf(c.hex)) as WmbusTelegram;
    const plain = t.effects.fullFrame!.bytes;
    const long = t.tpl.header === 'long';
    const accessAt = TPL_AT + (long ? 9 : 1);
    const encLength = t.security === 'mode5' ? t.tpl.encryptedBlocks * 16 : 0;
    const a = TPL_AT + 1;
    const ivAddress = long ? Uint8Array.of(plain[a + 4]!, plain[a + 5]!, plain[a]!, plain[a + 1]!, plain[a + 2]!, plain[a + 3]!, plain[a + 6]!, plain[a + 7]!) : plain.slice(2, 10);
    const variable = new Set<number>();
    for (const r of t.records) {
      if (r.dib.length === 0) continue;
      const at = r.data.byteOffset - plain.byteOffset;
      for (let i = 0; i < r.data.length; i++) variable.add(at + i);
    }
    const fixed = [...plain.keys()].filter((i) => i !== accessAt && !variable.has(i));
    // The meter's key for mode 5: the session's key for the telegram's meter.
    const key = t.security === 'mode5' ? (c.key ?? (c.keys.key as Uint8Array | undefined)) : undefined;
    if (t.security === 'mode5' && key === undefined) continue;
    out.push({ ...c, key, plain: plain.slice(), accessAt, encAt: accessAt + 4, encLength, ivAddress, holes: [...variable].sort((x, y) => x - y), fixed });
  }
  return out;
}

const telegrams = plannable();

/** The frame `p` with `plain` bytes (a variant of its plaintext) encrypted again with `key` (or left as given). */
function encrypt(p: Plannable, plain: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  const out = plain.slice();
  if (p.encLength === 0 || key === undefined) return out;
  const iv = new Uint8Array(16).fill(out[p.accessAt]!);
  iv.set(p.ivAddress);
  const area = out.subarray(p.encAt, p.encAt + p.encLength);
  area.set(createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(area));
  return out;
}

/** Data bytes with two decimal digits (valid BCD, ordinary integers). */
const bcdByte = fc.tuple(fc.nat(9), fc.nat(9)).map(([hi, lo]) => hi * 16 + lo);
/** Data bytes, often the ones that change a reading's form: BCD hex digits, 0xFF..FF special values, zeros. */
const anyByte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0xee, 0x99, 0xf0, 0x0a, 0x80, 0x7f));
/** Most variants carry plain values (written by the plan), the others any bytes (often a fallback). */
const dataBytes = fc.oneof(
  { weight: 3, arbitrary: fc.array(bcdByte, { minLength: 64, maxLength: 64 }) },
  { weight: 2, arbitrary: fc.array(anyByte, { minLength: 64, maxLength: 64 }) },
);

/**
 * A learnt session's answer for `hex` beside a fresh session's general one; then the original and `hex` again
 * (the session may now hold a second plan, learnt from `hex`). Whether the first answer was written by the plan.
 */
function compare(p: Plannable, hex: string): boolean {
  const learnt = new WmbusSession({ keys: p.keys });
  const original = learnt.decodeJson(p.hex);
  const got = outcome(() => learnt.decodeJson(hex));
  const hit = learnt.planStats().hits > 0;
  const want = outcome(() => JSON.stringify(new WmbusSession({ keys: p.keys }).decode(hex)));
  expect(got).toBe(want);
  expect(learnt.decodeJson(p.hex)).toBe(original);
  expect(outcome(() => learnt.decodeJson(hex))).toBe(want);
  return hit;
}

describe('wM-Bus JSON plan', () => {
  it('gets a plan for most conformance telegrams and the bench telegrams (mode 5 and mode 0)', () => {
    expect(telegrams.length).toBeGreaterThan(100);
    expect(telegrams.filter((p) => p.name.startsWith('bench')).length).toBe(10);
    expect(telegrams.some((p) => p.encLength === 0)).toBe(true);
    expect(telegrams.some((p) => p.accessAt === TPL_AT + 9)).toBe(true);
  });

  it('writes re-encrypted variants with new values and access numbers as the general path does (BCD hex digits, invalid dates, FF..FF)', () => {
    let hits = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.nat(telegrams.length - 1), fc.integer({ min: 0, max: 255 }), dataBytes, (i, an, data) => {
        const p = telegrams[i]!;
        const plain = p.plain.slice();
        plain[p.accessAt] = an;
        p.holes.forEach((at, k) => {
          plain[at] = data[k % data.length]!;
        });
        runs++;
        if (compare(p, hexOf(encrypt(p, plain, p.key)))) hits++;
      }),
      { numRuns: 2500 },
    );
    // Values that change a reading's form fall back; most variants are written by the plan.
    expect(hits).toBeGreaterThan(runs / 2);
    expect(hits).toBeLessThan(runs);
  });

  it('writes the bench telegrams\' variants as the general path does (each meter many times)', () => {
    const bench = telegrams.filter((p) => p.name.startsWith('bench'));
    fc.assert(
      fc.property(fc.nat(bench.length - 1), fc.integer({ min: 0, max: 255 }), dataBytes, (i, an, data) => {
        const p = bench[i]!;
        const plain = p.plain.slice();
        plain[p.accessAt] = an;
        p.holes.forEach((at, k) => {
          plain[at] = data[k % data.length]!;
        });
        compare(p, hexOf(encrypt(p, plain, p.key)));
      }),
      { numRuns: 600 },
    );
  });

  it('writes every data coding a hole can hold as the general path does (built telegrams, mode 5 and 0)', () => {
    // DIF/VIF headers and data sizes: signed and unsigned integers, BCD, real, dates and times of types G, F, J
    // and I, LVAR text, a manufacturer VIF (raw), Wh (shown in kWh), storage/tariff DIFEs, manufacturer data.
    const layout: ReadonlyArray<readonly [header: readonly number[], size: number]> = [
      [[0x01, 0x13], 1], [[0x02, 0x13], 2], [[0x03, 0x13], 3], [[0x04, 0x13], 4], [[0x06, 0x13], 6], [[0x07, 0x13], 8],
      [[0x04, 0x78], 4], [[0x07, 0x78], 8],
      [[0x09, 0x13], 1], [[0x0a, 0x13], 2], [[0x0b, 0x13], 3], [[0x0c, 0x13], 4], [[0x0e, 0x13], 6],
      [[0x05, 0x13], 4], [[0x05, 0x2b], 4],
      [[0x02, 0x6c], 2], [[0x04, 0x6d], 4], [[0x03, 0x6d], 3], [[0x06, 0x6d], 6], [[0x01, 0x6d], 1],
      [[0x0d, 0x78, 0x05], 5], [[0x02, 0x7f], 2], [[0x04, 0x03], 4], [[0xcc, 0x10, 0x13], 4], [[0x0f], 5],
    ];
    const key = new Uint8Array(16).fill(0x3c);
    const records = (data: readonly number[]): Uint8Array => {
      const out = [0x2f, 0x2f];
      let k = 0;
      for (const [header, size] of layout) {
        out.push(...header);
        for (let i = 0; i < size; i++) out.push(data[k++ % data.length]!);
      }
      return Uint8Array.from(out);
    };
    const telegram = (mode: 0 | 5, an: number, data: readonly number[]): string => hexOf(buildTelegram({ mode, key, accessNumber: an, records: records(data) }));
    const keys = { byId: new Map([['12345678', key]]) };
    const learnt = { 0: new WmbusSession(), 5: new WmbusSession({ keys }) };
    const first = Array.from({ length: 64 }, (_, i) => (i * 7) % 10);
    for (const mode of [0, 5] as const) learnt[mode].decodeJson(telegram(mode, 1, first));
    fc.assert(
      fc.property(fc.constantFrom(0 as const, 5 as const), fc.integer({ min: 0, max: 255 }), dataBytes, (mode, an, data) => {
        const hex = telegram(mode, an, data);
        const want = outcome(() => JSON.stringify((mode === 5 ? new WmbusSession({ keys }) : new WmbusSession()).decode(hex)));
        expect(outcome(() => learnt[mode].decodeJson(hex))).toBe(want);
      }),
      { numRuns: 600 },
    );
    // Both plans were learnt once and used for most variants.
    expect(learnt[0].planStats().plans).toBe(1);
    expect(learnt[5].planStats().hits).toBeGreaterThan(100);
  });

  it('falls back on changed structure bytes (re-encrypted or not), a wrong key, truncation and length lies, with the same answer', () => {
    const other = new Uint8Array(16).fill(0x5a);
    fc.assert(
      fc.property(
        fc.nat(telegrams.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.constantFrom('meter key', 'no re-encryption', 'wrong key'),
        fc.option(fc.nat(), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
        (i, flips, encryption, cut, lField) => {
          const p = telegrams[i]!;
          const plain = p.plain.slice();
          for (const [at, x] of flips) plain[p.fixed[at % p.fixed.length]!]! ^= x;
          const key = encryption === 'meter key' ? p.key : encryption === 'wrong key' ? other : undefined;
          let b = encryption === 'no re-encryption' ? bytesOf(p.hex) : encrypt(p, plain, key);
          if (encryption === 'no re-encryption') for (const [at, x] of flips) b[p.fixed[at % p.fixed.length]!]! ^= x;
          if (lField !== undefined) b[0] = lField;
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          compare(p, hexOf(b));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('a wrong key fails as on the general path: CODEC_WRONG_KEY', () => {
    const p = telegrams.find((t) => t.encLength > 0)!;
    const s = new WmbusSession({ keys: p.keys });
    s.decodeJson(p.hex);
    const wrong = hexOf(encrypt(p, p.plain, new Uint8Array(16).fill(0x77)));
    expect(outcome(() => s.decodeJson(wrong))).toBe('error CODEC_WRONG_KEY');
  });

  it('is used: every further telegram of the same structure is a hit; a changed VIF misses and teaches a second plan', () => {
    const p = telegrams.find((t) => t.name === 'bench telegram 0')!;
    const s = new WmbusSession({ keys: p.keys });
    const variant = (an: number, plain = p.plain): string => {
      const b = plain.slice();
      b[p.accessAt] = an;
      return hexOf(encrypt(p, b, p.key));
    };
    s.decodeJson(p.hex);
    expect(s.planStats()).toEqual({ hits: 0, plans: 1 });
    for (let an = 1; an <= 5; an++) s.decodeJson(variant(an));
    expect(s.planStats().hits).toBe(5);
    // The first record's VIF: another quantity, decoded the general way, then learnt.
    const vifAt = p.holes[0]! - 1;
    const changed = p.plain.slice();
    changed[vifAt]! ^= 0x01;
    const before = JSON.stringify(new WmbusSession({ keys: p.keys }).decode(variant(6, changed)));
    expect(s.decodeJson(variant(6, changed))).toBe(before);
    expect(s.planStats().hits).toBe(5);
    expect(s.decodeJson(variant(7, changed))).toBe(JSON.stringify(new WmbusSession({ keys: p.keys }).decode(variant(7, changed))));
    expect(s.planStats()).toEqual({ hits: 6, plans: 2 });
    // A meter taking turns between the two structures keeps both plans.
    expect(s.decodeJson(variant(8))).toBe(JSON.stringify(new WmbusSession({ keys: p.keys }).decode(variant(8))));
    expect(s.decodeJson(variant(9, changed))).toBe(JSON.stringify(new WmbusSession({ keys: p.keys }).decode(variant(9, changed))));
    expect(s.planStats()).toEqual({ hits: 8, plans: 2 });
  });

  it('keeps the records of a telegram written by its plan for compact frames, fresh per telegram', () => {
    let compared = 0;
    for (const p of telegrams.filter((t) => t.encLength === 0 && t.accessAt === TPL_AT + 1)) {
      // A compact frame (CI 7Bh) of the same meter: signature of the full frame's record headers, its CRC, the values.
      const headers = dataRecordHeaders(p.plain, p.encAt, p.plain.length);
      const signature = crc16En13757(headers);
      const values = p.holes.map((at) => p.plain[at]! ^ 0x01);
      const compact = Uint8Array.from([0, ...p.plain.subarray(1, TPL_AT), 0x7b, ...p.plain.subarray(TPL_AT + 1, p.encAt), signature & 0xff, signature >> 8, 0, 0, ...values]);
      compact[0] = compact.length - 1;
      const general = new WmbusSession({ keys: p.keys });
      general.decode(p.hex);
      const want = outcome(() => JSON.stringify(general.decode(hexOf(compact))));
      if (want.startsWith('error')) continue;
      const s = new WmbusSession({ keys: p.keys });
      s.decodeJson(p.hex);
      const again = p.plain.slice();
      again[p.accessAt] = (again[p.accessAt]! + 1) & 0xff;
      s.decodeJson(hexOf(again));
      expect(s.planStats().hits).toBe(1);
      expect(s.decodeJson(hexOf(compact))).toBe(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('a variant whose bytes happen to carry a valid frame B CRC is decoded as frame B, as the general path does', () => {
    // A mode 0 telegram whose last two bytes are record data: set them to the frame B CRC of the rest.
    const p = telegrams.find((t) => t.encLength === 0 && t.plain.length <= 128 && t.holes.includes(t.plain.length - 1) && t.holes.includes(t.plain.length - 2));
    expect(p).toBeDefined();
    const body = p!.plain.slice(0, -2);
    body[0] = body.length - 1;
    const withCrc = encodeFrameB(body);
    expect(withCrc.length).toBe(p!.plain.length);
    const hex = hexOf(withCrc);
    const s = new WmbusSession({ keys: p!.keys });
    s.decodeJson(p!.hex);
    expect(outcome(() => s.decodeJson(hex))).toBe(outcome(() => JSON.stringify(new WmbusSession({ keys: p!.keys }).decode(hex))));
    expect(s.planStats().hits).toBe(0);
  });
});
