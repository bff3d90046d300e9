/**
 * Encrypted P1 (Luxembourg smarty, Austrian meters): a DLMS general-glo-ciphering APDU
 *   DB 08 <system title 8> <A-XDR length> <SC> <IC 4> <ciphertext> [<tag 12>]
 * (IEC 62056-5-3 9.5 general-glo-ciphering; AES-GCM-128 suite 0, AAD = SC || AK). The plaintext is a DSMR
 * text telegram, or an A-XDR data-notification on some Austrian meters.
 */
import { bytesToHex } from '../bytes.js';
import { decodeApdu } from '../dlms/apdu.js';
import { decipherGeneralGlo, type GeneralGloContentCheck, type GeneralGloPlaintext } from '../dlms/ciphering.js';
import { readingsFromApdu } from '../dlms/readings.js';
import { CodecError } from '../errors.js';
import type { Reading } from '../reading.js';
import { DsmrTelegramParser } from './parser.js';
import type { DsmrTelegram, ParseTelegramOptions } from './telegram.js';

/** general-glo-ciphering tag (Green Book 9.5, [219]). */
export const GENERAL_GLO_CIPHERING = 0xdb;
/** Length of the system title that follows the tag; the length byte itself is 0x08. */
const SYSTEM_TITLE_LENGTH = 8;
/** Tag, system-title length, system title: the bytes before the A-XDR length. */
const HEAD = 2 + SYSTEM_TITLE_LENGTH;
const SLASH = 0x2f;
/** Security control bit 4: authenticated (Green Book 9.2.7.2.3). */
const SC_AUTHENTICATION = 0x10;

export interface P1Keys {
  /** Encryption key (global unicast key, 16 bytes). */
  readonly ek: Uint8Array;
  /** Authentication key (AAD = SC || AK), needed when the security control byte says authenticated (0x30). */
  readonly ak?: Uint8Array;
}

/**
 * A deciphering function. `check` 'p1-by-caller' says the caller checks the bytes of a P1 telegram itself
 * (the DLMS module's check of them may be left out); a function that ignores it is fine too.
 */
export type GeneralGloDecipher = (frame: Uint8Array, keys: { ek: Uint8Array; ak?: Uint8Array }, check?: GeneralGloContentCheck) => GeneralGloPlaintext;

export interface DecryptP1Options extends ParseTelegramOptions {
  /** The deciphering function; the DLMS module's by default (a seam for tests and other back ends). */
  readonly decipher?: GeneralGloDecipher;
}

/** What an encrypted P1 frame carries: a DSMR text telegram, or an xDLMS APDU (Austrian data-notifications). */
export type P1Content =
  | { readonly kind: 'telegram'; readonly telegram: DsmrTelegram }
  /** Read by the DLMS module: `apdu` is its APDU kind ("data-notification"), readings as it found them. */
  | { readonly kind: 'dlms-apdu'; readonly apdu: string; readonly readings: readonly Reading[] };

export interface EncryptedP1 {
  readonly kind: 'dsmr-encrypted';
  /** Meter's system title, uppercase hex. */
  readonly systemTitle: string;
  readonly invocationCounter: number;
  readonly securityControl: number;
  readonly authenticated: boolean;
  readonly content: P1Content;
}

/**
 * Total length of the general-glo-ciphering frame that starts at bytes[offset]: a number when the header is
 * complete, 'more' when more bytes are needed to tell, 'not-a-frame' when these bytes cannot start one.
 */
export function generalGloFrameLength(bytes: Uint8Array, offset = 0, end = bytes.length): number | 'more' | 'not-a-frame' {
  if (offset >= end) return 'more';
  if (bytes[offset] !== GENERAL_GLO_CIPHERING) return 'not-a-frame';
  if (offset + 1 >= end) return 'more';
  if (bytes[offset + 1] !== SYSTEM_TITLE_LENGTH) return 'not-a-frame';
  const at = offset + HEAD;
  if (at >= end) return 'more';
  const first = bytes[at]!;
  if (first < 0x80) return HEAD + 1 + first;
  const size = first & 0x7f;
  if (size === 0 || size > 2) return 'not-a-frame';
  if (at + size >= end) return 'more';
  let n = 0;
  for (let i = 1; i <= size; i++) n = (n << 8) | bytes[at + i]!;
  return HEAD + 1 + size + n;
}

/** Whether bytes look like an encrypted P1 frame (tag and system-title length). */
export const isEncryptedP1 = (bytes: Uint8Array): boolean => bytes[0] === GENERAL_GLO_CIPHERING && bytes[1] === SYSTEM_TITLE_LENGTH;

