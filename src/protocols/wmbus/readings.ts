import { type ObisCode, formatObis } from '../obis/obis.js';
import type { Reading, ReadingValue, ValueFunction } from '../reading.js';
import { bytesToHex } from '../bytes.js';
import { scale } from './datatypes.js';
import type { DataRecord } from './records.js';
import { NOTE_BACKWARD, NOTE_FORWARD, NOTE_PHASE } from './vif-combinable.js';

/**
 * OBIS value group A by medium (EN 62056-61 / EN 13757-1): 1 electricity, 4 heat cost allocation,
 * 5 cooling, 6 heat, 7 gas, 8 cold water, 9 hot water.
 */
export const OBIS_MEDIUM = {
  ELECTRICITY: 1,
  HCA: 4,
  COOLING: 5,
  HEAT: 6,
  GAS: 7,
  COLD_WATER: 8,
  HOT_WATER: 9,
} as const;

export type ObisMedium = (typeof OBIS_MEDIUM)[keyof typeof OBIS_MEDIUM];

/** Device type byte (EN 13757-7 Table 12 / OMS) to OBIS value group A; undefined where none fits. */
export function obisMediumOfDeviceType(deviceType: number): ObisMedium | undefined {
  switch (deviceType) {
    case 0x02: // electricity
    case 0x20: // breaker (electricity)
      return OBIS_MEDIUM.ELECTRICITY;
    case 0x03: // gas
      return OBIS_MEDIUM.GAS;
    case 0x04: // heat, outlet
    case 0x0c: // heat, inlet
    case 0x0d: // heat / cooling load meter
      return OBIS_MEDIUM.HEAT;
    case 0x0a: // cooling, outlet
    case 0x0b: // cooling, inlet
      return OBIS_MEDIUM.COOLING;
    case 0x08: // heat cost allocator
      return OBIS_MEDIUM.HCA;
    case 0x06: // warm water 30-90 °C
    case 0x15: // hot water >= 90 °C
      return OBIS_MEDIUM.HOT_WATER;
    case 0x07: // water
    case 0x16: // cold water
      return OBIS_MEDIUM.COLD_WATER;
    default:
      return undefined;
  }
}

/** The medium from a device type byte or a medium name ("electricity", "warm water" ...). */
function mediumOf(medium: number | string | undefined, records: readonly DataRecord[]): ObisMedium | undefined {
  if (typeof medium === 'number') return obisMediumOfDeviceType(medium) ?? inferMedium(records);
  if (typeof medium === 'string') {
    const m = medium.toLowerCase();
    if (m.includes('heat cost')) return OBIS_MEDIUM.HCA;
    if (m.includes('electric')) return OBIS_MEDIUM.ELECTRICITY;
    if (m.includes('gas')) return OBIS_MEDIUM.GAS;
    if (m.includes('cool')) return m.includes('heat') ? OBIS_MEDIUM.HEAT : OBIS_MEDIUM.COOLING;
    if (m.includes('heat')) return OBIS_MEDIUM.HEAT;
    if (m.includes('warm water') || m.includes('hot water')) return OBIS_MEDIUM.HOT_WATER;
    if (m.includes('water')) return OBIS_MEDIUM.COLD_WATER;
    return undefined;
  }
  return inferMedium(records);
}

/** Without a device type: only what the records make unambiguous. */
function inferMedium(records: readonly DataRecord[]): ObisMedium | undefined {
  let energy = false;
  let heatSide = false;
  let electric = false;
  for (const r of records) {
    switch (r.quantity) {
      case 'heat cost allocation':
        return OBIS_MEDIUM.HCA;
      case 'energy':
        energy = true;
        break;
      case 'flow temperature':
      case 'return temperature':
      case 'temperature difference':
      case 'volume':
        heatSide = true;
        break;
      case 'voltage':
      case 'current':
      case 'reactive energy':
      case 'apparent energy':
      case 'reactive power':
      case 'apparent power':
        electric = true;
        break;
    }
  }
  if (electric && !heatSide) return OBIS_MEDIUM.ELECTRICITY;
  if (energy && heatSide) return OBIS_MEDIUM.HEAT;
  return undefined;
}

