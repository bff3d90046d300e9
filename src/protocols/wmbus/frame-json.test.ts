import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError, isCodecError } from '../errors.js';
import type { Reading } from '../reading.js';
import { bytesOf, corpusDir, corpusRows, hexOf } from './_corpus.js';
import { WmbusJsonWriter, wmbusFrameJson } from './frame-json.js';
import { wmbusFrameDecoder } from './frame-decoder.js';
import { toDecodedFrame, type WmbusFrame, WmbusSession } from './session.js';

/** The dedicated writer must give exactly the text JSON.stringify gives, for every frame the decoder makes. */

const rows = corpusRows().filter((r) => r.negative === undefined);

function frameOf(session: WmbusSession, bytes: Uint8Array): WmbusFrame | undefined {
  try {
    return toDecodedFrame(session.decodeBytes(bytes));
  } catch (e) {
    if (!isCodecError(e)) throw e;
    return undefined;
  }
}

/** One writer for all frames here, as a session keeps one: its kept pieces must never leak from frame to frame. */
const writer = new WmbusJsonWriter();

const sessionFor = (key: string | null): WmbusSession => new WmbusSession({ keys: key === null ? {} : { key: bytesOf(key) } });

describe('wmbusFrameJson', () => {
  it('writes what JSON.stringify writes for every conformance telegram that decodes', () => {
    let compared = 0;
    for (const row of rows) {
      const frame = frameOf(sessionFor(row.key_hex_or_null), bytesOf(row.telegram_hex));
      if (frame === undefined) continue;
      expect(wmbusFrameJson(frame, writer)).toBe(JSON.stringify(frame));
      compared++;
    }
    // Every layer kind and security mode is among them.
    expect(compared).toBeGreaterThan(150);
  });

  it('writes what JSON.stringify writes for the bench telegrams, through decodeJson', () => {
    const dir = join(corpusDir, 'bench');
    const meters = JSON.parse(readFileSync(join(dir, 'meters.json'), 'utf8')) as { id: string; key: string }[];
    const keys = { byId: new Map(meters.map((m) => [m.id, bytesOf(m.key)])) };
    const a = new WmbusSession({ keys });
    const b = new WmbusSession({ keys });
    let compared = 0;
    for (const hex of wmbusFrameDecoder.split(readFileSync(join(dir, 'telegrams.txt'), 'utf8'))) {
      let want: string | undefined;
      try {
        want = JSON.stringify(a.decode(hex));
      } catch (e) {
        if (!isCodecError(e)) throw e;
        expect(() => b.decodeJson(hex)).toThrow();
        continue;
      }
      expect(b.decodeJson(hex)).toBe(want);
      compared++;
    }
    expect(compared).toBe(10);
  });

  it('stays equal on mutated real telegrams (records, headers, warnings of every kind)', () => {
    fc.assert(
      fc.property(
        fc.nat(rows.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.option(fc.nat(), { nil: undefined }),
        (i, sets, cut) => {
          const row = rows[i]!;
          let b = bytesOf(row.telegram_hex);
          for (const [at, v] of sets) b[at % b.length] = v;
          if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
          const frame = frameOf(sessionFor(row.key_hex_or_null), b);
          if (frame !== undefined) expect(wmbusFrameJson(frame, writer)).toBe(JSON.stringify(frame));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('writes each frame anew when a kept piece (address, TPL fields, reading head) no longer matches', () => {
    const row = rows.find((r) => r.security === 'mode5')!;
    const base = frameOf(sessionFor(row.key_hex_or_null), bytesOf(row.telegram_hex))!;
    const tpl = base.layers.tpl!;
    const link = base.layers.link;
    const variants: WmbusFrame[] = [
      base,
      { ...base, layers: { ...base.layers, tpl: { ...tpl, status: (tpl.status ?? 0) ^ 0x10, statusText: ['changed'] } } },
      { ...base, layers: { ...base.layers, tpl: { ...tpl, synchronous: !tpl.synchronous } } },
      { ...base, layers: { ...base.layers, link: { ...link, version: link.version + 1, medium: 'gas' } } },
      { ...base, readings: base.readings.map((r) => ({ ...r, storage: 3, tariff: 1, obis: undefined })) },
      base,
    ];
    for (const f of variants) expect(wmbusFrameJson(f, writer)).toBe(JSON.stringify(f));
  });

  it('escapes strings and writes numbers as JSON.stringify does (quotes, controls, lone surrogates, non-finite)', () => {
    const row = rows.find((r) => r.security === 'mode7')!;
    const base = frameOf(sessionFor(row.key_hex_or_null), bytesOf(row.telegram_hex))!;
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udc00', 'ÿ', '°', '€', '😀') });
    const value = fc.oneof(fc.double(), fc.integer(), text, fc.constant(null), fc.boolean());
    const reading = fc.record(
      {
        obis: fc.constantFrom('1-0:1.8.0', '8-0:1.0.0*1'),
        quantity: text,
        value,
        unit: text,
        storage: fc.nat(),
        tariff: fc.nat(),
        subunit: fc.nat(),
        function: fc.constantFrom('maximum', 'minimum', 'error'),
        raw: fc.constantFrom('', '00FF', 'DEADBEEF'),
      },
      { requiredKeys: ['quantity', 'value'] },
    );
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 4 }), fc.array(text, { maxLength: 3 }), text, (readings, warnings, medium) => {
        // Keys in the order recordToReading sets them.
        const ordered = readings.map((r) => {
          const o: Record<string, unknown> = {};
          for (const k of ['obis', 'quantity', 'value', 'unit', 'storage', 'tariff', 'subunit', 'function', 'raw'] as const) if (k in r) o[k] = r[k];
          return o as unknown as Reading;
        });
        const frame: WmbusFrame = { ...base, meter: { ...base.meter, medium }, readings: ordered, warnings };
        expect(wmbusFrameJson(frame, writer)).toBe(JSON.stringify(frame));
      }),
      { numRuns: 1000 },
    );
  });

  describe('decodeJson (readings written from the records, no frame object)', () => {
    /** Both texts of one telegram, through two sessions fed the same telegrams before it; undefined when it fails. */
    function both(key: string | null, prior: readonly string[], hex: string): { fast: string; object: string } | undefined {
      const a = sessionFor(key);
      const b = sessionFor(key);
      for (const p of prior) {
        try {
          a.decode(p);
          b.decode(p);
        } catch (e) {
          if (!isCodecError(e)) throw e;
        }
      }
      let object: string;
      try {
        object = JSON.stringify(a.decode(hex));
      } catch (e) {
        if (!isCodecError(e)) throw e;
        // The fast path fails alike, with a typed error.
        expect(() => b.decodeJson(hex)).toThrow(CodecError);
        return undefined;
      }
      return { fast: b.decodeJson(hex), object };
    }

    it('gives JSON.stringify(decode(...)) byte for byte for every conformance row', () => {
      let compared = 0;
      for (const row of corpusRows()) {
        const r = both(row.key_hex_or_null, (row as { prior_telegrams?: string[] }).prior_telegrams ?? [], row.telegram_hex);
        if (r === undefined) continue;
        expect(r.fast).toBe(r.object);
        compared++;
      }
      expect(compared).toBeGreaterThan(150);
    });

    it('stays equal on mutated real telegrams (bit flips, truncation, length lies)', () => {
      fc.assert(
        fc.property(
          fc.nat(rows.length - 1),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }),
          fc.option(fc.nat(), { nil: undefined }),
          fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
          (i, flips, cut, lField) => {
            const row = rows[i]!;
            let b = bytesOf(row.telegram_hex);
            for (const [at, bit] of flips) b[at % b.length]! ^= 1 << bit;
            if (lField !== undefined) b[0] = lField;
            if (cut !== undefined) b = b.slice(0, cut % (b.length + 1));
            const r = both(row.key_hex_or_null, [], hexOf(b));
            if (r !== undefined) expect(r.fast).toBe(r.object);
          },
        ),
        { numRuns: 3000 },
      );
    });

    it('writes frames holding text beyond latin1 through JSON.stringify, the same text', () => {
      // The decoder itself only makes latin1 text (meter text is read as latin1); a frame from elsewhere may not.
      const plain = rows.find((r) => r.security === 'none' && r.layers.tpl_ci === '7A')!;
      const frame = sessionFor(null).decode(plain.telegram_hex);
      for (const text of ['€', 'x😀y', '\ud800', 'ÿ°']) {
        const wide: WmbusFrame = { ...frame, meter: { ...frame.meter, medium: text }, warnings: [text] };
        expect(wmbusFrameJson(wide, writer)).toBe(JSON.stringify(wide));
        // The writer is left clean for the next frame.
        expect(wmbusFrameJson(frame, writer)).toBe(JSON.stringify(frame));
      }
    });
  });
});
