/**
 * Wall-clock arithmetic in one IANA time zone through Intl (no time-zone data of our own). Billing periods
 * and tariff stages are defined in the gateway's local time, so day boundaries and DST changes matter.
 */

export interface LocalDate {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** 1..31 */
  readonly day: number;
}

export interface LocalTime extends LocalDate {
  /** Milliseconds since local midnight of `day` (0 ..< 86 400 000 within one UTC offset). */
  readonly msOfDay: number;
  /** UTC offset in milliseconds at that instant (local = UTC + offset). */
  readonly offset: number;
}

const DAY_MS = 86_400_000;

export interface Zone {
  readonly name: string;
  /** The local wall-clock date and time of an instant. */
  local(ms: number): LocalTime;
  /** UTC offset at an instant in milliseconds (local = UTC + offset). */
  offset(ms: number): number;
  /** The instant at which the local date begins (local midnight). */
  startOfDay(date: LocalDate): number;
}

/** True when Intl knows the zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A Zone over one Intl formatter, memoising local midnights; create one per engine step (no globals). */
export function zone(name: string): Zone {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });

  /** Local fields of the whole second containing `ms`, as if they were UTC. */
  const wallSecond = (ms: number): number => {
    const f: Record<string, number> = {};
    for (const p of fmt.formatToParts(ms)) if (p.type !== 'literal') f[p.type] = Number(p.value);
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
  };
  const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
  const offset = (ms: number): number => wallSecond(ms) - second(ms);

  const midnights = new Map<number, number>();

  return {
    name,
    offset,
    local(ms) {
      const off = offset(ms);
      const wall = ms + off;
      const d = new Date(wall);
      return {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        msOfDay: wall - Math.floor(wall / DAY_MS) * DAY_MS,
        offset: off,
      };
    },
    startOfDay(date) {
      const wall = Date.UTC(date.year, date.month - 1, date.day);
      let start = midnights.get(wall);
      if (start === undefined) {
        // Two passes settle the offset unless midnight itself falls into a DST gap (then: the first instant after it).
        const first = wall - offset(wall);
        const second = wall - offset(first);
        start = offset(second) === offset(first) ? second : Math.max(first, second);
        midnights.set(wall, start);
      }
      return start;
    },
  };
}

/** The local date `days` days after `date` (calendar arithmetic, any month length). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Days since 1970-01-01 of a local date (a calendar count, independent of the zone). */
export function dayNumber(date: LocalDate): number {
  return Math.round(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS);
}

/** The local date of a day number. */
export function dateOfDayNumber(n: number): LocalDate {
  return addDays({ year: 1970, month: 1, day: 1 }, n);
}
