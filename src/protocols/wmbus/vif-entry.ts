/** One row of a VIF table: what the value means, in which unit, and the decimal exponent of that unit. */
export interface VifEntry {
  /** Plain words: "energy", "volume", "flow temperature" ... */
  readonly quantity: string;
  /** Unit of the value after scaling by 10^exponent; "" for counts and identifiers. */
  readonly unit: string;
  readonly exponent: number;
  /** VIF_* bit set below. */
  readonly flags: number;
}

/** The value is a point in time: the data field size picks type G (2), J (3), F (4) or I (6). */
export const VIF_TIME_POINT = 0x01;
/** Integers are unsigned (identifiers, bit fields, counters); type B signed otherwise. */
export const VIF_UNSIGNED = 0x02;
/** Reserved or manufacturer-defined code: the value is kept as raw bytes. */
export const VIF_RAW = 0x04;

/** Unit of a duration by the two low bits nn: seconds, minutes, hours, days (EN 13757-3 Table 10 note). */
export const DURATION_UNITS: readonly string[] = ['s', 'min', 'h', 'd'];

export const entry = (quantity: string, unit: string, exponent: number, flags = 0): VifEntry =>
  Object.freeze({ quantity, unit, exponent, flags });

/** Fill codes from..from+count-1 with exponent = (code - from) + first. */
export function fillScaled(table: VifEntry[], from: number, count: number, quantity: string, unit: string, first: number, flags = 0): void {
  for (let i = 0; i < count; i++) table[from + i] = entry(quantity, unit, first + i, flags);
}

/** Fill four codes from..from+3 with the duration units s, min, h, d. */
export function fillDuration(table: VifEntry[], from: number, quantity: string): void {
  for (let i = 0; i < 4; i++) table[from + i] = entry(quantity, DURATION_UNITS[i]!, 0);
}

/** A 128-entry table with every code reserved (raw) until filled. */
export function reservedTable(label: string): VifEntry[] {
  const t: VifEntry[] = [];
  for (let code = 0; code < 128; code++) t.push(entry(`reserved VIF ${label}${code.toString(16).toUpperCase().padStart(2, '0')}`, '', 0, VIF_RAW));
  return t;
}
