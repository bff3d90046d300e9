import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../errors.js';
import { type Contract, type ContractInput, contractOrThrow, needsConsent } from '../taf/contract.js';
import { DEFAULT_PRIVACY_POLICY, checkSampling, consentRequiredBy, granularityOf, valuesOf } from './policy.js';

const base = {
  id: 'p1',
  meterId: '12345678',
  consumerId: 'c1',
  recipient: { name: 'emt1', encCertSha256: 'ab'.repeat(32) },
  validFrom: '2026-01-01T00:00:00Z',
  validTo: '2027-01-01T00:00:00Z',
  timeZone: 'UTC',
};
const contract = (over: Record<string, unknown>): Contract => contractOrThrow({ ...base, ...over } as ContractInput);

const taf1 = contract({ taf: 1, billing: { kind: 'monthly', day: 1 }, registers: ['1-0:1.8.0'] });
const taf7 = (intervalMinutes: number) => contract({ taf: 7, intervalMinutes, registers: ['1-0:1.8.0', '1-0:2.8.0'] });
const taf14 = (intervalSeconds: number) => contract({ taf: 14, intervalSeconds, values: ['1-0:1.7.0'] });
const taf9 = contract({ taf: 9, intervalMinutes: 15 });

describe('privacy policy', () => {
  it.each<[string, Contract, number, boolean]>([
    ['TAF 7 every 15 min under the default (a day)', taf7(15), 1440, true],
    ['TAF 7 every 60 min under the default', taf7(60), 1440, true],
    ['TAF 7 every 15 min when consent starts below 15 min', taf7(15), 15, false],
    ['TAF 7 every 15 min when consent starts below 30 min', taf7(15), 30, true],
    ['TAF 14 every second under the default', taf14(1), 1440, true],
    ['TAF 14 every 15 min when consent starts below 15 min', taf14(900), 15, false],
    ['TAF 1 monthly billing', taf1, 1, false],
    ['TAF 9 feed-in', taf9, 1440, false],
  ])('%s: consent required is %s', (_what, c, minutes, expected) => {
    const policy = { ...DEFAULT_PRIVACY_POLICY, consentFinerThanMinutes: minutes };
    expect(consentRequiredBy(policy, c)).toBe(expected);
    expect(needsConsent(c, policy)).toBe(expected);
  });

  it('agrees with the contract\'s own flag under the default policy', () => {
    for (const c of [taf1, taf7(15), taf7(30), taf7(60), taf14(1), taf14(900), taf9]) expect(consentRequiredBy(DEFAULT_PRIVACY_POLICY, c)).toBe(c.requiresConsent);
  });

  it.each<[string, Contract, number, string]>([
    ['TAF 14 every 5 s below a 10 s limit', taf14(5), 10, 'GW_PRIVACY_POLICY'],
    ['TAF 7 every 15 min below an hour limit', taf7(15), 3600, 'GW_PRIVACY_POLICY'],
    ['TAF 14 every 10 s at a 10 s limit', taf14(10), 10, 'accepted'],
    ['TAF 1 billing under any limit', taf1, 86_400, 'accepted'],
  ])('%s: %s', (_what, c, finest, code) => {
    let got = 'accepted';
    try {
      checkSampling({ ...DEFAULT_PRIVACY_POLICY, finestIntervalSeconds: finest }, c);
    } catch (e) {
      got = (e as GatewayError).code;
    }
    expect(got).toBe(code);
  });

  it('names the granularity and values a recipient sees', () => {
    expect(granularityOf(taf7(30))).toEqual({ kind: 'interval', seconds: 1800 });
    expect(granularityOf(taf14(2))).toEqual({ kind: 'interval', seconds: 2 });
    expect(granularityOf(taf1)).toEqual({ kind: 'billing-period', period: 'monthly from day 1' });
    expect(granularityOf(contract({ taf: 6 }))).toEqual({ kind: 'on-demand' });
    expect(valuesOf(taf7(15))).toEqual(['1-0:1.8.0', '1-0:2.8.0']);
    expect(valuesOf(taf14(1))).toEqual(['1-0:1.7.0']);
  });
});
