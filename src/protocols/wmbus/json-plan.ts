import { CodecError } from '../errors.js';
import { CI } from './ci.js';
import { decodeTypeF, decodeTypeG, decodeTypeI, decodeTypeJ, readBcd, readIntLE, readReal32LE, readUintLE, scale, type TimeValue } from './datatypes.js';
import type { JsonSpan } from './frame-json.js';
import { type JsonBytes, type JsonPiece, jsonPiece } from './json-bytes.js';
import { frameBValid } from './link.js';
import { longHeaderAddress, type MeterKey, type WmbusTelegram } from './pipeline.js';
import { readingExponent } from './readings.js';
import { type DataRecord, UNDECODABLE_QUANTITY } from './records.js';
import { type BlockDecipher, blockDecipher, cbcPlaintext } from './tpl.js';
import { VIF_TIME_POINT, VIF_UNSIGNED } from './vif-entry.js';
import { isRawVib, readVib, VIB_UNDECODABLE, VibState } from './vif.js';

/**
 * A per-meter JSON plan: a meter sends the same structure in every telegram (link header, TPL configuration,
 * DIF/VIF sequence); only the access number and the records' data bytes change. A plan learnt from one general
 * decode checks a later telegram byte for byte against the learnt one, except in its holes (the access number
 * and each record's data field), and writes its JSON from constant pieces and the hole values. Whatever the
 * plan cannot vouch for (a changed byte, a value whose reading would take another form) is a miss: the caller
 * then decodes the telegram the general way, which gives the same text in every case the plan writes.
 */

/** How a hole's bytes become text: the same functions, in the same order, as the general path uses. */
type HoleKind = 'access' | 'int' | 'uint' | 'bcd' | 'real' | 'date' | 'time' | 'datetime-f' | 'datetime-i' | 'text' | 'hex';

interface Hole {
  readonly kind: HoleKind;
  /** Offset of the data field in the frame (the access number's for 'access'). */
  readonly at: number;
  readonly size: number;
  /** The reading's exponent (value = scale(unscaled, exponent)) and its decimal places when negative. */
  readonly exponent: number;
  readonly places: number;
}

/** CIs of the application layer with a short or long transport header (EN 13757-3 CI list). */
const SHORT_OR_LONG_RECORDS: ReadonlyMap<number, 'short' | 'long'> = new Map([
  [CI.responseShort, 'short'], // 0x7A
  [CI.commandShort, 'short'], // 0x5A
  [CI.responseLong, 'long'], // 0x72
  [CI.commandLong, 'long'], // 0x5B
]);

/** L, C, M(2), A(6): the TPL of a telegram without ELL and AFL starts here. */
const TPL_AT = 10;
/** CI, then the long header's ID(4), M(2), version, type. */
const LONG_ADDRESS = 8;
const BLOCK = 16;
const NULL = jsonPiece('null');
const NO_EXPONENT = 0;

/**
 * The key under which a telegram's plan is kept: the link address and CI, and a long header's meter id (several
 * meters may send through one radio converter). A hash: two meters that share one only take turns at learning.
 */
export function planKey(b: Uint8Array): number {
  if (b.length <= TPL_AT + LONG_ADDRESS) return -1;
  let h = Math.imul(b[2]! | (b[3]! << 8) | (b[8]! << 16) | (b[9]! << 24), 0x9e3779b1);
  h ^= Math.imul(b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24), 0x85ebca6b) ^ b[TPL_AT]!;
  if (SHORT_OR_LONG_RECORDS.get(b[TPL_AT]!) === 'long') h ^= Math.imul(b[11]! | (b[12]! << 8) | (b[13]! << 16) | (b[14]! << 24), 0xc2b2ae35);
  return h & 0x3fffffff;
}

