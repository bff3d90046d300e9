import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dsmrFrameDecoder } from '../protocols/dsmr/frame-decoder.js';
import type { DecodedFrame } from '../protocols/reading.js';
import { codeOf, key, seedArb, TO_BASE, timeArb } from './_testing/arbitraries.js';
import { type DsmrEncryption, DsmrMeter, dsmrTimestamp } from './dsmr-meter.js';
import { type ElectricitySample, registerSteps, valueSteps } from './profiles.js';

const ENCRYPTION: DsmrEncryption = { systemTitle: Uint8Array.of(0x47, 0x57, 0x44, 0x50, 0, 0, 0, 9), ek: key(0x41), ak: key(0x42) };
const meterOf = (seed: number, pv = false, encryption?: DsmrEncryption): DsmrMeter =>
  new DsmrMeter({ equipmentId: 'E0012345678901234', gasEquipmentId: 'G0012345678901234', seed, pv, ...(encryption ? { encryption } : {}) });

/** OBIS -> value in base units (Wh, W, V, A, m3), worked out from the profiles here. */
function expected(m: DsmrMeter, t: number): Map<string, number> {
  const s = m.profile.sampleAt(t) as ElectricitySample;
  const gas = m.gasProfile.sampleAt(Math.floor(t / 300_000) * 300_000);
  const out = new Map<string, number>([
    ['1-0:1.8.1', registerSteps(s.importTariffWh[0], 1)],
    ['1-0:1.8.2', registerSteps(s.importTariffWh[1], 1)],
    ['1-0:2.8.1', registerSteps(s.exportTariffWh[0], 1)],
    ['1-0:2.8.2', registerSteps(s.exportTariffWh[1], 1)],
    ['0-0:96.14.0', s.tariff],
    ['1-0:1.7.0', valueSteps(s.powerImportW, 1)],
    ['1-0:2.7.0', valueSteps(s.powerExportW, 1)],
    ['0-1:24.2.1', registerSteps(gas.volumeM3, 0.001) / 1000],
  ]);
  const c = [
    [32, 31, 21, 22],
    [52, 51, 41, 42],
    [72, 71, 61, 62],
  ] as const;
  s.phases.forEach((p, i) => {
    const [u, a, imp, exp] = c[i]!;
    out.set(`1-0:${u}.7.0`, valueSteps(p.voltageV, 0.1) / 10);
    out.set(`1-0:${a}.7.0`, valueSteps(p.currentA, 1));
    out.set(`1-0:${imp}.7.0`, valueSteps(Math.max(p.powerW, 0), 1));
    out.set(`1-0:${exp}.7.0`, valueSteps(Math.max(-p.powerW, 0), 1));
  });
  return out;
}

function checkValues(d: DecodedFrame, m: DsmrMeter, t: number): void {
  const want = expected(m, t);
  for (const [obis, value] of want) {
    const r = d.readings.find((x) => x.obis === obis);
    expect(r, obis).toBeDefined();
    // Number(): the DSMR decoder leaves 1-0:42.7.0 as text (it takes every C = 42 for a text object).
    expect(Number(r!.value) * (r!.unit === undefined ? 1 : TO_BASE[r!.unit]!), obis).toBeCloseTo(value, 6);
  }
  expect(d.readings.find((x) => x.obis === '0-0:1.0.0')?.value).toBe(`${new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19)}Z`);
  expect(d.meter.id).toBe('E0012345678901234');
  expect(d.readings.find((x) => x.obis === '0-1:96.1.0')?.value).toBe('G0012345678901234');
}

