import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { dsmrRows, rowAk } from './_conformance.js';
import { type DsmrStreamEvent, DsmrStreamReader } from './stream.js';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Plain telegrams that decode on their own (the CRC-valid and CRC-less ones). */
const good = dsmrRows.filter((r) => r.expected_error === undefined && r.crc_ok !== false).map((r) => r.telegram_text);
const badCrc = dsmrRows.find((r) => r.expected_error === 'InvalidChecksumError')!.telegram_text;
const austria = dsmrRows.find((r) => r.encrypted !== undefined && r.crc_ok === true)!;
const V5 = dsmrRows.find((r) => r.version === 'DSMR 5.0')!.telegram_text;

/** Only the ends of the trailing gateway lines of the EasyMeter rows are garbage between telegrams. */
const GARBAGE = Uint8Array.of(0x00, 0xff, 0x0d, 0x0a, 0x21, 0x41, 0xdb, 0x07);

function feed(reader: DsmrStreamReader, bytes: Uint8Array, cuts: readonly number[]): DsmrStreamEvent[] {
  const events: DsmrStreamEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...reader.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return events;
}

const telegrams = (events: readonly DsmrStreamEvent[]) => events.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
const errors = (events: readonly DsmrStreamEvent[]) => events.flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));

describe('DsmrStreamReader', () => {
  it('frames one telegram split at every position', () => {
    const bytes = latin1(V5);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const events = feed(new DsmrStreamReader(), bytes, [cut]);
      expect(telegrams(events).map((t) => t.crc.kind), `cut at ${cut}`).toEqual(['valid']);
      expect(errors(events)).toEqual([]);
    }
  });

  it('frames every corpus telegram out of one stream with garbage between them, in any chunking', () => {
    const parts: Uint8Array[] = [GARBAGE];
    for (const t of good) parts.push(latin1(t), GARBAGE);
    const stream = concat(...parts);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 60 }), (cuts) => {
        const reader = new DsmrStreamReader();
        const events = feed(reader, stream, cuts.sort((a, b) => a - b));
        expect(errors(events)).toEqual([]);
        expect(telegrams(events).map((t) => t.header.text)).toEqual(good.map((t) => t.slice(1, t.indexOf('\r'))));
        const skipped = events.reduce((n, e) => n + (e.kind === 'skipped' ? e.bytes : 0), 0);
        const framed = telegrams(events).reduce((n, t) => n + t.end - t.start, 0);
        // Everything is accounted for except what is still held for a next frame.
        expect(skipped + framed + reader.buffered).toBe(stream.length);
      }),
      { numRuns: 40 },
    );
  });

  it('reads byte by byte', () => {
    const reader = new DsmrStreamReader();
    const stream = latin1(V5 + V5);
    const events = feed(reader, stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1));
    expect(telegrams(events)).toHaveLength(2);
  });

  it('reports a CRC failure and still delivers the telegrams around it', () => {
    const events = new DsmrStreamReader().push(latin1(V5 + badCrc + V5));
    expect(events.map((e) => e.kind)).toEqual(['telegram', 'error', 'telegram']);
    expect(errors(events)).toEqual(['CODEC_CRC_MISMATCH']);
  });

  it('reports a telegram cut off by the next one and resynchronises on it', () => {
    const cut = V5.slice(0, 300);
    const events = new DsmrStreamReader().push(latin1(`${cut}\r\n${V5}`));
    expect(errors(events)).toEqual(['CODEC_TRUNCATED']);
    expect(telegrams(events)).toHaveLength(1);
  });

  it('bounds its buffer: an endless telegram is dropped and the next one read', () => {
    const reader = new DsmrStreamReader({ maxFrameBytes: 2048 });
    const endless = `/XYZ5 endless\r\n${'1-0:1.8.1(000001.000*kWh)'.repeat(200)}`;
    const events = [...reader.push(latin1(endless)), ...reader.push(latin1(`\r\n${V5}`))];
    expect(reader.buffered).toBe(0);
    expect(errors(events)).toContain('CODEC_MALFORMED');
    expect(telegrams(events)).toHaveLength(1);
  });

  it('reports what is left at the end of the stream', () => {
    const reader = new DsmrStreamReader();
    expect(reader.push(latin1(V5.slice(0, 100)))).toEqual([]);
    expect(reader.finish().map((e) => (e.kind === 'error' ? e.error.code : e.kind))).toEqual(['CODEC_TRUNCATED']);
    reader.push(Uint8Array.of(0x41));
    expect(reader.finish()).toEqual([]); // the 'A' was skipped when pushed
  });

  describe('encrypted frames', () => {
    const frame = hexToBytes(austria.encrypted!.frame_hex);
    const keys = { ek: hexToBytes(austria.encrypted!.encryption_key), ak: hexToBytes(rowAk(austria)!) };

    it('decrypts frames split anywhere, between garbage and plain telegrams', () => {
      const stream = concat(GARBAGE, frame, latin1(V5), frame, GARBAGE);
      for (const cut of [1, 9, 10, 11, 12, 13, 200, frame.length + 7, frame.length + 900]) {
        const events = feed(new DsmrStreamReader({ keys }), stream, [cut]);
        expect(errors(events), `cut at ${cut}`).toEqual([]);
        const out = events.filter((e) => e.kind === 'telegram');
        expect(out.map((e) => e.encryption?.systemTitle ?? 'plain')).toEqual(['53595354454D4944', 'plain', '53595354454D4944']);
      }
    });

    it('hands frames on undecrypted without keys', () => {
      const events = new DsmrStreamReader().push(frame);
      expect(events).toEqual([{ kind: 'encrypted-frame', frame }]);
    });

    it('reports a frame with a wrong key and goes on', () => {
      const events = new DsmrStreamReader({ keys: { ...keys, ek: new Uint8Array(16) } }).push(concat(frame, latin1(V5)));
      expect(errors(events)).toEqual(['CODEC_AUTH_FAILED']);
      expect(telegrams(events)).toHaveLength(1);
    });
  });
});

describe('DsmrStreamReader memory of the last telegram', () => {
  it('hands an unchanged line of the next telegram over as the same object, wherever the telegram sat in its buffer', () => {
    const r = new DsmrStreamReader();
    const telegrams: DsmrStreamEvent[] = [];
    // Odd-sized chunks move each telegram to another offset of the reader's buffer.
    const stream = concat(latin1(V5), GARBAGE.subarray(0, 3), latin1(V5), latin1(V5));
    for (let at = 0; at < stream.length; at += 61) telegrams.push(...r.push(stream.subarray(at, at + 61)));
    const read = telegrams.flatMap((e) => (e.kind === 'telegram' ? [e.telegram] : []));
    expect(read.length).toBe(3);
    expect(read[1]).toEqual(read[0]);
    expect(read[1]!.objects[4]).toBe(read[0]!.objects[4]);
    expect(read[2]!.objects[4]).toBe(read[0]!.objects[4]);
  });
});