/** Record unit to the unit a reading shows, with the decimal shift between them (a Map: looked up per record). */
const UNIT_CONVERSION: ReadonlyMap<string, readonly [unit: string, shift: number]> = new Map([
  ['Wh', ['kWh', -3]],
  ['MWh', ['kWh', 3]],
  ['J', ['MJ', -6]],
  ['GJ', ['MJ', 3]],
  ['W', ['kW', -3]],
  ['MW', ['kW', 3]],
  ['J/h', ['MJ/h', -6]],
  ['GJ/h', ['MJ/h', 3]],
]);

/**
 * Map data records to readings. `medium` is the meter's device type byte (EN 13757-4/-7) or its name; it
 * picks the OBIS value group A. Without it the medium is inferred only where the records leave no doubt.
 * Dates, strings and raw data become readings too; nothing is dropped.
 */
export function recordsToReadings(records: readonly DataRecord[], medium?: number | string, texts?: ObisTexts): Reading[] {
  const a = mediumOf(medium, records);
  const out: Reading[] = [];
  const scratch = new ReadingFields();
  for (const r of records) {
    const f = readingFieldsOf(r, a, scratch, texts);
    out.push(new WmbusReading(f.obis, f.quantity, f.value, f.unit, f.storage, f.tariff, f.subunit, f.function, f.raw));
  }
  return out;
}

/**
 * The fields of one reading, in the order a reading has them (absent ones undefined), held in a reused object:
 * the JSON writer reads the readings of a telegram from here without making them.
 */
export class ReadingFields implements Reading {
  obis: string | undefined = undefined;
  quantity = '';
  value: ReadingValue = null;
  unit: string | undefined = undefined;
  storage = 0;
  tariff = 0;
  subunit: number | undefined = undefined;
  function: ValueFunction | undefined = undefined;
  raw: string | undefined = undefined;
  /** When `value` is `unscaled` x 10^-places (places > 0), for a writer that formats it from the integer. */
  places = 0;
  unscaled = 0;
}

/** The OBIS medium the readings of these records are named for (`medium`: device type or medium name). */
export const readingsMedium = (records: readonly DataRecord[], medium?: number | string): ObisMedium | undefined => mediumOf(medium, records);

/**
 * The decimal exponent of a reading's value: the record's, moved by the unit conversion (Wh to kWh ...) of a
 * numeric record. The reading's value is scale(unscaled, this).
 */
export function readingExponent(r: DataRecord): number {
  if (r.kind !== 'numeric' || r.unscaled === null) return r.exponent;
  const conv = UNIT_CONVERSION.get(r.unit);
  return conv === undefined ? r.exponent : r.exponent + conv[1];
}

/**
 * Sets `out` to the reading of one record (what `recordsToReadings` makes of it) and returns it. `texts` keeps
 * the OBIS code texts already formatted (the caller's, bounded), so that each is formatted once.
 */
export function readingFieldsOf(r: DataRecord, a: ObisMedium | undefined, out: ReadingFields, texts?: ObisTexts): ReadingFields {
  let value: ReadingValue = r.value;
  let unit = r.unit;
  let exponent = r.exponent;
  if (r.kind === 'numeric' && r.unscaled !== null) {
    const conv = UNIT_CONVERSION.get(unit);
    if (conv !== undefined) {
      unit = conv[0];
      exponent += conv[1];
      value = scale(r.unscaled, exponent);
    }
  }
  // A numeric value is scale(unscaled, exponent) (decodeRecords makes it so).
  const scaled = r.kind === 'numeric' && r.unscaled !== null && r.errorCode === undefined && exponent < 0;
  out.places = scaled ? -exponent : 0;
  out.unscaled = scaled ? r.unscaled! : 0;
  const keepRaw = r.kind === 'raw' || r.kind === 'manufacturer' || r.kind === 'bcd-error' || r.errorCode !== undefined;
  if (r.errorCode !== undefined) value = null;
  out.obis = r.kind === 'numeric' && r.errorCode === undefined && a !== undefined ? obisOf(r, a, texts) : undefined;
  out.quantity = r.quantity;
  out.value = value;
  out.unit = unit === '' ? undefined : unit;
  out.storage = r.storage;
  out.tariff = r.tariff;
  out.subunit = r.subunit === 0 ? undefined : r.subunit;
  out.function = r.function === 'instantaneous' ? undefined : r.function;
  out.raw = keepRaw ? bytesToHex(r.data) : undefined;
  return out;
}

