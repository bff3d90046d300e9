/**
 * The text layer of a DSMR P1 telegram (DSMR 5.0.2 P1 companion standard clause 6; IEC 62056-21 mode D):
 *   /XXXZ<identification> CR LF  CR LF  { OBIS(value[*unit])(...) CR LF }  ! [CRC] CR LF
 * Values are kept exactly as sent; what they mean is readings.ts's job.
 */
import type { ObisCode } from '../obis/index.js';
import { CodecError } from '../errors.js';
import { crc16ArcLatin1 } from './crc16-arc.js';

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

/**
 * Parse an id "A-B:C.D.E[*F]" (or the short "C.D.E") in text[start, end) without a regex or allocations
 * besides the result: this runs once per line and is the hot path of the parser.
 */
function parseId(text: string, start: number, end: number): ObisCode {
  // Separators expected before groups B..F of the full form; the short form has only '.' '.'.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let e = 0;
  let f = 255;
  let group = 0;
  let n = -1;
  let short = false;
  for (let i = start; i <= end; i++) {
    const ch = i < end ? text.charCodeAt(i) : -1;
    if (ch >= 0x30 && ch <= 0x39) {
      n = n < 0 ? ch - 0x30 : n * 10 + (ch - 0x30);
      if (n > 255) break;
      continue;
    }
    if (n < 0) break;
    switch (group) {
      case 0:
        a = n;
        if (ch === 0x2e) short = true; // "C.D.E": the first group was C
        else if (ch !== 0x2d) return badId(text, start, end); // '-'
        break;
      case 1:
        b = n;
        if (short ? ch !== 0x2e : ch !== 0x3a) return badId(text, start, end); // '.' or ':'
        break;
      case 2:
        c = n;
        if (short ? ch !== -1 : ch !== 0x2e) return badId(text, start, end);
        if (short) return [0, 0, a, b, c, 255];
        break;
      case 3:
        d = n;
        if (ch !== 0x2e) return badId(text, start, end);
        break;
      case 4:
        e = n;
        if (ch === -1) return [a, b, c, d, e, 255];
        if (ch !== 0x2a && ch !== 0x26) return badId(text, start, end); // '*' or '&'
        break;
      case 5:
        f = n;
        if (ch === -1) return [a, b, c, d, e, f];
        return badId(text, start, end);
    }
    group++;
    n = -1;
  }
  return badId(text, start, end);
}

function badId(text: string, start: number, end: number): never {
  throw new CodecError('CODEC_MALFORMED', 'dsmr', `not an OBIS id: ${JSON.stringify(text.slice(start, Math.min(end, start + 24)))}`, start);
}

function parseHeader(text: string, start: number, end: number): DsmrHeader {
  const line = text.slice(start + 1, end);
  if (line.length < 4 || !/^[A-Za-z]{3}$/.test(line.slice(0, 3))) {
    throw new CodecError('CODEC_MALFORMED', 'dsmr', 'header line must be "/" + 3-letter manufacturer flag + baud rate character + identification', start);
  }
  return { text: line, manufacturer: line.slice(0, 3), baudRate: line.charAt(3), identification: line.slice(4) };
}

/** Read the value "(...)" whose '(' is at text[pos] and whose ')' is at close. A value may wrap over lines. */
function readValue(text: string, pos: number, close: number): DsmrValue {
  const lineEnd = text.indexOf('\n', pos);
  if (lineEnd >= 0 && lineEnd < close) {
    // Long text messages (0-0:96.13.0) wrap over lines; the line break is not part of the value. Anything
    // else spanning lines is a '(' that was never closed.
    const inner = text.slice(pos + 1, close);
    if (inner.indexOf('(') >= 0 || inner.indexOf('!') >= 0) {
      throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'value opened with "(" is not closed on its line', pos);
    }
    return splitUnit(inner.replace(/[\r\n]/g, ''));
  }
  const star = text.indexOf('*', pos + 1);
  if (star < 0 || star > close) return { text: close === pos + 1 ? null : text.slice(pos + 1, close) };
  return { text: star === pos + 1 ? null : text.slice(pos + 1, star), unit: text.slice(star + 1, close) };
}

function splitUnit(inner: string): DsmrValue {
  const star = inner.indexOf('*');
  if (star < 0) return { text: inner === '' ? null : inner };
  return { text: star === 0 ? null : inner.slice(0, star), unit: inner.slice(star + 1) };
}

/** Read consecutive "(...)" groups from text[pos] into values; returns the offset after the last ')'. */
function readValues(text: string, pos: number, values: DsmrValue[]): number {
  while (text.charCodeAt(pos) === CH_OPEN) {
    const close = text.indexOf(')', pos + 1);
    if (close < 0) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'value opened with "(" is never closed', pos);
    values.push(readValue(text, pos, close));
    pos = close + 1;
  }
  return pos;
}

