/**
 * The TAF engine: a pure step from (contract, state, readings, now) to (state, messages). It turns a meter's
 * readings into exactly the values of the contract's TAF and nothing else; everything it does not use is
 * counted in the notices. A period closes when a reading after its end arrives or `now` has passed its end,
 * and its message carries the last reading at or before that end.
 */
import { GatewayError } from '../errors.js';
import { normaliseObis, stageRegister, tafCarries } from './allowed.js';
import type { Contract, ContractOf } from './contract.js';
import { type IgnoreReason, type Period, type TafMessage, type TafNotice, type TafValue, buildMessage, iso } from './message.js';
import type { MeterReading } from './meter-reading.js';
import { scheduleOf } from './schedule.js';
import { stageClock } from './stages.js';
import { type HeldValue, type SnapshotState, type StagesState, type TafState, checkStateFor } from './state.js';
import { zone } from './_zone.js';

export interface TafStep {
  readonly state: TafState;
  /** In period order; each period at most once over all steps. */
  readonly messages: readonly TafMessage[];
  readonly notices: readonly TafNotice[];
}

/** Stage registers are sums of pro-rata shares: report them to a micro-unit, keep full precision in the state. */
const STAGE_DECIMALS = 1e6;

/** One engine step. Throws GatewayError GW_TAF_BAD_TIME (now) or GW_TAF_BAD_STATE (state of another contract). */
export function applyContract(contract: Contract, state: TafState, readings: readonly MeterReading[], now: string): TafStep {
  const nowMs = parseNow(now);
  checkStateFor(contract, state);
  const notes = new Notes();
  if (contract.taf === 6) {
    // TAF 6 sends only when asked (requestReading); a step just accounts for what it was given.
    const admit = admitter(contract, nowMs);
    for (const r of readings) notes.ignore(admit(r).reason ?? 'on-demand');
    return { state, messages: [], notices: notes.list() };
  }
  const z = zone(contract.timeZone);
  const schedule = scheduleOf(contract, z)!;
  const run = contract.taf === 2 ? stagesRun(contract, state as StagesState, z, notes) : snapshotRun(contract, state as SnapshotState);
  const validFrom = Date.parse(contract.validFrom);
  let closedUntil = state.closedUntil === null ? null : Date.parse(state.closedUntil);
  let lastReadingAt = state.lastReadingAt === null ? null : Date.parse(state.lastReadingAt);
  let lastSent = state.lastSent;
  const messages: TafMessage[] = [];

  // The end of the open period, computed again only when a period closes.
  let openEnd = schedule.next(closedUntil ?? validFrom);

  /** Closes every period that ends strictly before `limit`. */
  const closeBefore = (limit: number): void => {
    for (;;) {
      const from = closedUntil ?? validFrom;
      const end = openEnd;
      if (end === undefined || end >= limit) return;
      if (run.hasData()) {
        const period = { from: iso(from), to: iso(end) };
        const { values, missing } = run.close(end);
        if (values.length > 0) {
          const m = buildMessage(contract, period, values);
          messages.push(m);
          lastSent = { messageId: m.messageId, period };
        }
        if (missing.length > 0) notes.gap(period, missing);
        closedUntil = end;
      } else {
        // Nothing arrived since `from`: every period up to the last end before `limit` is empty.
        const last = schedule.lastBefore(limit, from) ?? end;
        notes.gap({ from: iso(from), to: iso(last) }, run.outputs);
        closedUntil = last;
      }
      openEnd = schedule.next(closedUntil);
    }
  };

  const admit = admitter(contract, nowMs);
  for (const r of readings) {
    const a = admit(r);
    if (a.reason !== undefined) {
      notes.ignore(a.reason);
      continue;
    }
    if (!run.inputs.has(a.obis)) {
      notes.ignore('not-in-contract');
      continue;
    }
    if (typeof r.reading.value !== 'number' || !Number.isFinite(r.reading.value)) {
      notes.ignore('not-numeric');
      continue;
    }
    if (lastReadingAt !== null && a.at < lastReadingAt) {
      notes.ignore('out-of-order');
      continue;
    }
    if (closedUntil !== null && a.at <= closedUntil) {
      notes.ignore('late');
      continue;
    }
    closeBefore(a.at);
    run.ingest(a.obis, { value: r.reading.value, ...unitOf(r), at: iso(a.at) }, a.at);
    lastReadingAt = a.at;
  }
  closeBefore(nowMs);

  const common = {
    contractId: state.contractId,
    taf: state.taf,
    closedUntil: closedUntil === null ? null : iso(closedUntil),
    lastReadingAt: lastReadingAt === null ? null : iso(lastReadingAt),
    lastSent,
  };
  return { state: run.state(common), messages, notices: notes.list() };
}

