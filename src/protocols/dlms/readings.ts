import { bytesToHex } from '../bytes.js';
import { formatObis, obisFromBytes } from '../obis/index.js';
import type { Reading, ReadingValue } from '../reading.js';
import type { Apdu, AttributeDescriptor } from './apdu.js';
import type { AxdrValue } from './axdr.js';
import { cosemDateTimeToIso, parseCosemDateTime } from './date-time.js';
import { DLMS_UNITS, UNIT_COUNT, UNIT_OTHER } from './units.js';

/**
 * DLMS notification and get-response values to Readings. Push layouts met in the field:
 *  - OBIS/value pairs: a structure or array holding (OBIS octet-string(6), value[, scaler_unit]) either flat
 *    or as small structures (the Tirol / Kaifa customer interface push);
 *  - a bare list of values whose meaning comes from the push setup's capture objects (Austrian and
 *    Luxembourg P1 pushes): pass those as `capture`.
 */

/** What a value in a capture-object list is, as configured in the meter's push setup. */
export interface CaptureObject {
  readonly obis: string;
  /** Power of ten the raw value is multiplied by. */
  readonly scaler?: number;
  /** DLMS unit enum number (Blue Book unit table). */
  readonly unit?: number;
}

export interface ReadingOptions {
  /** Time the values belong to (the notification's date-time), ISO 8601. */
  readonly timestamp?: string;
  /** Meaning of a bare list of values, in order. */
  readonly capture?: readonly CaptureObject[];
  /** For get-responses: the attribute the matching get-request asked for. */
  readonly requested?: AttributeDescriptor;
}

const isInteger = (v: AxdrValue): v is Extract<AxdrValue, { value: number }> =>
  'value' in v && typeof v.value === 'number' && v.kind !== 'float32' && v.kind !== 'float64';

/** scaler_unit ::= structure { scaler integer, unit enum } (Blue Book 4.3.2). */
function asScalerUnit(v: AxdrValue | undefined): { scaler: number; unit: number } | undefined {
  if (v === undefined || v.kind !== 'structure' || v.items.length !== 2) return undefined;
  const [s, u] = v.items;
  if (s === undefined || u === undefined || s.kind !== 'integer' || u.kind !== 'enum') return undefined;
  return { scaler: s.value, unit: u.value };
}

function asObis(v: AxdrValue | undefined): string | undefined {
  if (v === undefined || v.kind !== 'octet-string' || v.value.length !== 6) return undefined;
  return formatObis(obisFromBytes(v.value));
}

/** n x 10^scaler, dividing for negative scalers so 2307 x 10^-1 prints as 230.7. */
function scale(n: number, scaler: number): number {
  if (scaler === 0) return n;
  return scaler < 0 ? n / 10 ** -scaler : n * 10 ** scaler;
}

const PRINTABLE = /^[\x20-\x7e]*$/;

/** A scalar A-XDR value as a ReadingValue; undefined for containers. */
function scalarValue(v: AxdrValue, scaler: number): { value: ReadingValue; isDate: boolean } | undefined {
  switch (v.kind) {
    case 'null-data':
      return { value: null, isDate: false };
    case 'boolean':
      return { value: v.value, isDate: false };
    case 'long64':
    case 'long64-unsigned': {
      const n = Number(v.value);
      return { value: Number.isSafeInteger(n) ? scale(n, scaler) : v.value.toString(), isDate: false };
    }
    case 'float32':
    case 'float64':
      return { value: scale(v.value, scaler), isDate: false };
    case 'octet-string': {
      const dt = v.value.length === 12 ? parseCosemDateTime(v.value) : undefined;
      const iso = dt === undefined ? undefined : cosemDateTimeToIso(dt);
      if (iso !== undefined) return { value: iso, isDate: true };
      const text = Buffer.from(v.value).toString('latin1');
      return { value: v.value.length > 0 && PRINTABLE.test(text) ? text : bytesToHex(v.value), isDate: false };
    }
    case 'visible-string':
    case 'utf8-string':
      return { value: v.value, isDate: false };
    case 'bit-string':
      return { value: bytesToHex(v.bytes), isDate: false };
    case 'date-time': {
      const iso = cosemDateTimeToIso(v.value);
      return { value: iso ?? null, isDate: true };
    }
    case 'date':
    case 'time':
      return { value: JSON.stringify(v.value), isDate: true };
    case 'array':
    case 'structure':
    case 'compact-array':
      return undefined;
    default:
      return isInteger(v) ? { value: scale(v.value, scaler), isDate: false } : undefined;
  }
}

