/**
 * A contract binds one TAF, one meter, one recipient and its interval: the only reason the gateway sends
 * anything. Validated with zod; every rejection names the field.
 */
import { z } from 'zod';
import { type Result, err, ok } from '../../result.js';
import { GatewayError } from '../errors.js';
import { FEED_IN, GRID_VALUES, MAX_STAGES, REGISTERS, type TafNumber, isInstantaneous, normaliseObis } from './allowed.js';
import { isTimeZone } from './_zone.js';

/** The gateway's time zone unless the contract says otherwise (German SMGW). */
export const DEFAULT_TIME_ZONE = 'Europe/Berlin';

/** Interval lengths (minutes) of TAF 7, 9 and 10; 15 minutes is the load-curve standard. */
export const INTERVAL_MINUTES = [15, 30, 60] as const;
export const DEFAULT_INTERVAL_MINUTES = 15;
/** TAF 14 goes down to one second; above 15 minutes TAF 7 is the right profile. */
export const TAF14_INTERVAL_SECONDS = { min: 1, max: 900 } as const;
/** Finer than this needs the consumer's consent (TAF 7 load curves, TAF 14). */
const DAILY_SECONDS = 86_400;

const contractId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits and . _ : - (at most 64)')
  .brand<'ContractId'>();
export type ContractId = z.output<typeof contractId>;

const obis = (allowed: (o: string) => boolean, what: string) =>
  z.string().transform((text, ctx) => {
    const o = normaliseObis(text);
    if (o === undefined || !allowed(o)) {
      ctx.addIssue({ code: 'custom', message: o === undefined ? 'not an OBIS id' : `not ${what}` });
      return z.NEVER;
    }
    return o;
  });

/** A non-empty list without repeats. */
const selection = (item: z.ZodType<string, string>) =>
  z
    .array(item)
    .min(1)
    .refine((l) => new Set(l).size === l.length, 'lists a value twice');

const registerSet: readonly string[] = Object.values(REGISTERS);
const isRegister = (o: string): boolean => registerSet.includes(o);

const time = z.iso.datetime({ offset: true });

const recipient = z.strictObject({
  /** Name of the market participant as in its SM-PKI certificates (subject CN). */
  name: z.string().min(1).max(128),
  /** SHA-256 of the DER of its ENC certificate, the key the content is encrypted to. */
  encCertSha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, '64 hex digits')
    .transform((h) => h.toLowerCase()),
});

const billing = z.discriminatedUnion('kind', [
  /** Period ends at local midnight starting day `day` of each month (1..28 so that every month has it). */
  z.strictObject({ kind: z.literal('monthly'), day: z.int().min(1).max(28) }),
  /** Period ends every `every` local days, counted from the local date of validFrom. */
  z.strictObject({ kind: z.literal('days'), every: z.int().min(1).max(366) }),
]);
export type BillingPeriod = z.output<typeof billing>;

const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:MM between 00:00 and 24:00');
/** A daily window [from, to) in local time; to < from wraps past midnight. */
const window = z.strictObject({ from: clock, to: clock }).refine((w) => w.from !== w.to, { message: 'is empty', path: ['to'] });
const stage = z.strictObject({ windows: z.array(window).min(1) });
export type StageWindow = z.output<typeof window>;

const intervalMinutes = z
  .union(INTERVAL_MINUTES.map((m) => z.literal(m)))
  .default(DEFAULT_INTERVAL_MINUTES);

const common = {
  id: contractId,
  meterId: z.string().min(1).max(64),
  consumerId: z.string().min(1).max(64),
  recipient,
  validFrom: time,
  validTo: time,
  timeZone: z.string().refine(isTimeZone, 'not a time zone known to Intl').default(DEFAULT_TIME_ZONE),
  /** Derived; accepted on input only when it equals the derived value (a stored contract re-read). */
  requiresConsent: z.boolean().optional(),
};