/**
 * A reading made by a constructor rather than an object literal: its fields take numbers, strings and
 * undefined by turns, which made V8 drop the optimised literal again and again; a class keeps one shape.
 */
class WmbusReading implements Reading {
  readonly obis: string | undefined;
  readonly quantity: string;
  readonly value: ReadingValue;
  readonly unit: string | undefined;
  readonly storage: number;
  readonly tariff: number;
  readonly subunit: number | undefined;
  readonly function: ValueFunction | undefined;
  readonly raw: string | undefined;

  constructor(
    obis: string | undefined,
    quantity: string,
    value: ReadingValue,
    unit: string | undefined,
    storage: number,
    tariff: number,
    subunit: number | undefined,
    fn: ValueFunction | undefined,
    raw: string | undefined,
  ) {
    this.obis = obis;
    this.quantity = quantity;
    this.value = value;
    this.unit = unit;
    this.storage = storage;
    this.tariff = tariff;
    this.subunit = subunit;
    this.function = fn;
    this.raw = raw;
  }
}

/** Value group D: current value, or the minimum/maximum of the period (EN 13757-1 / EN 62056-61). */
const D_CURRENT = 0;
const D_MINIMUM = 4;
const D_MAXIMUM = 5;
// Electricity (EN 62056-61): D 8 time integral (registers), 7 instantaneous, 6 maximum, 3 minimum.
const D_EL_INTEGRAL = 8;
const D_EL_INSTANT = 7;
const D_EL_MAX = 6;
const D_EL_MIN = 3;

/** Notes that OBIS codes can express; any other note (limit value, future value ...) means no OBIS id. */
const OBIS_NOTES: ReadonlySet<string> = new Set([NOTE_BACKWARD, NOTE_FORWARD, NOTE_PHASE[1], NOTE_PHASE[2], NOTE_PHASE[3], NOTE_PHASE[4]]);

function obisOf(r: DataRecord, a: ObisMedium, texts: ObisTexts | undefined): string | undefined {
  for (const n of r.notes) if (!OBIS_NOTES.has(n)) return undefined;
  if (a !== OBIS_MEDIUM.ELECTRICITY && r.notes.length > 0) {
    // Heat/cooling meters count cooling energy as the negative contributions; other directions have no C.
    if (a === OBIS_MEDIUM.HEAT && r.quantity === 'energy' && r.notes.length === 1 && r.notes[0] === NOTE_BACKWARD) a = OBIS_MEDIUM.COOLING;
    else if (!(a === OBIS_MEDIUM.HEAT && r.quantity === 'energy' && r.notes.length === 1 && r.notes[0] === NOTE_FORWARD)) return undefined;
  }
  const c = a === OBIS_MEDIUM.ELECTRICITY ? electricityC(r) : nonElectricC(r, a);
  if (c === undefined) return undefined;
  let d: number;
  if (a === OBIS_MEDIUM.ELECTRICITY) {
    const register = r.quantity.endsWith('energy');
    if (register) {
      if (r.function !== 'instantaneous') return undefined;
      d = D_EL_INTEGRAL;
    } else {
      d = r.function === 'maximum' ? D_EL_MAX : r.function === 'minimum' ? D_EL_MIN : r.function === 'error' ? -1 : D_EL_INSTANT;
    }
  } else {
    d = r.function === 'maximum' ? D_MAXIMUM : r.function === 'minimum' ? D_MINIMUM : r.function === 'error' ? -1 : D_CURRENT;
  }
  if (d < 0 || r.tariff > 255 || r.subunit > 255 || r.storage > 254) return undefined;
  // F: historic value (storage number); 255 = current.
  const f = r.storage === 0 ? 255 : r.storage;
  // Six groups of at most 255, three in each of two small integers (a 48-bit key would be a boxed double):
  // the key of the code's text, formatted once.
  const high = (a * 256 + r.subunit) * 256 + c;
  const low = (d * 256 + r.tariff) * 256 + f;
  const byLow = texts?.byHigh.get(high);
  let text = byLow?.get(low);
  if (text === undefined) {
    const code: ObisCode = [a, r.subunit, c, d, r.tariff, f];
    text = formatObis(code);
    if (texts !== undefined && texts.count < MAX_OBIS_TEXTS) {
      if (byLow === undefined) texts.byHigh.set(high, new Map([[low, text]]));
      else byLow.set(low, text);
      texts.count++;
    }
  }
  return text;
}

