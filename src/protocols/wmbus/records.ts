import { CodecError } from '../errors.js';
import type { ValueFunction } from '../reading.js';
import {
  DATA_FIELD,
  DATA_FIELD_SIZE,
  LVAR,
  bcdDigits,
  decodeTypeF,
  decodeTypeG,
  decodeTypeI,
  decodeTypeJ,
  readBcd,
  readIntLE,
  readReal32LE,
  readReversedLatin1,
  readUintLE,
  scale,
  type TimeValue,
} from './datatypes.js';
import { VIF_TIME_POINT, VIF_UNSIGNED } from './vif-entry.js';
import { PRIMARY_VIF } from './vif-primary.js';
import { VIB_UNDECODABLE, VibState, isRawVib, readVib } from './vif.js';

/** How the data field of a record is coded (EN 13757-3 6.3.3 Table 4; 'manufacturer' for DIF 0F/1F). */
export type DataCoding =
  | 'none'
  | 'int8'
  | 'int16'
  | 'int24'
  | 'int32'
  | 'int48'
  | 'int64'
  | 'real32'
  | 'bcd2'
  | 'bcd4'
  | 'bcd6'
  | 'bcd8'
  | 'bcd12'
  | 'variable'
  | 'selection'
  | 'manufacturer';

/** What a record's value turned out to be. */
export type DataRecordKind =
  | 'numeric' // value: scaled number
  | 'bcd-error' // BCD with hex digits A-F: value null, the digits are in `notes`
  | 'date' // type G: "YYYY-MM-DD"
  | 'datetime' // type F / I: "YYYY-MM-DDThh:mm[:ss]" local time
  | 'time' // type J: "hh:mm:ss"
  | 'string' // LVAR text
  | 'raw' // reserved or manufacturer-specific VIF/VIFE, long binary, undecodable rest: value null, bytes in `data`
  | 'none' // no data (data field 0h or 8h)
  | 'manufacturer'; // DIF 0F/1F: the rest of the data, bytes in `data`

/** One decoded data record: DIB, VIB and value. Byte arrays are views into the input, not copies. */
export interface DataRecord {
  readonly kind: DataRecordKind;
  /** Offset of the DIF in the input (compact frames: of the data field in the data bytes). */
  readonly offset: number;
  /** DIF and DIFEs as sent. */
  readonly dib: Uint8Array;
  /** VIF and VIFEs as sent, with the plain-text unit (length byte and characters) where the VIF is 7Ch/FCh. */
  readonly vib: Uint8Array;
  readonly coding: DataCoding;
  readonly storage: number;
  readonly tariff: number;
  readonly subunit: number;
  readonly function: ValueFunction;
  /** What is measured in plain words ("energy", "volume", "flow temperature" ...). */
  readonly quantity: string;
  /** Unit of `value`, "" for counts, identifiers, dates and text. */
  readonly unit: string;
  /** Decimal exponent already applied to `value` (value = unscaled x 10^exponent); 0 when not numeric. */
  readonly exponent: number;
  /** Scaled number, ISO 8601 text for dates, text for strings; null when absent, invalid or raw. */
  readonly value: number | string | null;
  /** The number as sent before scaling (numeric records only). */
  readonly unscaled: number | null;
  /** Raw data field bytes (for LVAR: without the length byte). */
  readonly data: Uint8Array;
  /** Notes from the orthogonal VIFEs and the data ("per hour", "future value", "summer time", "BCD error EEEE" ...). */
  readonly notes: readonly string[];
  /** Record error code from a combinable VIFE (EN 13757-3 Table 16): the value is not to be trusted. */
  readonly errorCode: number | undefined;
  /** DIF 1Fh: more records follow in the next telegram. */
  readonly moreFollows: boolean;
}

/** EN 13757-3 6.3: at most 10 DIFEs follow a DIF. */
export const MAX_DIFES = 10;

