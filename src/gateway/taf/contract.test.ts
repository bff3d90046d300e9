import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { CONTRACT_INPUTS, contract } from './_testing/builders.js';
import { gatewayCodeOf } from '../_testing/error-code.js';
import { contractOrThrow, needsConsent, parseContract, storedContract } from './contract.js';

const input = <T extends keyof typeof CONTRACT_INPUTS>(taf: T, override: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...CONTRACT_INPUTS[taf],
  ...override,
});

describe('parseContract', () => {
  it.each(Object.keys(CONTRACT_INPUTS).map(Number))('accepts the TAF %i builder contract', (taf) => {
    const r = parseContract(CONTRACT_INPUTS[taf as keyof typeof CONTRACT_INPUTS]);
    expect(r.ok).toBe(true);
  });

  it('fills the defaults: Europe/Berlin, 15-minute interval, A+ register for TAF 2, both feed-in values', () => {
    const { timeZone: _tz, intervalMinutes: _i, ...bare7 } = CONTRACT_INPUTS[7];
    const c7 = contractOrThrow(bare7);
    expect(c7.timeZone).toBe('Europe/Berlin');
    expect(c7.taf === 7 && c7.intervalMinutes).toBe(15);
    const c2 = contract(2);
    expect(c2.taf === 2 && c2.register).toBe('1-0:1.8.0');
    const { registers: _r, ...bare9 } = CONTRACT_INPUTS[9];
    const c9 = contractOrThrow(bare9);
    expect(c9.taf === 9 && c9.registers).toEqual(['1-0:2.8.0', '1-0:2.7.0']);
  });

  it('normalises OBIS ids and the certificate fingerprint', () => {
    const c = contract(1, { registers: ['1-0:1.8.0*255'], recipient: { name: 'EMT', encCertSha256: 'AB'.repeat(32) } });
    expect(c.taf === 1 && c.registers).toEqual(['1-0:1.8.0']);
    expect(c.recipient.encCertSha256).toBe('ab'.repeat(32));
  });

  it('accepts a stage window that wraps midnight and one that ends at 24:00', () => {
    const r = parseContract(
      input(2, {
        stages: [
          { windows: [{ from: '00:00', to: '06:00' }, { from: '18:00', to: '24:00' }] },
          { windows: [{ from: '06:00', to: '12:00' }] },
          { windows: [{ from: '12:00', to: '18:00' }] },
        ],
      }),
    );
    expect(r.ok).toBe(true);
  });

  // Each refused contract with the field the rejection must name.
  it.each([
    ['overlapping stages', 2, { stages: [{ windows: [{ from: '06:00', to: '22:00' }] }, { windows: [{ from: '21:00', to: '06:00' }] }] }, 'stages[1].windows[0]'],
    ['uncovered hours', 2, { stages: [{ windows: [{ from: '06:00', to: '22:00' }] }, { windows: [{ from: '23:00', to: '06:00' }] }] }, 'stages'],
    ['one stage only', 2, { stages: [{ windows: [{ from: '00:00', to: '24:00' }] }] }, 'stages'],
    ['five stages', 2, { stages: Array.from({ length: 5 }, (_, i) => ({ windows: [{ from: `0${i}:00`, to: `0${i + 1}:00` }] })) }, 'stages'],
    ['an empty window', 2, { stages: [{ windows: [{ from: '06:00', to: '06:00' }] }, { windows: [{ from: '00:00', to: '06:00' }] }] }, 'stages[0].windows[0].to'],
    ['a clock time 24:30', 2, { stages: [{ windows: [{ from: '06:00', to: '24:30' }] }, { windows: [{ from: '00:00', to: '06:00' }] }] }, 'stages[0].windows[0].to'],
    ['a TAF 2 register other than A+', 2, { register: '1-0:2.8.0' }, 'register'],
    ['interval 5 minutes on TAF 7', 7, { intervalMinutes: 5 }, 'intervalMinutes'],
    ['interval 45 minutes on TAF 9', 9, { intervalMinutes: 45 }, 'intervalMinutes'],
    ['TAF 14 below one second', 14, { intervalSeconds: 0.5 }, 'intervalSeconds'],
    ['TAF 14 above 15 minutes', 14, { intervalSeconds: 901 }, 'intervalSeconds'],
    ['TAF 10 without pseudonymisation', 10, { pseudonymise: false }, 'pseudonymise'],
    ['TAF 10 pseudonymisation missing', 10, { pseudonymise: undefined }, 'pseudonymise'],
    ['TAF 10 asking for an energy register', 10, { values: ['1-0:1.8.0'] }, 'values[0]'],
    ['TAF 14 asking for a register', 14, { values: ['1-0:1.7.0', '1-0:1.8.0'] }, 'values[1]'],
    ['TAF 9 asking for consumption', 9, { registers: ['1-0:1.8.0'] }, 'registers[0]'],
    ['TAF 1 asking for power', 1, { registers: ['1-0:1.7.0'] }, 'registers[0]'],
    ['TAF 1 without registers', 1, { registers: [] }, 'registers'],
    ['a register twice', 7, { registers: ['1-0:1.8.0', '1-0:1.8.0*255'] }, 'registers'],
    ['not an OBIS id', 7, { registers: ['energy'] }, 'registers[0]'],
    ['billing day 29', 1, { billing: { kind: 'monthly', day: 29 } }, 'billing.day'],
    ['billing every 0 days', 1, { billing: { kind: 'days', every: 0 } }, 'billing.every'],
    ['an unknown billing kind', 1, { billing: { kind: 'weekly' } }, 'billing.kind'],
    ['validTo before validFrom', 7, { validTo: '2023-12-31T00:00:00Z' }, 'validTo'],
    ['a date without a time', 7, { validFrom: '2024-01-01' }, 'validFrom'],
    ['an unknown time zone', 7, { timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['a bad fingerprint', 7, { recipient: { name: 'EMT', encCertSha256: 'xyz' } }, 'recipient.encCertSha256'],
    ['a recipient without name', 7, { recipient: { encCertSha256: 'ab'.repeat(32) } }, 'recipient.name'],
    ['an empty meter id', 7, { meterId: '' }, 'meterId'],
    ['a contract id with a slash', 7, { id: 'a/b' }, 'id'],
    ['an unknown TAF', 7, { taf: 3 }, 'taf'],
    ['a field of another TAF', 1, { intervalMinutes: 15 }, 'intervalMinutes'],
    ['a wrong requiresConsent', 14, { requiresConsent: false }, 'requiresConsent'],
  ])('rejects %s, naming %s', (_what, taf, override, field) => {
    const r = parseContract(input(taf as keyof typeof CONTRACT_INPUTS, override));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('GW_TAF_BAD_CONTRACT');
    expect(r.error.field).toBe(field);
  });

  it('throws GatewayError GW_TAF_BAD_CONTRACT from contractOrThrow', () => {
    let caught: unknown;
    try {
      contractOrThrow(input(10, { pseudonymise: false }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).code).toBe('GW_TAF_BAD_CONTRACT');
  });

  it('reads back a contract it produced (requiresConsent included)', () => {
    const c = contract(14);
    const again = parseContract(JSON.parse(JSON.stringify(c)));
    expect(again.ok && again.value).toEqual(c);
  });

  it('never throws on mutated contracts: a contract or a rejection', () => {
    const values = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string()), fc.object());
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(CONTRACT_INPUTS).map(Number) as Array<keyof typeof CONTRACT_INPUTS>)),
        fc.array(fc.tuple(fc.constantFrom('id', 'taf', 'meterId', 'validFrom', 'validTo', 'billing', 'stages', 'registers', 'values', 'intervalMinutes', 'intervalSeconds', 'pseudonymise', 'recipient', 'timeZone'), values), { maxLength: 3 }),
        (taf, edits) => {
          const c = input(taf, Object.fromEntries(edits));
          const r = parseContract(c);
          if (!r.ok) expect(r.error.code).toBe('GW_TAF_BAD_CONTRACT');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('needsConsent', () => {
  it.each([
    [1, false],
    [2, false],
    [6, false],
    [7, true],
    [9, false],
    [10, false],
    [14, true],
  ] as const)('TAF %i: %s', (taf, expected) => {
    expect(needsConsent(contract(taf))).toBe(expected);
  });

  it.each([15, 30, 60])('TAF 7 at %i minutes is finer than daily: consent needed', (intervalMinutes) => {
    expect(needsConsent(contract(7, { intervalMinutes }))).toBe(true);
  });
});

describe('storedContract', () => {
  it('gives what contractOrThrow gives for the same text, parsed once per text and frozen', () => {
    const text = JSON.stringify(contractOrThrow(CONTRACT_INPUTS[7]));
    const first = storedContract(text);
    expect(first).toEqual(contractOrThrow(JSON.parse(text)));
    expect(storedContract(text)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    // A changed row is a different text: parsed anew.
    const other = storedContract(JSON.stringify({ ...JSON.parse(text), id: 'c-other' }));
    expect(other.id).toBe('c-other');
  });

  it.each([
    ['not JSON', '{"taf":7,'],
    ['not a contract', JSON.stringify({ taf: 7 })],
  ])('refuses a stored text that is %s (GW_TAF_BAD_CONTRACT), again on the next read', async (_what, text) => {
    expect(await gatewayCodeOf(() => storedContract(text))).toBe('GW_TAF_BAD_CONTRACT');
    expect(await gatewayCodeOf(() => storedContract(text))).toBe('GW_TAF_BAD_CONTRACT');
  });
});
