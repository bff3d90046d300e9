/**
 * A DSMR P1 telegram parser with a memory of the last telegram it parsed. A meter sends the same lines every
 * second and only some values change, so a line whose bytes equal the remembered line's gets the remembered
 * object, and a line whose id bytes equal gets the remembered id and only its values read. The result is
 * the same as a fresh parse (the property tests hold the two against each other); only the work differs.
 * One parser per meter or stream: alternating meters through one parser is correct, only slower.
 */
import { CodecError } from '../errors.js';
import { crc16Arc, crc16ArcXor, crc16ArcZeros } from './crc16-arc.js';
import {
  CH_BANG,
  CH_CR,
  CH_LF,
  CH_OPEN,
  CH_SLASH,
  CH_SPACE,
  CH_TAB,
  hexDigit,
  isP1Byte,
  isSpace,
  LineScan,
  normalForm,
  notP1Byte,
  readId,
  readValueAt,
} from './line-scan.js';
import type { DsmrCrc, DsmrHeader, DsmrObject, DsmrTelegram, DsmrValue, ParseTelegramOptions } from './telegram.js';

export interface DsmrParserOptions {
  /**
   * Reject any byte besides printable ASCII, CR and LF (CODEC_MALFORMED), as decrypted P1 content must be:
   * the check runs inside the scan instead of as a pass of its own.
   */
  readonly p1BytesOnly?: boolean;
  /** Keep the last telegram to take unchanged lines over (default true; false for one-off parses). */
  readonly memory?: boolean;
}

/** 1-3:0.2.8, the P1 version object from DSMR 4.0 on; those versions must send a CRC. */
const VERSION_OBIS = '1-3:0.2.8';
const FIRST_VERSION_WITH_CRC = 40;
/** Per remembered line in the span table: offset of its id from '/', length up to the next line's id, id length. */
const SPAN_FIELDS = 3;

/**
 * Bytes and, where they are compared with the memory, a view of the same memory as 32-bit words (from the
 * word that holds bytes[0]). A parser without memory makes no word view (and no ArrayBuffer of its own).
 */
interface Bytes {
  readonly bytes: Uint8Array;
  readonly words: Int32Array | undefined;
  /** bytes.byteOffset, read once (the getter costs more than the compare of a short line). */
  readonly offset: number;
  /** A Buffer over the same memory, on the parser's own buffers: text goes in and comes out through it. */
  readonly buffer: Buffer | undefined;
}

/**
 * One of a parser's two buffers (the input under way, the last telegram), at offset 0 of its own memory; the
 * word view covers every byte (3 spare bytes round it up).
 */
function ownBuffer(size: number): Bytes {
  const bytes = new Uint8Array(size + 3);
  return { bytes, words: new Int32Array(bytes.buffer, 0, bytes.length >> 2), offset: 0, buffer: Buffer.from(bytes.buffer) };
}

function growInt32(a: Int32Array): Int32Array {
  const grown = new Int32Array(Math.max(64, 2 * a.length));
  grown.set(a);
  return grown;
}

const withoutWords = (bytes: Uint8Array): Bytes => ({ bytes, words: undefined, offset: 0, buffer: undefined });

/**
 * Empty and frozen (nothing in them can change): what a new parser starts from, so that a one-off parse
 * allocates no typed array it never uses (each costs as much as parsing a line).
 */
const NO_INTS: Int32Array = Object.freeze(new Int32Array(0));
const NO_MEMORY: Bytes = Object.freeze(withoutWords(Object.freeze(new Uint8Array(0))));

/**
 * Whether x.bytes[xi, xi + n) equals y.bytes[yi, yi + n). Both ranges compared from the end, where a line's
 * changing digits sit, four bytes at a time where they lie alike in their words (the memory is stored so that
 * they do), else byte by byte.
 */
