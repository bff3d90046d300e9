import { ByteReader } from '../bytes.js';
import { CodecError } from '../errors.js';
import {
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
  DATE_LENGTH,
  DATE_TIME_LENGTH,
  decodeCosemDateTime,
  parseCosemDate,
  parseCosemTime,
  TIME_LENGTH,
} from './date-time.js';
import { readAxdrLength } from './length.js';

/** Data CHOICE tags (Blue Book / IEC 62056-6-2 4.1.5, "Data" in the Green Book ASN.1). */
export const DATA_TAG = {
  nullData: 0x00, // [0]
  array: 0x01, // [1]
  structure: 0x02, // [2]
  boolean: 0x03, // [3]
  bitString: 0x04, // [4]
  doubleLong: 0x05, // [5] Integer32
  doubleLongUnsigned: 0x06, // [6] Unsigned32
  octetString: 0x09, // [9]
  visibleString: 0x0a, // [10]
  utf8String: 0x0c, // [12]
  bcd: 0x0d, // [13] Integer8
  integer: 0x0f, // [15] Integer8
  long: 0x10, // [16] Integer16
  unsigned: 0x11, // [17] Unsigned8
  longUnsigned: 0x12, // [18] Unsigned16
  compactArray: 0x13, // [19]
  long64: 0x14, // [20] Integer64
  long64Unsigned: 0x15, // [21] Unsigned64
  enum: 0x16, // [22]
  float32: 0x17, // [23]
  float64: 0x18, // [24]
  dateTime: 0x19, // [25] OCTET STRING (SIZE(12))
  date: 0x1a, // [26] OCTET STRING (SIZE(5))
  time: 0x1b, // [27] OCTET STRING (SIZE(4))
  deltaInteger: 0x1c, // [28]
  deltaLong: 0x1d, // [29]
  deltaDoubleLong: 0x1e, // [30]
  deltaUnsigned: 0x1f, // [31]
  deltaLongUnsigned: 0x20, // [32]
  deltaDoubleLongUnsigned: 0x21, // [33]
} as const;

type FixedInt = { readonly kind: string; readonly size: 1 | 2 | 4; readonly signed: boolean };

/** Integer types of fixed size, by tag. */
const FIXED_INTS: ReadonlyMap<number, FixedInt> = new Map<number, FixedInt>([
  [DATA_TAG.doubleLong, { kind: 'double-long', size: 4, signed: true }],
  [DATA_TAG.doubleLongUnsigned, { kind: 'double-long-unsigned', size: 4, signed: false }],
  [DATA_TAG.bcd, { kind: 'bcd', size: 1, signed: true }],
  [DATA_TAG.integer, { kind: 'integer', size: 1, signed: true }],
  [DATA_TAG.long, { kind: 'long', size: 2, signed: true }],
  [DATA_TAG.unsigned, { kind: 'unsigned', size: 1, signed: false }],
  [DATA_TAG.longUnsigned, { kind: 'long-unsigned', size: 2, signed: false }],
  [DATA_TAG.enum, { kind: 'enum', size: 1, signed: false }],
  [DATA_TAG.deltaInteger, { kind: 'delta-integer', size: 1, signed: true }],
  [DATA_TAG.deltaLong, { kind: 'delta-long', size: 2, signed: true }],
  [DATA_TAG.deltaDoubleLong, { kind: 'delta-double-long', size: 4, signed: true }],
  [DATA_TAG.deltaUnsigned, { kind: 'delta-unsigned', size: 1, signed: false }],
  [DATA_TAG.deltaLongUnsigned, { kind: 'delta-long-unsigned', size: 2, signed: false }],
  [DATA_TAG.deltaDoubleLongUnsigned, { kind: 'delta-double-long-unsigned', size: 4, signed: false }],
]);