/** DIF values with a special function (EN 13757-3 Table 6). */
export const SPECIAL_DIF = {
  MANUFACTURER: 0x0f, // manufacturer-specific data to the end
  MANUFACTURER_MORE: 0x1f, // same, more records follow in the next telegram
  IDLE_FILLER: 0x2f, // one filler byte, no record
  GLOBAL_READOUT: 0x7f, // global readout request (master to meter only)
} as const;

const CODINGS: readonly DataCoding[] = [
  'none', 'int8', 'int16', 'int24', 'int32', 'real32', 'int48', 'int64',
  'selection', 'bcd2', 'bcd4', 'bcd6', 'bcd8', 'variable', 'bcd12', 'manufacturer',
];
const FUNCTIONS: readonly ValueFunction[] = ['instantaneous', 'maximum', 'minimum', 'error'];
const NO_NOTES: readonly string[] = Object.freeze([]);
const EMPTY = new Uint8Array(0);

/** Quantity of the 'raw' record that keeps the data from a record that cannot be decoded to the end. */
export const UNDECODABLE_QUANTITY = 'manufacturer specific or undecodable data';

/**
 * Decode the data records in bytes[start, end). Skips 2F idle fillers; 0F/1F manufacturer data becomes one
 * 'manufacturer' record that runs to the end. A reserved special DIF or an extension VIF/VIFE without its
 * true VIF (manufacturers put their own data there) ends the decoding: the rest becomes one 'raw' record
 * (quantity UNDECODABLE_QUANTITY) and, when `warnings` is given, a warning naming the offset is added.
 * Throws only CodecError (layer 'records', with the byte offset), for truncation and length lies among others.
 */
export function decodeRecords(bytes: Uint8Array, start: number, end: number, warnings?: string[]): readonly DataRecord[] {
  checkWindow(bytes, start, end);
  const out: DataRecord[] = [];
  const cur = new Cursor(start, start);
  const vib = new VibState();
  while (cur.h < end) {
    if (end - cur.h <= MAX_TRAILING) {
      decodeTail(bytes, end, cur, vib, out);
      break;
    }
    const r = decodeOne(bytes, end, bytes, end, cur, vib, false);
    if (r === null) continue;
    out.push(r);
    if (r.quantity === UNDECODABLE_QUANTITY && warnings !== undefined) {
      warnings.push(`records undecodable from offset ${r.offset} (${r.notes[0] ?? 'unknown'}): the remaining ${r.data.length} byte(s) kept raw`);
    }
  }
  return out;
}

/**
 * Captures often keep a 2-byte CRC after the last record. At most this many bytes at the end that form no
 * record are kept as one 'raw' record (quantity 'trailing bytes') instead of failing the whole frame.
 */
export const MAX_TRAILING = 2;

/**
 * The concatenated DIF/DIFE/VIF/VIFE bytes of every record in bytes[start, end) (OMS compact-frame signature):
 * no fillers, no data; the DIF of 0F/1F manufacturer data ends it.
 */
export function dataRecordHeaders(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const records = decodeRecords(bytes, start, end);
  let total = 0;
  for (const r of records) total += r.dib.length + r.vib.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of records) {
    out.set(r.dib, at);
    at += r.dib.length;
    out.set(r.vib, at);
    at += r.vib.length;
  }
  return out;
}

/**
 * Decode compact-frame data bytes[start, end) with the record headers remembered from a full frame.
 * Trailing 2F fillers (encryption padding) are ignored; other bytes beyond the format are CODEC_LENGTH_MISMATCH.
 */
export function decodeCompactRecords(headers: Uint8Array, bytes: Uint8Array, start: number, end: number): readonly DataRecord[] {
  checkWindow(bytes, start, end);
  const out: DataRecord[] = [];
  const cur = new Cursor(0, start);
  const vib = new VibState();
  const hend = headers.length;
  while (cur.h < hend) {
    const r = decodeOne(headers, hend, bytes, end, cur, vib, true);
    if (r !== null) out.push(r);
  }
  for (let i = cur.d; i < end; i++) {
    if (bytes[i] !== SPECIAL_DIF.IDLE_FILLER) {
      throw new CodecError('CODEC_LENGTH_MISMATCH', 'records', `compact frame has ${end - cur.d} byte(s) beyond its format at offset ${cur.d}`, cur.d);
    }
  }
  return out;
}

