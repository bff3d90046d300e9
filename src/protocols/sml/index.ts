export { type SmlCrcVariant, crc16Kermit, crc16X25, matchCrc } from './crc16.js';
export { type SmlFile, decodeSml } from './decode.js';
export { smlFrameDecoder, splitSml } from './frame-decoder.js';
export {
  SML_MESSAGE_TAG,
  type SmlBody,
  type SmlListEntry,
  type SmlMessage,
  type SmlMessageOptions,
  type SmlPeriodEntry,
  type SmlTime,
  type SmlValue,
  decodeSmlMessages,
  smlTime,
} from './messages.js';
export { type SmlContent, scaled, smlReadings } from './readings.js';
export { type SmlStreamEvent, type SmlStreamOptions, SmlStreamReader } from './stream.js';
export { type SmlNode, TL_TYPE, readSmlNode } from './tl.js';
export { type SmlTransportFrame, isSevenBit, isSmlStart, unwrapSmlFile } from './transport.js';
export { DLMS_UNITS, dlmsUnit } from './units.js';