export class JsonPlan {
  private constructor(
    /** The key object the plan was learnt with (undefined: mode 0 without a key); another key is a miss. */
    readonly key: MeterKey | undefined,
    /** The meter id its key is looked up by, which is also where the session keeps its per-meter state. */
    readonly meter: string,
    /** The learnt frame, its encrypted area decrypted. */
    private readonly frame: Uint8Array,
    /** [start, end) pairs of the bytes that must equal the learnt ones: before, inside and after the encrypted area. */
    private readonly before: Int32Array,
    private readonly inside: Int32Array,
    private readonly after: Int32Array,
    private readonly ecb: BlockDecipher | undefined,
    /** Offset of the encrypted area and its length (0 in mode 0). */
    private readonly encAt: number,
    private readonly encLength: number,
    /** The IV's first 8 bytes (M || A of the header the IV takes them from); its last 8 are the access number. */
    private readonly iv: Uint8Array,
    private readonly accessAt: number,
    /** Where the records start (for the session's compact-frame learning). */
    readonly recordsAt: number,
    private readonly pieces: readonly JsonPiece[],
    private readonly holes: readonly Hole[],
  ) {}

  get length(): number {
    return this.frame.length;
  }

  /**
   * Learns the plan of a telegram just decoded the general way (`frame`: its bytes as decoded, encrypted area in
   * plain; `text` and `spans`: its JSON and where the variable fields lie in it). Undefined when the telegram does
   * not qualify: ELL, AFL, no short or long header, a security mode other than 5 or 0, payload other than records,
   * data-link CRCs or bytes beyond L, a warning of any layer but the records', or a record whose text could depend
   * on its value in a way a hole cannot follow. A records warning (data undecodable from some offset on) stays: it
   * is made from header bytes and offsets, which the plan holds fixed, and the rest it keeps raw is fixed too.
   */
  static learn(t: WmbusTelegram, key: MeterKey | undefined, frame: Uint8Array, text: string, spans: readonly JsonSpan[]): JsonPlan | undefined {
    const tpl = t.tpl;
    const header = SHORT_OR_LONG_RECORDS.get(tpl.ci);
    const mode = tpl.securityMode;
    if (t.ell !== undefined || t.afl !== undefined || t.link.dllCrc !== 'none' || t.security !== (mode === 5 ? 'mode5' : 'none')) return undefined;
    let undecodable = 0;
    for (const r of t.records) if (r.quantity === UNDECODABLE_QUANTITY && r.dib.length === 0) undecodable++;
    if (t.warnings.length !== undecodable) return undefined;
    if (header === undefined || tpl.header !== header || tpl.payload !== 'records' || (mode !== 5 && mode !== 0) || tpl.accessNumber === undefined) return undefined;
    if ((mode === 5) !== (key !== undefined) || frame[TPL_AT] !== tpl.ci || frame.length !== t.link.lField + 1) return undefined;
    const n = frame.length;
    const accessAt = TPL_AT + 1 + (header === 'long' ? LONG_ADDRESS : 0);
    const recordsAt = accessAt + 4;
    const encLength = mode === 5 ? tpl.encryptedBlocks * BLOCK : 0;
    const encAt = recordsAt;
    if (frame[accessAt] !== tpl.accessNumber || encAt + encLength > n) return undefined;

    const holeOf = new Map<number, Hole>();
    for (let i = 0; i < t.records.length; i++) {
      const r = t.records[i]!;
      const data = r.data;
      if (data.length === 0 || r.dib.length === 0) continue; // no data, or trailing bytes that form no record: all constant
      if (data.buffer !== frame.buffer || r.errorCode !== undefined) return undefined;
      const at = data.byteOffset - frame.byteOffset;
      if (at < recordsAt || at + data.length > n) return undefined;
      const hole = holeFor(r, at);
      if (hole === undefined) return undefined;
      holeOf.set(i, hole);
    }

    // The template: the learnt text cut at the holes; a span of a record without a hole stays in its piece.
    const textBytes = Buffer.from(text, 'latin1');
    const pieces: JsonPiece[] = [];
    const holes: Hole[] = [];
    let from = 0;
    for (const s of spans) {
      let hole: Hole | undefined;
      if (s.what === 'access') hole = { kind: 'access', at: accessAt, size: 1, exponent: NO_EXPONENT, places: 0 };
      else {
        const h = holeOf.get(s.index);
        // A record with a hole shows its data either as its value or as raw hex, never both.
        if (h !== undefined && (s.what === 'raw') === (h.kind === 'hex')) hole = h;
      }
      if (hole === undefined) continue;
      if (s.start < from) return undefined;
      pieces.push(pieceOf(textBytes, from, s.start));
      holes.push(hole);
      from = s.end;
    }
    pieces.push(pieceOf(textBytes, from, textBytes.length));
    // Every data hole and the access number appear once in the text.
    if (holes.length !== holeOf.size + 1) return undefined;

    const variable = new Uint8Array(n);
    variable[accessAt] = 1;
    for (const h of holeOf.values()) variable.fill(1, h.at, h.at + h.size);
    const encEnd = encAt + encLength;
    const iv = header === 'long' ? longHeaderAddress(frame, TPL_AT) : frame.slice(2, TPL_AT);
    return new JsonPlan(
      key,
      t.meter.id,
      frame.slice(),
      fixedRanges(variable, 0, encLength === 0 ? n : encAt),
      fixedRanges(variable, encAt, encEnd),
      fixedRanges(variable, encLength === 0 ? n : encEnd, n),
      key === undefined ? undefined : (key.ecb ?? blockDecipher(key.keyObject ?? key.key)),
      encAt,
      encLength,
      iv,
      accessAt,
      recordsAt,
      pieces,
      holes,
    );
  }

