import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../protocols/bytes.js';
import { wmbusFrameDecoder } from '../protocols/wmbus/frame-decoder.js';
import { WmbusSession } from '../protocols/wmbus/session.js';
import { codeOf, key, seedArb, TO_BASE, timeArb } from './_testing/arbitraries.js';
import { counterAt } from './meter.js';
import { type Medium, registerSteps, valueSteps } from './profiles.js';
import { encodeTypeF, type WmbusMeterSpec, WmbusMeter } from './wmbus-meter.js';

type Variant = Pick<WmbusMeterSpec, 'medium' | 'mode' | 'header' | 'frameA'> & { readonly pv: boolean };

const VARIANTS = [
  { medium: 'electricity', mode: 5, header: 'short', frameA: false, pv: true },
  { medium: 'electricity', mode: 7, header: 'long', frameA: true, pv: false },
  { medium: 'gas', mode: 7, header: 'long', frameA: true, pv: false },
  { medium: 'gas', mode: 5, header: 'short', frameA: false, pv: false },
  { medium: 'water', mode: 5, header: 'long', frameA: false, pv: false },
  { medium: 'heat', mode: 7, header: 'short', frameA: true, pv: false },
] as const satisfies readonly Variant[];

const meterOf = (v: Variant, seed: number, k = key(0x11)): WmbusMeter =>
  new WmbusMeter({ id: '31415926', manufacturer: 'GWD', version: 3, key: k, seed, ...v });

/** What the profile says the telegram must carry, worked out here from the profile (base units). */
function expectedFromProfile(m: WmbusMeter, t: number, medium: Medium, pv: boolean): number[] {
  const s = m.profile.sampleAt(t);
  if (s.kind === 'electricity') {
    const out = [registerSteps(s.importWh, 1), valueSteps(s.powerImportW, 1)];
    return pv ? [...out, registerSteps(s.exportWh, 1), valueSteps(s.powerExportW, 1)] : out;
  }
  if (s.kind === 'heat') return [registerSteps(s.energyWh, 1), valueSteps(s.powerW, 1)];
  expect(medium === 'gas' || medium === 'water').toBe(true);
  return [registerSteps(s.volumeM3, 0.001) * 0.001, valueSteps(s.flowM3h, 0.001) * 0.001];
}

