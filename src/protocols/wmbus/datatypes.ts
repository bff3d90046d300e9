/**
 * EN 13757-3 data field codings (clause 6.3.3, Table 4) and the data types of Annex A:
 * type A (BCD), B (signed binary), F/G/I/J (dates and times), H (32-bit real) and the LVAR
 * variable-length field (Table 5). Pure functions over a byte array and an offset.
 */

/** DIF bits 0-3 (EN 13757-3 Table 4). */
export const DATA_FIELD = {
  NONE: 0x0, // no data
  INT8: 0x1,
  INT16: 0x2,
  INT24: 0x3,
  INT32: 0x4,
  REAL32: 0x5, // type H
  INT48: 0x6,
  INT64: 0x7,
  SELECTION: 0x8, // selection for readout: no data
  BCD2: 0x9,
  BCD4: 0xa,
  BCD6: 0xb,
  BCD8: 0xc,
  VARIABLE: 0xd, // LVAR byte then data
  BCD12: 0xe,
  SPECIAL: 0xf, // special functions (0F, 1F, 2F, 7F)
} as const;

/** Size in bytes of each fixed data field coding, -1 for variable length / special. Indexed by DIF & 0x0F. */
export const DATA_FIELD_SIZE: readonly number[] = [0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, -1, 6, -1];

/** LVAR ranges (EN 13757-3 Table 5). */
export const LVAR = {
  TEXT_MAX: 0xbf, // 00h-BFh: text of LVAR characters, last character first
  BCD_POS: 0xc0, // C0h-C9h: positive BCD, (LVAR-C0h) x 2 digits
  BCD_POS_MAX: 0xc9,
  BCD_NEG: 0xd0, // D0h-D9h: negative BCD, (LVAR-D0h) x 2 digits
  BCD_NEG_MAX: 0xd9,
  BINARY: 0xe0, // E0h-EFh: binary number, LVAR-E0h bytes
  BINARY_MAX: 0xef,
  BINARY_LONG: 0xf0, // F0h-F4h: binary number, 4 x (LVAR-ECh) bytes
  BINARY_LONG_MAX: 0xf4,
  BINARY_48: 0xf5, // F5h: binary number, 48 bytes
  BINARY_64: 0xf6, // F6h: binary number, 64 bytes
} as const;

const TWO_32 = 0x1_0000_0000;

/** Little-endian unsigned integer of 1..8 bytes (above 2^53 the result is rounded). */
export function readUintLE(b: Uint8Array, at: number, size: number): number {
  // Two exact halves and one rounding: summing byte by byte past 2^53 rounded twice and could miss the nearest.
  if (size > 6) return readUintLE(b, at + 4, size - 4) * TWO_32 + readUintLE(b, at, 4);
  let v = 0;
  let mul = 1;
  for (let i = 0; i < size; i++) {
    v += b[at + i]! * mul;
    mul *= 256;
  }
  return v;
}

/** Little-endian two's complement integer of 1..8 bytes (type B). */
export function readIntLE(b: Uint8Array, at: number, size: number): number {
  if (size === 0) return 0;
  if (size <= 4) {
    const shift = 32 - 8 * size;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | b[at + i]!;
    return (v << shift) >> shift;
  }
  const lo = readUintLE(b, at, 4);
  const hiSize = size - 4;
  const shift = 32 - 8 * hiSize;
  let hi = 0;
  for (let i = size - 1; i >= 4; i--) hi = (hi << 8) | b[at + i]!;
  hi = (hi << shift) >> shift;
  return hi * TWO_32 + lo;
}

/** IEEE 754 single precision, little endian (type H). */
export function readReal32LE(b: Uint8Array, at: number): number {
  const bits = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  const sign = bits >>> 31 === 1 ? -1 : 1;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (exp === 0) return sign * frac * 2 ** -149;
  return sign * (1 + frac / 0x800000) * 2 ** (exp - 127);
}

/** Result of a BCD read: the number, or NaN when a digit is a hex code A-F (see bcdError). */
export const BCD_ERROR = Number.NaN;

/**
 * Type A: BCD, least significant byte first. A top nibble of F marks a negative number (the other
 * digits are the magnitude); any other nibble above 9 makes the value an error code (NaN).
 */
export function readBcd(b: Uint8Array, at: number, size: number, negative = false): number {
  let v = 0;
  let mul = 1;
  const last = size - 1;
  for (let i = 0; i < size; i++) {
    const byte = b[at + i]!;
    const lo = byte & 0x0f;
    const hi = byte >> 4;
    if (lo > 9) return BCD_ERROR;
    v += lo * mul;
    mul *= 10;
    if (hi > 9) {
      if (i === last && hi === 0xf) {
        negative = !negative;
        continue;
      }
      return BCD_ERROR;
    }
    v += hi * mul;
    mul *= 10;
  }
  return negative ? -v : v;
}