// --- internal ---

/** Read positions: h in the header bytes, d in the data bytes (compact frames; a full frame's data follows its header). */
class Cursor {
  h: number;
  d: number;
  constructor(h: number, d: number) {
    this.h = h;
    this.d = d;
  }
}

function checkWindow(bytes: Uint8Array, start: number, end: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > bytes.length || start > end) {
    throw new CodecError('CODEC_BAD_INPUT', 'records', `record window [${start}, ${end}) is outside the ${bytes.length} input bytes`, start);
  }
}

/** The last MAX_TRAILING bytes, added to `out`: records if they decode, else one 'raw' record holding them. */
function decodeTail(bytes: Uint8Array, end: number, cur: Cursor, vib: VibState, out: DataRecord[]): void {
  const from = cur.h;
  cur.h = end;
  // Most tails are a left-over CRC: settle those without building and catching an error.
  if (!tailMayDecode(bytes, from, end)) {
    out.push(trailingRecord(bytes, from, end));
    return;
  }
  const kept = out.length;
  const c = new Cursor(from, from);
  try {
    while (c.h < end) {
      const r = decodeOne(bytes, end, bytes, end, c, vib, false);
      if (r !== null) out.push(r);
    }
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    out.length = kept;
    out.push(trailingRecord(bytes, from, end));
  }
}

/**
 * Whether the few bytes at [at, end) can be whole records: fillers, manufacturer data, or a DIF without data
 * and a plain VIF. False when decoding them would certainly fail (the caller then keeps them raw).
 */
function tailMayDecode(bytes: Uint8Array, at: number, end: number): boolean {
  while (at < end && bytes[at] === SPECIAL_DIF.IDLE_FILLER) at++;
  if (at >= end) return true;
  const dif = bytes[at]!;
  const coding = dif & 0x0f;
  if (coding === DATA_FIELD.SPECIAL) return dif === SPECIAL_DIF.MANUFACTURER || dif === SPECIAL_DIF.MANUFACTURER_MORE;
  // A DIFE, a data field or an LVAR byte would leave no room for the VIF.
  if ((dif & 0x80) !== 0 || coding === DATA_FIELD.VARIABLE || DATA_FIELD_SIZE[coding] !== 0 || at + 1 >= end) return false;
  const vif = bytes[at + 1]!;
  const code = vif & 0x7f;
  return (vif & 0x80) === 0 && code !== PRIMARY_VIF.EXTENSION_FB && code !== PRIMARY_VIF.EXTENSION_FD && code !== PRIMARY_VIF.PLAIN_TEXT;
}

function trailingRecord(bytes: Uint8Array, from: number, end: number): DataRecord {
  // No DIB or VIB: the bytes form no record header.
  return new Record('raw', from, 'none', 0, 0, 0, 'instantaneous', 'trailing bytes', '', 0, null, null, TRAILING_NOTES, undefined, false, bytes, from, from, from, bytes, from, end);
}

const TRAILING_NOTES: readonly string[] = Object.freeze(['bytes after the last record that form no record (a left-over CRC?)']);

/** The data from a record that cannot be decoded (`why`) to the end, kept as one 'raw' record. */
function undecodableRecord(bytes: Uint8Array, from: number, end: number, cur: Cursor, why: string): DataRecord {
  cur.h = end;
  cur.d = end;
  return new Record('raw', from, 'none', 0, 0, 0, 'instantaneous', UNDECODABLE_QUANTITY, '', 0, null, null, [why], undefined, false, bytes, from, from, from, bytes, from, end);
}

function truncated(what: string, at: number): CodecError {
  return new CodecError('CODEC_TRUNCATED', 'records', `${what} missing at offset ${at}`, at);
}

