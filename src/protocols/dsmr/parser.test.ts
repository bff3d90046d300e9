import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../errors.js';
import { dsmrRows } from './_conformance.js';
import { crc16Arc } from './crc16-arc.js';
import { DsmrTelegramParser } from './parser.js';
import type { DsmrTelegram, ParseTelegramOptions } from './telegram.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
const crcHex = (body: string): string => crc16Arc(latin1(body)).toString(16).toUpperCase().padStart(4, '0');

/** Ids whose values a meter changes from one second to the next (time, registers, power, voltage, current). */
const CHANGING = /^(0-0:1\.0\.0|1-0:[1-4]\.[78]\.[0-2]|1-0:(2[12]|4[12]|6[12]|[357][12])\.7\.0)\(/;

/** The telegram as the meter sends it `second` seconds later: the last digits of changing values differ, widths kept, CRC fitted. */
function later(telegram: string, second: number): string {
  const bang = telegram.indexOf('!');
  const body = telegram
    .slice(0, bang + 1)
    .split('\n')
    .map((line) => (CHANGING.test(line) ? line.replace(/(\d)(\d)([*)SW])/, (_m, a: string, b: string, rest: string) => `${(Number(a) + (second >> 3)) % 10}${(Number(b) + second) % 10}${rest}`) : line))
    .join('\n');
  // Telegrams without a CRC (DSMR 2.2, 3) stay without one.
  return /^[0-9A-F]{4}/.test(telegram.slice(bang + 1)) ? `${body}${crcHex(body)}\r\n` : `${body}\r\n`;
}

const V5 = dsmrRows.find((r) => r.version === 'DSMR 5.0')!.telegram_text;
const texts = dsmrRows.map((r) => r.telegram_text);

/** What a parse gives: the telegram, or the code and offset of its CodecError (anything else fails the test). */
function outcome(run: () => DsmrTelegram): DsmrTelegram | { error: string; offset: number | undefined } {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    return { error: e.code, offset: e.offset };
  }
}

/** Input as text, or as bytes at an offset 0..3 inside a bigger buffer (the memory compares four bytes at a time). */
type Feed = { readonly kind: 'text' } | { readonly kind: 'bytes'; readonly at: number };

function parseWith(parser: DsmrTelegramParser, text: string, feed: Feed, options: ParseTelegramOptions): DsmrTelegram {
  if (feed.kind === 'text') return parser.parse(text, options);
  const buf = new Uint8Array(text.length + 8);
  buf.set(latin1(text), feed.at);
  return parser.parseBytes(buf.subarray(feed.at, feed.at + text.length), options);
}

const feeds = fc.oneof(fc.constant<Feed>({ kind: 'text' }), fc.integer({ min: 0, max: 3 }).map((at): Feed => ({ kind: 'bytes', at })));

const CHARS = '/!()*:-.\r\n0123456789ABCDEFSWkWhm3\t\u0080';