/** The normalised form of an id, reusing the text when it is already normal (the usual case). */
function normalise(id: string, code: ObisCode): string {
  let normal = id.charCodeAt(1) === 0x2d || id.charCodeAt(2) === 0x2d || id.charCodeAt(3) === 0x2d; // full form "A-B:..."
  for (let i = 0; normal && i < id.length; i++) {
    const ch = id.charCodeAt(i);
    // An F group, or a leading zero ("01-00:..."), needs rewriting.
    if (ch === 0x2a || ch === 0x26) normal = false;
    else if (ch === 0x30 && (i === 0 || !isDigitCode(id.charCodeAt(i - 1))) && isDigitCode(id.charCodeAt(i + 1))) normal = false;
  }
  if (normal) return id;
  const base = `${code[0]}-${code[1]}:${code[2]}.${code[3]}.${code[4]}`;
  return code[5] === 255 ? base : `${base}*${code[5]}`;
}

const isDigitCode = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Parse the first telegram in `text` (one character per byte, Latin-1). Anything before '/' and after the
 * '!' line is ignored. Throws CodecError: CODEC_BAD_INPUT (no '/'), CODEC_TRUNCATED (no '!'),
 * CODEC_MALFORMED (a line that is not OBIS(value)), CODEC_CRC_MISMATCH.
 */
export function parseTelegram(text: string, options: ParseTelegramOptions = {}): DsmrTelegram {
  const start = text.indexOf('/');
  if (start < 0) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'no "/" that starts a DSMR telegram');
  const headerEnd = text.indexOf('\n', start);
  if (headerEnd < 0) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends within its header line', start);
  const header = parseHeader(text, start, text.charCodeAt(headerEnd - 1) === CH_CR ? headerEnd - 1 : headerEnd);

  const objects: DsmrObject[] = [];
  let values: DsmrValue[] = [];
  const len = text.length;
  let pos = headerEnd + 1;
  for (;;) {
    while (pos < len && isSpace(text.charCodeAt(pos))) pos++;
    if (pos >= len) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram ends without the closing "!" line', pos);
    const c = text.charCodeAt(pos);
    if (c === CH_BANG) break;
    if (c === CH_OPEN) {
      // A value on a line of its own continues the previous object (DSMR 2.2/3 gas: 0-1:24.3.0 ... (m3) CR LF (00001.001)).
      if (objects.length === 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', 'value line before any OBIS id', pos);
      pos = readValues(text, pos, values);
      continue;
    }
    if (c === CH_SLASH) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'a new telegram starts before this one ended with "!"', pos);
    // parseId accepts only digits and separators, so a '(' found on a later line fails there as MALFORMED.
    const open = text.indexOf('(', pos);
    if (open < 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', `line without a value in parentheses: ${JSON.stringify(text.slice(pos, pos + 24))}`, pos);
    const code = parseId(text, pos, open);
    const id = text.slice(pos, open);
    values = [];
    objects.push({ id, obis: normalise(id, code), code, values, offset: pos });
    pos = readValues(text, open, values);
  }

  const bang = pos;
  pos++;
  let sent = 0;
  let digits = 0;
  while (digits < 4 && pos < len) {
    const h = hexDigit(text.charCodeAt(pos));
    if (h < 0) break;
    sent = (sent << 4) | h;
    digits++;
    pos++;
  }
  if (pos < len && !isSpace(text.charCodeAt(pos))) {
    throw new CodecError('CODEC_MALFORMED', 'dsmr', 'the "!" line holds something other than a CRC of up to 4 hex digits', pos);
  }
  if (text.charCodeAt(pos) === CH_CR) pos++;
  if (text.charCodeAt(pos) === CH_LF) pos++;

  let crc: DsmrCrc;
  if (digits === 0) {
    const version = objects.find((o) => o.obis === VERSION_OBIS)?.values[0]?.text;
    if (version != null && Number(version) >= FIRST_VERSION_WITH_CRC && options.crc !== 'lenient') {
      throw new CodecError('CODEC_MALFORMED', 'dsmr', `P1 version ${version} telegram without the CRC that DSMR 4.0 and later require`, bang);
    }
    crc = { kind: 'absent' };
  } else {
    const computed = crc16ArcLatin1(text, start, bang + 1);
    if (computed < 0) throw new CodecError('CODEC_BAD_INPUT', 'dsmr', 'telegram holds characters outside Latin-1: read it as bytes, not as UTF-8 text', start);
    if (computed === sent) crc = { kind: 'valid', value: sent };
    else if (options.crc === 'lenient') crc = { kind: 'mismatch', sent, computed };
    else {
      const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
      throw new CodecError('CODEC_CRC_MISMATCH', 'dsmr', `telegram CRC ${hex(sent)} does not match the computed ${hex(computed)}`, bang);
    }
  }
  return { kind: 'dsmr-telegram', header, objects, crc, start, end: pos };
}