function sameBytes(x: Bytes, xi: number, y: Bytes, yi: number, n: number): boolean {
  const a = x.bytes;
  const b = y.bytes;
  const ao = x.offset;
  const bo = y.offset;
  let k = n;
  if (((ao + xi - bo - yi) & 3) === 0) {
    while (k > 0 && ((bo + yi + k) & 3) !== 0) {
      k--;
      if (a[xi + k] !== b[yi + k]) return false;
    }
    const aw = x.words!;
    const bw = y.words!;
    let ia = ((ao + xi + k) >> 2) - (ao >> 2);
    let ib = ((bo + yi + k) >> 2) - (bo >> 2);
    for (; k >= 4; k -= 4) if (aw[--ia] !== bw[--ib]) return false;
  }
  for (; k > 0; k--) if (a[xi + k - 1] !== b[yi + k - 1]) return false;
  return true;
}

/**
 * The first k < n at which x.bytes[xi + k] and y.bytes[yi + k] differ, or n: one run over many lines that did
 * not move, four bytes a step where the ranges lie alike in their words.
 */
function firstDiff(x: Bytes, xi: number, y: Bytes, yi: number, n: number): number {
  const a = x.bytes;
  const b = y.bytes;
  const ao = x.offset;
  const bo = y.offset;
  let k = 0;
  if (((ao + xi - bo - yi) & 3) === 0) {
    while (k < n && ((bo + yi + k) & 3) !== 0) {
      if (a[xi + k] !== b[yi + k]) return k;
      k++;
    }
    const aw = x.words!;
    const bw = y.words!;
    let ia = ((ao + xi + k) >> 2) - (ao >> 2);
    let ib = ((bo + yi + k) >> 2) - (bo >> 2);
    for (; k + 4 <= n; k += 4) if (aw[ia++] !== bw[ib++]) break;
  }
  for (; k < n; k++) if (a[xi + k] !== b[yi + k]) return k;
  return n;
}

function readHeader(line: string, start: number): DsmrHeader {
  if (line.length < 4 || !/^[A-Za-z]{3}$/.test(line.slice(0, 3))) {
    throw new CodecError('CODEC_MALFORMED', 'dsmr', 'header line must be "/" + 3-letter manufacturer flag + baud rate character + identification', start);
  }
  return { text: line, manufacturer: line.slice(0, 3), baudRate: line.charAt(3), identification: line.slice(4) };
}