const taf1 = z.strictObject({
  ...common,
  taf: z.literal(1),
  billing,
  registers: selection(obis(isRegister, 'a billing register')),
});
const taf2 = z.strictObject({
  ...common,
  taf: z.literal(2),
  billing,
  /** The register split into stages: A+ total. */
  register: obis((o) => o === REGISTERS.ENERGY_IMPORT, 'the A+ total register 1-0:1.8.0').default(REGISTERS.ENERGY_IMPORT),
  stages: z.array(stage).min(2).max(MAX_STAGES),
});
const taf6 = z.strictObject({ ...common, taf: z.literal(6) });
const taf7 = z.strictObject({
  ...common,
  taf: z.literal(7),
  intervalMinutes,
  registers: selection(obis(isRegister, 'a register')),
});
const taf9 = z.strictObject({
  ...common,
  taf: z.literal(9),
  intervalMinutes,
  registers: selection(obis((o) => (FEED_IN as readonly string[]).includes(o), 'a feed-in value')).default([...FEED_IN]),
});
const taf10 = z.strictObject({
  ...common,
  taf: z.literal(10),
  intervalMinutes,
  values: selection(obis((o) => GRID_VALUES.includes(o), 'a grid status value')),
  /** Grid status data leaves the gateway only under a pseudonym. */
  pseudonymise: z.literal(true, 'must be true: TAF 10 data is sent pseudonymised'),
});
const taf14 = z.strictObject({
  ...common,
  taf: z.literal(14),
  intervalSeconds: z.int().min(TAF14_INTERVAL_SECONDS.min).max(TAF14_INTERVAL_SECONDS.max),
  values: selection(obis(isInstantaneous, 'an instantaneous value')),
});

const contractSchema = z
  .discriminatedUnion('taf', [taf1, taf2, taf6, taf7, taf9, taf10, taf14])
  .superRefine((c, ctx) => {
    if (Date.parse(c.validTo) <= Date.parse(c.validFrom)) ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'is not after validFrom' });
    if (c.taf === 2) for (const issue of stageCoverageIssues(c.stages)) ctx.addIssue({ code: 'custom', ...issue });
    if (c.requiresConsent !== undefined && c.requiresConsent !== consentRequired(c)) {
      ctx.addIssue({ code: 'custom', path: ['requiresConsent'], message: `is ${consentRequired(c)} for this TAF and interval` });
    }
  })
  .transform((c) => ({ ...c, requiresConsent: consentRequired(c) }));

export type Contract = z.output<typeof contractSchema>;
export type ContractInput = z.input<typeof contractSchema>;
export type ContractOf<T extends TafNumber> = Extract<Contract, { readonly taf: T }>;

/** One reason a contract was refused: the field as a path ("stages[1].windows[0].to") and what is wrong. */
export interface ContractIssue {
  readonly field: string;
  readonly message: string;
}

export interface ContractRejection {
  readonly code: 'GW_TAF_BAD_CONTRACT';
  /** The first field named. */
  readonly field: string;
  readonly issues: readonly ContractIssue[];
}

/** Validate a contract (JSON from the administrator); the result names every field at fault. */
export function parseContract(input: unknown): Result<Contract, ContractRejection> {
  const r = contractSchema.safeParse(input);
  if (r.success) return ok(r.data);
  const issues = r.error.issues.map(toIssue);
  return err({ code: 'GW_TAF_BAD_CONTRACT', field: issues[0]?.field ?? '', issues });
}