describe('WmbusMeter round trip through the wM-Bus decoder', () => {
  it.each(VARIANTS)('$medium mode $mode $header header, frame A $frameA: values equal the profile at t', (v) => {
    fc.assert(
      fc.property(seedArb, timeArb, (seed, t) => {
        const m = meterOf(v, seed);
        const d = wmbusFrameDecoder.session({ byId: new Map([[m.id, m.key]]) }).decode(m.frame(t).text);
        expect(d.meter).toMatchObject({ id: '31415926', manufacturer: 'GWD', version: 3 });
        expect(d.security).toBe(v.mode === 5 ? 'mode5' : 'mode7');
        expect(d.verdict).toBe(v.mode === 5 ? 'decrypted' : 'decrypted-authenticated');
        const numbers = d.readings.filter((r) => typeof r.value === 'number');
        const expected = expectedFromProfile(m, t, v.medium, v.pv);
        expect(numbers).toHaveLength(expected.length);
        numbers.forEach((r, i) => {
          expect((r.value as number) * TO_BASE[r.unit!]!).toBeCloseTo(expected[i]!, 6);
        });
        const when = d.readings.find((r) => r.quantity === 'date time');
        expect(when?.value).toBe(new Date(t).toISOString().slice(0, 16));
      }),
      { numRuns: 40 },
    );
  });

  it('puts the frame A block CRCs in when asked (and the decoder checks them)', () => {
    const t = Date.UTC(2025, 1, 1, 10);
    const withCrc = hexToBytes(meterOf(VARIANTS[2], 5).frame(t).text);
    const without = hexToBytes(meterOf({ ...VARIANTS[2], frameA: false }, 5).frame(t).text);
    expect(withCrc.length).toBeGreaterThan(without.length);
    const d = new WmbusSession({ keys: { key: key(0x11) } }).decodeBytes(withCrc);
    expect(d.kind === 'telegram' && d.link).toMatchObject({ id: '31415926', dllCrc: 'frame-a' });
    for (const at of [5, 12, 30, withCrc.length - 3]) {
      const broken = Uint8Array.from(withCrc);
      broken[at] = broken[at]! ^ 0x01;
      expect(codeOf(() => new WmbusSession({ keys: { key: key(0x11) } }).decodeBytes(broken)), `bit flipped at ${at}`).toBe('CODEC_CRC_MISMATCH');
    }
  });

  it.each([
    [5, 'CODEC_WRONG_KEY'],
    [7, 'CODEC_AUTH_FAILED'],
  ] as const)('mode %i with a wrong key fails with %s', (mode, code) => {
    const m = meterOf({ ...VARIANTS[0], mode }, 3);
    const text = m.frame(Date.UTC(2025, 6, 1)).text;
    expect(codeOf(() => wmbusFrameDecoder.session({ key: key(0x22) }).decode(text))).toBe(code);
  });

  it('without a key the decoder says CODEC_NO_KEY', () => {
    const text = meterOf(VARIANTS[1], 3).frame(Date.UTC(2025, 6, 1)).text;
    expect(codeOf(() => wmbusFrameDecoder.session({}).decode(text))).toBe('CODEC_NO_KEY');
  });

  it('mode 7: a session accepts a sequence of telegrams and rejects a replayed one with CODEC_REPLAY', () => {
    const m = meterOf(VARIANTS[2], 12);
    const session = wmbusFrameDecoder.session({ key: m.key });
    const t0 = Date.UTC(2025, 3, 3, 3, 3, 3);
    const frames = [0, 4000, 8000, 60_000].map((d) => m.frame(t0 + d).text);
    for (const f of frames) expect(session.decode(f).verdict).toBe('decrypted-authenticated');
    expect(codeOf(() => session.decode(frames[1]!))).toBe('CODEC_REPLAY');
    expect(codeOf(() => session.decode(frames[3]!))).toBe('CODEC_REPLAY');
  });

  it('counts its access number and message counter up with time', () => {
    const m = meterOf(VARIANTS[1], 12);
    const t = Date.UTC(2025, 3, 3);
    const s = new WmbusSession({ keys: { key: m.key } });
    const a = s.decodeBytes(hexToBytes(m.frame(t).text));
    const b = s.decodeBytes(hexToBytes(m.frame(t + 5000).text));
    if (a.kind !== 'telegram' || b.kind !== 'telegram') throw new Error('expected telegrams');
    expect(a.afl?.messageCounter).toBe(counterAt(t));
    expect(b.afl?.messageCounter).toBe(counterAt(t) + 5);
    expect(b.tpl?.accessNumber).toBe((a.tpl!.accessNumber! + 5) & 0xff);
  });

  it('gives the same bytes for the same seed and time, and other bytes for another seed', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(meterOf(VARIANTS[0], 77).frame(t)).toEqual(meterOf(VARIANTS[0], 77).frame(t));
    expect(meterOf(VARIANTS[0], 78).frame(t)).not.toEqual(meterOf(VARIANTS[0], 77).frame(t));
  });

  it('encodes date-time type F as EN 13757-3 annex A lays it out', () => {
    // 2025-06-03 12:34 UTC: minute 34, hour 12 + hundred-year 1 << 5, day 3 + (25 & 7) << 5, month 6 + (25 >> 3) << 4
    expect([...encodeTypeF(Date.UTC(2025, 5, 3, 12, 34))]).toEqual([34, 12 | 0x20, 3 | (1 << 5), 6 | (3 << 4)]);
  });

  it.each([
    ['an id that is not 8 digits', { id: '1234567' }],
    ['a manufacturer that is not 3 letters', { manufacturer: 'gw1' }],
    ['a key that is not 16 bytes', { key: new Uint8Array(15) }],
    ['a version above a byte', { version: 256 }],
  ])('refuses %s with SIM_BAD_OPTION', (_, patch) => {
    expect(codeOf(() => new WmbusMeter({ id: '12345678', manufacturer: 'GWD', medium: 'gas', version: 1, key: key(1), mode: 5, seed: 1, ...patch }))).toBe('SIM_BAD_OPTION');
  });
});
