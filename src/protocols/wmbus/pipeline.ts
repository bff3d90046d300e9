import type { KeyObject } from 'node:crypto';
import { AesCmac } from '../../crypto/cmac.js';
import { omsKdfA, omsKdfAMeterKeys } from '../../crypto/kdf.js';
import { CodecError } from '../errors.js';
import type { Reading, SecurityVerdict } from '../reading.js';
import type { MeterAddress } from './address.js';
import { type AflFields, type AflHeader, decodeAfl, verifyAflMac } from './afl.js';
import { CI, hex2 } from './ci.js';
import { type EllHeader, decodeEll, decryptEll, ellPayloadCrcValid, isEllCi } from './ell.js';
import { decodeLink, type LinkHeader, LINK_HEADER_SIZE, normaliseFrame } from './link.js';
import { type ObisTexts, recordsToReadings } from './readings.js';
import { type DataRecord, decodeCompactRecords, decodeRecords } from './records.js';
import { type BlockDecipher, decodeTpl, decryptTpl, isTplCi, SECURITY_MODES, type TplHeader } from './tpl.js';

/**
 * The wireless M-Bus pipeline: link -> [ELL] -> [AFL] -> TPL -> records, each layer's header kept in the
 * result. Pure: the state it needs (keys, counters, learnt formats, open fragments) comes through a
 * `TelegramContext`, and what it would change comes back as `effects` for the caller to commit.
 */

export type WmbusSecurity = 'none' | 'mode5' | 'mode7' | 'ell-aes-ctr';

/** A key as the context hands it out; `scope` says whether it was configured for this meter or for all. */
export interface MeterKey {
  readonly key: Uint8Array;
  /** The same key as a KeyObject (saves the key import of every decipher). */
  readonly keyObject?: KeyObject;
  /** The key's AES-CMAC with its subkeys, made once per key (mode 7 KDF-A and AFL MACs). */
  readonly cmac?: AesCmac;
  /** The key's AES-128-ECB decipher, kept and reused for the mode 5 CBC decryption of every telegram. */
  readonly ecb?: BlockDecipher;
  readonly scope: 'meter' | 'all';
}

/** A fragment of an AFL-fragmented message, as handed to the context. */
export interface AflFragment {
  readonly fragmentId: number;
  readonly moreFragments: boolean;
  /** This fragment's frame bytes and AFL field positions (the first fragment carries MCL, MCR, MAC, ML). */
  readonly bytes: Uint8Array;
  readonly fields: AflFields;
  readonly afl: AflHeader;
  /** Offset of the data after the AFL in `bytes`. */
  readonly dataStart: number;
  readonly dataEnd: number;
}

/** A reassembled AFL message: the first fragment's AFL and the data of all fragments joined. */
export interface AflMessage {
  readonly first: AflFragment;
  readonly data: Uint8Array;
}

export interface TelegramContext {
  /** The key for a meter id (8 characters, uppercase), if any. */
  key(meterId: string): MeterKey | undefined;
  /** The last accepted AFL message counter of a meter. */
  lastCounter(meter: string): number | undefined;
  /** Record headers of a full frame of this meter whose format signature is `signature`. */
  compactFormat(meter: string, signature: number): Uint8Array | undefined;
  /** Adds a fragment; returns the whole message once its last fragment is in, else undefined. Absent: no reassembly. */
  addFragment?(sender: string, fragment: AflFragment): AflMessage | undefined;
}

/** What a decoded telegram asks its session to remember. */
export interface TelegramEffects {
  /** The authenticated AFL message counter to store for `meter`. */
  readonly counter?: { readonly meter: string; readonly value: number };
  /** A full frame's records area, from which compact-frame formats can be learnt. */
  readonly fullFrame?: { readonly meter: string; readonly bytes: Uint8Array; readonly start: number; readonly end: number };
}

export interface WmbusTelegram {
  readonly kind: 'telegram';
  readonly link: LinkHeader;
  readonly ell?: EllHeader;
  readonly afl?: AflHeader;
  readonly tpl: TplHeader;
  /** The meter: the long transport header's address when there is one, else the link layer's. */
  readonly meter: MeterAddress;
  readonly security: WmbusSecurity;
  readonly verdict: SecurityVerdict;
  readonly records: readonly DataRecord[];
  readonly readings: readonly Reading[];
  readonly warnings: readonly string[];
  readonly effects: TelegramEffects;
}

/** A fragment the context holds until the rest of its message arrives. */
export interface WmbusFragmentHeld {
  readonly kind: 'fragment';
  readonly link: LinkHeader;
  readonly ell?: EllHeader;
  readonly afl: AflHeader;
  readonly warnings: readonly string[];
}

