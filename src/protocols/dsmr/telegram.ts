/**
 * The text layer of a DSMR P1 telegram (DSMR 5.0.2 P1 companion standard clause 6; IEC 62056-21 mode D):
 *   /XXXZ<identification> CR LF  CR LF  { OBIS(value[*unit])(...) CR LF }  ! [CRC] CR LF
 * Values are kept exactly as sent; what they mean is readings.ts's job.
 */
import type { ObisCode } from '../obis/index.js';
import { CodecError } from '../errors.js';
import { crc16Arc } from './crc16-arc.js';

/** One parenthesised value: "(001581.123*kWh)" -> text "001581.123", unit "kWh"; "()" -> text null. */
export interface DsmrValue {
  readonly text: string | null;
  readonly unit?: string;
}

/** One data object: an OBIS id and its value groups (several for M-Bus readings, logs and buffers). */
export interface DsmrObject {
  /** The id as written: "1-0:1.8.1", "1-0:1.8.0*255". */
  readonly id: string;
  /** Normalised "A-B:C.D.E" (with "*F" only when F is not 255). */
  readonly obis: string;
  readonly code: ObisCode;
  readonly values: readonly DsmrValue[];
  /** Offset of the id in the input text. */
  readonly offset: number;
}

/** The CRC verdict. DSMR 2.2 and 3 send no CRC; a mismatch only gets this far in lenient mode. */
export type DsmrCrc =
  | { readonly kind: 'valid'; readonly value: number }
  | { readonly kind: 'absent' }
  | { readonly kind: 'mismatch'; readonly sent: number; readonly computed: number };

export interface DsmrHeader {
  /** The line after '/', e.g. "ISk5\2MT382-1000". */
  readonly text: string;
  /** Three-letter manufacturer flag (FLAG id of the DLMS UA), e.g. "ISk", "KFM". */
  readonly manufacturer: string;
  /** IEC 62056-21 baud rate character ('5' on every P1 port). */
  readonly baudRate: string;
  /** The rest of the line, e.g. "\2MT382-1000". */
  readonly identification: string;
}

/** A parsed telegram. */
export interface DsmrTelegram {
  readonly kind: 'dsmr-telegram';
  readonly header: DsmrHeader;
  readonly objects: readonly DsmrObject[];
  readonly crc: DsmrCrc;
  /** Offsets of '/' and of the first character after the '!' line in the input. */
  readonly start: number;
  readonly end: number;
}

export interface ParseTelegramOptions {
  /** 'strict' (default): a CRC mismatch throws CODEC_CRC_MISMATCH; 'lenient': it is reported in `crc`. */
  readonly crc?: 'strict' | 'lenient';
}

const CH_SLASH = 0x2f; // '/'
const CH_BANG = 0x21; // '!'
const CH_OPEN = 0x28; // '('
const CH_CLOSE = 0x29; // ')'
const CH_STAR = 0x2a; // '*'
const CH_CR = 0x0d;
const CH_LF = 0x0a;

/** 1-3:0.2.8, the P1 version object from DSMR 4.0 on; those versions must send a CRC. */
const VERSION_OBIS = '1-3:0.2.8';
const FIRST_VERSION_WITH_CRC = 40;

const isSpace = (c: number): boolean => c === CH_CR || c === CH_LF || c === 0x20 || c === 0x09;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** What readId finds besides the code; one object reused, because readId runs once per line. */
const idScan = { open: 0, normal: true };

const isDigitCode = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Read an id "A-B:C.D.E[*F]" (or the short "C.D.E") starting at bytes[start] up to the '(' of its first
 * value, in one pass without a regex: this is the hot path of the parser. Sets idScan.open to the offset of
 * the '(' and idScan.normal to whether the text is already in normal form (full form, no F group, no leading
 * zeros), so that the usual id needs no rewriting.
 */