/** The digits of a BCD field as sent (most significant first), for error codes such as "EEEE". */
export function bcdDigits(b: Uint8Array, at: number, size: number): string {
  let s = '';
  for (let i = size - 1; i >= 0; i--) s += b[at + i]!.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** LVAR text: ISO 8859-1 characters sent last character first (EN 13757-3 6.3.3). */
export function readReversedLatin1(b: Uint8Array, at: number, size: number): string {
  let s = '';
  for (let i = at + size - 1; i >= at; i--) s += String.fromCharCode(b[i]!);
  return s;
}

/** A decoded point in time: ISO 8601 local time text (no offset: meters send local time), or null. */
export interface TimeValue {
  readonly iso: string | null;
  /** Why iso is null, or flags worth knowing ("summer time"). */
  readonly notes: readonly string[];
}

const NO_NOTES: readonly string[] = Object.freeze([]);
const INVALID: TimeValue = Object.freeze({ iso: null, notes: Object.freeze(['invalid']) });
const OUT_OF_RANGE: TimeValue = Object.freeze({ iso: null, notes: Object.freeze(['out of range']) });
const RECURRING: TimeValue = Object.freeze({ iso: null, notes: Object.freeze(['recurring (every day/month/year)']) });

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Year from the 7 bits spread over the day and month bytes (types F, G, I), with type F's hundred-year bits. */
function fullYear(dayByte: number, monthByte: number, hundreds: number): number {
  const yy = ((dayByte & 0xe0) >> 5) | ((monthByte & 0xf0) >> 1);
  if (hundreds > 0) return 1900 + 100 * hundreds + yy;
  // Without the hundred-year bits (older meters), 00-80 are 2000-2080 (EN 13757-3:2013 Annex A).
  return yy <= 80 ? 2000 + yy : 1900 + yy;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function dateText(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month]!) return null;
  return `${year}-${two(month)}-${two(day)}`;
}

/** Type G: date, 16 bits. Month 15 / year 127 / day 0 are the "every ..." markers of recurring dates. */
export function decodeTypeG(b: Uint8Array, at: number): TimeValue {
  const d = b[at]!;
  const m = b[at + 1]!;
  if (d === 0xff && m === 0xff) return INVALID;
  const day = d & 0x1f;
  const month = m & 0x0f;
  const yy = ((d & 0xe0) >> 5) | ((m & 0xf0) >> 1);
  if (month === 15 || yy === 127 || day === 0) return RECURRING;
  const text = dateText(fullYear(d, m, 0), month, day);
  return text === null ? OUT_OF_RANGE : { iso: text, notes: NO_NOTES };
}

/** Type F: date and time, 32 bits: IV in minute bit 7, SU in hour bit 7, hundred-year in hour bits 5-6. */
export function decodeTypeF(b: Uint8Array, at: number): TimeValue {
  const mi = b[at]!;
  const h = b[at + 1]!;
  const d = b[at + 2]!;
  const mo = b[at + 3]!;
  if ((mi & 0x80) !== 0) return INVALID;
  const minute = mi & 0x3f;
  const hour = h & 0x1f;
  const day = d & 0x1f;
  const month = mo & 0x0f;
  const yy = ((d & 0xe0) >> 5) | ((mo & 0xf0) >> 1);
  if (month === 15 || yy === 127 || day === 0 || hour === 31 || minute === 63) return RECURRING;
  if (minute > 59 || hour > 23) return OUT_OF_RANGE;
  const date = dateText(fullYear(d, mo, (h >> 5) & 0x03), month, day);
  if (date === null) return OUT_OF_RANGE;
  const iso = `${date}T${two(hour)}:${two(minute)}`;
  return { iso, notes: (h & 0x80) !== 0 ? SUMMER : NO_NOTES };
}

const SUMMER: readonly string[] = Object.freeze(['summer time']);

/**
 * Type I: date and time with seconds, 48 bits: second (bit 6 summer time, bit 7 leap year), minute
 * (bit 7 IV), hour (bits 5-7 day of week), day, month, week (bits 6-7 daylight-saving deviation).
 */
export function decodeTypeI(b: Uint8Array, at: number): TimeValue {
  const s = b[at]!;
  const mi = b[at + 1]!;
  const h = b[at + 2]!;
  const d = b[at + 3]!;
  const mo = b[at + 4]!;
  if ((mi & 0x80) !== 0) return INVALID;
  const second = s & 0x3f;
  const minute = mi & 0x3f;
  const hour = h & 0x1f;
  const day = d & 0x1f;
  const month = mo & 0x0f;
  const yy = ((d & 0xe0) >> 5) | ((mo & 0xf0) >> 1);
  if (month === 15 || yy === 127 || day === 0 || hour === 31 || minute === 63 || second === 63) return RECURRING;
  if (second > 59 || minute > 59 || hour > 23) return OUT_OF_RANGE;
  const date = dateText(fullYear(d, mo, 0), month, day);
  if (date === null) return OUT_OF_RANGE;
  return { iso: `${date}T${two(hour)}:${two(minute)}:${two(second)}`, notes: (s & 0x40) !== 0 ? SUMMER : NO_NOTES };
}

/** Type J: time of day, 24 bits: second, minute, hour. */
export function decodeTypeJ(b: Uint8Array, at: number): TimeValue {
  const s = b[at]!;
  const mi = b[at + 1]!;
  const h = b[at + 2]!;
  if (s === 0xff && mi === 0xff && h === 0xff) return INVALID;
  const second = s & 0x3f;
  const minute = mi & 0x3f;
  const hour = h & 0x1f;
  if (hour === 31 || minute === 63 || second === 63) return RECURRING;
  if (second > 59 || minute > 59 || hour > 23) return OUT_OF_RANGE;
  return { iso: `${two(hour)}:${two(minute)}:${two(second)}`, notes: NO_NOTES };
}

/** Powers of ten as exact doubles (10^0..10^22), for scaling without rounding surprises. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * value x 10^exponent, rounded once: dividing an integer by an exact power of ten gives the double
 * closest to the decimal result (466472 x 10^-3 prints as 466.472, not 466.47200000000004).
 */
export function scale(value: number, exponent: number): number {
  if (exponent === 0) return value;
  if (exponent > 0) return exponent <= 22 ? value * POW10[exponent]! : value * 10 ** exponent;
  return -exponent <= 22 ? value / POW10[-exponent]! : value / 10 ** -exponent;
}
