/**
 * The text layer of a DSMR P1 telegram (DSMR 5.0.2 P1 companion standard clause 6; IEC 62056-21 mode D):
 *   /XXXZ<identification> CR LF  CR LF  { OBIS(value[*unit])(...) CR LF }  ! [CRC] CR LF
 * Values are kept exactly as sent; what they mean is readings.ts's job.
 */
import type { ObisCode } from '../obis/index.js';
import { DsmrTelegramParser } from './parser.js';

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

/**
 * Parse the first telegram in `text` (one character per byte, Latin-1) with a parser of its own, which
 * remembers nothing: readers of a stream of telegrams keep a DsmrTelegramParser instead. Anything before '/'
 * and after the '!' line is ignored. Throws CodecError: CODEC_BAD_INPUT (no '/'), CODEC_TRUNCATED (no '!'),
 * CODEC_MALFORMED (a line that is not OBIS(value)), CODEC_CRC_MISMATCH.
 */
export function parseTelegram(text: string, options: ParseTelegramOptions = {}): DsmrTelegram {
  return new DsmrTelegramParser({ memory: false }).parse(text, options);
}

/** parseTelegram over bytes as they came from the port or out of the decryption (one byte per character). */
export function parseTelegramBytes(bytes: Uint8Array, options: ParseTelegramOptions = {}): DsmrTelegram {
  return new DsmrTelegramParser({ memory: false }).parseBytes(bytes, options);
}
