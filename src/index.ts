export { type Result, ok, err } from './result.js';
export { CodecError, type CodecErrorCode, type CodecLayer, CODEC_ERROR_CODES } from './protocols/errors.js';
export type { DecodedFrame, MeterIdentity, Protocol, Reading, ReadingValue, SecurityVerdict, ValueFunction } from './protocols/reading.js';
export type { DecodeKeys, DecodeSession, FrameDecoder } from './protocols/decoder.js';
export { type ObisCode, formatObis, obisFromBytes, parseObis } from './protocols/obis/index.js';
export { CliError, type CliErrorCode } from './cli/errors.js';