/** Plain-word quantity from the OBIS code and unit. */
function quantityOf(obis: string | undefined, unit: number | undefined, isDate: boolean): string {
  if (isDate || obis === '0-0:1.0.0') return 'date time';
  if (obis === '0-0:42.0.0') return 'logical device name';
  if (obis?.startsWith('0-') && obis.includes(':96.1.')) return 'meter id';
  const u = unit === undefined ? undefined : DLMS_UNITS[unit];
  if (u === undefined) return 'value';
  if (obis?.startsWith('1-')) {
    // Electricity (A = 1) value group C: 1/3 import (+A/+R), 2/4 export (-A/-R), Blue Book 7.5.1 table
    const c = obis.slice(obis.indexOf(':') + 1, obis.indexOf('.'));
    if (c === '1' || c === '3') return `${u.quantity} import`;
    if (c === '2' || c === '4') return `${u.quantity} export`;
  }
  return u.quantity;
}

function makeReading(obis: string | undefined, v: AxdrValue, su: { scaler: number; unit: number } | undefined, opts: ReadingOptions): Reading | undefined {
  const s = scalarValue(v, su?.scaler ?? 0);
  if (s === undefined) return undefined;
  const unit = su === undefined || su.unit === UNIT_COUNT || su.unit === UNIT_OTHER ? undefined : DLMS_UNITS[su.unit];
  // built field by field (not with conditional spreads): this runs once per value of every push
  const r: { -readonly [K in keyof Reading]: Reading[K] } = { quantity: quantityOf(obis, su?.unit, s.isDate), value: s.value };
  if (obis !== undefined) r.obis = obis;
  if (unit !== undefined) r.unit = unit.symbol;
  if (opts.timestamp !== undefined && !s.isDate) r.timestamp = opts.timestamp;
  return r;
}

const isContainer = (v: AxdrValue): boolean => v.kind === 'array' || v.kind === 'structure' || v.kind === 'compact-array';

/** Walk containers and turn every (OBIS, value[, scaler_unit]) run into a Reading. */
function collectPairs(v: AxdrValue, opts: ReadingOptions, out: Reading[]): void {
  if (v.kind !== 'array' && v.kind !== 'structure' && v.kind !== 'compact-array') return;
  const items = v.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const obis = asObis(item);
    const next = items[i + 1];
    if (obis !== undefined && next !== undefined && asObis(next) === undefined && !isContainer(next)) {
      const su = asScalerUnit(items[i + 2]);
      const r = makeReading(obis, next, su, opts);
      if (r !== undefined) out.push(r);
      i += su === undefined ? 1 : 2;
      continue;
    }
    collectPairs(item, opts, out);
  }
}

/** Values of a bare list, named by the capture objects in order; surplus values keep no OBIS. */
function collectCaptured(v: AxdrValue, capture: readonly CaptureObject[], opts: ReadingOptions): Reading[] {
  const items = v.kind === 'array' || v.kind === 'structure' || v.kind === 'compact-array' ? v.items : [v];
  const out: Reading[] = [];
  items.forEach((item, i) => {
    const c = capture[i];
    const su = c !== undefined && (c.scaler !== undefined || c.unit !== undefined) ? { scaler: c.scaler ?? 0, unit: c.unit ?? UNIT_COUNT } : undefined;
    const r = makeReading(c?.obis, item, su, opts);
    if (r !== undefined) out.push(r);
  });
  return out;
}

/** Readings of one A-XDR value (a notification body or a get-response result). */
export function readingsFromData(v: AxdrValue, opts: ReadingOptions = {}): Reading[] {
  if (opts.capture !== undefined) return collectCaptured(v, opts.capture, opts);
  const out: Reading[] = [];
  collectPairs(v, opts, out);
  if (out.length === 0 && opts.requested !== undefined) {
    const r = makeReading(opts.requested.obis, v, undefined, opts);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** Readings of a decoded plaintext APDU (notifications and get-responses; requests carry none). */
export function readingsFromApdu(apdu: Apdu, opts: ReadingOptions = {}): Reading[] {
  switch (apdu.kind) {
    case 'data-notification': {
      const iso = apdu.dateTime === undefined ? undefined : cosemDateTimeToIso(apdu.dateTime);
      return readingsFromData(apdu.body, iso !== undefined && opts.timestamp === undefined ? { ...opts, timestamp: iso } : opts);
    }
    case 'event-notification': {
      const iso = apdu.time === undefined ? undefined : cosemDateTimeToIso(apdu.time);
      return readingsFromData(apdu.value, { ...opts, requested: apdu.attribute, ...(iso !== undefined ? { timestamp: iso } : {}) });
    }
    case 'get-response-normal':
      return apdu.result.kind === 'data' ? readingsFromData(apdu.result.value, opts) : [];
    case 'get-response-with-list':
      // One request attribute cannot name every result of a list: only OBIS pairs inside the data count.
      return apdu.results.flatMap((r) => (r.kind === 'data' ? readingsFromData(r.value, opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}) : []));
    default:
      return [];
  }
}
