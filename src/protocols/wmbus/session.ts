import { createSecretKey, type KeyObject } from 'node:crypto';
import { AesCmac } from '../../crypto/cmac.js';
import type { DecodeKeys, DecodeSession } from '../decoder.js';
import { CodecError } from '../errors.js';
import type { DecodedFrame } from '../reading.js';
import { parseHex } from './_hex.js';
import type { AflHeader } from './afl.js';
import { crc16En13757 } from './crc.js';
import type { EllHeader } from './ell.js';
import { wmbusFrameJson, wmbusTelegramJson } from './frame-json.js';
import type { LinkHeader } from './link.js';
import {
  type AflFragment,
  type AflMessage,
  type DecodeOptions,
  decodeTelegram,
  type MeterKey,
  type TelegramContext,
  type WmbusDecoded,
  type WmbusSecurity,
} from './pipeline.js';
import { recordsToReadings } from './readings.js';
import { dataRecordHeaders } from './records.js';
import { type BlockDecipher, blockDecipher, type TplHeader } from './tpl.js';

/**
 * A wireless M-Bus decoder session: it holds the keys, the last authenticated message counter of each
 * meter (replay protection), the compact-frame formats learnt from full frames, and open AFL fragments.
 */

export interface WmbusSessionOptions {
  readonly keys?: DecodeKeys;
  /** Last accepted AFL message counter per meter id, e.g. restored from storage. */
  readonly counters?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

const KEY_LENGTH = 16;
/** Bytes parsed from hex here belong to the decode alone. */
const OWNED: DecodeOptions = { ownsInput: true };
/** The JSON writer maps the records to readings itself. */
const FOR_JSON: DecodeOptions = { ownsInput: true, readings: false };
/** Bounds on what one sender may park in open fragments. */
const MAX_FRAGMENTS = 16;
const MAX_MESSAGE = 4096;

function toMeterKey(key: Uint8Array, scope: MeterKey['scope'], label: string): MeterKey {
  if (key.length !== KEY_LENGTH) {
    throw new CodecError('CODEC_BAD_INPUT', 'input', `${label} is ${key.length} bytes; wireless M-Bus keys are AES-128 (16 bytes)`);
  }
  return new SessionKey(key, scope);
}

/**
 * A key as the session holds it: imported once; its CMAC subkeys and its ECB decipher are made when a telegram
 * first needs them.
 */
class SessionKey implements MeterKey {
  readonly key: Uint8Array;
  readonly keyObject: KeyObject;
  readonly scope: MeterKey['scope'];
  #cmac: AesCmac | undefined;
  #ecb: BlockDecipher | undefined;

  constructor(key: Uint8Array, scope: MeterKey['scope']) {
    this.key = key;
    this.keyObject = createSecretKey(key);
    this.scope = scope;
  }

  get cmac(): AesCmac {
    this.#cmac ??= new AesCmac(this.keyObject);
    return this.#cmac;
  }

  get ecb(): BlockDecipher {
    this.#ecb ??= blockDecipher(this.keyObject);
    return this.#ecb;
  }
}

interface CompactFormats {
  readonly learnt: Map<number, Uint8Array>;
  last?: { readonly bytes: Uint8Array; readonly start: number; readonly end: number };
}

/** A decoded wM-Bus frame in the protocol-independent form, with its layers typed. */
export interface WmbusFrame extends DecodedFrame {
  readonly security: WmbusSecurity;
  readonly layers: { readonly link: LinkHeader; readonly ell?: EllHeader; readonly afl?: AflHeader; readonly tpl?: TplHeader };
}

export class WmbusSession implements DecodeSession, TelegramContext {
  private readonly byId = new Map<string, MeterKey>();
  private readonly anyKey: MeterKey | undefined;
  private readonly counters = new Map<string, number>();
  private readonly formats = new Map<string, CompactFormats>();
  private readonly fragments = new Map<string, AflFragment[]>();

  constructor(options: WmbusSessionOptions = {}) {
    const keys = options.keys;
    this.anyKey = keys?.key === undefined ? undefined : toMeterKey(keys.key, 'all', 'the key');
    for (const [id, k] of keys?.byId ?? []) this.byId.set(id.toUpperCase(), toMeterKey(k, 'meter', `the key of meter ${id}`));
    const seeded = options.counters;
    if (seeded !== undefined) {
      const entries = seeded instanceof Map ? seeded.entries() : Object.entries(seeded);
      for (const [id, c] of entries) this.counters.set(id.toUpperCase(), c);
    }
  }

  /** Decodes one telegram given as hex and returns it in the protocol-independent form. */
  decode(frame: string): WmbusFrame {
    return toDecodedFrame(this.decodeBytes(parseHex(frame.trim()), OWNED));
  }

