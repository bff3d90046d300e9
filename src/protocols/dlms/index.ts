export { APDU_TAG, CIPHERED_SERVICE_TAGS, type CipheredServiceTag, type KeyScope, cipheredServiceOf, isPlainApduTag } from './apdu-tags.js';
export {
  type CipherKeys,
  type CipheredApdu,
  type CipheredForm,
  type DecipherOptions,
  type DecipheredApdu,
  type EncipherParams,
  type GeneralGloPlaintext,
  SECURITY_CONTROL,
  SYSTEM_TITLE_LENGTH,
  type SecurityControl,
  decipherApdu,
  decipherGeneralGlo,
  decodeCipheredApdu,
  decodeSecurityControl,
  encipherApdu,
  type GeneralGloContentCheck,
  isCipheredTag,
  isP1Telegram,
  suite0Aad,
} from './ciphering.js';
export { readAxdrLength, writeAxdrLength } from './length.js';
export { type CounterKeyId, type CounterSnapshot, counterKeyId, InvocationCounterTracker } from './counters.js';
export {
  clientHlsResponse,
  HLS_GMAC_SECURITY_CONTROL,
  type HlsGmacParams,
  type HlsGmacVerified,
  hlsGmacResponse,
  serverHlsResponse,
  verifyHlsGmac,
} from './hls-gmac.js';
export { type AxdrOptions, type AxdrValue, DATA_TAG, DEFAULT_MAX_DEPTH, decodeAxdr, type IntegerKind, readAxdrData } from './axdr.js';
export {
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
  cosemDateTimeToIso,
  decodeCosemDateTime,
  parseCosemDate,
  parseCosemDateTime,
  parseCosemTime,
} from './date-time.js';
export { type AccessSelection, type Apdu, type ApduKind, type AttributeDescriptor, DATA_ACCESS_RESULT, decodeApdu, type GetDataResult } from './apdu.js';
export { DLMS_UNITS, type DlmsUnit, UNIT_COUNT, UNIT_OTHER } from './units.js';
export { type CaptureObject, type ReadingOptions, readingsFromApdu, readingsFromData } from './readings.js';
export { DlmsDecodeSession, type DlmsSessionOptions, dlmsFrameDecoder } from './frame-decoder.js';
export { isMbusLongFrame, type MbusSegments, reassembleMbusSegments } from './mbus-transport.js';