  /**
   * The JSON of `bytes` (a telegram of this plan's meter, as parsed from its hex) written by the plan into `out`,
   * or undefined on any difference. On success the encrypted area of `bytes` holds its plaintext (as after a
   * general decode); after a miss `bytes` may have been changed, so the caller decodes a fresh copy.
   */
  write(bytes: Uint8Array, key: MeterKey | undefined, out: JsonBytes): string | undefined {
    const n = this.frame.length;
    if (bytes.length !== n || key !== this.key) return undefined;
    const want = this.frame;
    if (!sameAt(bytes, 0, want, this.before)) return undefined;
    // The general path looks for data-link CRCs first (normaliseFrame). Frame A needs more bytes than L + 1, which
    // the plan's fixed L and length rule out; frame B CRCs may come out valid by chance: then it is not this plan's.
    if (frameBValid(bytes)) return undefined;
    const an = bytes[this.accessAt]!;
    if (this.encLength > 0) {
      const at = this.encAt;
      const plain = cbcPlaintext(this.ecb!, bytes, at, this.encLength, this.iv, 0, an);
      if (!sameAt(plain, -at, want, this.inside)) return undefined;
      bytes.set(plain, at);
    }
    if (!sameAt(bytes, 0, want, this.after)) return undefined;

    out.reset();
    const pieces = this.pieces;
    const holes = this.holes;
    out.piece(pieces[0]!);
    for (let i = 0; i < holes.length; i++) {
      if (!writeHole(holes[i]!, bytes, out)) return undefined;
      out.piece(pieces[i + 1]!);
    }
    return out.text();
  }
}

// --- internal ---

/** Whether `b[i + shift]` equals `want[i]` over every [start, end) pair of `ranges`. */
function sameAt(b: Uint8Array, shift: number, want: Uint8Array, ranges: Int32Array): boolean {
  for (let r = 0; r < ranges.length; r += 2) {
    const end = ranges[r + 1]!;
    for (let i = ranges[r]!; i < end; i++) if (b[i + shift] !== want[i]) return false;
  }
  return true;
}

/** The [start, end) pairs of the bytes in [from, to) not marked variable. */
function fixedRanges(variable: Uint8Array, from: number, to: number): Int32Array {
  const out: number[] = [];
  let i = from;
  while (i < to) {
    while (i < to && variable[i] === 1) i++;
    const start = i;
    while (i < to && variable[i] !== 1) i++;
    if (i > start) out.push(start, i);
  }
  return Int32Array.from(out);
}

/** A copy of text[from, to) as a piece (the learnt text is latin1, never wide). */
function pieceOf(text: Uint8Array, from: number, to: number): JsonPiece {
  return { bytes: Uint8Array.prototype.slice.call(text, from, to), wide: false };
}