/**
 * Decrypts and parses the encrypted P1 frames of one port (one meter). It owns a telegram parser, whose memory
 * of the last telegram serves the next one, and the hex form of the last system title.
 */
export class EncryptedP1Decoder {
  private readonly parser: DsmrTelegramParser;
  private readonly lastTitle = new Uint8Array(SYSTEM_TITLE_LENGTH);
  private lastTitleHex = '';

  constructor(options: { readonly memory?: boolean } = {}) {
    // Decrypted P1 content holds printable ASCII, CR and LF only: the parser checks that in its own scan.
    this.parser = new DsmrTelegramParser({ p1BytesOnly: true, memory: options.memory ?? true });
  }

  /**
   * Decrypt and parse one encrypted P1 frame. Throws CodecError: CODEC_NO_KEY without keys, CODEC_AUTH_FAILED
   * when the GCM tag fails (wrong key or altered frame), CODEC_WRONG_KEY when an unauthenticated plaintext does
   * not parse, and the content's own errors (the telegram CRC included).
   */
  decrypt(frame: Uint8Array, keys: P1Keys | undefined, options: DecryptP1Options = {}): EncryptedP1 {
    const length = generalGloFrameLength(frame);
    if (length === 'not-a-frame') throw new CodecError('CODEC_MALFORMED', 'dsmr', 'not an encrypted P1 frame (general-glo-ciphering DB 08 ...)', 0);
    if (length === 'more' || frame.length < length) {
      throw new CodecError('CODEC_TRUNCATED', 'dsmr', `encrypted P1 frame needs ${length === 'more' ? 'a complete header' : `${length} bytes`}, got ${frame.length}`, frame.length);
    }
    if (frame.length > length) throw new CodecError('CODEC_LENGTH_MISMATCH', 'dsmr', `encrypted P1 frame announces ${length} bytes but ${frame.length} are present`, length);
    if (keys === undefined) throw new CodecError('CODEC_NO_KEY', 'dsmr', 'encrypted P1 frame and no key given for it');
    const d = (options.decipher ?? decipherGeneralGlo)(frame, keys, 'p1-by-caller');
    const authenticated = (d.securityControl & SC_AUTHENTICATION) !== 0;
    let content: P1Content;
    try {
      content = this.readContent(d.plaintext, options);
    } catch (e) {
      // Without a tag, content that does not parse is what a wrong key produces too.
      if (!authenticated && e instanceof CodecError && e.code !== 'CODEC_CRC_MISMATCH') {
        throw new CodecError('CODEC_WRONG_KEY', 'dsmr', `decrypted P1 content does not parse (${e.code}): wrong key?`);
      }
      throw e;
    }
    return {
      kind: 'dsmr-encrypted',
      systemTitle: this.titleHex(d.systemTitle),
      invocationCounter: d.invocationCounter,
      securityControl: d.securityControl,
      authenticated,
      content,
    };
  }

  /** The hex form of a system title: a port hears one meter, so it is nearly always the last one. */
  private titleHex(title: Uint8Array): string {
    const last = this.lastTitle;
    let same = this.lastTitleHex !== '' && title.length === SYSTEM_TITLE_LENGTH;
    for (let i = 0; i < SYSTEM_TITLE_LENGTH && same; i++) same = last[i] === title[i];
    if (same) return this.lastTitleHex;
    const hex = bytesToHex(title);
    if (title.length === SYSTEM_TITLE_LENGTH) {
      last.set(title);
      this.lastTitleHex = hex;
    }
    return hex;
  }

  private readContent(plaintext: Uint8Array, options: ParseTelegramOptions): P1Content {
    if (plaintext[0] === SLASH) {
      return { kind: 'telegram', telegram: this.parser.parseBytes(plaintext, options) };
    }
    // Not a telegram: an xDLMS APDU, which the DLMS module reads (it rejects what is neither).
    const apdu = decodeApdu(plaintext);
    return { kind: 'dlms-apdu', apdu: apdu.kind, readings: readingsFromApdu(apdu) };
  }
}

/** Decrypt and parse one encrypted P1 frame on its own (EncryptedP1Decoder.decrypt with nothing remembered). */
export function decryptP1(frame: Uint8Array, keys: P1Keys | undefined, options: DecryptP1Options = {}): EncryptedP1 {
  return new EncryptedP1Decoder({ memory: false }).decrypt(frame, keys, options);
}
