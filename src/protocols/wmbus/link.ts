import { CodecError } from '../errors.js';
import { type MeterAddress, readAddressMFirst } from './address.js';
import { crc16En13757 } from './crc.js';

/**
 * Data link layer of wireless M-Bus (EN 13757-4): L, C, M, A, and the block CRCs of frame
 * formats A and B, which are checked and removed before any other layer reads the frame.
 */

/** C field values (EN 13757-4 / EN 13757-2). */
export const LINK_CONTROL: ReadonlyMap<number, string> = new Map([
  [0x00, 'ACK'],
  [0x01, 'NACK'],
  [0x06, 'CNF_IR'],
  [0x08, 'RSP_UD'],
  [0x18, 'RSP_UD (ACD)'],
  [0x28, 'RSP_UD (DFC)'],
  [0x38, 'RSP_UD (ACD, DFC)'],
  [0x40, 'SND_NKE'],
  [0x43, 'SND_UD2'],
  [0x44, 'SND_NR'],
  [0x46, 'SND_IR'],
  [0x47, 'ACC_NR'],
  [0x48, 'ACC_DMD'],
  [0x53, 'SND_UD'],
  [0x5a, 'REQ_UD1'],
  [0x5b, 'REQ_UD2'],
  [0x73, 'SND_UD (FCB)'],
  [0x7a, 'REQ_UD1 (FCB)'],
  [0x7b, 'REQ_UD2 (FCB)'],
]);

export type DataLinkCrc = 'none' | 'frame-a' | 'frame-b';

export interface LinkHeader extends MeterAddress {
  readonly kind: 'link';
  /** L field as received (frame B counts its CRC bytes, frame A does not). */
  readonly lField: number;
  readonly control: number;
  readonly controlName: string;
  readonly dllCrc: DataLinkCrc;
}

/** L, C, M(2), A(6): the first block of every frame. */
export const LINK_HEADER_SIZE = 10;
const CRC_SIZE = 2;
/** Frame A: the first block holds 10 bytes, the following ones 16 (EN 13757-4 frame format A). */
const FRAME_A_BLOCK = 16;
/** Frame B: block 2 ends at byte 126 of the frame (128 with its CRC), block 3 carries the rest. */
const FRAME_B_FIRST_SPAN = 126;

export interface NormalisedFrame {
  /** The frame without CRCs (L rewritten to the count of bytes that follow it), plus any bytes after its end. */
  readonly bytes: Uint8Array;
  /** Where the frame ends as its L field says (or where the input ends, when that is sooner). */
  readonly end: number;
  readonly lField: number;
  readonly dllCrc: DataLinkCrc;
  readonly warnings: readonly string[];
}

const crcAt = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/** Length of a frame-A frame (with CRCs) whose L field is `l`. */
function frameALength(l: number): number {
  const rest = l - (LINK_HEADER_SIZE - 1);
  return 1 + l + CRC_SIZE * (1 + Math.ceil(Math.max(rest, 0) / FRAME_A_BLOCK));
}

function stripFrameA(raw: Uint8Array, l: number): Uint8Array {
  const out = new Uint8Array(1 + l);
  let src = 0;
  let dst = 0;
  let block = LINK_HEADER_SIZE;
  while (dst < out.length) {
    const n = Math.min(block, out.length - dst);
    const expected = crc16En13757(raw, src, src + n);
    if (crcAt(raw, src + n) !== expected) {
      throw new CodecError('CODEC_CRC_MISMATCH', 'link', `frame A block CRC at offset ${src + n} does not match`, src + n);
    }
    out.set(raw.subarray(src, src + n), dst);
    src += n + CRC_SIZE;
    dst += n;
    block = FRAME_A_BLOCK;
  }
  return out;
}

/** Frame B CRCs are valid over the whole of `raw` (whose length L+1 includes them). */
export function frameBValid(raw: Uint8Array): boolean {
  const n = raw.length;
  if (n < LINK_HEADER_SIZE + 1 + CRC_SIZE) return false;
  if (n <= FRAME_B_FIRST_SPAN + CRC_SIZE) return crcAt(raw, n - CRC_SIZE) === crc16En13757(raw, 0, n - CRC_SIZE);
  if (n <= FRAME_B_FIRST_SPAN + 2 * CRC_SIZE) return false;
  return (
    crcAt(raw, FRAME_B_FIRST_SPAN) === crc16En13757(raw, 0, FRAME_B_FIRST_SPAN) &&
    crcAt(raw, n - CRC_SIZE) === crc16En13757(raw, FRAME_B_FIRST_SPAN + CRC_SIZE, n - CRC_SIZE)
  );
}

function stripFrameB(raw: Uint8Array): Uint8Array {
  const n = raw.length;
  let out: Uint8Array;
  if (n <= FRAME_B_FIRST_SPAN + CRC_SIZE) out = raw.slice(0, n - CRC_SIZE);
  else {
    out = new Uint8Array(n - 2 * CRC_SIZE);
    out.set(raw.subarray(0, FRAME_B_FIRST_SPAN));
    out.set(raw.subarray(FRAME_B_FIRST_SPAN + CRC_SIZE, n - CRC_SIZE), FRAME_B_FIRST_SPAN);
  }
  out[0] = out.length - 1;
  return out;
}

