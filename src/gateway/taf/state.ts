/**
 * The TAF engine's explicit state, one per contract: plain JSON the gateway persists after each step, so a
 * restart neither loses a period nor sends one twice.
 */
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import { TAF_NUMBERS, type TafNumber } from './allowed.js';
import type { Contract } from './contract.js';
import type { Period } from './message.js';

/** A reading kept for the open period: its value, unit and time (ISO 8601 UTC). */
export interface HeldValue {
  readonly value: number;
  readonly unit?: string;
  readonly at: string;
}

interface StateCommon {
  readonly contractId: string;
  readonly taf: TafNumber;
  /** End of the last closed period (readings at or before it are late); null before the first one. */
  readonly closedUntil: string | null;
  /** Time of the last reading used; earlier readings are out of order. */
  readonly lastReadingAt: string | null;
  /** The last message sent: what a restart resumes after. */
  readonly lastSent: { readonly messageId: string; readonly period: Period } | null;
}

/** TAF 1, 7, 9, 10, 14: the last reading of each asked-for value in the open period. */
export interface SnapshotState extends StateCommon {
  readonly kind: 'snapshot';
  readonly held: Readonly<Record<string, HeldValue>>;
}

/** TAF 2: per-stage registers since the contract began, and the last reading of the split register. */
export interface StagesState extends StateCommon {
  readonly kind: 'stages';
  readonly registers: readonly number[];
  readonly previous: HeldValue | null;
  /** Time of the last reading within the open billing period, null when it has none yet. */
  readonly heldAt: string | null;
}

/** TAF 6: nothing runs between requests. */
export interface OnDemandState extends StateCommon {
  readonly kind: 'on-demand';
}

export type TafState = SnapshotState | StagesState | OnDemandState;

export function initialState(contract: Contract): TafState {
  const common = { contractId: contract.id, taf: contract.taf, closedUntil: null, lastReadingAt: null, lastSent: null };
  switch (contract.taf) {
    case 2:
      return { ...common, kind: 'stages', registers: contract.stages.map(() => 0), previous: null, heldAt: null };
    case 6:
      return { ...common, kind: 'on-demand' };
    default:
      return { ...common, kind: 'snapshot', held: {} };
  }
}

export const stateKindOf = (taf: TafNumber): TafState['kind'] => (taf === 2 ? 'stages' : taf === 6 ? 'on-demand' : 'snapshot');

const instant = z.iso.datetime();
const held = z.strictObject({ value: z.number().refine(Number.isFinite), unit: z.string().optional(), at: instant });
const common = {
  contractId: z.string().min(1),
  taf: z.union(TAF_NUMBERS.map((t) => z.literal(t))),
  closedUntil: instant.nullable(),
  lastReadingAt: instant.nullable(),
  lastSent: z.strictObject({ messageId: z.string().regex(/^[0-9a-f]{64}$/), period: z.strictObject({ from: instant, to: instant }) }).nullable(),
};
const stateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('snapshot'), held: z.record(z.string(), held) }),
  z.strictObject({
    ...common,
    kind: z.literal('stages'),
    registers: z.array(z.number().refine(Number.isFinite)).min(2).max(4),
    previous: held.nullable(),
    heldAt: instant.nullable(),
  }),
  z.strictObject({ ...common, kind: z.literal('on-demand') }),
]);

/** Reads persisted state (parsed JSON); damage is a GatewayError GW_TAF_BAD_STATE naming the field. */
export function parseTafState(json: unknown): TafState {
  const r = stateSchema.safeParse(json);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new GatewayError('GW_TAF_BAD_STATE', `TAF state is malformed at ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
}

/** Throws GW_TAF_BAD_STATE unless the state was made for this contract. */
export function checkStateFor(contract: Contract, state: TafState): void {
  if (state.contractId !== contract.id || state.taf !== contract.taf || state.kind !== stateKindOf(contract.taf)) {
    throw new GatewayError('GW_TAF_BAD_STATE', `TAF state of contract ${state.contractId} (TAF ${state.taf}) given for contract ${contract.id} (TAF ${contract.taf})`);
  }
  if (state.kind === 'stages' && contract.taf === 2 && state.registers.length !== contract.stages.length) {
    throw new GatewayError('GW_TAF_BAD_STATE', `TAF state has ${state.registers.length} stage registers, the contract ${contract.stages.length} stages`);
  }
}
