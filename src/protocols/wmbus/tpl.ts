import { createDecipheriv, type KeyObject } from 'node:crypto';
import { CodecError } from '../errors.js';
import { type MeterAddress, readAddressIdFirst } from './address.js';
import { CI, hex2 } from './ci.js';

/**
 * Transport layer (EN 13757-7, OMS vol. 2): no, short or long header, the
 * configuration word with its security mode, and the AES-128-CBC decryption of modes 5 and 7.
 */

export type TplHeaderKind = 'none' | 'short' | 'long';
export type TplPayload = 'records' | 'compact' | 'cosem' | 'other';

/** CI -> header kind and what the application layer holds (EN 13757-3:2018 CI field list). */
const TPL_CIS: Readonly<Record<number, { readonly header: TplHeaderKind; readonly payload: TplPayload }>> = {
  [CI.responseNone]: { header: 'none', payload: 'records' },
  [CI.compactNone]: { header: 'none', payload: 'compact' },
  [CI.responseShort]: { header: 'short', payload: 'records' },
  [CI.compactShort]: { header: 'short', payload: 'compact' },
  [CI.responseLong]: { header: 'long', payload: 'records' },
  [CI.compactLong]: { header: 'long', payload: 'compact' },
  [CI.commandShort]: { header: 'short', payload: 'records' },
  [CI.commandLong]: { header: 'long', payload: 'records' },
  [CI.specificUsage]: { header: 'long', payload: 'other' },
  [CI.cosemLong]: { header: 'long', payload: 'cosem' },
  [CI.cosemShort]: { header: 'short', payload: 'cosem' },
};

/** Security modes of the configuration word (EN 13757-7). */
export const SECURITY_MODES: Readonly<Record<number, string>> = {
  0: 'none',
  5: 'AES-128-CBC, static key',
  7: 'AES-128-CBC, ephemeral key (KDF-A), IV 0',
  8: 'AES-128-CTR (DLMS-style)',
  9: 'AES-128-GCM',
  10: 'AES-128-CCM',
  13: 'TLS',
};

/** Configuration word bits (EN 13757-7, modes 5 and 7). */
const CW = {
  bidirectional: 0x8000,
  accessibility: 0x4000,
  synchronous: 0x2000,
  modeShift: 8,
  modeMask: 0x1f,
  blocksShift: 4,
  blocksMask: 0x0f,
} as const;

/** Status byte bits (EN 13757-3). */
const STATUS_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x04, 'power low'],
  [0x08, 'permanent error'],
  [0x10, 'temporary error'],
];
const APPLICATION_STATUS = ['no error', 'application busy', 'application error', 'abnormal condition'] as const;

export interface TplHeader {
  readonly kind: 'tpl';
  readonly ci: number;
  readonly header: TplHeaderKind;
  readonly payload: TplPayload;
  /** The meter of a long header (it may differ from the link layer's address, e.g. behind a radio converter). */
  readonly meter?: MeterAddress;
  readonly accessNumber?: number;
  readonly status?: number;
  readonly statusText?: readonly string[];
  readonly configuration?: number;
  /** Mode 7 configuration field extension: key derivation (bits 5..4, 01 = KDF-A) and key id (bits 3..0). */
  readonly configurationExtension?: number;
  readonly securityMode: number;
  /** Encrypted 16-byte blocks announced by the configuration word (modes 5 and 7). */
  readonly encryptedBlocks: number;
  readonly bidirectional?: boolean;
  readonly accessibility?: boolean;
  readonly synchronous?: boolean;
}

export const isTplCi = (ci: number): boolean => TPL_CIS[ci] !== undefined;

/** The words of every status byte, worked out once. */
const STATUS_TEXT: ReadonlyArray<readonly string[]> = Array.from({ length: 256 }, (_, st) => {
  const out: string[] = [APPLICATION_STATUS[st & 0x03]!];
  for (const [bit, text] of STATUS_FLAGS) if (st & bit) out.push(text);
  if (st & 0xe0) out.push(`manufacturer status ${hex2(st & 0xe0)}`);
  return Object.freeze(out);
});

