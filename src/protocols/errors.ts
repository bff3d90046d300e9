/**
 * The one error class of the protocol codecs, with its closed set of codes.
 * A published code is never renamed or reused: retired codes are listed below and stay retired.
 */
import { CodedError } from '../coded-error.js';

export const CODEC_ERROR_CODES = {
  // --- input and framing (all protocols) ---
  CODEC_BAD_INPUT: 'input is not in the expected form (not hex, empty, odd length)',
  CODEC_TRUNCATED: 'input ends before a field that the header announces',
  CODEC_LENGTH_MISMATCH: 'a length field disagrees with the bytes present',
  CODEC_CRC_MISMATCH: 'a frame or block checksum does not match',
  CODEC_MALFORMED: 'a field holds a value the standard does not allow',
  CODEC_UNSUPPORTED: 'a valid feature that this decoder does not implement yet',
  // --- security (all protocols) ---
  CODEC_NO_KEY: 'the frame is encrypted and no key was given for it',
  CODEC_WRONG_KEY: 'decryption with the given key fails its plaintext check',
  CODEC_AUTH_FAILED: 'a MAC or authentication tag does not verify: wrong key or altered frame',
  CODEC_REPLAY: 'a message or invocation counter did not increase',
  // --- wireless M-Bus / OMS ---
  CODEC_NOT_ENCRYPTED: 'a meter with a key configured for it sent an unencrypted telegram (possible downgrade)',
  CODEC_FORMAT_UNKNOWN: 'a compact frame names a format signature not yet learnt from a full frame of that meter',
  // --- DLMS/COSEM ---
  // --- DSMR P1 ---
  // --- SML ---
  CODEC_SML_SEVEN_BIT: 'an SML file was read with 7 data bits (top bit of every byte stripped): set the port to 8N1',
} as const;

export type CodecErrorCode = keyof typeof CODEC_ERROR_CODES;

/** Codes that were published once and must not be used again. */
export const RETIRED_CODEC_ERROR_CODES: readonly string[] = [];

export type CodecLayer =
  | 'input'
  | 'link'
  | 'ell'
  | 'afl'
  | 'tpl'
  | 'records'
  | 'dlms'
  | 'axdr'
  | 'dsmr'
  | 'sml'
  | 'obis';

export class CodecError extends CodedError<CodecErrorCode> {
  override readonly name = 'CodecError';
  readonly layer: CodecLayer;
  readonly offset: number | undefined;

  constructor(code: CodecErrorCode, layer: CodecLayer, message: string, offset?: number) {
    super(code, message);
    this.layer = layer;
    this.offset = offset;
  }

  override toJSON(): { code: CodecErrorCode; layer: CodecLayer; message: string; offset?: number } {
    return this.offset === undefined
      ? { code: this.code, layer: this.layer, message: this.message }
      : { code: this.code, layer: this.layer, message: this.message, offset: this.offset };
  }
}

export const isCodecError = (e: unknown): e is CodecError => e instanceof CodecError;
