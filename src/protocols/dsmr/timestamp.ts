/**
 * DSMR timestamps "YYMMDDhhmmssX" (P1 companion standard 6.4, type TST): local time of the meter's country,
 * X = 'S' (summer, UTC+2) or 'W' (winter, UTC+1). DSMR 2.2/3 omit X; then the EU summer-time rule decides.
 */

const HOUR_MS = 3_600_000;

export interface DsmrTimestamp {
  /** The instant in UTC, ISO 8601 without milliseconds ("2017-01-02T18:20:02Z"). */
  readonly utc: string;
  /** The season flag as sent, absent on DSMR 2.2/3. */
  readonly season?: 'S' | 'W';
}

/** Last Sunday of a month (0-based) at 01:00 UTC: the EU change-over instant (Directive 2000/84/EC). */
function changeOver(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0, 1));
  return last.getTime() - last.getUTCDay() * 24 * HOUR_MS;
}

/** Whether EU summer time is in force at a UTC instant. */
export function isEuSummerTime(utcMs: number): boolean {
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= changeOver(year, 2) && utcMs < changeOver(year, 9);
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS[month - 1]!;

const pair = (text: string, at: number): number => (text.charCodeAt(at) - 0x30) * 10 + (text.charCodeAt(at + 1) - 0x30);

/** Parse a DSMR timestamp; undefined when it is not one or names an impossible date (meters do send those). */
export function parseDsmrTimestamp(text: string): DsmrTimestamp | undefined {
  if (!looksLikeTimestamp(text)) return undefined;
  const yy = pair(text, 0);
  // Same century pivot as POSIX %y: 69-99 are 19xx (meters send 700101... for "never").
  const year = yy >= 69 ? 1900 + yy : 2000 + yy;
  const [month, day, hour, minute, second] = [pair(text, 2), pair(text, 4), pair(text, 6), pair(text, 8), pair(text, 10)];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const flag = text.charAt(12);
  let utcMs: number;
  if (flag === 'S') utcMs = local - 2 * HOUR_MS;
  else if (flag === 'W') utcMs = local - HOUR_MS;
  else utcMs = isEuSummerTime(local - HOUR_MS) ? local - 2 * HOUR_MS : local - HOUR_MS;
  const utc = `${new Date(utcMs).toISOString().slice(0, 19)}Z`;
  return flag === 'S' || flag === 'W' ? { utc, season: flag } : { utc };
}

/** Whether a value looks like a timestamp (12 digits and an optional season flag), valid or not. */
export function looksLikeTimestamp(text: string | null): text is string {
  if (text === null || (text.length !== 12 && text.length !== 13)) return false;
  for (let i = 0; i < 12; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return text.length === 12 || text.charCodeAt(12) === 0x53 || text.charCodeAt(12) === 0x57; // 'S' | 'W'
}
