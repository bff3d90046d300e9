/**
 * What the TAF engine hands to the uplink: plain objects, one per contract period, each with a
 * deterministic id (SHA-256 of contract id and period) the uplink and the recipient use as idempotency key.
 */
import { createHash } from 'node:crypto';
import type { TafNumber } from './allowed.js';
import type { Contract, ContractId } from './contract.js';

export interface Period {
  /** ISO 8601 UTC. */
  readonly from: string;
  readonly to: string;
}

/**
 * How a value came about: read at the period end itself, the last reading before the end (never a value
 * made up for the end), or computed from readings (TAF 2 stage registers).
 */
export type ValueSource = 'measured' | 'last-before' | 'derived';

export interface TafValue {
  readonly obis: string;
  readonly value: number;
  readonly unit?: string;
  /** ISO 8601 UTC time of the reading the value stems from. */
  readonly at: string;
  readonly source: ValueSource;
}

export interface TafRecipient {
  readonly name: string;
  readonly encCertSha256: string;
}

export interface TafMessage {
  readonly messageId: string;
  readonly contractId: ContractId;
  readonly taf: TafNumber;
  readonly meterId: string;
  readonly consumerId: string;
  readonly recipient: TafRecipient;
  readonly period: Period;
  readonly values: readonly TafValue[];
  /** TAF 10: the WAN layer sends this under a pseudonym (the administrator replaces the gateway identity). */
  readonly pseudonymise: boolean;
}

/** Why readings were not used; every dropped reading is counted under one reason. */
export type IgnoreReason =
  /** Another meter's reading: never used for this contract. */
  | 'other-meter'
  /** Before validFrom or after validTo. */
  | 'outside-validity'
  /** Time stamp not an ISO instant. */
  | 'bad-time'
  /** Later than `now`: a meter clock running ahead. */
  | 'future'
  /** Earlier than a reading already used. */
  | 'out-of-order'
  /** Belongs to a period already closed and sent. */
  | 'late'
  /** No OBIS id, or one the contract does not ask for (this is how the TAF's data minimisation works). */
  | 'not-in-contract'
  /** Asked for, but the value is not a finite number. */
  | 'not-numeric'
  /** TAF 6 sends only on request (requestReading); its steps use no readings. */
  | 'on-demand';

export type TafNotice =
  | { readonly kind: 'ignored'; readonly reason: IgnoreReason; readonly count: number }
  /** Periods that ended without the readings they need: nothing, or not all values (missing), was sent. */
  | { readonly kind: 'gap'; readonly period: Period; readonly missing: readonly string[] }
  /** TAF 2: the register went backwards (meter exchange or reset); that step was not attributed. */
  | { readonly kind: 'register-decreased'; readonly obis: string; readonly at: string };

export function messageId(contractId: string, period: Period): string {
  return createHash('sha256').update(`gridwarden/taf-message/v1\n${contractId}\n${period.from}\n${period.to}`).digest('hex');
}

export function buildMessage(contract: Contract, period: Period, values: readonly TafValue[]): TafMessage {
  return {
    messageId: messageId(contract.id, period),
    contractId: contract.id,
    taf: contract.taf,
    meterId: contract.meterId,
    consumerId: contract.consumerId,
    recipient: { name: contract.recipient.name, encCertSha256: contract.recipient.encCertSha256 },
    period,
    values,
    pseudonymise: contract.taf === 10,
  };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
