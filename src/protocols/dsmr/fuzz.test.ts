import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { CodecError } from '../errors.js';
import { dsmrRows, rowAk } from './_conformance.js';
import { decryptP1 } from './encrypted.js';
import { interpretTelegram } from './readings.js';
import { DsmrStreamReader } from './stream.js';
import { parseTelegram, parseTelegramBytes } from './telegram.js';

/** Whatever the input, the only thing that may come out besides a result is a CodecError. */
function onlyCodecErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    expect(Object.keys(e.toJSON())).toContain('code');
  }
}

const texts = dsmrRows.map((r) => r.telegram_text);
const CHARS = '/!()*:-.\r\n0123456789ABCDEFSWkWhm3';

/** Real telegrams with flipped bits, cut ends, inserted or deleted characters. */
const mutated = fc
  .tuple(
    fc.constantFrom(...texts),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), ch: fc.constantFrom(...CHARS) }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      ),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([text, ops]) => {
    let t = text;
    for (const m of ops) {
      const at = t.length === 0 ? 0 : m.at % t.length;
      if (m.op === 'flip') t = t.slice(0, at) + String.fromCharCode((t.charCodeAt(at) ^ (1 << m.bit)) & 0xff) + t.slice(at + 1);
      else if (m.op === 'cut') t = t.slice(0, at);
      else if (m.op === 'insert') t = t.slice(0, at) + m.ch + t.slice(at);
      else t = t.slice(0, at) + t.slice(at + 1);
    }
    return t;
  });

describe('DSMR parser under mutation', () => {
  it('parses or throws CodecError, strict and lenient', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        onlyCodecErrors(() => interpretTelegram(parseTelegram(text)));
        onlyCodecErrors(() => interpretTelegram(parseTelegram(text, { crc: 'lenient' })));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseTelegramBytes gives what parseTelegram gives on the same text: the telegram or the error code', () => {
    const outcome = (run: () => unknown): unknown => {
      try {
        return run();
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        return { error: e.code, offset: e.offset };
      }
    };
    fc.assert(
      fc.property(mutated, fc.constantFrom<'strict' | 'lenient'>('strict', 'lenient'), (text, crc) => {
        // At an odd offset inside a bigger buffer, as the stream reader hands bytes over.
        const bytes = Uint8Array.from(`#${text}`, (c) => c.charCodeAt(0)).subarray(1);
        expect(outcome(() => parseTelegramBytes(bytes, { crc }))).toEqual(outcome(() => parseTelegram(text, { crc })));
      }),
      { numRuns: 1000 },
    );
  });

  it('the stream reader turns any bytes into events, never exceptions', () => {
    fc.assert(
      fc.property(mutated, fc.nat(), (text, split) => {
        const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
        const r = new DsmrStreamReader();
        const at = bytes.length === 0 ? 0 : split % bytes.length;
        r.push(bytes.subarray(0, at));
        r.push(bytes.subarray(at));
        r.finish();
      }),
      { numRuns: 500 },
    );
  });

  it('decryptP1 on altered frames: only CodecError', () => {
    const row = dsmrRows.find((r) => r.encrypted !== undefined && r.crc_ok === true)!;
    const frame = hexToBytes(row.encrypted!.frame_hex);
    const keys = { ek: hexToBytes(row.encrypted!.encryption_key), ak: hexToBytes(rowAk(row)!) };
    fc.assert(
      fc.property(fc.nat({ max: frame.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.nat({ max: frame.length }), (at, x, len) => {
        const bad = frame.slice(0, Math.max(len, at + 1));
        bad[at]! ^= x;
        expect(() => decryptP1(bad, keys)).toThrowError(CodecError);
      }),
      { numRuns: 200 },
    );
  });
});
