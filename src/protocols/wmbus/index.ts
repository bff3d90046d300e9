export { type MeterAddress, idString, manufacturerCode } from './address.js';
export { type AflFields, type AflHeader, AFL_AUTH_TYPES, decodeAfl, verifyAflMac } from './afl.js';
export { CI } from './ci.js';
export { crc16En13757 } from './crc.js';
export { type EllEncryption, type EllHeader, type EllType, decodeEll, decryptEll, ellPayloadCrcValid } from './ell.js';
export { wmbusFrameDecoder } from './frame-decoder.js';
export { type DataLinkCrc, type LinkHeader, type NormalisedFrame, decodeLink, encodeFrameA, encodeFrameB, LINK_CONTROL, normaliseFrame } from './link.js';
export { DEVICE_TYPES, mediumName } from './medium.js';
export {
  type AflFragment,
  type AflMessage,
  type DecodeOptions,
  type MeterKey,
  type TelegramContext,
  type TelegramEffects,
  type WmbusDecoded,
  type WmbusFragmentHeld,
  type WmbusSecurity,
  type WmbusTelegram,
  decodeTelegram,
} from './pipeline.js';
export { type JsonSpan, WmbusJsonWriter, wmbusFrameJson } from './frame-json.js';
export { type WmbusFrame, type WmbusSessionOptions, toDecodedFrame, WmbusSession } from './session.js';
export { type TplHeader, type TplHeaderKind, type TplPayload, decodeTpl, decryptTpl, SECURITY_MODES } from './tpl.js';
export { type DataCoding, type DataRecord, type DataRecordKind, dataRecordHeaders, decodeCompactRecords, decodeRecords, UNDECODABLE_QUANTITY } from './records.js';
export { recordsToReadings } from './readings.js';
