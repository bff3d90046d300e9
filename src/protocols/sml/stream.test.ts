import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { buildSmlFile, smlRows } from './_conformance.js';
import { crc16X25 } from './crc16.js';
import { type SmlStreamEvent, SmlStreamReader } from './stream.js';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const framed = smlRows.filter((r) => r.crc_ok === true).map((r) => hexToBytes(r.frame_hex));
const GARBAGE = Uint8Array.of(0x1b, 0x1b, 0x00, 0x01, 0x1b, 0x1b, 0x1b, 0x1b, 0x02, 0xff);

function feed(reader: SmlStreamReader, bytes: Uint8Array, cuts: readonly number[]): SmlStreamEvent[] {
  const events: SmlStreamEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...reader.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return events;
}
const kinds = (events: readonly SmlStreamEvent[]) => events.map((e) => (e.kind === 'error' ? e.error.code : e.kind)).filter((k) => k !== 'skipped');

describe('SmlStreamReader', () => {
  it('frames one file split at every position', () => {
    const file = framed[0]!;
    for (let cut = 0; cut <= file.length; cut++) {
      expect(kinds(feed(new SmlStreamReader(), file, [cut])), `cut at ${cut}`).toEqual(['file']);
    }
  });

  it('frames every framed corpus file out of one stream with garbage, in any chunking', () => {
    const stream = concat(GARBAGE, ...framed.flatMap((f) => [f, GARBAGE]));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 50 }), (cuts) => {
        const reader = new SmlStreamReader();
        const events = feed(reader, stream, cuts.sort((a, b) => a - b));
        expect(kinds(events)).toEqual(framed.map(() => 'file'));
        const used = events.reduce((n, e) => n + e.bytes, 0);
        expect(used + reader.buffered).toBe(stream.length);
      }),
      { numRuns: 40 },
    );
  });

  it('reports broken files and keeps going', () => {
    const bad = smlRows.filter((r) => r.negative).map((r) => hexToBytes(r.frame_hex));
    const events = new SmlStreamReader().push(concat(framed[0]!, bad[0]!, bad[3]!, framed[1]!));
    expect(kinds(events)).toEqual(['file', 'CODEC_CRC_MISMATCH', 'CODEC_SML_SEVEN_BIT', 'file']);
  });

  it('reports a file cut off by the next start', () => {
    const f = framed[0]!;
    const events = new SmlStreamReader().push(concat(f.subarray(0, 64), f));
    expect(kinds(events)).toEqual(['CODEC_TRUNCATED', 'file']);
  });

  it('keeps escaped content intact', () => {
    // A CloseResponse whose transaction id is 1B1B1B1B, placed (after 2 fill bytes) on a 4-byte boundary.
    const msg = hexToBytes('76051B1B1B1B620062007263020171 01'.replace(/ /g, ''));
    const c = crc16X25(msg);
    const payload = concat(Uint8Array.of(0, 0), msg, Uint8Array.of(0x63, c & 0xff, c >>> 8, 0));
    const file = buildSmlFile(payload, (b) => crc16X25(b));
    expect(file.length).toBe(8 + payload.length + 4 + ((4 - (payload.length % 4)) % 4) + 8);
    const events = new SmlStreamReader().push(file);
    expect(events.map((e) => (e.kind === 'file' ? e.file.messages.map((m) => [m.body.kind, m.transactionId, m.crc]) : e.kind))).toEqual([
      [['close-response', '1B1B1B1B', 'x25']],
    ]);
  });

  it('bounds its buffer', () => {
    const reader = new SmlStreamReader({ maxFileBytes: 256 });
    const endless = concat(framed[0]!.subarray(0, 8), new Uint8Array(400));
    const events = [...reader.push(endless), ...reader.push(framed[0]!)];
    expect(kinds(events)).toEqual(['CODEC_MALFORMED', 'file']);
    expect(reader.buffered).toBe(0);
  });

  it('reports an unfinished file at the end of the stream', () => {
    const reader = new SmlStreamReader();
    reader.push(framed[0]!.subarray(0, 40));
    expect(kinds(reader.finish())).toEqual(['CODEC_TRUNCATED']);
  });
});