export type WmbusDecoded = WmbusTelegram | WmbusFragmentHeld;

/** Per-meter state (keys, counters, compact formats) is kept under the meter id as printed on the meter. */
export const meterKeyOf = (a: MeterAddress): string => a.id;

/** Where M(2) || A(6) of the link layer start in a frame (after L and C). */
const LINK_ADDRESS_AT = 2;

const NOT_ENCRYPTED_WARNING = 'key given but telegram is not encrypted';

/** M(2) || ID(4) || version || type of the long header, in the link layer's order (for the mode 5 IV). */
export function longHeaderAddress(bytes: Uint8Array, tplStart: number): Uint8Array {
  const a = tplStart + 1;
  return Uint8Array.of(bytes[a + 4]!, bytes[a + 5]!, bytes[a]!, bytes[a + 1]!, bytes[a + 2]!, bytes[a + 3]!, bytes[a + 6]!, bytes[a + 7]!);
}

/** The 4 ID bytes of the meter as sent (for KDF-A): the long header's, else those of the link address. */
function meterIdBytes(bytes: Uint8Array, tpl: TplHeader, tplStart: number, linkBytes: Uint8Array): Uint8Array {
  return tpl.header === 'long' ? bytes.subarray(tplStart + 1, tplStart + 5) : linkBytes.subarray(LINK_ADDRESS_AT + 2, LINK_ADDRESS_AT + 6);
}

/** The key's CMAC (subkeys K1/K2 derived) as the context holds it, else made for this telegram. */
const masterCmac = (k: MeterKey): AesCmac => k.cmac ?? new AesCmac(k.keyObject ?? k.key);

function needKey(ctx: TelegramContext, id: string, layer: 'ell' | 'tpl', what: string, at: number): MeterKey {
  const k = ctx.key(id);
  if (k === undefined) throw new CodecError('CODEC_NO_KEY', layer, `${what} telegram from meter ${id} and no key for it`, at);
  return k;
}

export interface DecodeOptions {
  /** false: stop after the transport layer (decrypted and authenticated), leaving the records undecoded. */
  readonly records?: boolean;
  /** true: `raw` is the caller's to give away, so decryption may work in it without a copy. */
  readonly ownsInput?: boolean;
  /** false: leave `readings` empty, for a caller that maps the records itself (the JSON writer). */
  readonly readings?: boolean;
  /** OBIS code texts kept by the caller (a session), so that each is formatted once. */
  readonly obisTexts?: ObisTexts;
}

/**
 * Decodes one telegram (with or without data-link CRCs). `raw` is never modified.
 * Throws CodecError for every kind of bad input.
 */
