import type { FrameDecoder } from '../protocols/decoder.js';
import { dlmsFrameDecoder } from '../protocols/dlms/frame-decoder.js';
import { dsmrFrameDecoder } from '../protocols/dsmr/frame-decoder.js';
import type { Protocol } from '../protocols/reading.js';
import { smlFrameDecoder } from '../protocols/sml/frame-decoder.js';
import { wmbusFrameDecoder } from '../protocols/wmbus/frame-decoder.js';

/** The frame decoders `gridwarden decode` can use, by protocol. */
export const frameDecoders: Partial<Record<Protocol, FrameDecoder>> = {
  wmbus: wmbusFrameDecoder,
  dlms: dlmsFrameDecoder,
  dsmr: dsmrFrameDecoder,
  sml: smlFrameDecoder,
};