/** Decode one record; null for an idle filler. Moves the cursor past header and data. */
function decodeOne(hb: Uint8Array, hend: number, db: Uint8Array, dend: number, cur: Cursor, vib: VibState, compact: boolean): DataRecord | null {
  const difAt = cur.h;
  const dif = hb[difAt]!;
  let h = difAt + 1;
  const coding = dif & 0x0f;
  if (coding === DATA_FIELD.SPECIAL) {
    if (dif === SPECIAL_DIF.IDLE_FILLER) {
      cur.h = h;
      return null;
    }
    if (dif === SPECIAL_DIF.MANUFACTURER || dif === SPECIAL_DIF.MANUFACTURER_MORE) {
      const d = compact ? cur.d : h;
      cur.h = hend;
      cur.d = dend;
      return manufacturerRecord(hb, difAt, compact ? d : difAt, db, d, dend, dif === SPECIAL_DIF.MANUFACTURER_MORE);
    }
    if (dif === SPECIAL_DIF.GLOBAL_READOUT) {
      throw new CodecError('CODEC_UNSUPPORTED', 'records', `global readout request DIF 7Fh in meter data at offset ${difAt}`, difAt);
    }
    const why = `reserved special DIF ${hex2(dif)}h at offset ${difAt}`;
    // Compact frames: the headers come from our own decoding of a full frame, so this cannot be meter data.
    if (compact) throw new CodecError('CODEC_MALFORMED', 'records', why, difAt);
    return undecodableRecord(hb, difAt, hend, cur, why);
  }

  // DIB: storage bit 6 of the DIF, then 4 storage bits, 2 tariff bits and 1 subunit bit per DIFE.
  let storage = (dif >> 6) & 0x01;
  let tariff = 0;
  let subunit = 0;
  let ext = dif & 0x80;
  let n = 0;
  while (ext !== 0) {
    if (h >= hend) throw truncated('DIFE', h);
    if (n === MAX_DIFES) throw new CodecError('CODEC_MALFORMED', 'records', `more than ${MAX_DIFES} DIFEs at offset ${h}`, h);
    const dife = hb[h++]!;
    // Shifts while the sums fit 31 bits: they stay small integers, which readers of the record expect (a power
    // of two from ** is a double and made V8 drop the code that reads these fields again and again).
    storage += n < 7 ? (dife & 0x0f) << (1 + 4 * n) : (dife & 0x0f) * 2 ** (1 + 4 * n);
    tariff += ((dife >> 4) & 0x03) << (2 * n);
    subunit += ((dife >> 6) & 0x01) << n;
    ext = dife & 0x80;
    n++;
  }
  const vibAt = h;
  h = readVib(hb, h, hend, vib);
  if (h === VIB_UNDECODABLE) {
    if (compact) throw new CodecError('CODEC_MALFORMED', 'records', vib.fault, vib.faultAt);
    return undecodableRecord(hb, difAt, hend, cur, vib.fault);
  }
  cur.h = h;

  // Data field.
  let d = compact ? cur.d : h;
  let size = DATA_FIELD_SIZE[coding]!;
  let lvar = -1;
  if (coding === DATA_FIELD.VARIABLE) {
    if (d >= dend) throw truncated('LVAR', d);
    lvar = db[d++]!;
    size = lvarSize(lvar, d - 1);
  }
  if (d + size > dend) {
    throw new CodecError('CODEC_TRUNCATED', 'records', `data field needs ${size} byte(s) at offset ${d}, ${dend - d} left`, d);
  }
  const dataAt = d;
  d += size;
  cur.d = d;
  if (!compact) cur.h = d;

  let kind: DataRecordKind = 'numeric';
  let value: number | string | null = null;
  let unscaled: number | null = null;
  let exponent = vib.exponent;
  let notes: readonly string[] | null = vib.notes;
  let extraNote: string | null = null;

  if (coding === DATA_FIELD.NONE || coding === DATA_FIELD.SELECTION) {
    kind = 'none';
  } else if (isRawVib(vib)) {
    kind = 'raw';
  } else if ((vib.flags & VIF_TIME_POINT) !== 0) {
    let t: TimeValue | null = null;
    if (coding === DATA_FIELD.INT16) {
      kind = 'date';
      t = decodeTypeG(db, dataAt);
    } else if (coding === DATA_FIELD.INT24) {
      kind = 'time';
      t = decodeTypeJ(db, dataAt);
    } else if (coding === DATA_FIELD.INT32) {
      kind = 'datetime';
      t = decodeTypeF(db, dataAt);
    } else if (coding === DATA_FIELD.INT48) {
      kind = 'datetime';
      t = decodeTypeI(db, dataAt);
    } else {
      kind = 'raw';
      extraNote = 'date with a data field of no date type';
    }
    if (t !== null) {
      value = t.iso;
      if (t.notes.length > 0) notes = notes === null ? t.notes : [...notes, ...t.notes];
    }
    exponent = 0;
  } else {
    switch (coding) {
      case DATA_FIELD.INT8:
      case DATA_FIELD.INT16:
      case DATA_FIELD.INT24:
      case DATA_FIELD.INT32:
      case DATA_FIELD.INT48:
      case DATA_FIELD.INT64:
        unscaled = (vib.flags & VIF_UNSIGNED) !== 0 ? readUintLE(db, dataAt, size) : readIntLE(db, dataAt, size);
        break;
      case DATA_FIELD.REAL32: {
        const f = readReal32LE(db, dataAt);
        if (Number.isFinite(f)) unscaled = f;
        else extraNote = 'real is not a finite number';
        break;
      }
      case DATA_FIELD.VARIABLE:
        if (lvar <= LVAR.TEXT_MAX) {
          kind = 'string';
          value = readReversedLatin1(db, dataAt, size);
          exponent = 0;
        } else if (lvar <= LVAR.BCD_NEG_MAX) {
          unscaled = readBcd(db, dataAt, size, lvar >= LVAR.BCD_NEG);
          if (Number.isNaN(unscaled)) {
            kind = 'bcd-error';
            unscaled = null;
            extraNote = `BCD error ${bcdDigits(db, dataAt, size)}`;
          }
        } else if (size <= 8) {
          unscaled = (vib.flags & VIF_UNSIGNED) !== 0 ? readUintLE(db, dataAt, size) : readIntLE(db, dataAt, size);
        } else {
          kind = 'raw';
        }
        break;
      default: {
        // BCD 2/4/6/8/12 digits
        unscaled = readBcd(db, dataAt, size);
        if (Number.isNaN(unscaled)) {
          kind = 'bcd-error';
          unscaled = null;
          extraNote = `BCD error ${bcdDigits(db, dataAt, size)}`;
        }
      }
    }
    if (unscaled !== null) value = scale(unscaled, exponent);
    else if (kind === 'numeric') kind = 'raw';
  }
  if (kind !== 'numeric') exponent = 0;
  if (extraNote !== null) notes = notes === null ? [extraNote] : [...notes, extraNote];

  return new Record(
    kind,
    compact ? dataAt : difAt,
    CODINGS[coding]!,
    storage,
    tariff,
    subunit,
    FUNCTIONS[(dif >> 4) & 0x03]!,
    vib.quantity,
    kind === 'numeric' ? vib.unit : '',
    exponent,
    value,
    unscaled,
    notes ?? NO_NOTES,
    vib.errorCode,
    false,
    hb,
    difAt,
    vibAt,
    h,
    db,
    dataAt,
    dataAt + size,
  );
}

