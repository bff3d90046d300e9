/**
 * The privacy policy applied to contracts (issue 9, after the CNIL recommendation of 2012 on smart meters and
 * the GDPR's data minimisation): which contracts need the consumer's consent, the finest sampling allowed at
 * all, and what a contract reveals (data classes and granularity) for the privacy report.
 */
import { GatewayError } from '../errors.js';
import { type Contract, needsConsent, samplingSeconds } from '../taf/contract.js';

/** The part of `config.privacy` that decides about contracts. */
export interface PrivacyPolicy {
  /** A TAF 7 or TAF 14 contract sampling finer than this runs only while consent is in force. */
  readonly consentFinerThanMinutes: number;
  /** No contract may sample finer than this, consent or not. */
  readonly finestIntervalSeconds: number;
}

/** The configuration's defaults (src/gateway/config.ts): consent below a day, any interval a TAF allows. */
export const DEFAULT_PRIVACY_POLICY: PrivacyPolicy = { consentFinerThanMinutes: 1440, finestIntervalSeconds: 1 };

/** Whether the policy lets the contract run only with the consumer's consent. */
export const consentRequiredBy = (policy: PrivacyPolicy, contract: Contract): boolean => needsConsent(contract, policy);

/** Refuses (GW_PRIVACY_POLICY) a contract sampling finer than the policy allows at all. */
export function checkSampling(policy: PrivacyPolicy, contract: Contract): void {
  const s = samplingSeconds(contract);
  if (s !== undefined && s < policy.finestIntervalSeconds) {
    throw new GatewayError('GW_PRIVACY_POLICY', `contract ${contract.id} samples every ${s} s: the policy allows no finer than ${policy.finestIntervalSeconds} s`);
  }
}

/** What a recipient learns from a contract, by TAF (DESIGN.md's TAF table). */
export const DATA_CLASSES = {
  1: ['billing registers'],
  2: ['billing registers per tariff stage'],
  6: ['meter reading on demand'],
  7: ['load curve'],
  9: ['feed-in'],
  10: ['grid status values (pseudonymised)'],
  14: ['high-frequency instantaneous values'],
} as const satisfies Record<Contract['taf'], readonly string[]>;

export type Granularity =
  | { readonly kind: 'interval'; readonly seconds: number }
  | { readonly kind: 'billing-period'; readonly period: string }
  | { readonly kind: 'on-demand' };

/** How finely the recipient sees the meter. */
export function granularityOf(contract: Contract): Granularity {
  const s = samplingSeconds(contract);
  if (s !== undefined) return { kind: 'interval', seconds: s };
  if (contract.taf === 1 || contract.taf === 2) {
    const b = contract.billing;
    return { kind: 'billing-period', period: b.kind === 'monthly' ? `monthly from day ${b.day}` : `every ${b.every} day${b.every === 1 ? '' : 's'}` };
  }
  return { kind: 'on-demand' };
}

/** The OBIS values the contract sends. */
export function valuesOf(contract: Contract): readonly string[] {
  switch (contract.taf) {
    case 10:
    case 14:
      return contract.values;
    case 2:
      return [contract.register];
    case 6:
      return [];
    default:
      return contract.registers;
  }
}