/** OBIS code texts already formatted, by their six groups packed into two numbers (bounded; one per session). */
export class ObisTexts {
  readonly byHigh = new Map<number, Map<number, string>>();
  count = 0;
}

const MAX_OBIS_TEXTS = 4096;

/** Value group C for electricity (EN 62056-61): 1/2 active +/-, 3/4 reactive, 9/10 apparent, 11/12 I/U, 14 f. */
function electricityC(r: DataRecord): number | undefined {
  const backward = r.notes.includes(NOTE_BACKWARD);
  let c: number;
  switch (r.quantity) {
    case 'energy':
    case 'power':
      c = backward ? 2 : 1;
      break;
    case 'reactive energy':
    case 'reactive power':
      c = backward ? 4 : 3;
      break;
    case 'apparent energy':
    case 'apparent power':
      c = backward ? 10 : 9;
      break;
    case 'current':
      c = 11;
      break;
    case 'voltage':
      c = 12;
      break;
    case 'frequency':
      return 14;
    default:
      return undefined;
  }
  // Phase Lx adds 20 x x (L1 21..., L2 41..., L3 61...); neutral current is 91.
  for (let p = 1; p <= 4; p++) {
    if (r.notes.includes(NOTE_PHASE[p as 1 | 2 | 3 | 4])) {
      if (p === 4) return c === 11 ? 91 : undefined;
      return c + 20 * p;
    }
  }
  return c;
}

/** Value group C for the EN 13757-1 media (HCA, heat, cooling, gas, water). */
function nonElectricC(r: DataRecord, a: ObisMedium): number | undefined {
  const q = r.quantity;
  switch (a) {
    case OBIS_MEDIUM.HCA:
      return q === 'heat cost allocation' ? 1 : undefined; // unrated integral
    case OBIS_MEDIUM.HEAT:
    case OBIS_MEDIUM.COOLING:
      switch (q) {
        case 'energy':
          return 1;
        case 'volume':
          return 2; // accumulated flow volume
        case 'mass':
          return 3; // accumulated flow mass
        case 'volume flow':
          return 4;
        case 'mass flow':
          return 5;
        case 'power':
          return 8;
        case 'flow temperature':
          return 9;
        case 'return temperature':
          return 10;
        case 'temperature difference':
          return 11;
        default:
          return undefined;
      }
    case OBIS_MEDIUM.GAS:
      return q === 'volume' ? 3 : undefined;
    case OBIS_MEDIUM.COLD_WATER:
    case OBIS_MEDIUM.HOT_WATER:
      switch (q) {
        case 'volume':
          return 1; // accumulated volume
        case 'volume flow':
          return 2;
        case 'flow temperature':
          return 3;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
