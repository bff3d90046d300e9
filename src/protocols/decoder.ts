import type { DecodedFrame, Protocol } from './reading.js';

/** Keys given to a decode: one key for all, and per meter id (wM-Bus) or system title (DLMS), uppercase hex. */
export interface DecodeKeys {
  /** Encryption key (`--key`). */
  readonly key?: Uint8Array;
  /** DLMS authentication key (`--ak`). */
  readonly ak?: Uint8Array;
  readonly byId?: ReadonlyMap<string, Uint8Array>;
}

/** A decoding session: it remembers counters (replay), compact-frame formats and open fragments. */
export interface DecodeSession {
  /** Decode one frame given as text (hex for binary protocols, the telegram text for DSMR). Throws CodecError. */
  decode(frame: string): DecodedFrame;
  /** The same frame as JSON text, identical to JSON.stringify(decode(frame)), where a faster writer exists. */
  decodeJson?(frame: string): string;
}

/** What each protocol offers the `decode` command. */
export interface FrameDecoder {
  readonly protocol: Protocol;
  /** Split the content of a file or stdin into frames, in order. */
  split(text: string): string[];
  /** Whether a frame looks like this protocol (for the default protocol guess). */
  sniff(frame: string): boolean;
  session(keys: DecodeKeys): DecodeSession;
}