describe('DsmrMeter round trip through the DSMR decoder', () => {
  it('plain telegrams: CRC verified, values equal the profile at t', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.boolean(), (seed, t, pv) => {
        const m = meterOf(seed, pv);
        const d = dsmrFrameDecoder.session({}).decode(m.frame(t).text);
        expect(d.layers?.crc).toMatchObject({ kind: 'valid' });
        expect(d.meter.version).toBe(50);
        checkValues(d, m, t);
      }),
      { numRuns: 40 },
    );
  });

  it('encrypted frames (general-glo-ciphering, SC 30): decrypted, authenticated, same values', () => {
    fc.assert(
      fc.property(seedArb, timeArb, (seed, t) => {
        const m = meterOf(seed, false, ENCRYPTION);
        const d = dsmrFrameDecoder.session({ key: m.key!, ak: m.ak! }).decode(m.frame(t).text);
        expect(d.security).toBe('suite0');
        expect(d.verdict).toBe('decrypted-authenticated');
        expect(d.meter.systemTitle).toBe(m.systemTitle);
        checkValues(d, m, t);
      }),
      { numRuns: 30 },
    );
  });

  it.each([
    ['2025-01-15T12:00:00Z', '250115130000W'],
    ['2025-07-15T12:00:00Z', '250715140000S'],
    ['2025-03-30T00:59:59Z', '250330015959W'],
    ['2025-03-30T01:00:00Z', '250330030000S'],
    ['2025-10-26T00:59:59Z', '251026025959S'],
    ['2025-10-26T01:00:00Z', '251026020000W'],
  ])('writes %s as Dutch local time %s', (iso, text) => {
    expect(dsmrTimestamp(Date.parse(iso))).toBe(text);
  });

  it.each([
    ['a wrong key', 'CODEC_AUTH_FAILED', { key: key(0x99), ak: ENCRYPTION.ak }],
    ['a wrong AK', 'CODEC_AUTH_FAILED', { key: ENCRYPTION.ek, ak: key(0x99) }],
    ['no key', 'CODEC_NO_KEY', {}],
  ])('an encrypted frame with %s fails with %s', (_, code, keys) => {
    const text = meterOf(2, false, ENCRYPTION).frame(Date.UTC(2025, 5, 5)).text;
    expect(codeOf(() => dsmrFrameDecoder.session(keys).decode(text))).toBe(code);
  });

  it('encrypted: a session takes the rising invocation counters and refuses a replay with CODEC_REPLAY', () => {
    const m = meterOf(3, false, ENCRYPTION);
    const session = dsmrFrameDecoder.session({ key: m.key!, ak: m.ak! });
    const t0 = Date.UTC(2025, 5, 5, 5);
    const frames = [0, 1000, 10_000].map((d) => m.frame(t0 + d).text);
    for (const f of frames) expect(session.decode(f).verdict).toBe('decrypted-authenticated');
    expect(codeOf(() => session.decode(frames[1]!))).toBe('CODEC_REPLAY');
  });

  it('a changed digit breaks the telegram CRC (CODEC_CRC_MISMATCH)', () => {
    const text = meterOf(4).frame(Date.UTC(2025, 2, 2)).text.replace('1-0:1.7.0(0', '1-0:1.7.0(9');
    expect(codeOf(() => dsmrFrameDecoder.session({}).decode(text))).toBe('CODEC_CRC_MISMATCH');
  });

  it('is deterministic in seed and time', () => {
    const t = Date.UTC(2025, 9, 9, 9, 9, 9);
    expect(meterOf(5).frame(t)).toEqual(meterOf(5).frame(t));
    expect(meterOf(6).frame(t)).not.toEqual(meterOf(5).frame(t));
  });

  it.each([
    ['an equipment id with spaces', () => new DsmrMeter({ equipmentId: 'E 1', gasEquipmentId: 'G1', seed: 1 })],
    ['a system title of 4 bytes', () => meterOf(1, false, { ...ENCRYPTION, systemTitle: new Uint8Array(4) })],
    ['an encrypted frame from a meter without encryption', () => meterOf(1).encryptedFrame(Date.UTC(2025, 1, 1))],
  ])('refuses %s with SIM_BAD_OPTION', (_, f) => {
    expect(codeOf(f)).toBe('SIM_BAD_OPTION');
  });
});
