import { CodecError } from '../errors.js';

/**
 * COSEM date and time (Blue Book, IEC 62056-6-2 4.1.6.1): date-time is 12 bytes = year u16, month, day of
 * month, day of week, hour, minute, second, hundredths, deviation i16 (minutes), clock status. 0xFF (0xFFFF
 * for the year, 0x8000 for the deviation) means "not specified"; month 0xFD/0xFE = DST end/begin, day
 * 0xFD/0xFE = second-last/last day of the month. Deviation: UTC = local time + deviation, as meters send it
 * (a Tirol meter in CEST sends 0xFF88 = -120).
 */

export interface CosemDate {
  readonly year?: number;
  /** 1-12, or 'dst-end' / 'dst-begin'. */
  readonly month?: number | 'dst-end' | 'dst-begin';
  /** 1-31, or 'second-last' / 'last'. */
  readonly day?: number | 'second-last' | 'last';
  /** 1 = Monday ... 7 = Sunday. */
  readonly dayOfWeek?: number;
}

export interface CosemTime {
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
  readonly hundredths?: number;
}

export interface CosemDateTime extends CosemDate, CosemTime {
  /** Minutes; UTC = local + deviation. */
  readonly deviation?: number;
  /** Clock status bits (0x80 = daylight saving active); absent when 0xFF. */
  readonly clockStatus?: number;
}

export const DATE_LENGTH = 5;
export const TIME_LENGTH = 4;
export const DATE_TIME_LENGTH = 12;

const NOT_SPECIFIED = 0xff;
const DEVIATION_NOT_SPECIFIED = -0x8000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function field(v: number, max: number, min = 0): number | undefined | false {
  if (v === NOT_SPECIFIED) return undefined;
  return v >= min && v <= max ? v : false;
}

/** Date from 5 bytes, or undefined when a field is out of range. */
export function parseCosemDate(b: Uint8Array): CosemDate | undefined {
  if (b.length !== DATE_LENGTH) return undefined;
  const out: Mutable<CosemDate> = {};
  const year = (b[0]! << 8) | b[1]!;
  if (year !== 0xffff) out.year = year;
  const m = b[2]!;
  if (m === 0xfd) out.month = 'dst-end';
  else if (m === 0xfe) out.month = 'dst-begin';
  else {
    const v = field(m, 12, 1);
    if (v === false) return undefined;
    if (v !== undefined) out.month = v;
  }
  const d = b[3]!;
  if (d === 0xfd) out.day = 'second-last';
  else if (d === 0xfe) out.day = 'last';
  else {
    const v = field(d, 31, 1);
    if (v === false) return undefined;
    if (v !== undefined) out.day = v;
  }
  const dow = field(b[4]!, 7, 1);
  if (dow === false) return undefined;
  if (dow !== undefined) out.dayOfWeek = dow;
  return out;
}

/** Time from 4 bytes, or undefined when a field is out of range. */
export function parseCosemTime(b: Uint8Array): CosemTime | undefined {
  if (b.length !== TIME_LENGTH) return undefined;
  const limits = [23, 59, 59, 99] as const;
  const names = ['hour', 'minute', 'second', 'hundredths'] as const;
  const out: Mutable<CosemTime> = {};
  for (let i = 0; i < 4; i++) {
    const v = field(b[i]!, limits[i]!);
    if (v === false) return undefined;
    if (v !== undefined) out[names[i]!] = v;
  }
  return out;
}

/** Date-time from 12 bytes, or undefined when it is not a valid COSEM date-time. */
export function parseCosemDateTime(b: Uint8Array): CosemDateTime | undefined {
  if (b.length !== DATE_TIME_LENGTH) return undefined;
  const date = parseCosemDate(b.subarray(0, 5));
  const time = parseCosemTime(b.subarray(5, 9));
  if (date === undefined || time === undefined) return undefined;
  const raw = (b[9]! << 8) | b[10]!;
  const deviation = raw >= 0x8000 ? raw - 0x10000 : raw;
  if (deviation !== DEVIATION_NOT_SPECIFIED && (deviation < -720 || deviation > 720)) return undefined;
  const out: Mutable<CosemDateTime> = Object.assign(date, time);
  if (deviation !== DEVIATION_NOT_SPECIFIED) out.deviation = deviation;
  if (b[11] !== NOT_SPECIFIED) out.clockStatus = b[11]!;
  return out;
}

/** Like parseCosemDateTime, but a bad value is CODEC_MALFORMED (for the date-time data type 0x19). */
export function decodeCosemDateTime(b: Uint8Array, offset?: number): CosemDateTime {
  const dt = parseCosemDateTime(b);
  if (dt === undefined) throw new CodecError('CODEC_MALFORMED', 'axdr', 'date-time field out of range', offset);
  return dt;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * ISO 8601 text for a fully specified date-time: UTC ("...Z") when the deviation is known, local time without
 * offset otherwise; undefined when the date or time is not fully specified (a recurring or wildcard value).
 */
export function cosemDateTimeToIso(dt: CosemDateTime): string | undefined {
  const { year, month, day, hour, minute, second } = dt;
  if (year === undefined || typeof month !== 'number' || typeof day !== 'number') return undefined;
  if (hour === undefined || minute === undefined || second === undefined) return undefined;
  const ms = (dt.hundredths ?? 0) * 10;
  if (dt.deviation !== undefined) {
    const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) + dt.deviation * 60_000;
    return new Date(t).toISOString().replace('.000Z', 'Z');
  }
  const frac = ms > 0 ? `.${pad(ms, 3)}` : '';
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${frac}`;
}