function manufacturerRecord(hb: Uint8Array, difAt: number, offset: number, db: Uint8Array, dataAt: number, dataEnd: number, more: boolean): DataRecord {
  return new Record(
    'manufacturer',
    offset,
    'manufacturer',
    0,
    0,
    0,
    'instantaneous',
    'manufacturer specific data',
    '',
    0,
    null,
    null,
    NO_NOTES,
    undefined,
    more,
    hb,
    difAt,
    difAt + 1,
    difAt + 1,
    db,
    dataAt,
    dataEnd,
  );
}

/**
 * A DataRecord whose byte views (dib, vib, data) are made when first asked for: most callers never look at
 * them, and three typed-array views per record cost more than the rest of the decoding.
 */
class Record implements DataRecord {
  readonly kind: DataRecordKind;
  readonly offset: number;
  readonly coding: DataCoding;
  readonly storage: number;
  readonly tariff: number;
  readonly subunit: number;
  readonly function: ValueFunction;
  readonly quantity: string;
  readonly unit: string;
  readonly exponent: number;
  readonly value: number | string | null;
  readonly unscaled: number | null;
  readonly notes: readonly string[];
  readonly errorCode: number | undefined;
  readonly moreFollows: boolean;
  readonly #hb: Uint8Array;
  readonly #difAt: number;
  readonly #vibAt: number;
  readonly #vibEnd: number;
  readonly #db: Uint8Array;
  readonly #dataAt: number;
  readonly #dataEnd: number;

