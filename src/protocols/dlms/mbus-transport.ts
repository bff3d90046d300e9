import { ByteReader } from '../bytes.js';
import { CodecError } from '../errors.js';

/**
 * DLMS over a wired M-Bus customer interface (Austrian meters, e.g. the Kaifa push of the Tirol vector): a
 * long APDU is cut into EN 13757-2 long frames `68 L L 68 C A CI STSAP DTSAP <segment> CS 16`. The CI field
 * of IEC 62056-7-6 carries the segment number in bits 0-3 and "last segment" in bit 4.
 */

const FRAME = { start: 0x68, stop: 0x16 } as const; // EN 13757-2 5.4 long frame
const CI_SEQUENCE_MASK = 0x0f;
const CI_LAST_SEGMENT = 0x10;
const CI_RESERVED = 0xe0;
/** C, A, CI, STSAP, DTSAP before the segment. */
const HEADER_FIELDS = 5;

export interface MbusSegments {
  readonly control: number;
  readonly address: number;
  readonly stsap: number;
  readonly dtsap: number;
  readonly segments: number;
  /** The reassembled APDU. */
  readonly apdu: Uint8Array;
}

/** Whether the bytes open with an M-Bus long-frame header (68 L L 68). */
export const isMbusLongFrame = (b: Uint8Array): boolean => b.length >= 4 && b[0] === FRAME.start && b[3] === FRAME.start && b[1] === b[2];

/** Reassemble the APDU from consecutive long frames; throws CodecError on a broken or incomplete stream. */
export function reassembleMbusSegments(bytes: Uint8Array): MbusSegments {
  const r = new ByteReader(bytes, 'link');
  const parts: Uint8Array[] = [];
  let head: { control: number; address: number; stsap: number; dtsap: number } | undefined;
  for (let expected = 0; ; expected++) {
    const at = r.offset;
    const start = r.u8('frame start');
    const l1 = r.u8('L field');
    const l2 = r.u8('L field');
    const start2 = r.u8('frame start');
    if (start !== FRAME.start || start2 !== FRAME.start) throw new CodecError('CODEC_MALFORMED', 'link', 'not an M-Bus long frame (68 L L 68)', at);
    if (l1 !== l2) throw new CodecError('CODEC_MALFORMED', 'link', `L fields differ (${l1} / ${l2})`, at + 1);
    if (l1 < HEADER_FIELDS) throw new CodecError('CODEC_MALFORMED', 'link', `L field ${l1} is too short for a DLMS segment`, at + 1);
    const body = r.bytesView(l1, 'frame body');
    const cs = r.u8('checksum');
    let sum = 0;
    for (const b of body) sum = (sum + b) & 0xff;
    if (sum !== cs) throw new CodecError('CODEC_CRC_MISMATCH', 'link', 'M-Bus long-frame checksum does not match', at + 4 + l1);
    if (r.u8('frame stop') !== FRAME.stop) throw new CodecError('CODEC_MALFORMED', 'link', 'M-Bus long frame does not end with 16', r.offset - 1);
    const ci = body[2]!;
    if ((ci & CI_RESERVED) !== 0) throw new CodecError('CODEC_UNSUPPORTED', 'link', `CI 0x${ci.toString(16)} is not a DLMS segment`, at + 6);
    if ((ci & CI_SEQUENCE_MASK) !== (expected & CI_SEQUENCE_MASK)) {
      throw new CodecError('CODEC_MALFORMED', 'link', `segment ${ci & CI_SEQUENCE_MASK} where ${expected & CI_SEQUENCE_MASK} was due`, at + 6);
    }
    head ??= { control: body[0]!, address: body[1]!, stsap: body[3]!, dtsap: body[4]! };
    parts.push(body.subarray(HEADER_FIELDS));
    if ((ci & CI_LAST_SEGMENT) !== 0) {
      if (r.remaining > 0) throw new CodecError('CODEC_LENGTH_MISMATCH', 'link', `${r.remaining} byte(s) after the last segment`, r.offset);
      break;
    }
    if (r.remaining === 0) throw new CodecError('CODEC_TRUNCATED', 'link', 'the stream ends before the last segment', r.offset);
  }
  const apdu = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    apdu.set(p, off);
    off += p.length;
  }
  return { ...head!, segments: parts.length, apdu };
}