function readId(text: string, bytes: Uint8Array, start: number): ObisCode {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let e = 0;
  let group = 0;
  let n = -1;
  let short = false;
  let normal = true;
  const len = text.length;
  for (let i = start; i < len; i++) {
    const ch = bytes[i]!;
    if (isDigitCode(ch)) {
      if (n === 0) normal = false; // a leading zero, as in "01-00:..."
      n = n < 0 ? ch - 0x30 : n * 10 + (ch - 0x30);
      if (n > 255) break;
      continue;
    }
    if (n < 0) break;
    switch (group) {
      case 0:
        a = n;
        if (ch === 0x2e) short = true; // "C.D.E": the first group was C
        else if (ch !== 0x2d) return idFailure(text, start); // '-'
        break;
      case 1:
        b = n;
        if (short ? ch !== 0x2e : ch !== 0x3a) return idFailure(text, start); // '.' or ':'
        break;
      case 2:
        c = n;
        if (short ? ch !== CH_OPEN : ch !== 0x2e) return idFailure(text, start);
        if (short) return idFound(i, false, [0, 0, a, b, c, 255]);
        break;
      case 3:
        d = n;
        if (ch !== 0x2e) return idFailure(text, start);
        break;
      case 4:
        e = n;
        if (ch === CH_OPEN) return idFound(i, normal, [a, b, c, d, e, 255]);
        if (ch !== CH_STAR && ch !== 0x26) return idFailure(text, start); // '*' or '&'
        break;
      case 5:
        if (ch === CH_OPEN) return idFound(i, false, [a, b, c, d, e, n]);
        return idFailure(text, start);
    }
    group++;
    n = -1;
  }
  return idFailure(text, start);
}

function idFound(open: number, normal: boolean, code: ObisCode): ObisCode {
  idScan.open = open;
  idScan.normal = normal;
  return code;
}

/** The line at start holds no valid id before its '(', or no '(' at all. */
function idFailure(text: string, start: number): never {
  const open = text.indexOf('(', start);
  if (open < 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', `line without a value in parentheses: ${JSON.stringify(text.slice(start, start + 24))}`, start);
  throw new CodecError('CODEC_MALFORMED', 'dsmr', `not an OBIS id: ${JSON.stringify(text.slice(start, Math.min(open, start + 24)))}`, start);
}

/**
 * The last header read: a meter sends the same one every time. Kept privately; each telegram gets its own
 * object with the same (immutable) strings.
 */
let lastHeader: DsmrHeader | undefined;
/** Longer header lines are read anew each time (no real one comes near). */
const MAX_INTERNED_HEADER = 64;

/** The header line text[start] = '/' .. end; latin1 says b holds exactly its characters. */
function parseHeader(text: string, b: Uint8Array, start: number, end: number, latin1: boolean): DsmrHeader {
  const n = end - start - 1;
  if (!latin1 || n > MAX_INTERNED_HEADER) return readHeader(text.slice(start + 1, end), start);
  const last = lastHeader;
  if (last !== undefined && last.text.length === n) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = last.text.charCodeAt(i) === b[start + 1 + i];
    if (same) return { text: last.text, manufacturer: last.manufacturer, baudRate: last.baudRate, identification: last.identification };
  }
  // Made from the bytes, not sliced from the telegram, so that the remembered header does not keep it alive.
  const header = readHeader(String.fromCharCode(...b.subarray(start + 1, end)), start);
  lastHeader = { ...header };
  return header;
}

function readHeader(line: string, start: number): DsmrHeader {
  if (line.length < 4 || !/^[A-Za-z]{3}$/.test(line.slice(0, 3))) {
    throw new CodecError('CODEC_MALFORMED', 'dsmr', 'header line must be "/" + 3-letter manufacturer flag + baud rate character + identification', start);
  }
  return { text: line, manufacturer: line.slice(0, 3), baudRate: line.charAt(3), identification: line.slice(4) };
}

/** Read the value "(...)" whose '(' is at text[pos] and whose ')' is at close; star is its first '*' or -1. */
function readValue(text: string, pos: number, close: number, star: number): DsmrValue {
  if (star < 0) return { text: close === pos + 1 ? null : text.slice(pos + 1, close) };
  return { text: star === pos + 1 ? null : text.slice(pos + 1, star), unit: text.slice(star + 1, close) };
}