  constructor(
    kind: DataRecordKind,
    offset: number,
    coding: DataCoding,
    storage: number,
    tariff: number,
    subunit: number,
    fn: ValueFunction,
    quantity: string,
    unit: string,
    exponent: number,
    value: number | string | null,
    unscaled: number | null,
    notes: readonly string[],
    errorCode: number | undefined,
    moreFollows: boolean,
    hb: Uint8Array,
    difAt: number,
    vibAt: number,
    vibEnd: number,
    db: Uint8Array,
    dataAt: number,
    dataEnd: number,
  ) {
    this.kind = kind;
    this.offset = offset;
    this.coding = coding;
    this.storage = storage;
    this.tariff = tariff;
    this.subunit = subunit;
    this.function = fn;
    this.quantity = quantity;
    this.unit = unit;
    this.exponent = exponent;
    this.value = value;
    this.unscaled = unscaled;
    this.notes = notes;
    this.errorCode = errorCode;
    this.moreFollows = moreFollows;
    this.#hb = hb;
    this.#difAt = difAt;
    this.#vibAt = vibAt;
    this.#vibEnd = vibEnd;
    this.#db = db;
    this.#dataAt = dataAt;
    this.#dataEnd = dataEnd;
  }

  get dib(): Uint8Array {
    return this.#hb.subarray(this.#difAt, this.#vibAt);
  }

  get vib(): Uint8Array {
    return this.#hb.subarray(this.#vibAt, this.#vibEnd);
  }

  get data(): Uint8Array {
    return this.#dataEnd === this.#dataAt ? EMPTY : this.#db.subarray(this.#dataAt, this.#dataEnd);
  }
}

/** Data size for an LVAR byte (EN 13757-3 Table 5); reserved values are CODEC_MALFORMED. */
function lvarSize(lvar: number, at: number): number {
  if (lvar <= LVAR.TEXT_MAX) return lvar;
  if (lvar <= LVAR.BCD_POS_MAX) return lvar - LVAR.BCD_POS;
  if (lvar >= LVAR.BCD_NEG && lvar <= LVAR.BCD_NEG_MAX) return lvar - LVAR.BCD_NEG;
  if (lvar >= LVAR.BINARY && lvar <= LVAR.BINARY_MAX) return lvar - LVAR.BINARY;
  if (lvar >= LVAR.BINARY_LONG && lvar <= LVAR.BINARY_LONG_MAX) return 4 * (lvar - 0xec);
  if (lvar === LVAR.BINARY_48) return 48;
  if (lvar === LVAR.BINARY_64) return 64;
  throw new CodecError('CODEC_MALFORMED', 'records', `reserved LVAR ${hex2(lvar)}h at offset ${at}`, at);
}

const hex2 = (v: number): string => v.toString(16).toUpperCase().padStart(2, '0');