export type IntegerKind =
  | 'double-long'
  | 'double-long-unsigned'
  | 'bcd'
  | 'integer'
  | 'long'
  | 'unsigned'
  | 'long-unsigned'
  | 'enum'
  | 'delta-integer'
  | 'delta-long'
  | 'delta-double-long'
  | 'delta-unsigned'
  | 'delta-long-unsigned'
  | 'delta-double-long-unsigned';

/** One decoded A-XDR Data value; `kind` is the DLMS type name. */
export type AxdrValue =
  | { readonly kind: 'null-data' }
  | { readonly kind: 'array' | 'structure' | 'compact-array'; readonly items: readonly AxdrValue[] }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'bit-string'; readonly bitLength: number; readonly bytes: Uint8Array }
  | { readonly kind: IntegerKind; readonly value: number }
  | { readonly kind: 'long64' | 'long64-unsigned'; readonly value: bigint }
  | { readonly kind: 'float32' | 'float64'; readonly value: number }
  | { readonly kind: 'octet-string'; readonly value: Uint8Array }
  | { readonly kind: 'visible-string' | 'utf8-string'; readonly value: string }
  | { readonly kind: 'date-time'; readonly value: CosemDateTime }
  | { readonly kind: 'date'; readonly value: CosemDate }
  | { readonly kind: 'time'; readonly value: CosemTime };

export interface AxdrOptions {
  /** Deepest nesting of arrays/structures accepted (guards against malicious nesting). */
  readonly maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 16;

/** A compact-array element type (TypeDescription of the Green Book). */
type TypeDescription =
  | { readonly tag: typeof DATA_TAG.array; readonly count: number; readonly element: TypeDescription }
  | { readonly tag: typeof DATA_TAG.structure; readonly fields: readonly TypeDescription[] }
  | { readonly tag: number };

const utf8 = new TextDecoder('utf-8', { fatal: true });

class AxdrDecoder {
  constructor(
    private readonly r: ByteReader,
    private readonly maxDepth: number,
  ) {}

  /** One tagged Data value. */
  data(depth: number): AxdrValue {
    const at = this.r.offset;
    const tag = this.r.u8('data type');
    if (tag === DATA_TAG.compactArray) return this.compactArray(depth, at);
    return this.body(tag, depth, at);
  }

  private enter(depth: number, at: number): number {
    if (depth >= this.maxDepth) throw new CodecError('CODEC_MALFORMED', 'axdr', `data nested deeper than ${this.maxDepth} levels`, at);
    return depth + 1;
  }

  /** Count of a SEQUENCE OF: each element needs at least `minSize` bytes, so a count lie fails fast. */
  private count(what: string, minSize: number): number {
    const at = this.r.offset;
    const n = readAxdrLength(this.r, what);
    if (n * minSize > this.r.remaining) {
      throw new CodecError('CODEC_LENGTH_MISMATCH', 'axdr', `${what} ${n} cannot fit in the ${this.r.remaining} byte(s) left`, at);
    }
    return n;
  }

