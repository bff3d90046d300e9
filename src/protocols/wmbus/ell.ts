import { createCipheriv } from 'node:crypto';
import { CodecError } from '../errors.js';
import { type MeterAddress, readAddressMFirst } from './address.js';
import { CI, hex2 } from './ci.js';
import { crc16En13757 } from './crc.js';

/**
 * Extended link layer (EN 13757-4, OMS vol. 2): types I to IV, and the
 * AES-128-CTR encryption of ELL types II and IV with its payload CRC.
 */

export type EllType = 'I' | 'II' | 'III' | 'IV';
export type EllEncryption = 'none' | 'aes-ctr';

export interface EllHeader {
  readonly kind: 'ell';
  readonly ci: number;
  readonly type: EllType;
  /** Communication control field: B 0x80, D 0x40, S 0x20, H 0x10, P 0x08, A 0x04, R 0x02. */
  readonly cc: number;
  readonly accessNumber: number;
  /** M2/A2 of ELL III and IV: the address the frame is for. */
  readonly destination?: MeterAddress;
  /** Session number field of ELL II and IV. */
  readonly sessionNumber?: number;
  readonly encryption: EllEncryption;
  /** Payload CRC of ELL II and IV, as sent. */
  readonly payloadCrc?: number;
}

const SIZES: Readonly<Record<number, { readonly type: EllType; readonly size: number; readonly address: boolean; readonly sn: boolean }>> = {
  [CI.ellI]: { type: 'I', size: 2, address: false, sn: false },
  [CI.ellII]: { type: 'II', size: 8, address: false, sn: true },
  [CI.ellIII]: { type: 'III', size: 10, address: true, sn: false },
  [CI.ellIV]: { type: 'IV', size: 16, address: true, sn: true },
};

/** ENC bits 31..29 of the session number field (EN 13757-4). */
const SN_ENC_SHIFT = 29;
/** H bit of the CC field (EN 13757-4). */
const CC_HOP = 0x10;
const SN_ENC_NONE = 0;
const SN_ENC_AES_CTR = 1;

export const isEllCi = (ci: number): boolean => SIZES[ci] !== undefined || ci === CI.ellV;

/**
 * Decodes the ELL header at `start` (its CI byte). For an encrypted ELL, `next` is the offset of the
 * payload CRC: the bytes from there to `end` are the ciphertext `decryptEll` works on.
 */
export function decodeEll(bytes: Uint8Array, start: number, end: number): { readonly header: EllHeader; readonly next: number } {
  const ci = bytes[start]!;
  const spec = SIZES[ci];
  if (spec === undefined) {
    throw new CodecError('CODEC_UNSUPPORTED', 'ell', `extended link layer CI ${hex2(ci)} is not supported`, start);
  }
  if (start + 1 + spec.size > end) {
    throw new CodecError('CODEC_TRUNCATED', 'ell', `ELL ${spec.type} needs ${spec.size} bytes after its CI`, start);
  }
  let at = start + 1;
  const cc = bytes[at]!;
  const accessNumber = bytes[at + 1]!;
  at += 2;
  let destination: MeterAddress | undefined;
  if (spec.address) {
    destination = readAddressMFirst(bytes, at);
    at += 8;
  }
  let sessionNumber: number | undefined;
  let encryption: EllEncryption = 'none';
  let payloadCrc: number | undefined;
  if (spec.sn) {
    sessionNumber = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000;
    const enc = sessionNumber >>> SN_ENC_SHIFT;
    if (enc === SN_ENC_AES_CTR) encryption = 'aes-ctr';
    else if (enc !== SN_ENC_NONE) throw new CodecError('CODEC_UNSUPPORTED', 'ell', `ELL encryption mode ${enc} is not supported`, at);
    at += 4;
    payloadCrc = bytes[at]! | (bytes[at + 1]! << 8);
  }
  const header: EllHeader = {
    kind: 'ell',
    ci,
    type: spec.type,
    cc,
    accessNumber,
    ...(destination === undefined ? {} : { destination }),
    ...(sessionNumber === undefined ? {} : { sessionNumber }),
    encryption,
    ...(payloadCrc === undefined ? {} : { payloadCrc }),
  };
  return { header, next: at };
}

/**
 * AES-128-CTR of the ELL payload, in place: bytes[from, end) are deciphered where they are.
 * The IV is M(2) || A(6) of the link layer || CC without H || SN(4) || FN(2) = 0 || BC(1) = 0 (EN 13757-4).
 */
export function decryptEll(bytes: Uint8Array, from: number, end: number, key: Uint8Array, link: Uint8Array, header: EllHeader): void {
  const iv = new Uint8Array(16);
  iv.set(link.subarray(0, 8), 0);
  // The hop-count bit H (0x10) is left out: a repeater sets it after the meter encrypted the frame.
  iv[8] = header.cc & ~CC_HOP;
  const sn = header.sessionNumber ?? 0;
  iv[9] = sn & 0xff;
  iv[10] = (sn >>> 8) & 0xff;
  iv[11] = (sn >>> 16) & 0xff;
  iv[12] = (sn >>> 24) & 0xff;
  const plain = createCipheriv('aes-128-ctr', key, iv).update(bytes.subarray(from, end));
  bytes.set(plain, from);
}

/** Whether the payload CRC (2 bytes LE at `from`) matches the bytes after it up to `end`. */
export function ellPayloadCrcValid(bytes: Uint8Array, from: number, end: number): boolean {
  if (from + 2 > end) return false;
  const sent = bytes[from]! | (bytes[from + 1]! << 8);
  return sent === crc16En13757(bytes, from + 2, end);
}