/**
 * Detects frame format A, frame B or a frame whose CRCs were already removed, checks and strips the CRCs.
 * Bytes past what L announces (a receiver's RSSI byte) are dropped with a warning; a frame shorter than L
 * announces is kept with a warning (the upper layers report what is missing).
 * `raw` is not modified; the result may share its memory when nothing had to change.
 */
export function normaliseFrame(raw: Uint8Array): NormalisedFrame {
  if (raw.length < LINK_HEADER_SIZE + 1) {
    throw new CodecError('CODEC_TRUNCATED', 'link', `a telegram needs at least ${LINK_HEADER_SIZE + 1} bytes, got ${raw.length}`, raw.length);
  }
  const l = raw[0]!;
  if (l < LINK_HEADER_SIZE) throw new CodecError('CODEC_LENGTH_MISMATCH', 'link', `L field ${l} is shorter than the link header`, 0);
  const n = raw.length;
  const warnings: string[] = [];

  const aLength = frameALength(l);
  if (n >= aLength && (n === aLength || crcAt(raw, LINK_HEADER_SIZE) === crc16En13757(raw, 0, LINK_HEADER_SIZE))) {
    if (n > aLength) warnings.push(`${n - aLength} byte(s) after the frame A telegram ignored`);
    const bytes = stripFrameA(raw, l);
    return { bytes, end: bytes.length, lField: l, dllCrc: 'frame-a', warnings };
  }

  let body = raw;
  if (n > l + 1) {
    warnings.push(`${n - l - 1} byte(s) after the L field's end ignored`);
    body = raw.subarray(0, l + 1);
  } else if (n < l + 1) {
    warnings.push(`L field announces ${l} byte(s) but ${n - 1} follow`);
  }
  if (n >= l + 1 && frameBValid(body)) {
    const bytes = stripFrameB(body);
    return { bytes, end: bytes.length, lField: l, dllCrc: 'frame-b', warnings };
  }
  // The bytes after L's end stay reachable: some meters send an L field that is too small.
  return { bytes: raw, end: body.length, lField: l, dllCrc: 'none', warnings };
}

/** Adds frame format A block CRCs to a frame without CRCs (L unchanged: frame A does not count them). */
export function encodeFrameA(frame: Uint8Array): Uint8Array {
  const l = frame.length - 1;
  const out = new Uint8Array(frameALength(l));
  let src = 0;
  let dst = 0;
  let block = LINK_HEADER_SIZE;
  while (src < frame.length) {
    const n = Math.min(block, frame.length - src);
    out.set(frame.subarray(src, src + n), dst);
    const crc = crc16En13757(frame, src, src + n);
    out[dst + n] = crc >>> 8;
    out[dst + n + 1] = crc & 0xff;
    src += n;
    dst += n + CRC_SIZE;
    block = FRAME_A_BLOCK;
  }
  out[0] = l;
  return out;
}

/** Adds frame format B CRCs to a frame without CRCs, with L counting them. */
export function encodeFrameB(frame: Uint8Array): Uint8Array {
  const twoBlocks = frame.length + CRC_SIZE > FRAME_B_FIRST_SPAN + CRC_SIZE;
  const out = new Uint8Array(frame.length + (twoBlocks ? 2 : 1) * CRC_SIZE);
  out.set(frame.subarray(0, FRAME_B_FIRST_SPAN));
  out[0] = out.length - 1;
  const put = (at: number, from: number, to: number) => {
    const crc = crc16En13757(out, from, to);
    out[at] = crc >>> 8;
    out[at + 1] = crc & 0xff;
  };
  if (!twoBlocks) put(frame.length, 0, frame.length);
  else {
    put(FRAME_B_FIRST_SPAN, 0, FRAME_B_FIRST_SPAN);
    out.set(frame.subarray(FRAME_B_FIRST_SPAN), FRAME_B_FIRST_SPAN + CRC_SIZE);
    put(out.length - CRC_SIZE, FRAME_B_FIRST_SPAN + CRC_SIZE, out.length - CRC_SIZE);
  }
  return out;
}

/** Decodes L, C, M, A of a normalised frame; the next layer starts at offset 10. */
export function decodeLink(frame: NormalisedFrame): { readonly header: LinkHeader; readonly next: number } {
  const b = frame.bytes;
  if (frame.end < LINK_HEADER_SIZE + 1) {
    throw new CodecError('CODEC_TRUNCATED', 'link', `a telegram needs at least ${LINK_HEADER_SIZE + 1} bytes without CRCs`, b.length);
  }
  const control = b[1]!;
  const a = readAddressMFirst(b, 2);
  const header: LinkHeader = {
    kind: 'link',
    lField: frame.lField,
    control,
    controlName: LINK_CONTROL.get(control) ?? 'unknown',
    dllCrc: frame.dllCrc,
    manufacturer: a.manufacturer,
    manufacturerId: a.manufacturerId,
    id: a.id,
    version: a.version,
    deviceType: a.deviceType,
    medium: a.medium,
  };
  return { header, next: LINK_HEADER_SIZE };
}