/**
 * A value that wraps over lines: long text messages (0-0:96.13.0) do, and the line break is not part of the
 * value. Anything else spanning lines is a '(' that was never closed.
 */
function readWrappedValue(text: string, pos: number, close: number): DsmrValue {
  const inner = text.slice(pos + 1, close);
  if (inner.indexOf('(') >= 0 || inner.indexOf('!') >= 0) {
    throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'value opened with "(" is not closed on its line', pos);
  }
  return splitUnit(inner.replace(/[\r\n]/g, ''));
}

function splitUnit(inner: string): DsmrValue {
  const star = inner.indexOf('*');
  if (star < 0) return { text: inner === '' ? null : inner };
  return { text: star === 0 ? null : inner.slice(0, star), unit: inner.slice(star + 1) };
}

/** Where readValueAt stopped: the offset after the ')' (one object reused, as for idScan). */
const valueScan = { end: 0 };

/**
 * Read the "(...)" group whose '(' is at b[pos] and set valueScan.end. One scan finds the ')', the first '*'
 * and any line break (separate indexOf calls would run past the ')' looking for a '*' that a unit-less value
 * does not have).
 */
function readValueAt(text: string, b: Uint8Array, pos: number): DsmrValue {
  const len = text.length;
  let star = -1;
  let wrapped = false;
  let close = pos + 1;
  for (; close < len; close++) {
    const c = b[close]!;
    if (c === CH_CLOSE) break;
    if (c === CH_STAR) {
      if (star < 0) star = close;
    } else if (c === CH_LF) wrapped = true;
  }
  if (close >= len) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'value opened with "(" is never closed', pos);
  valueScan.end = close + 1;
  return wrapped ? readWrappedValue(text, pos, close) : readValue(text, pos, close, star);
}

/** Read consecutive "(...)" groups from b[pos] into values; returns the offset after the last ')'. */
function readValues(text: string, b: Uint8Array, pos: number, values: DsmrValue[]): number {
  while (pos < text.length && b[pos] === CH_OPEN) {
    values.push(readValueAt(text, b, pos));
    pos = valueScan.end;
  }
  return pos;
}

/** The normal form "A-B:C.D.E[*F]" of an id that was not written in it. */
function normalForm(code: ObisCode): string {
  const base = `${code[0]}-${code[1]}:${code[2]}.${code[3]}.${code[4]}`;
  return code[5] === 255 ? base : `${base}*${code[5]}`;
}

/**
 * Parse the first telegram in `text` (one character per byte, Latin-1). Anything before '/' and after the
 * '!' line is ignored. Throws CodecError: CODEC_BAD_INPUT (no '/'), CODEC_TRUNCATED (no '!'),
 * CODEC_MALFORMED (a line that is not OBIS(value)), CODEC_CRC_MISMATCH.
 */
export function parseTelegram(text: string, options: ParseTelegramOptions = {}): DsmrTelegram {
  const bytes = latin1Bytes(text);
  return parseText(text, bytes ?? wideBytes(text), options, bytes !== undefined);
}

/**
 * parseTelegram over bytes as they came from the port or out of the decryption (one byte per character): no
 * copy into bytes is needed for the scan and the CRC.
 */
export function parseTelegramBytes(bytes: Uint8Array, options: ParseTelegramOptions = {}): DsmrTelegram {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The scan always reads a plain Uint8Array, whatever subclass came in: one element kind keeps it monomorphic.
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return parseText(buf.toString('latin1'), plain, options, true);
}

/**
 * Reused for the bytes of text given to parseTelegram (never handed out); bigger texts get their own. A plain
 * Uint8Array to scan (as parseTelegramBytes passes) and a Buffer over the same memory to write the text in.
 */
let scratch = new Uint8Array(4096);
let scratchWriter = Buffer.from(scratch.buffer);
const SCRATCH_LIMIT = 65536;

/**
 * The text as bytes, one per character, in the first text.length bytes of the result (a reused buffer, maybe
 * longer), or undefined when a character is outside Latin-1. Scanning bytes is about twice as fast as
 * charCodeAt, and the native copy costs a fraction of one scan.
 */
