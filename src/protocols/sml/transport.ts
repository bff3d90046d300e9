/**
 * SML transport protocol version 1 (SML 1.04 clause 8): a file is framed as
 *   1B1B1B1B 01010101 <messages, 00-padded to a multiple of 4> 1B1B1B1B 1A <pad count> <CRC-16, 2 bytes>
 * and a 1B1B1B1B inside the messages is sent twice. The sequences sit on 4-byte boundaries.
 */
import { CodecError } from '../errors.js';
import { type SmlCrcVariant, matchCrc } from './crc16.js';

/** Escape sequence (0x1B x 4), start (0x01 x 4) and the end marker 0x1A (SML 1.04 8.1). */
export const ESCAPE = 0x1b;
export const START_BYTE = 0x01;
export const END_MARK = 0x1a;
const BLOCK = 4;
/** Escape + start. */
export const START_LENGTH = 8;

export interface SmlTransportFrame {
  /** The messages, unescaped and without the padding. */
  readonly payload: Uint8Array;
  readonly padding: number;
  readonly crcVariant: SmlCrcVariant;
  /** Length of the whole file on the wire. */
  readonly length: number;
}

const isEscape = (b: Uint8Array, at: number): boolean => b[at] === ESCAPE && b[at + 1] === ESCAPE && b[at + 2] === ESCAPE && b[at + 3] === ESCAPE;
const isStart = (b: Uint8Array, at: number): boolean =>
  b[at] === START_BYTE && b[at + 1] === START_BYTE && b[at + 2] === START_BYTE && b[at + 3] === START_BYTE;

/** Whether bytes[at] starts an SML file (escape + start sequence). */
export const isSmlStart = (b: Uint8Array, at = 0): boolean => at + START_LENGTH <= b.length && isEscape(b, at) && isStart(b, at + BLOCK);

/**
 * What a port set to 7 data bits delivers: no byte has its top bit set, and 7F bytes appear where SML has FF
 * (the F group of OBIS names ends nearly every entry with FF). Both are required, so that a short message
 * that merely has no high byte is not taken for one.
 */
export function isSevenBit(bytes: Uint8Array): boolean {
  let masked = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b > 0x7f) return false;
    if (b === 0x7f) masked = true;
  }
  return masked;
}

/** The error for a checksum that fails: its own code when the bytes were read with 7 data bits. */
export function crcError(bytes: Uint8Array, what: string, offset: number): CodecError {
  return isSevenBit(bytes)
    ? new CodecError('CODEC_SML_SEVEN_BIT', 'sml', `${what} fails, no byte has its top bit set and 7F stands where FF belongs: the port reads 7 data bits, set it to 8N1`, offset)
    : new CodecError('CODEC_CRC_MISMATCH', 'sml', `${what} does not match (neither X.25 nor Kermit)`, offset);
}

/**
 * Unwrap one SML file starting at bytes[0]. Throws CodecError: CODEC_MALFORMED (no start, unknown escape,
 * bad padding), CODEC_TRUNCATED (no end sequence), CODEC_CRC_MISMATCH / CODEC_SML_SEVEN_BIT.
 */
export function unwrapSmlFile(bytes: Uint8Array): SmlTransportFrame {
  if (!isSmlStart(bytes)) throw new CodecError('CODEC_MALFORMED', 'sml', 'SML file must start with 1B1B1B1B 01010101', 0);
  let parts: Uint8Array[] | undefined;
  let from = START_LENGTH;
  for (let at = START_LENGTH; at + BLOCK <= bytes.length; at += BLOCK) {
    if (!isEscape(bytes, at)) continue;
    if (at + 2 * BLOCK > bytes.length) break;
    const next = at + BLOCK;
    if (isEscape(bytes, next)) {
      // Escaped 1B1B1B1B: keep one copy.
      parts ??= [];
      parts.push(bytes.subarray(from, next));
      from = next + BLOCK;
      at = next;
      continue;
    }
    if (bytes[next] === END_MARK) {
      const padding = bytes[next + 1]!;
      const length = next + BLOCK;
      const field = (bytes[next + 2]! << 8) | bytes[next + 3]!;
      const crcVariant = matchCrc(field, bytes, 0, next + 2);
      if (crcVariant === undefined) throw crcError(bytes.subarray(0, length), 'SML file CRC', next + 2);
      const body = parts === undefined ? bytes.subarray(from, at) : concat([...parts, bytes.subarray(from, at)]);
      // SML 1.04 pads to a multiple of 4 (0..3 bytes); some meters (DZG) add a whole block of 4: accept any 00s.
      if (padding > body.length) throw new CodecError('CODEC_MALFORMED', 'sml', `padding count ${padding} exceeds the content`, next + 1);
      for (let i = body.length - padding; i < body.length; i++) {
        if (body[i] !== 0) throw new CodecError('CODEC_MALFORMED', 'sml', 'padding bytes before the end sequence are not 00', at - padding);
      }
      return { payload: body.subarray(0, body.length - padding), padding, crcVariant, length };
    }
    if (isStart(bytes, next)) throw new CodecError('CODEC_MALFORMED', 'sml', 'a new start sequence inside the file: the file is cut off', at);
    throw new CodecError('CODEC_MALFORMED', 'sml', `unknown escape sequence 1B1B1B1B ${bytes[next]!.toString(16).padStart(2, '0').toUpperCase()}..`, at);
  }
  throw misalignedEnd(bytes) ?? new CodecError('CODEC_TRUNCATED', 'sml', 'SML file ends without its end sequence 1B1B1B1B 1A', bytes.length);
}

/**
 * An end sequence closing the input off a 4-byte boundary means bytes were lost or inserted on the way:
 * report it through the file CRC (which then fails) rather than as a cut-off file.
 */
function misalignedEnd(bytes: Uint8Array): CodecError | undefined {
  const at = bytes.length - 2 * BLOCK;
  if (at < START_LENGTH || at % BLOCK === 0 || !isEscape(bytes, at) || bytes[at + BLOCK] !== END_MARK) return undefined;
  const field = (bytes[at + 6]! << 8) | bytes[at + 7]!;
  if (matchCrc(field, bytes, 0, at + 6) === undefined) return crcError(bytes, 'SML file CRC', at + 6);
  return new CodecError('CODEC_MALFORMED', 'sml', 'the end sequence is not on a 4-byte boundary', at);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
