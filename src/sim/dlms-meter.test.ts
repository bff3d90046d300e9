import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../protocols/bytes.js';
import { decodeApdu } from '../protocols/dlms/apdu.js';
import { dlmsFrameDecoder } from '../protocols/dlms/frame-decoder.js';
import { codeOf, key, seedArb, TO_BASE, timeArb } from './_testing/arbitraries.js';
import { DlmsMeter } from './dlms-meter.js';
import { type ElectricitySample, registerSteps, valueSteps } from './profiles.js';

const TITLE = Uint8Array.of(0x47, 0x57, 0x44, 0x44, 0, 0, 0x12, 0x34);
const meterOf = (seed: number, withAk = true, pv = false): DlmsMeter =>
  new DlmsMeter({ systemTitle: TITLE, ek: key(0x31), ...(withAk ? { ak: key(0x32) } : {}), seed, pv });

/** OBIS -> value in base units, worked out from the profile sample here. */
function expected(s: ElectricitySample): Map<string, number> {
  const m = new Map<string, number>([
    ['1-0:1.8.0', registerSteps(s.importWh, 1)],
    ['1-0:2.8.0', registerSteps(s.exportWh, 1)],
    ['1-0:1.7.0', valueSteps(s.powerImportW, 1)],
    ['1-0:2.7.0', valueSteps(s.powerExportW, 1)],
  ]);
  const c = [
    [32, 31, 36, 4],
    [52, 51, 56, 15],
    [72, 71, 76, 26],
  ] as const;
  s.phases.forEach((p, i) => {
    const [u, a, w, angle] = c[i]!;
    m.set(`1-0:${u}.7.0`, valueSteps(p.voltageV, 0.1) / 10);
    m.set(`1-0:${a}.7.0`, valueSteps(p.currentA, 0.01) / 100);
    m.set(`1-0:${w}.7.0`, valueSteps(p.powerW, 1));
    m.set(`1-0:81.7.${angle}`, valueSteps(p.phaseAngleDeg, 0.1) / 10);
  });
  return m;
}

describe('DlmsMeter round trip through the DLMS decoder', () => {
  it.each([true, false])('authenticated %s: every register equals the profile at t', (withAk) => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.boolean(), (seed, t, pv) => {
        const m = meterOf(seed, withAk, pv);
        const d = dlmsFrameDecoder.session({ key: m.key, ...(m.ak ? { ak: m.ak } : {}) }).decode(m.frame(t).text);
        expect(d.meter.systemTitle).toBe(bytesToHex(TITLE));
        expect(d.security).toBe('suite0');
        expect(d.verdict).toBe(withAk ? 'decrypted-authenticated' : 'decrypted');
        const want = expected(m.profile.sampleAt(t) as ElectricitySample);
        expect(d.readings.map((r) => r.obis)).toEqual([...want.keys()]);
        for (const r of d.readings) {
          expect((r.value as number) * TO_BASE[r.unit!]!, r.obis).toBeCloseTo(want.get(r.obis!)!, 6);
          // The COSEM date-time carries hundredths of a second.
          expect(Date.parse(r.timestamp!)).toBe(Math.floor(t / 10) * 10);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('sends a data-notification in the clear inside the ciphering', () => {
    const apdu = decodeApdu(meterOf(1).notification(Date.UTC(2025, 1, 1)));
    expect(apdu.kind).toBe('data-notification');
  });

  it.each([
    ['a wrong encryption key', 'CODEC_AUTH_FAILED', { key: key(0x99), ak: key(0x32) }],
    ['a wrong authentication key', 'CODEC_AUTH_FAILED', { key: key(0x31), ak: key(0x99) }],
    ['no authentication key', 'CODEC_NO_KEY', { key: key(0x31) }],
  ])('with %s the decoder fails with %s', (_, code, keys) => {
    const text = meterOf(4).frame(Date.UTC(2025, 8, 9)).text;
    expect(codeOf(() => dlmsFrameDecoder.session(keys).decode(text))).toBe(code);
  });

  it('without authentication a wrong key fails with CODEC_WRONG_KEY', () => {
    const text = meterOf(4, false).frame(Date.UTC(2025, 8, 9)).text;
    expect(codeOf(() => dlmsFrameDecoder.session({ key: key(0x98) }).decode(text))).toBe('CODEC_WRONG_KEY');
  });

  it('raises its invocation counter: a session takes the sequence and refuses a replay with CODEC_REPLAY', () => {
    const m = meterOf(5);
    const session = dlmsFrameDecoder.session({ key: m.key, ak: m.ak! });
    const t0 = Date.UTC(2025, 10, 11, 11);
    const frames = [0, 1000, 5000, 3_600_000].map((d) => m.frame(t0 + d).text);
    for (const f of frames) expect(session.decode(f).verdict).toBe('decrypted-authenticated');
    expect(codeOf(() => session.decode(frames[0]!))).toBe('CODEC_REPLAY');
    expect(codeOf(() => session.decode(frames[3]!))).toBe('CODEC_REPLAY');
  });

  it('is deterministic in seed and time', () => {
    const t = Date.UTC(2025, 4, 4, 4, 4, 4);
    expect(meterOf(9).frame(t)).toEqual(meterOf(9).frame(t));
    expect(meterOf(10).frame(t)).not.toEqual(meterOf(9).frame(t));
  });

  it.each([
    ['a 7-byte system title', () => new DlmsMeter({ systemTitle: new Uint8Array(7), ek: key(1), seed: 1 })],
    ['a short key', () => new DlmsMeter({ systemTitle: TITLE, ek: new Uint8Array(8), seed: 1 })],
    ['a time before the origin', () => meterOf(1).frame(0)],
  ])('refuses %s with SIM_BAD_OPTION', (_, f) => {
    expect(codeOf(f)).toBe('SIM_BAD_OPTION');
  });
});