export interface OnDemandReading {
  /** Absent when no asked-for register has a reading yet (then a gap notice says so). */
  readonly message?: TafMessage;
  readonly notices: readonly TafNotice[];
}

/** TAF 6: the latest value of each billing register at `now`, as one message. */
export function requestReading(contract: Contract, readings: readonly MeterReading[], now: string): OnDemandReading {
  const nowMs = parseNow(now);
  if (contract.taf !== 6) throw new GatewayError('GW_TAF_WRONG_TAF', `contract ${contract.id} is TAF ${contract.taf}: only TAF 6 reads on demand`);
  const notes = new Notes();
  const latest = new Map<string, { held: HeldValue; ms: number }>();
  const admit = admitter(contract, nowMs);
  for (const r of readings) {
    const a = admit(r);
    if (a.reason !== undefined) notes.ignore(a.reason);
    else if (!tafCarries(6, a.obis)) notes.ignore('not-in-contract');
    else if (typeof r.reading.value !== 'number' || !Number.isFinite(r.reading.value)) notes.ignore('not-numeric');
    else if ((latest.get(a.obis)?.ms ?? Number.NEGATIVE_INFINITY) <= a.at) {
      latest.set(a.obis, { held: { value: r.reading.value, ...unitOf(r), at: iso(a.at) }, ms: a.at });
    }
  }
  const entries = [...latest.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  if (entries.length === 0) {
    notes.gap({ from: iso(Date.parse(contract.validFrom)), to: iso(nowMs) }, []);
    return { notices: notes.list() };
  }
  const values = entries.map(([obis, h]) => periodValue(obis, h.held, h.ms, nowMs));
  const period = { from: iso(Math.min(...entries.map(([, h]) => h.ms))), to: iso(nowMs) };
  return { message: buildMessage(contract, period, values), notices: notes.list() };
}

// --- internal ---

/** What a TAF keeps between readings and makes of it at a period end. */
interface Run {
  /** OBIS ids read from the meter. */
  readonly inputs: ReadonlySet<string>;
  /** OBIS ids sent. */
  readonly outputs: readonly string[];
  ingest(obis: string, value: HeldValue, atMs: number): void;
  hasData(): boolean;
  close(end: number): { values: TafValue[]; missing: string[] };
  state(common: Omit<SnapshotState, 'kind' | 'held'>): TafState;
}

/** TAF 1, 7, 9, 10, 14: the last reading of each value in the period. */
function snapshotRun(contract: Exclude<Contract, ContractOf<2 | 6>>, state: SnapshotState): Run {
  const outputs = contract.taf === 10 || contract.taf === 14 ? contract.values : contract.registers;
  const held = new Map(Object.entries(state.held));
  return {
    inputs: new Set(outputs),
    outputs,
    ingest: (obis, value) => void held.set(obis, value),
    hasData: () => held.size > 0,
    close(end) {
      const values: TafValue[] = [];
      const missing: string[] = [];
      for (const obis of outputs) {
        const h = held.get(obis);
        if (h === undefined) missing.push(obis);
        else values.push(periodValue(obis, h, Date.parse(h.at), end));
      }
      held.clear();
      return { values, missing };
    },
    state: (common) => ({ ...common, kind: 'snapshot', held: Object.fromEntries(held) }),
  };
}

/** TAF 2: consumption between readings split over the stages by time; stage registers sent per billing period. */
function stagesRun(contract: ContractOf<2>, state: StagesState, z: ReturnType<typeof zone>, notes: Notes): Run {
  const clock = stageClock(contract.stages, z);
  const registers = [...state.registers];
  const outputs = contract.stages.map((_, i) => stageRegister(i + 1));
  let previous = state.previous;
  let heldAt = state.heldAt;
  return {
    inputs: new Set([contract.register]),
    outputs,
    ingest(obis, value, atMs) {
      if (previous !== null) {
        const prevMs = Date.parse(previous.at);
        const delta = value.value - previous.value;
        if (delta < 0) notes.decreased(obis, value.at);
        else if (delta > 0 && atMs === prevMs) registers[clock.stageAt(atMs)]! += delta;
        else if (delta > 0) {
          const shares = clock.split(prevMs, atMs);
          shares.forEach((ms, i) => {
            registers[i]! += (delta * ms) / (atMs - prevMs);
          });
        }
      }
      previous = value;
      heldAt = value.at;
    },
    hasData: () => heldAt !== null,
    close() {
      const at = heldAt!;
      const unit = previous?.unit;
      heldAt = null;
      const values = registers.map(
        (r, i): TafValue => ({ obis: outputs[i]!, value: Math.round(r * STAGE_DECIMALS) / STAGE_DECIMALS, ...(unit !== undefined ? { unit } : {}), at, source: 'derived' }),
      );
      return { values, missing: [] };
    },
    state: (common) => ({ ...common, kind: 'stages', registers, previous, heldAt }),
  };
}

/** The unit as the reading gives it, when it is text. */
function unitOf(r: MeterReading): { unit?: string } {
  const unit: unknown = r.reading.unit;
  return typeof unit === 'string' ? { unit } : {};
}

function periodValue(obis: string, h: HeldValue, atMs: number, end: number): TafValue {
  return { obis, value: h.value, ...(h.unit !== undefined ? { unit: h.unit } : {}), at: h.at, source: atMs === end ? 'measured' : 'last-before' };
}

type Admission = { readonly reason: IgnoreReason; readonly obis?: undefined; readonly at?: undefined } | { readonly reason?: undefined; readonly obis: string; readonly at: number };

/**
 * The checks every reading passes before a TAF looks at it: meter, time, validity, OBIS id. Frames repeat
 * the same time stamp and OBIS texts, so both are parsed once per step.
 */
function admitter(contract: Contract, nowMs: number): (r: MeterReading) => Admission {
  const validFrom = Date.parse(contract.validFrom);
  const validTo = Date.parse(contract.validTo);
  const obisOf = new Map<string, string | undefined>();
  let lastText: string | undefined;
  let lastMs: number | undefined;
  return (r) => {
    if (r.meterId !== contract.meterId) return { reason: 'other-meter' };
    if (r.at !== lastText) {
      lastText = r.at;
      lastMs = parseInstant(r.at);
    }
    const at = lastMs;
    if (at === undefined) return { reason: 'bad-time' };
    if (at < validFrom || at > validTo) return { reason: 'outside-validity' };
    if (at > nowMs) return { reason: 'future' };
    const text: unknown = r.reading.obis;
    if (typeof text !== 'string') return { reason: 'not-in-contract' };
    let obis = obisOf.get(text);
    if (obis === undefined && !obisOf.has(text)) {
      obis = normaliseObis(text);
      obisOf.set(text, obis);
    }
    if (obis === undefined) return { reason: 'not-in-contract' };
    return { obis, at };
  };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseInstant(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

function parseNow(now: string): number {
  const ms = parseInstant(now);
  if (ms === undefined) throw new GatewayError('GW_TAF_BAD_TIME', 'now is not an ISO 8601 instant with a zone');
  return ms;
}

/** Counts of ignored readings and the gaps of one step, merged where they touch. */
class Notes {
  private readonly ignored = new Map<IgnoreReason, number>();
  private readonly other: TafNotice[] = [];

  ignore(reason: IgnoreReason): void {
    this.ignored.set(reason, (this.ignored.get(reason) ?? 0) + 1);
  }

  gap(period: Period, missing: readonly string[]): void {
    const last = this.other.at(-1);
    if (last?.kind === 'gap' && last.period.to === period.from && sameList(last.missing, missing)) {
      this.other[this.other.length - 1] = { kind: 'gap', period: { from: last.period.from, to: period.to }, missing };
    } else this.other.push({ kind: 'gap', period, missing });
  }

  decreased(obis: string, at: string): void {
    this.other.push({ kind: 'register-decreased', obis, at });
  }

  list(): TafNotice[] {
    return [...[...this.ignored].map(([reason, count]): TafNotice => ({ kind: 'ignored', reason, count })), ...this.other];
  }
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
