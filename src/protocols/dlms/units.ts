/**
 * Unit enumeration of the COSEM scaler_unit (Blue Book, IEC 62056-6-2 4.3.2 "Register" class, unit table).
 * Only the units meters actually send are named; others are reported by number.
 */
export interface DlmsUnit {
  readonly symbol: string;
  /** What a value in this unit measures, for Reading.quantity. */
  readonly quantity: string;
}

export const DLMS_UNITS: Readonly<Record<number, DlmsUnit>> = {
  1: { symbol: 'a', quantity: 'time' }, // 0x01 year
  2: { symbol: 'mo', quantity: 'time' }, // 0x02 month
  3: { symbol: 'wk', quantity: 'time' }, // 0x03 week
  4: { symbol: 'd', quantity: 'time' }, // 0x04 day
  5: { symbol: 'h', quantity: 'time' }, // 0x05 hour
  6: { symbol: 'min', quantity: 'time' }, // 0x06
  7: { symbol: 's', quantity: 'time' }, // 0x07
  8: { symbol: '°', quantity: 'phase angle' }, // 0x08
  9: { symbol: '°C', quantity: 'temperature' }, // 0x09
  10: { symbol: 'currency', quantity: 'price' }, // 0x0A
  11: { symbol: 'm', quantity: 'length' }, // 0x0B
  12: { symbol: 'm/s', quantity: 'speed' }, // 0x0C
  13: { symbol: 'm3', quantity: 'volume' }, // 0x0D
  14: { symbol: 'm3', quantity: 'corrected volume' }, // 0x0E
  15: { symbol: 'm3/h', quantity: 'volume flow' }, // 0x0F
  16: { symbol: 'm3/h', quantity: 'corrected volume flow' }, // 0x10
  17: { symbol: 'm3/d', quantity: 'volume flow' }, // 0x11
  18: { symbol: 'm3/d', quantity: 'corrected volume flow' }, // 0x12
  19: { symbol: 'l', quantity: 'volume' }, // 0x13
  20: { symbol: 'kg', quantity: 'mass' }, // 0x14
  21: { symbol: 'N', quantity: 'force' }, // 0x15
  22: { symbol: 'Nm', quantity: 'energy' }, // 0x16
  23: { symbol: 'Pa', quantity: 'pressure' }, // 0x17
  24: { symbol: 'bar', quantity: 'pressure' }, // 0x18
  25: { symbol: 'J', quantity: 'energy' }, // 0x19
  26: { symbol: 'J/h', quantity: 'thermal power' }, // 0x1A
  27: { symbol: 'W', quantity: 'active power' }, // 0x1B
  28: { symbol: 'VA', quantity: 'apparent power' }, // 0x1C
  29: { symbol: 'var', quantity: 'reactive power' }, // 0x1D
  30: { symbol: 'Wh', quantity: 'active energy' }, // 0x1E
  31: { symbol: 'VAh', quantity: 'apparent energy' }, // 0x1F
  32: { symbol: 'varh', quantity: 'reactive energy' }, // 0x20
  33: { symbol: 'A', quantity: 'current' }, // 0x21
  34: { symbol: 'C', quantity: 'electric charge' }, // 0x22
  35: { symbol: 'V', quantity: 'voltage' }, // 0x23
  36: { symbol: 'V/m', quantity: 'electric field strength' }, // 0x24
  37: { symbol: 'F', quantity: 'capacitance' }, // 0x25
  38: { symbol: 'Ω', quantity: 'resistance' }, // 0x26
  44: { symbol: 'Hz', quantity: 'frequency' }, // 0x2C
  50: { symbol: 'kg/s', quantity: 'mass flow' }, // 0x32
  52: { symbol: 'K', quantity: 'temperature difference' }, // 0x34
  56: { symbol: '%', quantity: 'percentage' }, // 0x38
  57: { symbol: 'Ah', quantity: 'charge' }, // 0x39
  60: { symbol: 'Wh/m3', quantity: 'calorific value' }, // 0x3C
  61: { symbol: 'J/m3', quantity: 'calorific value' }, // 0x3D
  70: { symbol: 'dBm', quantity: 'signal strength' }, // 0x46
  71: { symbol: 'dBµV', quantity: 'signal strength' }, // 0x47
  72: { symbol: 'dB', quantity: 'logarithmic ratio' }, // 0x48
};

/** 0xFF: "count", a dimensionless number; 0xFE: "other unit". */
export const UNIT_COUNT = 255;
export const UNIT_OTHER = 254;