type Op =
  | { readonly op: 'digit'; readonly at: number; readonly d: number }
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'cut' | 'delete'; readonly at: number }
  | { readonly op: 'insert' | 'set'; readonly at: number; readonly ch: string }
  | { readonly op: 'swap-lines'; readonly a: number; readonly b: number }
  | { readonly op: 'copy-line' | 'drop-line'; readonly a: number }
  | { readonly op: 'prefix'; readonly garbage: string }
  | { readonly op: 'fix-crc' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('digit' as const), at: fc.nat(), d: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constantFrom('cut' as const, 'delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constantFrom('insert' as const, 'set' as const), at: fc.nat(), ch: fc.constantFrom(...CHARS, ' ', '\r', '\n') }),
  fc.record({ op: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constantFrom('copy-line' as const, 'drop-line' as const), a: fc.nat() }),
  fc.record({ op: fc.constant('prefix' as const), garbage: fc.constantFrom('x', 'ab', 'abc', '\r\n', 'garbage\r\n') }),
  fc.constant<Op>({ op: 'fix-crc' }),
);

/** Apply one change to a telegram; lines are the CRLF lines between the header and the '!' line. */
function mutate(t: string, m: Op): string {
  const at = (n: number) => (t.length === 0 ? 0 : n % t.length);
  switch (m.op) {
    case 'digit': {
      // A digit changed in place, as a value changes from one second to the next (widths kept).
      const digits = [...t.matchAll(/\d/g)].map((x) => x.index);
      if (digits.length === 0) return t;
      const i = digits[m.at % digits.length]!;
      return t.slice(0, i) + String(m.d) + t.slice(i + 1);
    }
    case 'flip': {
      const i = at(m.at);
      return t.slice(0, i) + String.fromCharCode((t.charCodeAt(i) ^ (1 << m.bit)) & 0xff) + t.slice(i + 1);
    }
    case 'cut':
      return t.slice(0, at(m.at));
    case 'delete':
      return t.slice(0, at(m.at)) + t.slice(at(m.at) + 1);
    case 'insert':
      return t.slice(0, at(m.at)) + m.ch + t.slice(at(m.at));
    case 'set':
      return t.slice(0, at(m.at)) + m.ch + t.slice(at(m.at) + 1);
    case 'prefix':
      return m.garbage + t;
    case 'fix-crc': {
      const bang = t.indexOf('!');
      const slash = t.indexOf('/');
      if (bang < 0 || slash < 0 || slash > bang) return t;
      const end = t.indexOf('\n', bang);
      return `${t.slice(0, bang + 1)}${crcHex(t.slice(slash, bang + 1))}\r\n${end < 0 ? '' : t.slice(end + 1)}`;
    }
    default: {
      const lines = t.split('\r\n');
      if (lines.length < 5) return t;
      // Data lines only: not the header, the empty line after it, nor the '!' line and what follows.
      const first = 2;
      const count = lines.length - 4;
      const a = first + (m.a % count);
      if (m.op === 'swap-lines') {
        const b = first + (m.b % count);
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      } else if (m.op === 'copy-line') lines.splice(a, 0, lines[a]!);
      else lines.splice(a, 1);
      return lines.join('\r\n');
    }
  }
}

/** A telegram (real, or real of a later second) and changes of it that a next telegram may bring. */
const pairs = fc
  .tuple(fc.constantFrom(...texts, later(V5, 1), later(V5, 9)), fc.nat({ max: 63 }), fc.array(op, { minLength: 0, maxLength: 5 }))
  .map(([a, second, ops]) => {
    const next = a === V5 || a.startsWith('/ISk5') ? later(a, second) : a;
    return [a, ops.reduce(mutate, next)] as const;
  });

describe('DsmrTelegramParser with a memory: the same result as a fresh parse', () => {
  it.each<[string, ParseTelegramOptions]>([
    ['strict', {}],
    ['lenient', { crc: 'lenient' }],
  ])('after telegram A, telegram B (A changed) reads as a fresh parser reads it (%s)', (_name, options) => {
    fc.assert(
      fc.property(pairs, feeds, feeds, (pair, feedA, feedB) => {
        const [a, b] = pair;
        const parser = new DsmrTelegramParser();
        outcome(() => parseWith(parser, a, feedA, { crc: 'lenient' }));
        const fresh = outcome(() => new DsmrTelegramParser({ memory: false }).parse(b, options));
        expect(outcome(() => parseWith(parser, b, feedB, options))).toEqual(fresh);
        // And back: what B left in the memory (or, when B failed, what A left) serves A as well.
        expect(outcome(() => parseWith(parser, a, feedA, options))).toEqual(outcome(() => new DsmrTelegramParser({ memory: false }).parse(a, options)));
      }),
      { numRuns: 1500 },
    );
  });

  it('with the encrypted-P1 byte check on, too: same results and error codes as a fresh parser', () => {
    fc.assert(
      fc.property(pairs, (pair) => {
        const [a, b] = pair;
        const parser = new DsmrTelegramParser({ p1BytesOnly: true });
        outcome(() => parser.parseBytes(latin1(a), { crc: 'lenient' }));
        const fresh = outcome(() => new DsmrTelegramParser({ p1BytesOnly: true, memory: false }).parseBytes(latin1(b)));
        expect(outcome(() => parser.parseBytes(latin1(b)))).toEqual(fresh);
      }),
      { numRuns: 500 },
    );
  });

  it('reads a meter second by second (64 telegrams) exactly as fresh parsers do, the CRC from the last one included', () => {
    const parser = new DsmrTelegramParser();
    for (let s = 0; s < 64; s++) {
      const text = later(V5, s);
      const t = parser.parse(text);
      expect(t.crc.kind).toBe('valid');
      expect(t).toEqual(new DsmrTelegramParser({ memory: false }).parse(text));
    }
  });

  it('still finds a CRC that does not fit when only a value changed since the last telegram', () => {
    const parser = new DsmrTelegramParser();
    parser.parse(later(V5, 1));
    const next = later(V5, 2);
    const bang = next.indexOf('!');
    const wrongCrc = `${next.slice(0, bang + 1)}${crcHex(later(V5, 3).slice(0, bang + 1))}\r\n`;
    expect(() => parser.parse(wrongCrc)).toThrowError(expect.objectContaining({ code: 'CODEC_CRC_MISMATCH' }));
    const lenient = parser.parse(wrongCrc, { crc: 'lenient' });
    expect(lenient.crc).toEqual({ kind: 'mismatch', sent: Number.parseInt(crcHex(later(V5, 3).slice(0, bang + 1)), 16), computed: crc16Arc(latin1(next), 0, bang + 1) });
  });
});

describe('DsmrTelegramParser memory is used', () => {
  it('gives an unchanged line the very object it made for it last time, and a changed line a new one with the same id strings', () => {
    const parser = new DsmrTelegramParser();
    const first = parser.parse(later(V5, 1));
    const second = parser.parse(later(V5, 2));
    expect(second.header).toBe(first.header);
    let reused = 0;
    second.objects.forEach((o, i) => {
      const before = first.objects[i]!;
      expect(o.id).toBe(before.id);
      if (JSON.stringify(o) === JSON.stringify(before)) {
        expect(o).toBe(before);
        reused++;
      } else {
        expect(o).not.toBe(before);
        expect(o.code).toBe(before.code); // the id was not read again
      }
    });
    // 16 of the 36 lines change from one second to the next (see later()).
    expect(reused).toBeGreaterThanOrEqual(20);
  });

  it('shares the values of a line that moved, in a new object with its new offset', () => {
    const parser = new DsmrTelegramParser();
    const first = parser.parse(V5);
    const moved = parser.parse(`garbage\r\n${V5}`);
    expect(moved.objects[5]).not.toBe(first.objects[5]);
    expect(moved.objects[5]!.values).toBe(first.objects[5]!.values);
    expect(moved.objects[5]!.offset).toBe(first.objects[5]!.offset + 9);
  });

  it('keeps nothing when told not to, nor after forget()', () => {
    const none = new DsmrTelegramParser({ memory: false });
    expect(none.parse(V5).objects[3]).not.toBe(none.parse(V5).objects[3]);
    const parser = new DsmrTelegramParser();
    const first = parser.parse(V5);
    parser.forget();
    expect(parser.parse(V5).objects[3]).not.toBe(first.objects[3]);
  });

  it('reads two meters alternating through one parser correctly', () => {
    const other = dsmrRows.find((r) => r.version !== 'DSMR 5.0' && r.crc_ok === true && r.encrypted === undefined)!.telegram_text;
    const parser = new DsmrTelegramParser();
    for (let s = 0; s < 12; s++) {
      for (const text of [later(V5, s), later(other, s)]) {
        expect(parser.parse(text)).toEqual(new DsmrTelegramParser({ memory: false }).parse(text));
      }
    }
  });
});

describe('DsmrTelegramParser p1BytesOnly', () => {
  it.each([
    ['a control character in a value', V5.replace('(50)', '(5\u0001)')],
    ['a byte above 0x7E in the header', V5.replace('ISk5', 'ISk5\u00e9')],
    ['a tab between lines', V5.replace('\r\n1-0:1.8.1', '\r\n\t1-0:1.8.1')],
    ['a NUL after the telegram', `${V5}\u0000`],
  ])('rejects %s as CODEC_MALFORMED', (_name, text) => {
    expect(() => new DsmrTelegramParser({ p1BytesOnly: true }).parseBytes(latin1(text), { crc: 'lenient' })).toThrowError(
      expect.objectContaining({ code: 'CODEC_MALFORMED' }),
    );
    expect(() => new DsmrTelegramParser().parseBytes(latin1(text), { crc: 'lenient' })).not.toThrow();
  });
});