function latin1Bytes(text: string): Uint8Array | undefined {
  if (Buffer.byteLength(text, 'utf8') !== text.length) {
    // Not all ASCII: fine if every character is still Latin-1.
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return undefined;
  }
  if (scratch.length < text.length) {
    const bytes = new Uint8Array(text.length);
    const writer = Buffer.from(bytes.buffer);
    if (text.length <= SCRATCH_LIMIT) {
      scratch = bytes;
      scratchWriter = writer;
    }
    writer.write(text, 0, 'latin1');
    return bytes;
  }
  scratchWriter.write(text, 0, 'latin1');
  return scratch;
}

/**
 * Bytes for text with characters outside Latin-1: those become 0xFF, a byte with no meaning to the syntax, so
 * the telegram still parses as before; its CRC cannot be checked (such text did not come from a byte stream).
 */
function wideBytes(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = Math.min(text.charCodeAt(i), 0xff);
  return b;
}

/**
 * Parse text whose characters are also in b, one byte each at the same offsets (b may run on past the text:
 * every scan stops at text.length): the syntax is scanned in b, strings are cut from text. latin1 is false when
 * text holds characters outside Latin-1 (no CRC possible).
 */
function parseText(text: string, b: Uint8Array, options: ParseTelegramOptions, latin1: boolean): DsmrTelegram {
  const start = text.indexOf('/');
  if (start < 0) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'no "/" that starts a DSMR telegram');
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends within its header line', start);
  const header = parseHeader(text, b, start, b[headerEnd - 1] === CH_CR ? headerEnd - 1 : headerEnd, latin1);

  const objects: DsmrObject[] = [];
  let values: DsmrValue[] = [];
  const len = text.length;
  let pos = headerEnd + 1;
  for (;;) {
    while (pos < len && isSpace(b[pos]!)) pos++;
    if (pos >= len) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends without the closing "!" line', pos);
    const c = b[pos]!;
    if (c === CH_BANG) break;
    if (c === CH_OPEN) {
      // A value on a line of its own continues the previous object (DSMR 2.2/3 gas: 0-1:24.3.0 ... (m3) CR LF (00001.001)).
      const n = objects.length;
      if (n === 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', 'value line before any OBIS id', pos);
      pos = readValues(text, b, pos, values);
      continue;
    }
    if (c === CH_SLASH) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'a new telegram starts before this one ended with "!"', pos);
    // readId accepts only digits and separators up to the '(', so a '(' on a later line fails as MALFORMED.
    const code = readId(text, b, pos);
    const open = idScan.open;
    const id = text.slice(pos, open);
    // An array literal of the first value: most objects have one, and an empty array would get room for 16.
    values = [readValueAt(text, b, open)];
    objects.push({ id, obis: idScan.normal ? id : normalForm(code), code, values, offset: pos });
    pos = readValues(text, b, valueScan.end, values);
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

  let crc: DsmrCrc;
  if (digits === 0) {
    const version = objects.find((o) => o.obis === VERSION_OBIS)?.values[0]?.text;
    if (version != null && Number(version) >= FIRST_VERSION_WITH_CRC && options.crc !== 'lenient') {
      throw new CodecError('CODEC_MALFORMED', 'dsmr', `P1 version ${version} telegram without the CRC that DSMR 4.0 and later require`, bang);
    }
    crc = { kind: 'absent' };
  } else {
    if (!latin1) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'telegram holds characters outside Latin-1: read it as bytes, not as UTF-8 text', start);
    const computed = crc16Arc(b, start, bang + 1);
    if (computed === sent) crc = { kind: 'valid', value: sent };
    else if (options.crc === 'lenient') crc = { kind: 'mismatch', sent, computed };
    else {
      const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
      throw new CodecError('CODEC_CRC_MISMATCH', 'dsmr', `telegram CRC ${hex(sent)} does not match the computed ${hex(computed)}`, bang);
    }
  }
  return { kind: 'dsmr-telegram', header, objects, crc, start, end: pos };
}
