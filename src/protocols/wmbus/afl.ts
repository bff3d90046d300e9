import { timingSafeEqual } from 'node:crypto';
import { AesCmac } from '../../crypto/cmac.js';
import { CodecError } from '../errors.js';
import { CI, hex2 } from './ci.js';

/** Authentication and fragmentation layer (EN 13757-7, OMS vol. 2). */

/** Fragmentation control field bits (EN 13757-7, FCL). */
const FCL = {
  /** bit 14: more fragments follow */
  moreFragments: 0x4000,
  /** bit 13: message control field present */
  mclPresent: 0x2000,
  /** bit 12: message length field present */
  mlPresent: 0x1000,
  /** bit 11: message counter field present */
  mcrPresent: 0x0800,
  /** bit 10: MAC field present */
  macPresent: 0x0400,
  /** bit 9: key information field present */
  kiPresent: 0x0200,
  /** bits 7..0: fragment id */
  fragmentId: 0x00ff,
} as const;

/** Message control field bits (EN 13757-7, MCL). */
const MCL = {
  /** bits 3..0: authentication type */
  authType: 0x0f,
} as const;

/** Authentication types with their MAC length in bytes (EN 13757-7, AT field); 0 = no MAC. */
export const AFL_AUTH_TYPES: ReadonlyMap<number, { readonly name: string; readonly macLength: number }> = new Map([
  [0x0, { name: 'none', macLength: 0 }],
  [0x4, { name: 'AES-CMAC-128/4', macLength: 4 }],
  [0x5, { name: 'AES-CMAC-128/8', macLength: 8 }],
  [0x6, { name: 'AES-CMAC-128/12', macLength: 12 }],
  [0x7, { name: 'AES-CMAC-128/16', macLength: 16 }],
]);

export interface AflHeader {
  readonly kind: 'afl';
  readonly ci: number;
  /** AFLL: bytes of the AFL after the length field. */
  readonly length: number;
  readonly fragmentControl: number;
  readonly fragmentId: number;
  readonly moreFragments: boolean;
  readonly messageControl?: number;
  readonly authType?: string;
  readonly keyInfo?: number;
  readonly messageCounter?: number;
  /** The MAC as sent, uppercase hex. */
  readonly mac?: string;
  readonly messageLength?: number;
}

/** Where the MAC-relevant fields sit in the frame, for `verifyAflMac`. */
export interface AflFields {
  readonly mclAt?: number;
  readonly kiAt?: number;
  readonly mcrAt?: number;
  readonly macAt?: number;
  readonly macLength: number;
  readonly mlAt?: number;
}

const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32le = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;

/** Decodes the AFL at `start` (its CI byte 0x90); `next` is the offset of the next CI. */
export function decodeAfl(
  bytes: Uint8Array,
  start: number,
  end: number,
): { readonly header: AflHeader; readonly fields: AflFields; readonly next: number } {
  if (bytes[start] !== CI.afl) throw new CodecError('CODEC_MALFORMED', 'afl', `CI ${hex2(bytes[start] ?? 0)} is not the AFL`, start);
  if (start + 4 > end) throw new CodecError('CODEC_TRUNCATED', 'afl', 'AFL header needs its length and fragmentation control', start);
  const length = bytes[start + 1]!;
  const next = start + 2 + length;
  if (next > end) throw new CodecError('CODEC_TRUNCATED', 'afl', `AFL length ${length} runs past the frame end`, start + 1);
  const fcl = u16le(bytes, start + 2);
  let at = start + 4;
  let messageControl: number | undefined;
  let mclAt: number | undefined;
  let macLength = 0;
  let authType: string | undefined;
  const need = (n: number, what: string): number => {
    if (at + n > next) throw new CodecError('CODEC_LENGTH_MISMATCH', 'afl', `AFL length ${length} leaves no room for the ${what}`, at);
    const here = at;
    at += n;
    return here;
  };
  if (fcl & FCL.mclPresent) {
    mclAt = need(1, 'message control');
    messageControl = bytes[mclAt]!;
    const at0 = AFL_AUTH_TYPES.get(messageControl & MCL.authType);
    if (at0 === undefined) {
      throw new CodecError('CODEC_UNSUPPORTED', 'afl', `AFL authentication type ${messageControl & MCL.authType} is not supported`, mclAt);
    }
    macLength = at0.macLength;
    authType = at0.name;
  }
  const kiAt = fcl & FCL.kiPresent ? need(2, 'key information') : undefined;
  const mcrAt = fcl & FCL.mcrPresent ? need(4, 'message counter') : undefined;
  let macAt: number | undefined;
  if (fcl & FCL.macPresent) {
    if (macLength === 0) throw new CodecError('CODEC_MALFORMED', 'afl', 'AFL says a MAC is present but no authentication type gives its length', start + 2);
    macAt = need(macLength, 'MAC');
  }
  const mlAt = fcl & FCL.mlPresent ? need(2, 'message length') : undefined;
  if (at !== next) throw new CodecError('CODEC_LENGTH_MISMATCH', 'afl', `AFL length ${length} disagrees with the fields present`, start + 1);

  const header: AflHeader = {
    kind: 'afl',
    ci: CI.afl,
    length,
    fragmentControl: fcl,
    fragmentId: fcl & FCL.fragmentId,
    moreFragments: (fcl & FCL.moreFragments) !== 0,
    ...(messageControl === undefined ? {} : { messageControl }),
    ...(authType === undefined ? {} : { authType }),
    ...(kiAt === undefined ? {} : { keyInfo: u16le(bytes, kiAt) }),
    ...(mcrAt === undefined ? {} : { messageCounter: u32le(bytes, mcrAt) }),
    ...(macAt === undefined ? {} : { mac: Buffer.from(bytes.subarray(macAt, macAt + macLength)).toString('hex').toUpperCase() }),
    ...(mlAt === undefined ? {} : { messageLength: u16le(bytes, mlAt) }),
  };
  const fields: AflFields = { mclAt, kiAt, mcrAt, macAt, macLength, mlAt };
  return { header, fields, next };
}

/**
 * Checks the AFL MAC: CMAC(Kmac, MCL || MCR || [ML] || the message from the next CI on),
 * truncated to the length the authentication type gives (EN 13757-7).
 * `aflBytes` is the frame holding the AFL fields (the first fragment when the message was fragmented).
 */
export function verifyAflMac(
  kmac: Uint8Array,
  aflBytes: Uint8Array,
  fields: AflFields,
  payload: Uint8Array,
): boolean {
  if (fields.macAt === undefined || fields.mclAt === undefined) return false;
  const parts: Uint8Array[] = [aflBytes.subarray(fields.mclAt, fields.mclAt + 1)];
  if (fields.mcrAt !== undefined) parts.push(aflBytes.subarray(fields.mcrAt, fields.mcrAt + 4));
  if (fields.mlAt !== undefined) parts.push(aflBytes.subarray(fields.mlAt, fields.mlAt + 2));
  parts.push(payload);
  const tag = new AesCmac(kmac).mac(...parts).subarray(0, fields.macLength);
  return timingSafeEqual(tag, aflBytes.subarray(fields.macAt, fields.macAt + fields.macLength));
}