export function decodeTelegram(raw: Uint8Array, ctx: TelegramContext, options: DecodeOptions = {}): WmbusDecoded {
  const frame = normaliseFrame(raw);
  const warnings: string[] = frame.warnings.length === 0 ? [] : frame.warnings.slice();
  // Decryption works in place: never on the caller's memory unless it was handed over.
  let bytes = options.ownsInput !== true && frame.bytes.buffer === raw.buffer ? raw.slice() : frame.bytes;
  let end = frame.end;
  const { header: link, next: afterLink } = decodeLink(frame);
  // The frame holding M(2) || A(6) of the link layer at LINK_ADDRESS_AT; kept apart because a reassembled AFL
  // message replaces `bytes`. Views of the address are made only where a layer needs one.
  const linkBytes = bytes;
  let at = afterLink;
  let security: WmbusSecurity = 'none';
  let ell: EllHeader | undefined;
  let ellKeyUsed = false;

  let ci = bytes[at]!;
  if (isEllCi(ci)) {
    const r = decodeEll(bytes, at, end);
    ell = r.header;
    at = r.next;
    if (ell.encryption === 'aes-ctr') {
      const k = needKey(ctx, link.id, 'ell', 'ELL AES-CTR encrypted', at);
      decryptEll(bytes, at, end, k.key, linkBytes.subarray(LINK_ADDRESS_AT, LINK_HEADER_SIZE), ell);
      if (!ellPayloadCrcValid(bytes, at, end)) {
        throw new CodecError('CODEC_WRONG_KEY', 'ell', 'ELL payload CRC does not match after decryption: wrong key or corrupted payload', at);
      }
      security = 'ell-aes-ctr';
      ellKeyUsed = true;
    }
    if (ell.sessionNumber !== undefined) at += 2; // the payload CRC
    if (at >= end) throw new CodecError('CODEC_TRUNCATED', 'ell', 'nothing follows the extended link layer', at);
    ci = bytes[at]!;
  }

  let afl: AflHeader | undefined;
  let aflFields: AflFields | undefined;
  let aflBytes = bytes;
  if (ci === CI.afl) {
    const r = decodeAfl(bytes, at, end);
    afl = r.header;
    aflFields = r.fields;
    if (r.next >= end) throw new CodecError('CODEC_TRUNCATED', 'afl', 'nothing follows the AFL', r.next);
    const fragmented = afl.moreFragments || afl.fragmentId > 1;
    if (fragmented) {
      if (ctx.addFragment === undefined) {
        throw new CodecError('CODEC_UNSUPPORTED', 'afl', 'a fragmented AFL message can only be reassembled in a decoder session', at);
      }
      const message = ctx.addFragment(meterKeyOf(link), {
        fragmentId: afl.fragmentId,
        moreFragments: afl.moreFragments,
        bytes,
        fields: r.fields,
        afl,
        dataStart: r.next,
        dataEnd: end,
      });
      if (message === undefined) return { kind: 'fragment', link, ...(ell === undefined ? {} : { ell }), afl, warnings };
      afl = message.first.afl;
      aflFields = message.first.fields;
      aflBytes = message.first.bytes;
      bytes = message.data;
      at = 0;
      end = bytes.length;
    } else {
      at = r.next;
    }
    ci = bytes[at]!;
  }

  if (!isTplCi(ci)) throw new CodecError('CODEC_UNSUPPORTED', 'tpl', `CI ${hex2(ci)} is not a supported transport layer`, at);
  const tplStart = at;
  const { header: tpl, next: afterTpl } = decodeTpl(bytes, at, end);
  at = afterTpl;
  const meter: MeterAddress = tpl.meter ?? link;
  const meterRef = meterKeyOf(meter);
  const effects: { counter?: TelegramEffects['counter']; fullFrame?: TelegramEffects['fullFrame'] } = { counter: undefined, fullFrame: undefined };
  let verdict: SecurityVerdict = security === 'none' ? 'plaintext' : 'decrypted';

  const mode = tpl.securityMode;
  if (mode === 0) {
    if (afl?.mac !== undefined && aflFields !== undefined) {
      // Authenticated but not encrypted: the MAC, not the encryption, is what protects it.
      const authentic = verifyPlainAfl(ctx, meter, bytes, tpl, tplStart, end, linkBytes, afl, aflFields, aflBytes, warnings, effects);
      if (authentic) verdict = ellKeyUsed ? 'decrypted-authenticated' : 'authenticated';
    } else if (!ellKeyUsed) {
      const k = ctx.key(meter.id);
      if (k?.scope === 'meter') {
        throw new CodecError('CODEC_NOT_ENCRYPTED', 'tpl', `meter ${meter.id} has a key configured but sent an unencrypted telegram`, tplStart);
      }
      if (k !== undefined) warnings.push(NOT_ENCRYPTED_WARNING);
    }
  } else if (mode === 5) {
    const k = needKey(ctx, meter.id, 'tpl', 'mode 5 encrypted', at);
    const long = tpl.header === 'long';
    end = reachEncryptedEnd(bytes, at, end, tpl, warnings);
    decryptTpl(bytes, at, end, tpl, k.ecb ?? k.keyObject ?? k.key, long ? longHeaderAddress(bytes, tplStart) : linkBytes, long ? 0 : LINK_ADDRESS_AT);
    security = 'mode5';
    verdict = 'decrypted';
  } else if (mode === 7) {
    const k = needKey(ctx, meter.id, 'tpl', 'mode 7 encrypted', at);
    if (afl?.messageCounter === undefined || afl.mac === undefined || aflFields === undefined) {
      throw new CodecError('CODEC_MALFORMED', 'tpl', 'a mode 7 telegram needs an AFL with message counter and MAC', tplStart);
    }
    end = reachEncryptedEnd(bytes, at, end, tpl, warnings);
    const id = meterIdBytes(bytes, tpl, tplStart, linkBytes);
    const { kenc, kmac } = omsKdfAMeterKeys(masterCmac(k), afl.messageCounter, id);
    if (!verifyAflMac(kmac, aflBytes, aflFields, bytes.subarray(tplStart, end))) {
      throw new CodecError('CODEC_AUTH_FAILED', 'afl', 'AFL MAC does not verify: wrong key or altered telegram', aflFields.macAt);
    }
    checkCounter(ctx, meterRef, afl.messageCounter, aflFields.mcrAt ?? 0);
    decryptTpl(bytes, at, end, tpl, kenc, bytes);
    effects.counter = { meter: meterRef, value: afl.messageCounter };
    security = 'mode7';
    verdict = 'decrypted-authenticated';
  } else {
    const name = SECURITY_MODES[mode];
    throw new CodecError('CODEC_UNSUPPORTED', 'tpl', `security mode ${mode}${name === undefined ? '' : ` (${name})`} is not supported`, tplStart);
  }

  let records: readonly DataRecord[] = [];
  if (options.records === false) {
    // headers only
  } else if (tpl.payload === 'records') {
    records = decodeRecords(bytes, at, end, warnings);
    effects.fullFrame = { meter: meterRef, bytes, start: at, end };
  } else if (tpl.payload === 'compact') {
    records = decodeCompact(ctx, meterRef, bytes, at, end);
  } else {
    warnings.push(`application data of CI ${hex2(tpl.ci)} not decoded`);
  }

  return {
    kind: 'telegram',
    link,
    ell,
    afl,
    tpl,
    meter,
    security,
    verdict,
    records,
    readings: records.length === 0 || options.readings === false ? [] : recordsToReadings(records, meter.deviceType, options.obisTexts),
    warnings,
    effects,
  };
}

