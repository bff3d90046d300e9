/**
 * JSON text written as bytes into one reused buffer and turned into a string once at the end. Text joined
 * with `+` is a tree of pieces that V8 has to flatten when the string is read or written out, and every piece
 * is garbage; here the pieces are copied into the buffer as they come and the result is one flat string.
 * One byte per character (latin1), so the string is made by a plain copy: text with a character above U+00FF
 * cannot be written this way, and `wide()` then tells the caller to fall back to JSON.stringify.
 * Not re-entrant: one text at a time (the writers that use it are synchronous).
 */

/** Bytes of text that repeats (a key, a kept field group), ready to copy; `wide` when it cannot be latin1. */
export interface JsonPiece {
  readonly bytes: Uint8Array;
  readonly wide: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const FIRST_PRINTABLE = 0x20;
const LAST_LATIN1 = 0xff;
const DIGIT_0 = 0x30;
const POINT = 0x2e;
const MINUS = 0x2d;
/** Integers below 10^15 have at most 15 digits: their decimals read back exactly (see `decimal`). */
const MAX_EXACT = 1e15;
/** `scale` divides by an exact power of ten up to 10^22. */
const MAX_PLACES = 22;
/** Digits before the point minus places after it: -5 is 0.00000d, the smallest String() writes plainly. */
const MIN_POINT_POSITION = -5;

/** The longest escape of one latin1 character: \u001f. */
const MAX_ESCAPED = 6;
const HEX_DIGITS = '0123456789abcdef';
const UPPER_HEX = '0123456789ABCDEF';

/**
 * Writes the JSON escape of a control character, quote or backslash at `p` and returns the position after it:
 * JSON.stringify's (ECMA-262 QuoteJSONString): the short forms \b \t \n \f \r \" \\, else \u00XX in lower case.
 */
function writeEscape(b: Uint8Array, p: number, c: number): number {
  b[p++] = BACKSLASH;
  switch (c) {
    case QUOTE:
    case BACKSLASH:
      b[p++] = c;
      return p;
    case 0x08:
      b[p++] = 0x62; // b
      return p;
    case 0x09:
      b[p++] = 0x74; // t
      return p;
    case 0x0a:
      b[p++] = 0x6e; // n
      return p;
    case 0x0c:
      b[p++] = 0x66; // f
      return p;
    case 0x0d:
      b[p++] = 0x72; // r
      return p;
    default:
      b[p++] = 0x75; // u
      b[p++] = DIGIT_0;
      b[p++] = DIGIT_0;
      b[p++] = HEX_DIGITS.charCodeAt(c >> 4);
      b[p++] = HEX_DIGITS.charCodeAt(c & 0x0f);
      return p;
  }
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > LAST_LATIN1) return false;
  return true;
}

export function jsonPiece(text: string): JsonPiece {
  return { bytes: Buffer.from(text, 'latin1'), wide: !isLatin1(text) };
}

const allocate = (size: number): Buffer => Buffer.allocUnsafeSlow(size);

export class JsonBytes {
  private buf: Buffer;
  private pos = 0;
  private tooWide = false;

  constructor(initial = 8192) {
    this.buf = allocate(initial);
  }

  /** Starts a new text. */
  reset(): void {
    this.pos = 0;
    this.tooWide = false;
  }

  /** Bytes written since `reset`. */
  get length(): number {
    return this.pos;
  }

  /** Whether a character above U+00FF came along: the text is then incomplete and must be made otherwise. */
  wide(): boolean {
    return this.tooWide;
  }

  /** The text written since `reset`, as one flat string (meaningful only when not `wide()`). */
  text(): string {
    return this.buf.toString('latin1', 0, this.pos);
  }

  piece(p: JsonPiece): void {
    const n = p.bytes.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    this.buf.set(p.bytes, this.pos);
    this.pos += n;
    if (p.wide) this.tooWide = true;
  }

