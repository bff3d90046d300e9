import type { FrameDecoder } from '../protocols/decoder.js';
import type { Protocol } from '../protocols/reading.js';

/** The frame decoders `gridwarden decode` can use, by protocol. */
export const frameDecoders: Partial<Record<Protocol, FrameDecoder>> = {};