/** Whether every character of text is Latin-1 (one byte each); all-ASCII text is told natively. */
function isLatin1(text: string): boolean {
  if (Buffer.byteLength(text, 'utf8') === text.length) return true;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Bytes for text with characters outside Latin-1: those become 0xFF, a byte with no meaning to the syntax, so
 * the telegram still parses; its CRC cannot be checked (such text did not come from a byte stream).
 */
function wideBytes(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = Math.min(text.charCodeAt(i), 0xff);
  return b;
}

export class DsmrTelegramParser {
  private readonly scan = new LineScan();
  private readonly p1Only: boolean;
  private readonly remember: boolean;
  /** The buffer the next input is copied into; the last telegram's is `mem`, and the two swap. */
  private scratch: Bytes | undefined;

  /** The last telegram: its bytes from '/' to before '!', the span table, its objects and header. */
  private mem: Bytes = NO_MEMORY;
  /** Where '/' of the last telegram sits in mem. */
  private memAt = 0;
  /** How many bytes of mem, from memAt, the last telegram left ('/' up to before '!'). */
  private memLength = 0;
  /** The CRC computed over the last telegram ('/' .. '!'), or -1 when it was not computed. */
  private memCrc = -1;
  /** Runs [from, to) (offsets from '/') of the telegram under way found equal to the last one, in order. */
  private runs: Int32Array = NO_INTS;
  private memSpans: Int32Array = NO_INTS;
  private memObjects: readonly DsmrObject[] = [];
  private memHeader: DsmrHeader | undefined;
  /** The span table being filled by the parse under way; swapped with memSpans when it succeeds. */
  private nextSpans: Int32Array = NO_INTS;

  constructor(options: DsmrParserOptions = {}) {
    this.p1Only = options.p1BytesOnly ?? false;
    this.remember = options.memory ?? true;
  }

  /**
   * Parse the first telegram in `text` (one character per byte, Latin-1). Anything before '/' and after the
   * '!' line is ignored. Throws CodecError: CODEC_BAD_INPUT (no '/'), CODEC_TRUNCATED (no '!'),
   * CODEC_MALFORMED (a line that is not OBIS(value)), CODEC_CRC_MISMATCH.
   */
  parse(text: string, options: ParseTelegramOptions = {}): DsmrTelegram {
    if (!isLatin1(text)) return this.parseText(text, withoutWords(wideBytes(text)), options, false);
    if (!this.remember) {
      // A one-off parse: bytes from Node's buffer pool (no ArrayBuffer of its own), read through a plain view.
      const pooled = Buffer.from(text, 'latin1');
      return this.parseText(text, withoutWords(new Uint8Array(pooled.buffer, pooled.byteOffset, pooled.byteLength)), options, true);
    }
    const own = this.scratchFor(text.length);
    own.buffer!.write(text, 0, 'latin1');
    return this.parseText(text, own, options, true);
  }

  /** parse() over bytes as they came from the port or out of the decryption (one byte per character). */
  parseBytes(bytes: Uint8Array, options: ParseTelegramOptions = {}): DsmrTelegram {
    if (this.remember) {
      // Copied into the parser's own buffer: that becomes the memory afterwards (no copy then), and the text
      // comes out of a Buffer the parser keeps (no view made per call).
      const own = this.scratchFor(bytes.length);
      own.bytes.set(bytes);
      return this.parseText(own.buffer!.toString('latin1', 0, bytes.length), own, options, true);
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    // The scan always reads a plain Uint8Array, whatever subclass came in: one element kind keeps it monomorphic.
    const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.parseText(text, withoutWords(plain), options, true);
  }

  /** Drop the remembered telegram (the next parse reads every line). */
  forget(): void {
    this.memObjects = [];
    this.memHeader = undefined;
    this.memCrc = -1;
  }

  /** The buffer for the next input, of at least n bytes. */
  private scratchFor(n: number): Bytes {
    const own = this.scratch;
    if (own !== undefined && own.bytes.length >= n) return own;
    const grown = ownBuffer(Math.max(n, 2 * (own?.bytes.length ?? 256)));
    this.scratch = grown;
    return grown;
  }

  /**
   * Parse text whose characters are also in b, one byte each at the same offsets (b may run on past the text:
   * every scan stops at text.length): the syntax is scanned in b, strings are cut from text. latin1 is false
   * when text holds characters outside Latin-1 (no CRC possible, and no memory: their bytes are stand-ins).
   */
  private parseText(text: string, input: Bytes, options: ParseTelegramOptions, latin1: boolean): DsmrTelegram {
    const b = input.bytes;
    const len = text.length;
    const p1Only = this.p1Only;
    const start = text.indexOf('/');
    if (start < 0) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'no "/" that starts a DSMR telegram');
    if (p1Only) for (let i = 0; i < start; i++) if (!isP1Byte(b[i]!)) throw notP1Byte(i);
    const headerEnd = text.indexOf('\n', start);
    if (headerEnd < 0) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends within its header line', start);
    const useMemory = this.remember && latin1;
    const header = this.header(text, input, start, b[headerEnd - 1] === CH_CR ? headerEnd - 1 : headerEnd, useMemory);

    const scan = this.scan;
    const mem = this.mem;
    const memAt = this.memAt;
    const memSpans = this.memSpans;
    const memObjects = this.memObjects;
    const memCount = useMemory ? memObjects.length : 0;
    // Offsets from '/': bytes in [sameFrom, sameTo) are known equal to the remembered ones at the same offsets,
    // and sameTo is the first that differs (or the end of what both hold).
    const limit = Math.min(this.memLength, len - start);
    let sameFrom = 0;
    let sameTo = -1;
    let runs = this.runs;
    let runCount = 0;
    /** Bytes in the runs. */
    let same = 0;
    if (useMemory && header === this.memHeader) {
      if (runs.length < 2) runs = this.runs = new Int32Array(64);
      runs[0] = 0;
      runs[1] = 1 + header.text.length;
      runCount = 1;
      same = runs[1]!;
    }
    let spans = this.nextSpans;
    const objects: DsmrObject[] = [];
    let values: DsmrValue[] = [];
    let lineStart = -1;
    let idLength = 0;
    let pos = headerEnd + 1;
    for (;;) {
      while (pos < len) {
        const c = b[pos]!;
        if (c !== CH_LF && c !== CH_CR && c !== CH_SPACE && c !== CH_TAB) break;
        if (c === CH_TAB && p1Only) throw notP1Byte(pos);
        pos++;
      }
      if (pos >= len) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends without the closing "!" line', pos);
      const c = b[pos]!;
      if (c === CH_OPEN) {
        // A value on a line of its own continues the previous object (DSMR 2.2/3 gas: 0-1:24.3.0 ... (m3) CR LF (00001.001)).
        if (objects.length === 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', 'value line before any OBIS id', pos);
        pos = this.readValues(text, b, pos, len, values);
        continue;
      }
      // The previous line ends here: its span reaches up to this id (or the '!').
      const k = objects.length;
      if (k > 0 && useMemory) {
        if (spans.length < SPAN_FIELDS * k) spans = this.growSpans(spans);
        const at = SPAN_FIELDS * (k - 1);
        spans[at] = lineStart - start;
        spans[at + 1] = pos - lineStart;
        spans[at + 2] = idLength;
      }
      if (c === CH_BANG) break;
      if (c === CH_SLASH) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'a new telegram starts before this one ended with "!"', pos);
      lineStart = pos;
      if (k < memCount) {
        const at = SPAN_FIELDS * k;
        const from = memSpans[at]!;
        const span = memSpans[at + 1]!;
        const old = memObjects[k]!;
        const after = pos + span;
        const rel = pos - start;
        idLength = memSpans[at + 2]!;
        let sameLine: boolean;
        let sameId: boolean;
        if (from === rel) {
          // Where the line was before: one run finds how far the bytes stay the same.
          if (rel < sameFrom || rel > sameTo) {
            sameFrom = rel;
            sameTo = rel + firstDiff(mem, memAt + rel, input, pos, limit - rel);
            if (sameTo > rel) {
              if (runs.length < 2 * runCount + 2) runs = this.runs = growInt32(runs);
              runs[2 * runCount] = rel;
              runs[2 * runCount + 1] = sameTo;
              runCount++;
              same += sameTo - rel;
            }
          }
          if (rel + span < sameTo) {
            // This line and those after it that lie wholly in the run, the first byte after each included (the
            // next id or '!'), are the remembered lines: taken over in a tight loop.
            let j = k;
            let end = rel;
            if (spans.length < SPAN_FIELDS * memCount) spans = this.growSpans(spans, SPAN_FIELDS * memCount);
            for (;;) {
              const o = memObjects[j]!;
              const at3 = SPAN_FIELDS * j;
              const lineSpan = memSpans[at3 + 1]!;
              objects.push(o.offset === start + end ? o : { id: o.id, obis: o.obis, code: o.code, values: o.values, offset: start + end });
              spans[at3] = end;
              spans[at3 + 1] = lineSpan;
              spans[at3 + 2] = memSpans[at3 + 2]!;
              end += lineSpan;
              j++;
              if (j >= memCount || memSpans[SPAN_FIELDS * j] !== end || end + memSpans[SPAN_FIELDS * j + 1]! >= sameTo) break;
            }
            lineStart = start + end - memSpans[SPAN_FIELDS * (j - 1) + 1]!;
            idLength = memSpans[SPAN_FIELDS * (j - 1) + 2]!;
            pos = start + end;
            continue;
          }
          sameLine = rel + span <= sameTo;
          sameId = rel + idLength <= sameTo;
        } else {
          sameLine = after <= len && sameBytes(mem, memAt + from, input, pos, span);
          sameId = sameLine || (pos + idLength <= len && sameBytes(mem, memAt + from, input, pos, idLength));
        }
        // The whole line as before, up to the next id: nothing of it can read differently.
        if (sameLine && after < len && !isSpace(b[after]!) && b[after] !== CH_OPEN) {
          objects.push(old.offset === pos ? old : { id: old.id, obis: old.obis, code: old.code, values: old.values, offset: pos });
          pos = after;
          continue;
        }
        const open = pos + idLength;
        // The same id: only the values are read.
        if (sameId && open < len && b[open] === CH_OPEN) {
          values = [readValueAt(text, b, open, len, scan, p1Only)];
          objects.push({ id: old.id, obis: old.obis, code: old.code, values, offset: pos });
          pos = this.readValues(text, b, scan.end, len, values);
          // The next run starts right after the values (their line end is most often as before): the bytes
          // known equal then reach from the changed digits' end, which leaves the CRC fewer bytes to read.
          const r = pos - start;
          // (Runs stay in order and apart: a difference after the values, in the line end, keeps the run it is in.)
          if (r < limit && r >= sameTo) {
            sameFrom = r;
            sameTo = r + firstDiff(mem, memAt + r, input, pos, limit - r);
            if (sameTo > r) {
              if (runs.length < 2 * runCount + 2) runs = this.runs = growInt32(runs);
              runs[2 * runCount] = r;
              runs[2 * runCount + 1] = sameTo;
              runCount++;
              same += sameTo - r;
            }
          }
          continue;
        }
      }
      // readId accepts only digits and separators up to the '(', so a '(' on a later line fails as MALFORMED.
      const code = readId(text, b, pos, len, scan);
      const open = scan.open;
      const id = text.slice(pos, open);
      const obis = scan.normal ? id : normalForm(code);
      idLength = open - pos;
      // An array literal of the first value: most objects have one, and an empty array would get room for 16.
      values = [readValueAt(text, b, open, len, scan, p1Only)];
      objects.push({ id, obis, code, values, offset: pos });
      pos = this.readValues(text, b, scan.end, len, values);
    }

    const bang = pos;
    pos++;
    let sent = 0;
    let digits = 0;
    while (digits < 4 && pos < len) {
      const h = hexDigit(b[pos]!);
      if (h < 0) break;
      sent = (sent << 4) | h;
      digits++;
      pos++;
    }
    if (pos < len && !isSpace(b[pos]!)) {
      throw new CodecError('CODEC_MALFORMED', 'dsmr', 'the "!" line holds something other than a CRC of up to 4 hex digits', pos);
    }
    if (pos < len && b[pos] === CH_CR) pos++;
    if (pos < len && b[pos] === CH_LF) pos++;
    if (p1Only) for (let i = pos; i < len; i++) if (!isP1Byte(b[i]!)) throw notP1Byte(i);

    let crc: DsmrCrc;
    let computed = -1;
    if (digits === 0) {
      const version = objects.find((o) => o.obis === VERSION_OBIS)?.values[0]?.text;
      if (version != null && Number(version) >= FIRST_VERSION_WITH_CRC && options.crc !== 'lenient') {
        throw new CodecError('CODEC_MALFORMED', 'dsmr', `P1 version ${version} telegram without the CRC that DSMR 4.0 and later require`, bang);
      }
      crc = { kind: 'absent' };
    } else {
      if (!latin1) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'telegram holds characters outside Latin-1: read it as bytes, not as UTF-8 text', start);
      const n = bang - start;
      // From the last CRC when that is less work: a step per byte outside the runs and a few per run, against
      // a step per four bytes (each about twice the work) for the whole telegram. Measured, not guessed.
      const fromLast = useMemory && this.memCrc >= 0 && this.memLength === n && 2 * (n - same + 8 * runCount) < n;
      computed = fromLast ? this.crcFromLast(input, start, n, runs, runCount) : crc16Arc(b, start, bang + 1);
      if (computed === sent) crc = { kind: 'valid', value: sent };
      else if (options.crc === 'lenient') crc = { kind: 'mismatch', sent, computed };
      else {
        const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
        throw new CodecError('CODEC_CRC_MISMATCH', 'dsmr', `telegram CRC ${hex(sent)} does not match the computed ${hex(computed)}`, bang);
      }
    }
    if (useMemory) this.keep(input, start, bang, spans, objects, header, computed);
    else this.nextSpans = spans;
    return { kind: 'dsmr-telegram', header, objects, crc, start, end: pos };
  }

  /** Read consecutive "(...)" groups from b[pos] into values; returns the offset after the last ')'. */
  private readValues(text: string, b: Uint8Array, pos: number, len: number, values: DsmrValue[]): number {
    const scan = this.scan;
    while (pos < len && b[pos] === CH_OPEN) {
      values.push(readValueAt(text, b, pos, len, scan, this.p1Only));
      pos = scan.end;
    }
    return pos;
  }

  /** The header line b[start] = '/' .. end: the remembered header when its bytes are the same. */
  private header(text: string, input: Bytes, start: number, end: number, useMemory: boolean): DsmrHeader {
    const b = input.bytes;
    const n = end - start - 1;
    const last = this.memHeader;
    if (useMemory && last !== undefined && last.text.length === n && sameBytes(this.mem, this.memAt + 1, input, start + 1, n)) return last;
    if (this.p1Only) for (let i = start + 1; i < end; i++) if (!isP1Byte(b[i]!)) throw notP1Byte(i);
    return readHeader(text.slice(start + 1, end), start);
  }

  private growSpans(spans: Int32Array, atLeast = 0): Int32Array {
    const grown = new Int32Array(Math.max(64 * SPAN_FIELDS, 2 * spans.length, atLeast));
    grown.set(spans);
    return grown;
  }

  /**
   * The CRC of the telegram input[start, start + n] ('/' .. '!', as long as the last one) from the last one's:
   * its CRC xor the CRC of the bytes' xor, which is zero over the runs found equal (crc16ArcZeros skips them).
   */
  private crcFromLast(input: Bytes, start: number, n: number, runs: Int32Array, runCount: number): number {
    const mem = this.mem.bytes;
    const memAt = this.memAt;
    const b = input.bytes;
    let r = 0;
    let at = 0;
    for (let i = 0; i < runCount; i++) {
      const from = runs[2 * i]!;
      const to = runs[2 * i + 1]!;
      r = crc16ArcZeros(crc16ArcXor(r, mem, memAt + at, b, start + at, from - at), to - from);
      at = to;
    }
    // The rest up to '!', then the '!' itself (the same in both).
    r = crc16ArcZeros(crc16ArcXor(r, mem, memAt + at, b, start + at, n - at), 1);
    return this.memCrc ^ r;
  }

  /** Remember a telegram that parsed: its bytes '/' .. before '!', span table, objects and header. */
  private keep(input: Bytes, start: number, bang: number, spans: Int32Array, objects: readonly DsmrObject[], header: DsmrHeader, crc: number): void {
    // The input is the parser's own buffer: it becomes the memory, and the last memory the next input's buffer.
    const last = this.mem;
    this.mem = input;
    this.scratch = last.buffer !== undefined ? last : undefined;
    this.memAt = start;
    this.memLength = bang - start;
    this.memCrc = crc;
    this.nextSpans = this.memSpans;
    this.memSpans = spans;
    this.memObjects = objects;
    this.memHeader = header;
  }

}