  /**
   * `decode`, then the frame as JSON text: the same text as `JSON.stringify(this.decode(frame))`, made faster
   * (no readings or frame objects are made for it).
   */
  decodeJson(frame: string): string {
    const t = this.decodeBytes(parseHex(frame.trim()), FOR_JSON);
    if (t.kind === 'telegram') {
      const text = wmbusTelegramJson(t);
      if (text !== undefined) return text;
      return wmbusFrameJson(toDecodedFrame({ ...t, readings: t.records.length === 0 ? [] : recordsToReadings(t.records, t.meter.deviceType) }));
    }
    return wmbusFrameJson(toDecodedFrame(t));
  }

  /** Decodes one telegram and commits what it changes (counter, learnt format) once it decoded without error. */
  decodeBytes(bytes: Uint8Array, options?: DecodeOptions): WmbusDecoded {
    const t = decodeTelegram(bytes, this, options);
    if (t.kind === 'telegram') {
      const { counter, fullFrame } = t.effects;
      if (counter !== undefined) this.counters.set(counter.meter, counter.value);
      if (fullFrame !== undefined) {
        const f = this.formats.get(fullFrame.meter);
        if (f === undefined) this.formats.set(fullFrame.meter, { learnt: new Map(), last: fullFrame });
        else f.last = fullFrame;
      }
    }
    return t;
  }

  /** The last accepted counter of every meter (to persist and seed a later session with). */
  counterSnapshot(): ReadonlyMap<string, number> {
    return new Map(this.counters);
  }

  key(meterId: string): MeterKey | undefined {
    return this.byId.get(meterId) ?? this.anyKey;
  }

  lastCounter(meter: string): number | undefined {
    return this.counters.get(meter);
  }

  compactFormat(meter: string, signature: number): Uint8Array | undefined {
    const f = this.formats.get(meter);
    if (f === undefined) return undefined;
    // Signatures are worked out only when a compact frame asks, from the latest full frame.
    if (f.last !== undefined && !f.learnt.has(signature)) {
      const headers = dataRecordHeaders(f.last.bytes, f.last.start, f.last.end);
      f.learnt.set(crc16En13757(headers), headers);
      f.last = undefined;
    }
    return f.learnt.get(signature);
  }

  addFragment(sender: string, fragment: AflFragment): AflMessage | undefined {
    const open = this.fragments.get(sender);
    const previous = open?.[open.length - 1];
    if (previous === undefined || fragment.fragmentId === 1) {
      if (fragment.fragmentId > 1) {
        throw new CodecError('CODEC_MALFORMED', 'afl', `AFL fragment ${fragment.fragmentId} arrived without the fragments before it`, fragment.dataStart);
      }
      this.fragments.set(sender, [fragment]);
    } else if (fragment.fragmentId !== previous.fragmentId + 1 || open!.length >= MAX_FRAGMENTS) {
      this.fragments.delete(sender);
      throw new CodecError('CODEC_MALFORMED', 'afl', `AFL fragment ${fragment.fragmentId} does not follow fragment ${previous.fragmentId}`, fragment.dataStart);
    } else {
      open!.push(fragment);
    }
    if (fragment.moreFragments) return undefined;
    const parts = this.fragments.get(sender)!;
    this.fragments.delete(sender);
    const total = parts.reduce((n, p) => n + p.dataEnd - p.dataStart, 0);
    if (total > MAX_MESSAGE) throw new CodecError('CODEC_LENGTH_MISMATCH', 'afl', `reassembled AFL message of ${total} bytes is too long`, fragment.dataStart);
    const data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(p.bytes.subarray(p.dataStart, p.dataEnd), at);
      at += p.dataEnd - p.dataStart;
    }
    const first = parts[0]!;
    if (first.afl.messageLength !== undefined && first.afl.messageLength !== total) {
      throw new CodecError('CODEC_LENGTH_MISMATCH', 'afl', `AFL message length ${first.afl.messageLength} but ${total} bytes reassembled`, first.dataStart);
    }
    return { first, data };
  }
}

/** The protocol-independent view of a decoded telegram (what `gridwarden decode` prints). */
export function toDecodedFrame(t: WmbusDecoded): WmbusFrame {
  if (t.kind === 'fragment') {
    return {
      protocol: 'wmbus',
      meter: { id: t.link.id, manufacturer: t.link.manufacturer, medium: t.link.medium, version: t.link.version },
      security: 'none',
      verdict: 'plaintext',
      readings: [],
      warnings: [...t.warnings, `AFL fragment ${t.afl.fragmentId} held until the rest of its message arrives`],
      layers: { link: t.link, ...(t.ell === undefined ? {} : { ell: t.ell }), afl: t.afl },
    };
  }
  return {
    protocol: 'wmbus',
    meter: { id: t.meter.id, manufacturer: t.meter.manufacturer, medium: t.meter.medium, version: t.meter.version },
    security: t.security,
    verdict: t.verdict,
    readings: t.readings,
    warnings: t.warnings,
    // Absent layers stay undefined: JSON leaves them out.
    layers: { link: t.link, ell: t.ell, afl: t.afl, tpl: t.tpl },
  };
}
