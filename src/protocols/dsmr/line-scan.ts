/**
 * The scans of one data line "OBIS(value[*unit])(...)" (DSMR 5.0.2 P1 companion standard 6.4; IEC 62056-21
 * mode D data sets): the OBIS id up to its '(' and each parenthesised value. Pure functions over the bytes
 * of the telegram; where a scan stopped goes into a LineScan the caller owns (one per parser, no globals).
 */
import type { ObisCode } from '../obis/index.js';
import { CodecError } from '../errors.js';
import type { DsmrValue } from './telegram.js';

export const CH_SLASH = 0x2f; // '/'
export const CH_BANG = 0x21; // '!'
export const CH_OPEN = 0x28; // '('
export const CH_CLOSE = 0x29; // ')'
export const CH_STAR = 0x2a; // '*'
export const CH_CR = 0x0d;
export const CH_LF = 0x0a;
export const CH_TAB = 0x09;
export const CH_SPACE = 0x20;
const CH_DASH = 0x2d; // '-' after A
const CH_COLON = 0x3a; // ':' after B
const CH_DOT = 0x2e; // '.' after C and D
const CH_AMP = 0x26; // '&' before F (older meters)

/** Where the last scan stopped; owned by one parser and overwritten by every scan. */
export class LineScan {
  /** Offset of the '(' after the id readId read. */
  open = 0;
  /** Whether that id was already in normal form "A-B:C.D.E" (no F group, no leading zeros). */
  normal = true;
  /** Offset after the ')' of the value readValueAt read. */
  end = 0;
}

export const isSpace = (c: number): boolean => c === CH_CR || c === CH_LF || c === CH_SPACE || c === CH_TAB;

/** What encrypted P1 content may hold (the check of isP1Telegram in the DLMS module): printable ASCII, CR, LF. */
export const isP1Byte = (c: number): boolean => (c >= 0x20 && c <= 0x7e) || c === CH_CR || c === CH_LF;

export function notP1Byte(at: number): CodecError {
  return new CodecError('CODEC_MALFORMED', 'dsmr', 'telegram holds a byte that is neither printable ASCII nor CR/LF', at);
}

export function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Read an id "A-B:C.D.E[*F]" (or the short "C.D.E") from b[start] up to the '(' of its first value, in one
 * pass without a regex; len is where the text ends. Sets scan.open and scan.normal.
 */
export function readId(text: string, b: Uint8Array, start: number, len: number, scan: LineScan): ObisCode {
  let a = 0;
  let bb = 0;
  let c = 0;
  let d = 0;
  let e = 0;
  let group = 0;
  let n = -1;
  let short = false;
  let normal = true;
  for (let i = start; i < len; i++) {
    const ch = b[i]!;
    if (ch >= 0x30 && ch <= 0x39) {
      if (n === 0) normal = false; // a leading zero, as in "01-00:..."
      n = n < 0 ? ch - 0x30 : n * 10 + (ch - 0x30);
      if (n > 255) break;
      continue;
    }
    if (n < 0) break;
    switch (group) {
      case 0:
        a = n;
        if (ch === CH_DOT) short = true; // "C.D.E": the first group was C
        else if (ch !== CH_DASH) return idFailure(text, start);
        break;
      case 1:
        bb = n;
        if (short ? ch !== CH_DOT : ch !== CH_COLON) return idFailure(text, start);
        break;
      case 2:
        c = n;
        if (short ? ch !== CH_OPEN : ch !== CH_DOT) return idFailure(text, start);
        if (short) return idFound(scan, i, false, [0, 0, a, bb, c, 255]);
        break;
      case 3:
        d = n;
        if (ch !== CH_DOT) return idFailure(text, start);
        break;
      case 4:
        e = n;
        if (ch === CH_OPEN) return idFound(scan, i, normal, [a, bb, c, d, e, 255]);
        if (ch !== CH_STAR && ch !== CH_AMP) return idFailure(text, start);
        break;
      case 5:
        if (ch === CH_OPEN) return idFound(scan, i, false, [a, bb, c, d, e, n]);
        return idFailure(text, start);
    }
    group++;
    n = -1;
  }
  return idFailure(text, start);
}

function idFound(scan: LineScan, open: number, normal: boolean, code: ObisCode): ObisCode {
  scan.open = open;
  scan.normal = normal;
  return code;
}

/** The line at start holds no valid id before its '(', or no '(' at all. */
function idFailure(text: string, start: number): never {
  const open = text.indexOf('(', start);
  if (open < 0) throw new CodecError('CODEC_MALFORMED', 'dsmr', `line without a value in parentheses: ${JSON.stringify(text.slice(start, start + 24))}`, start);
  throw new CodecError('CODEC_MALFORMED', 'dsmr', `not an OBIS id: ${JSON.stringify(text.slice(start, Math.min(open, start + 24)))}`, start);
}

/** The normal form "A-B:C.D.E[*F]" of an id that was not written in it. */
export function normalForm(code: ObisCode): string {
  const base = `${code[0]}-${code[1]}:${code[2]}.${code[3]}.${code[4]}`;
  return code[5] === 255 ? base : `${base}*${code[5]}`;
}

/**
 * Read the "(...)" group whose '(' is at b[pos] and set scan.end. One scan finds the ')', the first '*', any
 * line break and (with p1Only) any byte encrypted P1 may not hold. (Taking unchanged strings over from the
 * last telegram's value was tried: comparing costs more than slicing these short strings anew.)
 */
export function readValueAt(text: string, b: Uint8Array, pos: number, len: number, scan: LineScan, p1Only: boolean): DsmrValue {
  let star = -1;
  let wrapped = false;
  let close = pos + 1;
  for (; close < len; close++) {
    const c = b[close]!;
    if (c === CH_CLOSE) break;
    if (c === CH_STAR) {
      if (star < 0) star = close;
    } else if (c < 0x20 || c > 0x7e) {
      if (c === CH_LF) wrapped = true;
      else if (p1Only && c !== CH_CR) throw notP1Byte(close);
    }
  }
  if (close >= len) throw new CodecError('CODEC_TRUNCATED', 'dsmr', 'value opened with "(" is never closed', pos);
  scan.end = close + 1;
  if (wrapped) return readWrappedValue(text, pos, close);
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
  const joined = inner.replace(/[\r\n]/g, '');
  const star = joined.indexOf('*');
  if (star < 0) return { text: joined === '' ? null : joined };
  return { text: star === 0 ? null : joined.slice(0, star), unit: joined.slice(star + 1) };
}
