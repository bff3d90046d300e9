import { CodecError, type CodecLayer } from './errors.js';

/**
 * Bounds-checked cursor over a byte array. Every read moves the offset; reading past the end
 * throws CodecError CODEC_TRUNCATED carrying the layer and the offset of the missing field.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly layer: CodecLayer;
  offset: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, layer: CodecLayer, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.layer = layer;
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Absolute offset of the end of the readable window. */
  get limit(): number {
    return this.end;
  }

  private need(n: number, what: string): number {
    const at = this.offset;
    if (at + n > this.end) {
      throw new CodecError('CODEC_TRUNCATED', this.layer, `${what}: needs ${n} byte(s) at offset ${at}, ${this.end - at} left`, at);
    }
    this.offset = at + n;
    return at;
  }

  u8(what = 'byte'): number {
    return this.bytes[this.need(1, what)]!;
  }

  peekU8(ahead = 0): number | undefined {
    const at = this.offset + ahead;
    return at < this.end ? this.bytes[at] : undefined;
  }

  u16le(what = 'u16'): number {
    const at = this.need(2, what);
    const b = this.bytes;
    return b[at]! | (b[at + 1]! << 8);
  }

  u16be(what = 'u16'): number {
    const at = this.need(2, what);
    const b = this.bytes;
    return (b[at]! << 8) | b[at + 1]!;
  }

  u24le(what = 'u24'): number {
    const at = this.need(3, what);
    const b = this.bytes;
    return b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  }

  u32le(what = 'u32'): number {
    const at = this.need(4, what);
    const b = this.bytes;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }

  u32be(what = 'u32'): number {
    const at = this.need(4, what);
    const b = this.bytes;
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
  }

  u64be(what = 'u64'): bigint {
    const hi = BigInt(this.u32be(what));
    const lo = BigInt(this.u32be(what));
    return (hi << 32n) | lo;
  }

  /** A view (not a copy) of the next n bytes. */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    if (n < 0) throw new CodecError('CODEC_LENGTH_MISMATCH', this.layer, `${what}: negative length ${n}`, this.offset);
    const at = this.need(n, what);
    return this.bytes.subarray(at, at + n);
  }

  /** A view of everything left. */
  rest(): Uint8Array {
    const at = this.offset;
    this.offset = this.end;
    return this.bytes.subarray(at, this.end);
  }

  skip(n: number, what = 'skip'): void {
    this.need(n, what);
  }
}

type LengthMark = { readonly at: number; readonly size: 1 | 2; readonly le: boolean; readonly adjust: number };

/**
 * Chainable writer. Length fields are reserved with `lengthU8()`/`lengthU16*()` and filled in by
 * `closeLength()` with the number of bytes written after them (plus an adjustment).
 */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;
  private readonly marks: LengthMark[] = [];

  constructor(initial = 64) {
    this.buf = new Uint8Array(initial);
  }

  private room(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.len = at + n;
    return at;
  }

  get length(): number {
    return this.len;
  }

  u8(v: number): this {
    const at = this.room(1);
    this.buf[at] = v & 0xff;
    return this;
  }

  u16le(v: number): this {
    const at = this.room(2);
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    return this;
  }

  u16be(v: number): this {
    const at = this.room(2);
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
    return this;
  }

  u32le(v: number): this {
    const at = this.room(4);
    for (let i = 0; i < 4; i++) this.buf[at + i] = (v >>> (8 * i)) & 0xff;
    return this;
  }

  u32be(v: number): this {
    const at = this.room(4);
    for (let i = 0; i < 4; i++) this.buf[at + i] = (v >>> (24 - 8 * i)) & 0xff;
    return this;
  }

  u64be(v: bigint): this {
    return this.u32be(Number((v >> 32n) & 0xffffffffn)).u32be(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    const at = this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Reserve a one-byte length that `closeLength` fills with the count of bytes after it (+ adjust). */
  lengthU8(adjust = 0): this {
    this.marks.push({ at: this.room(1), size: 1, le: true, adjust });
    return this;
  }

  lengthU16be(adjust = 0): this {
    this.marks.push({ at: this.room(2), size: 2, le: false, adjust });
    return this;
  }

  lengthU16le(adjust = 0): this {
    this.marks.push({ at: this.room(2), size: 2, le: true, adjust });
    return this;
  }

  /** Fill the innermost open length field. */
  closeLength(): this {
    const m = this.marks.pop();
    if (m === undefined) throw new RangeError('closeLength without an open length field');
    const n = this.len - m.at - m.size + m.adjust;
    const max = m.size === 1 ? 0xff : 0xffff;
    if (n < 0 || n > max) throw new RangeError(`length ${n} does not fit in ${m.size} byte(s)`);
    if (m.size === 1) this.buf[m.at] = n;
    else if (m.le) {
      this.buf[m.at] = n & 0xff;
      this.buf[m.at + 1] = n >>> 8;
    } else {
      this.buf[m.at] = n >>> 8;
      this.buf[m.at + 1] = n & 0xff;
    }
    return this;
  }

  /** The written bytes; open length fields are closed first. */
  finish(): Uint8Array {
    while (this.marks.length > 0) this.closeLength();
    return this.buf.slice(0, this.len);
  }
}

const HEX_RE = /^[0-9a-fA-F]*$/;

/** Strict hex to bytes (whitespace allowed); anything else is CODEC_BAD_INPUT. */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length === 0) throw new CodecError('CODEC_BAD_INPUT', 'input', 'empty hex input');
  if (clean.length % 2 !== 0) throw new CodecError('CODEC_BAD_INPUT', 'input', `odd number of hex digits (${clean.length})`);
  if (!HEX_RE.test(clean)) throw new CodecError('CODEC_BAD_INPUT', 'input', 'input contains characters that are not hex digits');
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

export const bytesToHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