  /** The value of a type whose tag has been read (or is implied by a compact-array description). */
  private body(tag: number, depth: number, at: number, element?: TypeDescription): AxdrValue {
    const r = this.r;
    const fixed = FIXED_INTS.get(tag);
    if (fixed !== undefined) return { kind: fixed.kind as IntegerKind, value: this.fixedInt(fixed) };
    switch (tag) {
      case DATA_TAG.nullData:
        return { kind: 'null-data' };
      case DATA_TAG.array:
      case DATA_TAG.structure: {
        const inner = this.enter(depth, at);
        if (element !== undefined) return this.described(element, inner, at);
        const n = this.count(tag === DATA_TAG.array ? 'array element count' : 'structure field count', 1);
        const items: AxdrValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.data(inner));
        return { kind: tag === DATA_TAG.array ? 'array' : 'structure', items };
      }
      case DATA_TAG.boolean:
        return { kind: 'boolean', value: r.u8('boolean') !== 0 };
      case DATA_TAG.bitString: {
        const bitLength = readAxdrLength(r, 'bit-string length');
        return { kind: 'bit-string', bitLength, bytes: r.bytesView(Math.ceil(bitLength / 8), 'bit-string') };
      }
      case DATA_TAG.octetString:
        return { kind: 'octet-string', value: r.bytesView(readAxdrLength(r, 'octet-string length'), 'octet-string') };
      case DATA_TAG.visibleString: {
        const b = r.bytesView(readAxdrLength(r, 'visible-string length'), 'visible-string');
        return { kind: 'visible-string', value: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1') };
      }
      case DATA_TAG.utf8String: {
        const sAt = r.offset;
        const b = r.bytesView(readAxdrLength(r, 'utf8-string length'), 'utf8-string');
        try {
          return { kind: 'utf8-string', value: utf8.decode(b) };
        } catch {
          throw new CodecError('CODEC_MALFORMED', 'axdr', 'utf8-string is not valid UTF-8', sAt);
        }
      }
      case DATA_TAG.long64:
      case DATA_TAG.long64Unsigned: {
        const v = r.u64be(tag === DATA_TAG.long64 ? 'long64' : 'long64-unsigned');
        return tag === DATA_TAG.long64 ? { kind: 'long64', value: BigInt.asIntN(64, v) } : { kind: 'long64-unsigned', value: v };
      }
      case DATA_TAG.float32:
      case DATA_TAG.float64: {
        const size = tag === DATA_TAG.float32 ? 4 : 8;
        const b = r.bytesView(size, 'float');
        const dv = new DataView(b.buffer, b.byteOffset, size);
        return size === 4 ? { kind: 'float32', value: dv.getFloat32(0, false) } : { kind: 'float64', value: dv.getFloat64(0, false) };
      }
      case DATA_TAG.dateTime: {
        const vAt = r.offset;
        return { kind: 'date-time', value: decodeCosemDateTime(r.bytesView(DATE_TIME_LENGTH, 'date-time'), vAt) };
      }
      case DATA_TAG.date: {
        const vAt = r.offset;
        const d = parseCosemDate(r.bytesView(DATE_LENGTH, 'date'));
        if (d === undefined) throw new CodecError('CODEC_MALFORMED', 'axdr', 'date field out of range', vAt);
        return { kind: 'date', value: d };
      }
      case DATA_TAG.time: {
        const vAt = r.offset;
        const t = parseCosemTime(r.bytesView(TIME_LENGTH, 'time'));
        if (t === undefined) throw new CodecError('CODEC_MALFORMED', 'axdr', 'time field out of range', vAt);
        return { kind: 'time', value: t };
      }
      case DATA_TAG.compactArray:
        throw new CodecError('CODEC_MALFORMED', 'axdr', 'compact-array inside a compact-array', at);
      default:
        throw new CodecError('CODEC_MALFORMED', 'axdr', `unknown data type 0x${tag.toString(16)}`, at);
    }
  }

  private fixedInt(t: FixedInt): number {
    const r = this.r;
    if (t.size === 1) {
      const v = r.u8(t.kind);
      return t.signed && v >= 0x80 ? v - 0x100 : v;
    }
    if (t.size === 2) {
      const v = r.u16be(t.kind);
      return t.signed && v >= 0x8000 ? v - 0x10000 : v;
    }
    const v = r.u32be(t.kind);
    return t.signed && v >= 0x80000000 ? v - 0x100000000 : v;
  }

  /**
   * compact-array (Green Book 9.5 / IEC 62056-6-2 4.1.6.1): a TypeDescription, then an octet-string holding
   * untagged values of that type, repeated until the octet-string ends.
   */
  private compactArray(depth: number, at: number): AxdrValue {
    const inner = this.enter(depth, at);
    const desc = this.typeDescription(inner);
    const contentsAt = this.r.offset;
    const contents = this.r.bytesView(readAxdrLength(this.r, 'compact-array contents length'), 'compact-array contents');
    const sub = new AxdrDecoder(new ByteReader(contents, 'axdr'), this.maxDepth);
    const items: AxdrValue[] = [];
    while (sub.r.remaining > 0) {
      const before = sub.r.offset;
      items.push(sub.typed(desc, inner, contentsAt));
      if (sub.r.offset === before) throw new CodecError('CODEC_MALFORMED', 'axdr', 'compact-array element type takes no bytes', contentsAt);
    }
    return { kind: 'compact-array', items };
  }

