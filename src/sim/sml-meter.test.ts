import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../protocols/bytes.js';
import { smlFrameDecoder } from '../protocols/sml/frame-decoder.js';
import { unwrapSmlFile } from '../protocols/sml/transport.js';
import { codeOf, seedArb, timeArb } from './_testing/arbitraries.js';
import { registerSteps, valueSteps } from './profiles.js';
import { SmlMeter, wrapSmlFile } from './sml-meter.js';

const SERVER_ID = Uint8Array.of(0x0a, 0x01, 0x47, 0x57, 0x44, 0x00, 0x00, 0x00, 0x12, 0x34);

describe('SmlMeter round trip through the SML decoder', () => {
  it('decodes (file and message CRCs checked) to the profile values at t', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.boolean(), (seed, t, pv) => {
        const m = new SmlMeter({ serverId: SERVER_ID, seed, pv });
        const d = smlFrameDecoder.session({}).decode(m.frame(t).text);
        expect(d.meter.id).toBe('0A014757440000001234');
        expect(d.warnings).toEqual([]);
        expect(d.layers).toMatchObject({ framing: 'transport-v1', crc: 'x25' });
        const s = m.profile.sampleAt(t);
        if (s.kind !== 'electricity') throw new Error('electricity profile expected');
        const byObis = new Map(d.readings.map((r) => [r.obis, r]));
        expect(byObis.get('1-0:1.8.0')).toMatchObject({ unit: 'Wh' });
        expect(byObis.get('1-0:1.8.0')?.value).toBeCloseTo(registerSteps(s.importWh, 0.1) / 10, 6);
        expect(byObis.get('1-0:2.8.0')?.value).toBeCloseTo(registerSteps(s.exportWh, 0.1) / 10, 6);
        expect(byObis.get('1-0:16.7.0')).toMatchObject({ unit: 'W', value: valueSteps(s.powerImportW - s.powerExportW, 1) });
      }),
      { numRuns: 60 },
    );
  });

  it('doubles an escape sequence inside the content so the transport stays unambiguous', () => {
    const content = Uint8Array.of(0x76, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x00);
    // Aligned: bytes 4..7 are 1B1B1B1B and go out twice; bytes 1..3 + 8 are not a whole escape block.
    const file = wrapSmlFile(content);
    expect(unwrapSmlFile(file).payload).toEqual(content);
  });

  it('sends other files at other times and the same file for the same seed and time', () => {
    const m = new SmlMeter({ serverId: SERVER_ID, seed: 3 });
    const t = Date.UTC(2025, 7, 7, 7, 7, 7);
    expect(new SmlMeter({ serverId: SERVER_ID, seed: 3 }).frame(t)).toEqual(m.frame(t));
    expect(m.frame(t + 1000)).not.toEqual(m.frame(t));
  });

  it('is caught by the decoder when a bit flips on the way', () => {
    const bytes = hexToBytes(new SmlMeter({ serverId: SERVER_ID, seed: 3 }).frame(Date.UTC(2025, 1, 1)).text);
    bytes[40] = bytes[40]! ^ 0x04;
    expect(codeOf(() => smlFrameDecoder.session({}).decode(Buffer.from(bytes).toString('hex')))).toBe('CODEC_CRC_MISMATCH');
  });

  it('refuses a server id longer than 14 bytes with SIM_BAD_OPTION', () => {
    expect(codeOf(() => new SmlMeter({ serverId: new Uint8Array(15), seed: 1 }))).toBe('SIM_BAD_OPTION');
  });
});
