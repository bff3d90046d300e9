import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dlmsFrameDecoder } from '../protocols/dlms/frame-decoder.js';
import type { FrameDecoder } from '../protocols/decoder.js';
import { dsmrFrameDecoder } from '../protocols/dsmr/frame-decoder.js';
import type { Protocol } from '../protocols/reading.js';
import { smlFrameDecoder } from '../protocols/sml/frame-decoder.js';
import { wmbusFrameDecoder } from '../protocols/wmbus/frame-decoder.js';
import { codeOf, orderedTimesArb, seedArb, timeArb } from './_testing/arbitraries.js';
import { createFleet, decodeKeysOf, frameAt, registrationOf } from './fleet.js';

const DECODERS: Readonly<Record<Protocol, FrameDecoder>> = { wmbus: wmbusFrameDecoder, dlms: dlmsFrameDecoder, dsmr: dsmrFrameDecoder, sml: smlFrameDecoder };
const COUNTS = { wmbus: 5, dsmr: 2, dsmrEncrypted: 2, dlms: 2, sml: 2 };

describe('createFleet', () => {
  it('makes the meters asked for, with unique ids, the same for the same seed', () => {
    const a = createFleet(42, COUNTS);
    const b = createFleet(42, COUNTS);
    expect(a.map((m) => m.kind)).toEqual(['wmbus', 'wmbus', 'wmbus', 'wmbus', 'wmbus', 'dsmr', 'dsmr', 'dsmr', 'dsmr', 'dlms', 'dlms', 'sml', 'sml']);
    expect(new Set(a.map((m) => m.systemTitle ?? m.id)).size).toBe(a.length);
    expect(a.map((m) => [m.id, m.key, m.ak])).toEqual(b.map((m) => [m.id, m.key, m.ak]));
    expect(createFleet(43, COUNTS).map((m) => m.key)).not.toEqual(a.map((m) => m.key));
    expect(new Set(a.filter((m) => m.key !== undefined).map((m) => Buffer.from(m.key!).toString('hex'))).size).toBe(a.filter((m) => m.key).length);
  });

  it('every meter of every fleet sends frames its protocol decoder reads with the meter keys', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.boolean(), (seed, t, authenticate) => {
        for (const m of createFleet(seed, COUNTS, { authenticate })) {
          const f = frameAt(m, t);
          expect(f.protocol).toBe(m.protocol);
          expect(DECODERS[f.protocol].sniff(f.text)).toBe(true);
          const d = DECODERS[f.protocol].session(decodeKeysOf(m)).decode(f.text);
          expect(d.readings.length).toBeGreaterThan(2);
          if (m.key !== undefined) expect(d.verdict).toMatch(/^decrypted/);
          if (m.ak !== undefined) expect(d.verdict).toBe('decrypted-authenticated');
          if (m.systemTitle !== undefined) expect(d.meter.systemTitle).toBe(m.systemTitle);
          else expect(d.meter.id).toBe(m.id);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('registers read through the decoders never decrease from one frame to a later one', () => {
    // Import/export energy (C = 1, 2; D = 8), gas (7-0:3.0.0, 0-1:24.2.1), water (8-0:1.0.0), heat (6-0:1.0.0).
    const REGISTER = /^(\d+-\d+:[12]\.8\.\d|7-0:3\.0\.0|0-1:24\.2\.1|8-0:1\.0\.0|6-0:1\.0\.0)$/;
    fc.assert(
      fc.property(seedArb, orderedTimesArb, (seed, [t1, t2]) => {
        for (const m of createFleet(seed, COUNTS)) {
          const session = DECODERS[m.protocol].session(decodeKeysOf(m));
          const registers = (t: number) => session.decode(frameAt(m, t).text).readings.filter((r) => REGISTER.test(r.obis ?? ''));
          const before = registers(t1);
          const after = registers(t2);
          expect(before.length).toBeGreaterThan(0);
          expect(after.map((r) => r.obis)).toEqual(before.map((r) => r.obis));
          after.forEach((r, i) => {
            expect(r.value as number, `${m.id} ${r.obis}`).toBeGreaterThanOrEqual(before[i]!.value as number);
          });
        }
      }),
      { numRuns: 15 },
    );
  });

  it('gives registrations with the id and keys a gateway registers', () => {
    const [w, d] = createFleet(4, { wmbus: 1, dlms: 1 });
    expect(registrationOf(w!)).toEqual({ protocol: 'wmbus', id: w!.id, key: Buffer.from(w!.key!).toString('hex').toUpperCase() });
    expect(registrationOf(d!)).toMatchObject({ protocol: 'dlms', id: d!.systemTitle, ak: Buffer.from(d!.ak!).toString('hex').toUpperCase() });
  });

  it('without authentication the ciphered meters carry no AK', () => {
    const fleet = createFleet(1, { dlms: 1, dsmrEncrypted: 1 }, { authenticate: false });
    expect(fleet.map((m) => m.ak)).toEqual([undefined, undefined]);
  });

  it.each([
    ['a negative count', () => createFleet(1, { wmbus: -1 })],
    ['a fractional count', () => createFleet(1, { sml: 1.5 })],
    ['too many meters', () => createFleet(1, { dlms: 1001 })],
    ['a seed that is not a u32', () => createFleet(-5, { dlms: 1 })],
  ])('refuses %s with SIM_BAD_OPTION', (_, f) => {
    expect(codeOf(f)).toBe('SIM_BAD_OPTION');
  });
});