  /** One ASCII byte (a bracket, a comma). */
  byte(b: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  /** Text known to be ASCII with nothing to escape (hex digits, OBIS codes, members of string-literal unions). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let p = this.pos;
    if (n > 24) {
      p += b.write(s, p, n, 'latin1');
    } else {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    }
    this.pos = p;
  }

  /** bytes[from, to) as upper-case hex digits (what bytesToHex gives), unquoted. */
  hex(bytes: Uint8Array, from: number, to: number): void {
    const n = 2 * (to - from);
    if (this.pos + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) {
      const v = bytes[i]!;
      b[p++] = UPPER_HEX.charCodeAt(v >> 4);
      b[p++] = UPPER_HEX.charCodeAt(v & 0x0f);
    }
    this.pos = p;
  }

  /** `s` quoted as JSON.stringify quotes it. */
  string(s: string): void {
    const n = s.length;
    if (this.pos + MAX_ESCAPED * n + 2 > this.buf.length) this.grow(MAX_ESCAPED * n + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    b[p++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= FIRST_PRINTABLE && c <= LAST_LATIN1 && c !== QUOTE && c !== BACKSLASH) b[p++] = c;
      else if (c <= LAST_LATIN1) p = writeEscape(b, p, c);
      else {
        // What cannot be latin1: JSON.stringify's own text (which says so).
        this.pos = start;
        this.latin1(JSON.stringify(s));
        return;
      }
    }
    b[p++] = QUOTE;
    this.pos = p;
  }

  /**
   * `size` bytes from `at` taken as latin1 characters in reverse order (LVAR text, EN 13757-3), quoted: the same
   * as `string` of that text, without making the string.
   */
  reversedLatin1(bytes: Uint8Array, at: number, size: number): void {
    if (this.pos + MAX_ESCAPED * size + 2 > this.buf.length) this.grow(MAX_ESCAPED * size + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = QUOTE;
    for (let i = at + size - 1; i >= at; i--) {
      const c = bytes[i]!;
      if (c >= FIRST_PRINTABLE && c !== QUOTE && c !== BACKSLASH) b[p++] = c;
      else p = writeEscape(b, p, c);
    }
    b[p++] = QUOTE;
    this.pos = p;
  }

  /** A number as JSON.stringify writes it (null when not finite). */
  number(n: number): void {
    if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) {
      // Non-negative int32 (and -0, which JSON writes as 0): the digits written straight.
      let digits = 1;
      for (let t = n; t >= 10; t = (t / 10) | 0) digits++;
      if (this.pos + digits > this.buf.length) this.grow(digits);
      const b = this.buf;
      let p = this.pos + digits;
      this.pos = p;
      let v = n;
      do {
        b[--p] = DIGIT_0 + (v % 10);
        v = (v / 10) | 0;
      } while (v > 0);
      return;
    }
    // String(n) is JSON's form of every finite number.
    this.ascii(Number.isFinite(n) ? String(n) : 'null');
  }

  /**
   * The number `unscaled` x 10^-`places` (as `scale` computes it: one correctly rounded division) without
   * String(): written from the integer's digits with the decimal point put in. Exact because a decimal of at
   * most 15 significant digits is the shortest text that reads back as its nearest double, which is what
   * String() prints; used only where String() prints plain decimals (from 1e-6 up), else String() is used.
   */
  decimal(unscaled: number, places: number, value: number): void {
    const negative = unscaled < 0;
    let u = negative ? -unscaled : unscaled;
    if (!(u < MAX_EXACT && Number.isInteger(u) && places > 0 && places <= MAX_PLACES) || u === 0) {
      this.number(value);
      return;
    }
    // Trailing zeros of the fraction go (466.470 prints as 466.47).
    while (places > 0 && u % 10 === 0) {
      u /= 10;
      places--;
    }
    let digits = 1;
    for (let t = u; t >= 10; t = Math.floor(t / 10)) digits++;
    // Leading zeros after the point: 0.000001 is the smallest String() writes without an exponent.
    const zeros = places >= digits ? places - digits : 0;
    if (digits - places < MIN_POINT_POSITION) {
      this.number(value);
      return;
    }
    const length = (negative ? 1 : 0) + (places >= digits ? 2 + zeros : places > 0 ? 1 : 0) + digits;
    if (this.pos + length > this.buf.length) this.grow(length);
    const b = this.buf;
    let p = this.pos + length;
    this.pos = p;
    let v = u;
    for (let i = 0; i < digits; i++) {
      if (i === places && places > 0) b[--p] = POINT;
      b[--p] = DIGIT_0 + (v % 10);
      v = Math.floor(v / 10);
    }
    if (places >= digits) {
      for (let i = 0; i < zeros; i++) b[--p] = DIGIT_0;
      b[--p] = POINT;
      b[--p] = DIGIT_0;
    }
    if (negative) b[--p] = MINUS;
  }

  boolean(v: boolean): void {
    this.ascii(v ? 'true' : 'false');
  }

  private latin1(s: string): void {
    if (!isLatin1(s)) {
      this.tooWide = true;
      return;
    }
    if (this.pos + s.length > this.buf.length) this.grow(s.length);
    this.pos += this.buf.write(s, this.pos, s.length, 'latin1');
  }

  private grow(need: number): void {
    const next = allocate(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
