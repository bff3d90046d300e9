/**
 * When a contract's periods end: billing periods (TAF 1, 2) at local midnights, intervals (TAF 7, 9, 10, 14)
 * at multiples of the interval since the Unix epoch (whole quarter hours in every zone with a whole-hour
 * offset). validTo always ends the last period, so a contract's final, shorter period is sent as well.
 */
import type { BillingPeriod, Contract } from './contract.js';
import { type Zone, dateOfDayNumber, dayNumber } from './_zone.js';

export interface Schedule {
  /** The first period end strictly after `after`, or undefined when the contract has ended. */
  next(after: number): number | undefined;
  /** The last period end strictly before `limit` and strictly after `after`, or undefined when there is none. */
  lastBefore(limit: number, after: number): number | undefined;
}

/** The period ends of a contract; undefined for TAF 6, which has none (on demand only). */
export function scheduleOf(contract: Contract, z: Zone): Schedule | undefined {
  const from = Date.parse(contract.validFrom);
  const to = Date.parse(contract.validTo);
  switch (contract.taf) {
    case 1:
    case 2:
      return billingSchedule(contract.billing, z, from, to);
    case 7:
    case 9:
    case 10:
      return intervalSchedule(contract.intervalMinutes * 60_000, to);
    case 14:
      return intervalSchedule(contract.intervalSeconds * 1000, to);
    case 6:
      return undefined;
  }
}

export function intervalSchedule(lengthMs: number, validTo: number): Schedule {
  const next = (after: number): number | undefined => (after >= validTo ? undefined : Math.min(validTo, (Math.floor(after / lengthMs) + 1) * lengthMs));
  return {
    next,
    lastBefore(limit, after) {
      if (after >= validTo) return undefined;
      const last = limit > validTo ? validTo : (Math.ceil(limit / lengthMs) - 1) * lengthMs;
      return last > after ? last : undefined;
    },
  };
}

export function billingSchedule(billing: BillingPeriod, z: Zone, validFrom: number, validTo: number): Schedule {
  const anchorDay = dayNumber(z.local(validFrom));
  const uncapped = (after: number): number => {
    const here = z.local(after);
    if (billing.kind === 'days') {
      const k = Math.floor((dayNumber(here) - anchorDay) / billing.every) + 1;
      return z.startOfDay(dateOfDayNumber(anchorDay + k * billing.every));
    }
    const thisMonth = z.startOfDay({ year: here.year, month: here.month, day: billing.day });
    if (thisMonth > after) return thisMonth;
    const y = here.month === 12 ? here.year + 1 : here.year;
    const m = here.month === 12 ? 1 : here.month + 1;
    return z.startOfDay({ year: y, month: m, day: billing.day });
  };
  const next = (after: number): number | undefined => (after >= validTo ? undefined : Math.min(validTo, uncapped(after)));
  return {
    next,
    lastBefore(limit, after) {
      let last: number | undefined;
      for (let b = next(after); b !== undefined && b < limit; b = next(b)) last = b;
      return last;
    },
  };
}