  private typeDescription(depth: number): TypeDescription {
    const at = this.r.offset;
    const tag = this.r.u8('type description');
    if (tag === DATA_TAG.array) {
      const inner = this.enter(depth, at);
      const count = this.r.u16be('array element count');
      const element = this.typeDescription(inner);
      // Every element must take bytes, or a few header bytes could describe billions of empty values.
      if (minEncodedSize(element) === 0) throw new CodecError('CODEC_MALFORMED', 'axdr', 'compact-array element type takes no bytes', at);
      return { tag, count, element };
    }
    if (tag === DATA_TAG.structure) {
      const inner = this.enter(depth, at);
      const n = this.count('structure field count', 1);
      const fields: TypeDescription[] = [];
      for (let i = 0; i < n; i++) fields.push(this.typeDescription(inner));
      return { tag, fields };
    }
    if (!SIMPLE_TYPE_TAGS.has(tag)) throw new CodecError('CODEC_MALFORMED', 'axdr', `type description 0x${tag.toString(16)} is not a data type`, at);
    return { tag };
  }

  /** An untagged value of a described type (inside compact-array contents). */
  private typed(desc: TypeDescription, depth: number, at: number): AxdrValue {
    if ('count' in desc || 'fields' in desc) return this.body(desc.tag, depth, at, desc);
    return this.body(desc.tag, depth, at);
  }

  private described(desc: TypeDescription, depth: number, at: number): AxdrValue {
    const items: AxdrValue[] = [];
    if ('count' in desc) {
      if (desc.count > this.r.remaining) throw new CodecError('CODEC_LENGTH_MISMATCH', 'axdr', `compact-array element count ${desc.count} cannot fit`, at);
      for (let i = 0; i < desc.count; i++) items.push(this.typed(desc.element, depth, at));
      return { kind: 'array', items };
    }
    if ('fields' in desc) {
      for (const f of desc.fields) items.push(this.typed(f, depth, at));
      return { kind: 'structure', items };
    }
    return this.body(desc.tag, depth, at);
  }
}

/** Tags a TypeDescription may name without further description. */
const SIMPLE_TYPE_TAGS: ReadonlySet<number> = new Set<number>(
  Object.values(DATA_TAG).filter((t) => t !== DATA_TAG.array && t !== DATA_TAG.structure && t !== DATA_TAG.compactArray),
);

/** Fewest bytes an untagged value of this type can take (0 only for null-data and empty structures). */
function minEncodedSize(desc: TypeDescription): number {
  if ('count' in desc) return desc.count * minEncodedSize(desc.element);
  if ('fields' in desc) return desc.fields.reduce((n, f) => n + minEncodedSize(f), 0);
  return desc.tag === DATA_TAG.nullData ? 0 : 1;
}

/** Decode one A-XDR Data value at the reader's offset (the reader moves past it). Throws CodecError. */
export function readAxdrData(r: ByteReader, opts: AxdrOptions = {}): AxdrValue {
  return new AxdrDecoder(r, opts.maxDepth ?? DEFAULT_MAX_DEPTH).data(0);
}

/** Decode bytes that hold exactly one A-XDR Data value; trailing bytes are CODEC_LENGTH_MISMATCH. */
export function decodeAxdr(bytes: Uint8Array, opts: AxdrOptions = {}): AxdrValue {
  const r = new ByteReader(bytes, 'axdr');
  const v = readAxdrData(r, opts);
  if (r.remaining > 0) throw new CodecError('CODEC_LENGTH_MISMATCH', 'axdr', `${r.remaining} byte(s) after the data value`, r.offset);
  return v;
}
