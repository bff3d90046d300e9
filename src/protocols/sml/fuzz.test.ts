import fc from 'fast-check';
import { describe, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { CodecError } from '../errors.js';
import { smlRows } from './_conformance.js';
import { decodeSml } from './decode.js';
import { smlReadings } from './readings.js';
import { SmlStreamReader } from './stream.js';

const frames = smlRows.map((r) => hexToBytes(r.frame_hex));

/** Real frames with flipped bits, cut ends, inserted or removed bytes, and lying TL lengths. */
const mutated = fc
  .tuple(
    fc.constantFrom(...frames),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ op: fc.constant('set' as const), at: fc.nat(), v: fc.constantFrom(0x00, 0x01, 0x1b, 0x72, 0x7f, 0x8f, 0xf1, 0xff) }),
        fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
  )
  .map(([frame, ops]) => {
    let b = [...frame];
    for (const m of ops) {
      const at = b.length === 0 ? 0 : m.at % b.length;
      if (m.op === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
      else if (m.op === 'set' && b.length > 0) b[at] = m.v;
      else if (m.op === 'cut') b = b.slice(0, at);
      else if (m.op === 'insert') b.splice(at, 0, m.v);
      else if (m.op === 'delete') b.splice(at, 1);
    }
    return Uint8Array.from(b);
  });

function onlyCodecErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
}

describe('SML decoder under mutation', () => {
  it('decodes or throws CodecError, strict and lenient', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        onlyCodecErrors(() => smlReadings(decodeSml(bytes)));
        onlyCodecErrors(() => smlReadings(decodeSml(bytes, { messageCrc: 'lenient' })));
      }),
      { numRuns: 3000 },
    );
  });

  it('the stream reader turns any bytes into events, never exceptions', () => {
    fc.assert(
      fc.property(mutated, fc.nat(), (bytes, split) => {
        const r = new SmlStreamReader();
        const at = bytes.length === 0 ? 0 : split % bytes.length;
        r.push(bytes.subarray(0, at));
        r.push(bytes.subarray(at));
        r.finish();
      }),
      { numRuns: 500 },
    );
  });
});
