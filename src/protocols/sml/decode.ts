/** The SML pipeline: transport framing (when present), messages, their CRCs. */
import { CodecError } from '../errors.js';
import type { SmlCrcVariant } from './crc16.js';
import { type SmlMessage, type SmlMessageOptions, decodeSmlMessages } from './messages.js';
import { isSevenBit, isSmlStart, unwrapSmlFile } from './transport.js';

/** TL byte of the list of 6 that every SML message is (SML 1.04 5.1). */
const SML_MESSAGE_LIST = 0x76;

export interface SmlFile {
  readonly kind: 'sml-file';
  /** 'transport-v1': escape-framed file with its CRC; 'messages': bare messages (as some gateways log them). */
  readonly framing: 'transport-v1' | 'messages';
  readonly crc?: SmlCrcVariant;
  readonly padding?: number;
  readonly messages: readonly SmlMessage[];
}

/**
 * Decode one SML file, framed (1B1B1B1B 01010101 ...) or as bare messages (starting 76). Throws CodecError.
 * In a framed file whose CRC verified, a wrong message CRC is only reported (`message.crc === 'mismatch'`);
 * for bare messages it is the only check and `options.messageCrc` decides (strict by default).
 */
export function decodeSml(bytes: Uint8Array, options: SmlMessageOptions = {}): SmlFile {
  if (bytes.length === 0) throw new CodecError('CODEC_BAD_INPUT', 'sml', 'empty SML input');
  if (isSmlStart(bytes)) {
    const t = unwrapSmlFile(bytes);
    if (t.length !== bytes.length) throw new CodecError('CODEC_LENGTH_MISMATCH', 'sml', `${bytes.length - t.length} byte(s) after the end of the SML file`, t.length);
    return { kind: 'sml-file', framing: 'transport-v1', crc: t.crcVariant, padding: t.padding, messages: decodeSmlMessages(t.payload, { messageCrc: 'lenient' }) };
  }
  if (bytes[0] !== SML_MESSAGE_LIST) throw new CodecError('CODEC_MALFORMED', 'sml', 'neither an SML file (1B1B1B1B 01010101) nor an SML message (76)', 0);
  try {
    return { kind: 'sml-file', framing: 'messages', messages: decodeSmlMessages(bytes, options) };
  } catch (e) {
    // Bare messages have no file CRC to fail first: 7-bit bytes usually break the structure instead.
    if (e instanceof CodecError && e.code !== 'CODEC_SML_SEVEN_BIT' && isSevenBit(bytes)) {
      throw new CodecError('CODEC_SML_SEVEN_BIT', 'sml', `SML messages do not parse (${e.code}) and no byte has its top bit set: the port reads 7 data bits, set it to 8N1`, e.offset);
    }
    throw e;
  }
}