/** Decodes the transport header at `start` (its CI byte); `next` is where the (possibly encrypted) application data start. */
export function decodeTpl(bytes: Uint8Array, start: number, end: number): { readonly header: TplHeader; readonly next: number } {
  const ci = bytes[start]!;
  const spec = TPL_CIS[ci];
  if (spec === undefined) throw new CodecError('CODEC_UNSUPPORTED', 'tpl', `CI ${hex2(ci)} is not a supported transport layer`, start);
  let at = start + 1;
  if (spec.header === 'none') {
    const header: TplHeader = {
      kind: 'tpl',
      ci,
      header: 'none',
      payload: spec.payload,
      meter: undefined,
      accessNumber: undefined,
      status: undefined,
      statusText: undefined,
      configuration: undefined,
      configurationExtension: undefined,
      securityMode: 0,
      encryptedBlocks: 0,
      bidirectional: undefined,
      accessibility: undefined,
      synchronous: undefined,
    };
    return { header, next: at };
  }
  const size = spec.header === 'long' ? 12 : 4;
  if (at + size > end) throw new CodecError('CODEC_TRUNCATED', 'tpl', `${spec.header} transport header needs ${size} bytes`, at);
  let meter: MeterAddress | undefined;
  if (spec.header === 'long') {
    meter = readAddressIdFirst(bytes, at);
    at += 8;
  }
  const accessNumber = bytes[at]!;
  const status = bytes[at + 1]!;
  const cw = bytes[at + 2]! | (bytes[at + 3]! << 8);
  const securityMode = (cw >>> CW.modeShift) & CW.modeMask;
  const blockMode = securityMode === 5 || securityMode === 7;
  // Mode 7 adds a configuration field extension byte after the configuration word (OMS vol. 2).
  const extended = securityMode === 7;
  if (extended && at + 5 > end) throw new CodecError('CODEC_TRUNCATED', 'tpl', 'mode 7 configuration field extension missing', at + 4);
  // One object shape for every header (absent fields are undefined): cheaper to build and to serialise.
  const header: TplHeader = {
    kind: 'tpl',
    ci,
    header: spec.header,
    payload: spec.payload,
    meter,
    accessNumber,
    status,
    statusText: STATUS_TEXT[status]!,
    configuration: cw,
    configurationExtension: extended ? bytes[at + 4]! : undefined,
    securityMode,
    encryptedBlocks: blockMode ? (cw >>> CW.blocksShift) & CW.blocksMask : 0,
    bidirectional: (cw & CW.bidirectional) !== 0,
    accessibility: (cw & CW.accessibility) !== 0,
    synchronous: (cw & CW.synchronous) !== 0,
  };
  return { header, next: at + (extended ? 5 : 4) };
}

/** Plaintext marker that opens every mode 5/7 payload (two 0x2F idle fillers, EN 13757-7). */
const FILLER = 0x2f;
const BLOCK = 16;

/**
 * A reusable AES-128 block decipher: an ECB decipher without padding keeps no state between `update` calls
 * given whole blocks, so one per key serves every telegram and saves the cipher set-up of each.
 */
export interface BlockDecipher {
  update(data: Uint8Array): Uint8Array;
}

/** The AES-128-ECB decipher of a key, for `decryptTpl` to chain as CBC. */
export function blockDecipher(key: Uint8Array | KeyObject): BlockDecipher {
  return createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
}

/**
 * AES-128-CBC decryption of `blocks` 16-byte blocks at `from`, in place. Mode 5: IV = M(2) || A(6) ||
 * access number x 8, where M and A are those of the long header, else of the link layer (the 8 bytes of `address`
 * from `addressAt`).
 * Mode 7: IV 0 under the ephemeral Kenc. Throws CODEC_WRONG_KEY when the plaintext does not open with 2F 2F.
 * `key` may be a `BlockDecipher` kept for the key; the CBC chaining is then done here.
 */
export function decryptTpl(
  bytes: Uint8Array,
  from: number,
  end: number,
  header: TplHeader,
  key: Uint8Array | KeyObject | BlockDecipher,
  address: Uint8Array,
  addressAt = 0,
): void {
  const length = header.encryptedBlocks * BLOCK;
  if (length === 0) throw new CodecError('CODEC_MALFORMED', 'tpl', `security mode ${header.securityMode} with no encrypted blocks`, from);
  if (from + length > end) {
    throw new CodecError('CODEC_LENGTH_MISMATCH', 'tpl', `configuration word announces ${header.encryptedBlocks} encrypted blocks, ${end - from} bytes present`, from);
  }
  const ecb = isBlockDecipher(key) ? key : blockDecipher(key);
  const mode5 = header.securityMode === 5;
  const out = cbcPlaintext(ecb, bytes, from, length, mode5 ? address : ZERO_IV, mode5 ? addressAt : 0, mode5 ? (header.accessNumber ?? 0) : 0);
  if (out[0] !== FILLER || out[1] !== FILLER) {
    throw new CodecError('CODEC_WRONG_KEY', 'tpl', `decrypted mode ${header.securityMode} payload does not start with 2F2F: wrong key`, from);
  }
  bytes.set(out, from);
}

/** Mode 7's IV: zero. */
const ZERO_IV = new Uint8Array(8);

/**
 * The CBC plaintext of bytes[from, from + length) (whole blocks) under a kept ECB decipher, with the IV of
 * EN 13757-7: address[addressAt, addressAt + 8) || `fill` x 8 (mode 5: M || A || access number; mode 7: zeros).
 * `bytes` is left as it is.
 */
export function cbcPlaintext(ecb: BlockDecipher, bytes: Uint8Array, from: number, length: number, address: Uint8Array, addressAt: number, fill: number): Uint8Array {
  const out = ecb.update(bytes.subarray(from, from + length));
  // Pi = D(Ci) xor C(i-1); P0 = D(C0) xor IV.
  for (let i = length - 1; i >= BLOCK; i--) out[i]! ^= bytes[from + i - BLOCK]!;
  for (let i = 0; i < 8; i++) out[i]! ^= address[addressAt + i]!;
  for (let i = 8; i < BLOCK; i++) out[i]! ^= fill;
  return out;
}

const isBlockDecipher = (k: Uint8Array | KeyObject | BlockDecipher): k is BlockDecipher =>
  !(k instanceof Uint8Array) && typeof (k as Partial<BlockDecipher>).update === 'function';