/** As parseContract, throwing a GatewayError GW_TAF_BAD_CONTRACT whose message names the fields. */
export function contractOrThrow(input: unknown): Contract {
  const r = parseContract(input);
  if (r.ok) return r.value;
  throw new GatewayError('GW_TAF_BAD_CONTRACT', `contract refused: ${r.error.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
}

/**
 * A contract as the store keeps it (its JSON text), validated like any input. The ingest reads every active
 * contract of a meter for each frame, so each distinct text is parsed once and the result (read-only) reused;
 * a changed row is a different text and is parsed anew. Bounded, since texts of removed contracts stay behind.
 */
export function storedContract(text: string): Contract {
  const known = parsedContracts.get(text);
  if (known !== undefined) return known;
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new GatewayError('GW_TAF_BAD_CONTRACT', 'contract refused: the stored contract is not JSON');
  }
  const contract = deepFreeze(contractOrThrow(input));
  if (parsedContracts.size >= MAX_PARSED_CONTRACTS) parsedContracts.delete(parsedContracts.keys().next().value as string);
  parsedContracts.set(text, contract);
  return contract;
}

const MAX_PARSED_CONTRACTS = 4096;
const parsedContracts = new Map<string, Contract>();

/** Shared between callers, so frozen all the way down: a caller that tried to change it would throw. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Whether the contract may run only with the consumer's consent (enforced by the privacy layer). With a
 * policy threshold, a TAF 7 or TAF 14 contract sampling finer than it needs consent; without one, a day
 * (the contract's own `requiresConsent`, which the default policy agrees with).
 */
export function needsConsent(contract: Contract, policy?: { readonly consentFinerThanMinutes: number }): boolean {
  return policy === undefined ? contract.requiresConsent : consentRequired(contract, policy.consentFinerThanMinutes * 60);
}

/** Seconds between a contract's samples: the interval of TAF 7, 9, 10 and 14; undefined for billing and on-demand TAFs. */
export function samplingSeconds(contract: Contract): number | undefined {
  switch (contract.taf) {
    case 7:
    case 9:
    case 10:
      return contract.intervalMinutes * 60;
    case 14:
      return contract.intervalSeconds;
    default:
      return undefined;
  }
}

// --- internal ---

/** Load curves (TAF 7) and instantaneous values (TAF 14) reveal behaviour when finer than the threshold. */
function consentRequired(c: { readonly taf: TafNumber; readonly intervalMinutes?: number; readonly intervalSeconds?: number }, finerThanSeconds = DAILY_SECONDS): boolean {
  if (c.taf === 14) return (c.intervalSeconds ?? TAF14_INTERVAL_SECONDS.min) < finerThanSeconds;
  if (c.taf === 7) return (c.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES) * 60 < finerThanSeconds;
  return false;
}

function toIssue(i: z.core.$ZodIssue): ContractIssue {
  const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
  return { field: formatPath(path), message: i.message };
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out;
}

const MINUTES_PER_DAY = 1440;

export const clockMinutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Minute ranges [start, end) of a window within one day; a wrapping window gives two. */
export function windowRanges(w: StageWindow): Array<readonly [number, number]> {
  const from = clockMinutes(w.from);
  const to = clockMinutes(w.to);
  if (from < to) return [[from, to]];
  const ranges: Array<readonly [number, number]> = [[from, MINUTES_PER_DAY]];
  if (to > 0) ranges.push([0, to]);
  return ranges;
}

/** Overlaps between windows of any stages, and hours no stage covers. */
function stageCoverageIssues(stages: ReadonlyArray<{ readonly windows: readonly StageWindow[] }>): Array<{ path: PropertyKey[]; message: string }> {
  const owner = new Array<string | undefined>(MINUTES_PER_DAY).fill(undefined);
  const issues: Array<{ path: PropertyKey[]; message: string }> = [];
  stages.forEach((s, si) => {
    s.windows.forEach((w, wi) => {
      const here = `stages[${si}].windows[${wi}]`;
      for (const [a, b] of windowRanges(w)) {
        for (let m = a; m < b; m++) {
          const other = owner[m];
          if (other !== undefined) {
            issues.push({ path: ['stages', si, 'windows', wi], message: `overlaps ${other} at ${formatClock(m)}` });
            return;
          }
          owner[m] = here;
        }
      }
    });
  });
  if (issues.length > 0) return issues;
  const first = owner.indexOf(undefined);
  if (first >= 0) {
    let end = first;
    while (end < MINUTES_PER_DAY && owner[end] === undefined) end++;
    issues.push({ path: ['stages'], message: `no stage covers ${formatClock(first)}-${formatClock(end)}` });
  }
  return issues;
}

const formatClock = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
