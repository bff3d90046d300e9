/**
 * The few A-XDR / COSEM encodings the simulated DLMS and P1 meters need (IEC 62056-6-2, Blue Book 4.1.5):
 * OBIS octet strings, scaled registers with their scaler_unit, and the 12-byte date-time.
 */
import { ByteWriter } from '../protocols/bytes.js';

/** Data CHOICE tags (Blue Book 4.1.5). */
export const AXDR = {
  structure: 0x02, // [2]
  doubleLong: 0x05, // [5] Integer32
  doubleLongUnsigned: 0x06, // [6] Unsigned32
  octetString: 0x09, // [9]
  integer: 0x0f, // [15] Integer8
  longUnsigned: 0x12, // [18] Unsigned16
  enum: 0x16, // [22]
} as const;

/** Unit enumeration of scaler_unit (Blue Book 4.3.2). */
export const COSEM_UNIT = {
  degree: 8, // 0x08 phase angle
  watt: 27, // 0x1B
  wattHour: 30, // 0x1E
  ampere: 33, // 0x21
  volt: 35, // 0x23
} as const;

/** One register value of a notification: OBIS, integer in whole steps, scaler (power of ten) and unit. */
export interface CosemValue {
  /** Six OBIS bytes A B C D E F. */
  readonly obis: readonly [number, number, number, number, number, number];
  readonly type: typeof AXDR.doubleLong | typeof AXDR.doubleLongUnsigned | typeof AXDR.longUnsigned;
  readonly steps: number;
  readonly scaler: number;
  readonly unit: number;
}

/** structure { octet-string(6) OBIS, value, structure { integer scaler, enum unit } } */
export function writeCosemValue(w: ByteWriter, v: CosemValue): void {
  w.u8(AXDR.structure).u8(3);
  w.u8(AXDR.octetString).u8(6).bytes(Uint8Array.from(v.obis));
  w.u8(v.type);
  if (v.type === AXDR.longUnsigned) w.u16be(v.steps);
  else w.u32be(v.steps >>> 0);
  w.u8(AXDR.structure).u8(2).u8(AXDR.integer).u8(v.scaler & 0xff).u8(AXDR.enum).u8(v.unit);
}

/**
 * COSEM date-time (Blue Book 4.1.6.1) of a UTC instant: year, month, day, day of week (1 = Monday),
 * hour, minute, second, hundredths, deviation 0 (UTC), clock status 00.
 */
export function cosemDateTime(timeMs: number): Uint8Array {
  const d = new Date(timeMs);
  const dow = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  return new ByteWriter(12)
    .u16be(d.getUTCFullYear())
    .u8(d.getUTCMonth() + 1)
    .u8(d.getUTCDate())
    .u8(dow)
    .u8(d.getUTCHours())
    .u8(d.getUTCMinutes())
    .u8(d.getUTCSeconds())
    .u8(Math.floor(d.getUTCMilliseconds() / 10))
    .u16be(0)
    .u8(0)
    .finish();
}