/**
 * When the encrypted blocks run past the end that L gives but the input holds the missing bytes, the L
 * field is taken to be wrong (seen on real meters): the blocks are read whole, with a warning.
 */
function reachEncryptedEnd(bytes: Uint8Array, at: number, end: number, tpl: TplHeader, warnings: string[]): number {
  const needed = at + tpl.encryptedBlocks * 16;
  if (needed <= end || needed > bytes.length) return end;
  warnings.push(`L field is ${needed - end} byte(s) short of the encrypted blocks; bytes after it used`);
  return needed;
}

function checkCounter(ctx: TelegramContext, meter: string, counter: number, at: number): void {
  const last = ctx.lastCounter(meter);
  if (last !== undefined && counter <= last) {
    throw new CodecError('CODEC_REPLAY', 'afl', `message counter ${counter} does not exceed the last accepted ${last}`, at);
  }
}

/** An AFL MAC on a plaintext telegram: verified when a key is there, else a warning. */
function verifyPlainAfl(
  ctx: TelegramContext,
  meter: MeterAddress,
  bytes: Uint8Array,
  tpl: TplHeader,
  tplStart: number,
  end: number,
  linkBytes: Uint8Array,
  afl: AflHeader,
  fields: AflFields,
  aflBytes: Uint8Array,
  warnings: string[],
  effects: { counter?: TelegramEffects['counter'] },
): boolean {
  const k = ctx.key(meter.id);
  if (k === undefined || afl.messageCounter === undefined) {
    warnings.push('AFL MAC not verified: no key');
    return false;
  }
  const kmac = omsKdfA(masterCmac(k), 'kmac', afl.messageCounter, meterIdBytes(bytes, tpl, tplStart, linkBytes));
  if (!verifyAflMac(kmac, aflBytes, fields, bytes.subarray(tplStart, end))) {
    throw new CodecError('CODEC_AUTH_FAILED', 'afl', 'AFL MAC does not verify: wrong key or altered telegram', fields.macAt);
  }
  const ref = meterKeyOf(meter);
  checkCounter(ctx, ref, afl.messageCounter, fields.mcrAt ?? 0);
  effects.counter = { meter: ref, value: afl.messageCounter };
  return true;
}

/** Compact frame (EN 13757-3 / OMS vol. 2): format signature(2) || full-frame CRC(2) || values. */
function decodeCompact(ctx: TelegramContext, meter: string, bytes: Uint8Array, at: number, end: number): readonly DataRecord[] {
  // Encrypted compact frames open with the 2F2F that proved the key.
  while (at < end && bytes[at] === 0x2f) at++;
  if (at + 4 > end) throw new CodecError('CODEC_TRUNCATED', 'tpl', 'compact frame needs its format signature and CRC', at);
  const signature = bytes[at]! | (bytes[at + 1]! << 8);
  const headers = ctx.compactFormat(meter, signature);
  if (headers === undefined) {
    throw new CodecError('CODEC_FORMAT_UNKNOWN', 'tpl', `compact frame format ${signature.toString(16).toUpperCase().padStart(4, '0')} of meter ${meter} not learnt yet: a full frame must come first`, at);
  }
  return decodeCompactRecords(headers, bytes, at + 4, end);
}
