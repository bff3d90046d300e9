export { crc16Arc, crc16ArcLatin1 } from './crc16-arc.js';
export {
  type DecryptP1Options,
  type EncryptedP1,
  GENERAL_GLO_CIPHERING,
  type GeneralGloDecipher,
  type P1Content,
  type P1Keys,
  decryptP1,
  EncryptedP1Decoder,
  generalGloFrameLength,
  isEncryptedP1,
} from './encrypted.js';
export { DsmrSession, dsmrFrameDecoder, splitDsmr } from './frame-decoder.js';
export { MBUS_DEVICE_TYPE, dsmrQuantity } from './quantities.js';
export { type DsmrParserOptions, DsmrTelegramParser } from './parser.js';
export { type DsmrContent, type MaxDemandEntry, type MbusDevice, type PowerFailure, decodeHexText, interpretTelegram } from './readings.js';
export { type DsmrStreamEvent, type DsmrStreamOptions, DsmrStreamReader, type P1Encryption } from './stream.js';
export {
  type DsmrCrc,
  type DsmrHeader,
  type DsmrObject,
  type DsmrTelegram,
  type DsmrValue,
  type ParseTelegramOptions,
  parseTelegram,
  parseTelegramBytes,
} from './telegram.js';
export { type DsmrTimestamp, isEuSummerTime, looksLikeTimestamp, parseDsmrTimestamp } from './timestamp.js';