/** The hole of a record with data, or undefined when its reading's form could change with its value. */
function holeFor(r: DataRecord, at: number): Hole | undefined {
  const plain = { at, size: r.data.length, exponent: NO_EXPONENT, places: 0 };
  // Manufacturer data (DIF 0Fh/1Fh) runs to the end, text (LVAR up to BFh) has the length its fixed LVAR byte gives.
  if (r.kind === 'manufacturer') return { kind: 'hex', ...plain };
  if (r.kind === 'string') return { kind: 'text', ...plain };
  if (r.kind !== 'numeric' && r.kind !== 'date' && r.kind !== 'time' && r.kind !== 'datetime' && r.kind !== 'raw') return undefined;
  // The VIB again, for what the record does not keep: whether its integer is unsigned, why it is raw.
  const vib = new VibState();
  if (r.vib.length === 0 || !vibOf(r.vib, vib)) return undefined;
  const size = r.data.length;
  switch (r.kind) {
    case 'numeric': {
      const exponent = readingExponent(r);
      const scaled = { at, size, exponent, places: exponent < 0 ? -exponent : 0 };
      switch (r.coding) {
        case 'int8':
        case 'int16':
        case 'int24':
        case 'int32':
        case 'int48':
        case 'int64':
          return { kind: (vib.flags & VIF_UNSIGNED) !== 0 ? 'uint' : 'int', ...scaled };
        case 'bcd2':
        case 'bcd4':
        case 'bcd6':
        case 'bcd8':
        case 'bcd12':
          return { kind: 'bcd', ...scaled };
        case 'real32':
          return { kind: 'real', ...scaled };
        default:
          return undefined;
      }
    }
    case 'date':
      return { kind: 'date', ...plain };
    case 'time':
      return { kind: 'time', ...plain };
    case 'datetime':
      return r.coding === 'int32' ? { kind: 'datetime-f', ...plain } : r.coding === 'int48' ? { kind: 'datetime-i', ...plain } : undefined;
    case 'raw':
      // Raw by its VIB or by a time VIF on a data field of no date type: raw whatever the value (a real that is
      // not finite is raw only for that value).
      return isRawVib(vib) || (vib.flags & VIF_TIME_POINT) !== 0 ? { kind: 'hex', ...plain } : undefined;
    default:
      return undefined;
  }
}

/** Reads a VIB the decoder has read before; false if it cannot be read on its own. */
function vibOf(b: Uint8Array, into: VibState): boolean {
  try {
    return readVib(b, 0, b.length, into) !== VIB_UNDECODABLE;
  } catch (e) {
    if (e instanceof CodecError) return false;
    throw e;
  }
}

/** Writes a hole's value as the general path would; false when the value would change the reading's form. */
function writeHole(h: Hole, b: Uint8Array, o: JsonBytes): boolean {
  let unscaled: number;
  switch (h.kind) {
    case 'access':
      o.number(b[h.at]!);
      return true;
    case 'int':
      unscaled = readIntLE(b, h.at, h.size);
      break;
    case 'uint':
      unscaled = readUintLE(b, h.at, h.size);
      break;
    case 'bcd':
      unscaled = readBcd(b, h.at, h.size);
      // Hex digits make a BCD error record.
      if (Number.isNaN(unscaled)) return false;
      break;
    case 'real':
      unscaled = readReal32LE(b, h.at);
      // Not finite: a raw record.
      if (!Number.isFinite(unscaled)) return false;
      break;
    case 'date':
      return time(decodeTypeG(b, h.at), o);
    case 'time':
      return time(decodeTypeJ(b, h.at), o);
    case 'datetime-f':
      return time(decodeTypeF(b, h.at), o);
    case 'datetime-i':
      return time(decodeTypeI(b, h.at), o);
    case 'text':
      o.reversedLatin1(b, h.at, h.size);
      return true;
    case 'hex':
      o.hex(b, h.at, h.at + h.size);
      return true;
  }
  // As readingFieldsOf and the writer's reading(): the scaled value, from the integer's digits when it has places.
  const value = scale(unscaled, h.exponent);
  if (h.places > 0) o.decimal(unscaled, h.places, value);
  else o.number(value);
  return true;
}

/** A date or time value: its ISO text, or null when invalid (the record stays a date record either way). */
function time(t: TimeValue, o: JsonBytes): boolean {
  if (t.iso === null) o.piece(NULL);
  else o.string(t.iso);
  return true;
}
