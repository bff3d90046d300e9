import { createSecretKey, type KeyObject } from 'node:crypto';
import { AesCmac } from '../../crypto/cmac.js';
import type { DecodeKeys, DecodeSession } from '../decoder.js';
import { CodecError } from '../errors.js';
import type { DecodedFrame } from '../reading.js';
import { parseHex } from './_hex.js';
import type { AflHeader } from './afl.js';
import { crc16En13757 } from './crc.js';
import type { EllHeader } from './ell.js';
import { type JsonSpan, WmbusJsonWriter } from './frame-json.js';
import { JsonPlan, planKey } from './json-plan.js';
import type { LinkHeader } from './link.js';
import {
  type AflFragment,
  type AflMessage,
  type DecodeOptions,
  decodeTelegram,
  type MeterKey,
  type TelegramContext,
  type TelegramEffects,
  type WmbusDecoded,
  type WmbusSecurity,
  type WmbusTelegram,
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
/** Bounds on what one sender may park in open fragments. */
const MAX_FRAGMENTS = 16;
const MAX_MESSAGE = 4096;
/** Bound on the meters (plan keys) JSON plans are kept for; the oldest goes first. */
const MAX_PLANNED = 4096;
/** Telegram structures kept per meter: some meters take turns between a few (e.g. a short and a long telegram). */
const PLANS_PER_METER = 4;
const NO_PLANS: readonly JsonPlan[] = Object.freeze([]);

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
  /** Per-meter JSON plans (json-plan.ts), latest first, by `planKey` of the telegram bytes. */
  private readonly plans = new Map<number, JsonPlan[]>();
  private planHits = 0;
  private readonly writer = new WmbusJsonWriter();
  /** Bytes parsed from hex here belong to the decode alone; readings share the writer's OBIS texts. */
  private readonly owned: DecodeOptions = { ownsInput: true, obisTexts: this.writer.obisTexts };
  /** The JSON writer maps the records to readings itself. */
  private readonly forJson: DecodeOptions = { ownsInput: true, readings: false };

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
    return toDecodedFrame(this.decodeBytes(parseHex(frame.trim()), this.owned));
  }

  /**
   * `decode`, then the frame as JSON text: the same text as `JSON.stringify(this.decode(frame))`, made faster
   * (no readings or frame objects are made for it).
   */
  decodeJson(frame: string): string {
    const hex = frame.trim();
    let bytes = parseHex(hex);
    const key = planKey(bytes);
    for (const plan of this.plans.get(key) ?? NO_PLANS) {
      if (plan.length !== bytes.length) continue;
      const text = plan.write(bytes, this.key(plan.meter), this.writer.out);
      if (text !== undefined) {
        this.planHits++;
        this.keepFullFrame({ meter: plan.meter, bytes, start: plan.recordsAt, end: bytes.length });
        return text;
      }
      // A miss may have left the input half decrypted: what comes next starts again from the text.
      bytes = parseHex(hex);
    }
    const t = this.decodeBytes(bytes, this.forJson);
    const w = this.writer;
    if (t.kind === 'telegram') {
      // Spans are recorded (to learn a plan from) only for telegrams that may qualify.
      const spans: JsonSpan[] | undefined = key >= 0 && t.ell === undefined && t.afl === undefined ? [] : undefined;
      w.spans = spans;
      const text = w.telegram(t);
      w.spans = undefined;
      if (text !== undefined) {
        if (spans !== undefined && t.effects.fullFrame !== undefined) this.learnPlan(key, t, text, spans);
        return text;
      }
      return w.frame(toDecodedFrame({ ...t, readings: t.records.length === 0 ? [] : recordsToReadings(t.records, t.meter.deviceType, w.obisTexts) }));
    }
    return w.frame(toDecodedFrame(t));
  }

  /** How many telegrams `decodeJson` wrote by a plan, and how many plans are kept (for tests and monitoring). */
  planStats(): { readonly hits: number; readonly plans: number } {
    let plans = 0;
    for (const kept of this.plans.values()) plans += kept.length;
    return { hits: this.planHits, plans };
  }

  private learnPlan(key: number, t: WmbusTelegram, text: string, spans: readonly JsonSpan[]): void {
    const plan = JsonPlan.learn(t, t.security === 'mode5' ? this.key(t.meter.id) : undefined, t.effects.fullFrame!.bytes, text, spans);
    if (plan === undefined) return;
    const kept = this.plans.get(key);
    if (kept !== undefined) {
      kept.unshift(plan);
      if (kept.length > PLANS_PER_METER) kept.pop();
      return;
    }
    if (this.plans.size >= MAX_PLANNED) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(key, [plan]);
  }

  private keepFullFrame(fullFrame: NonNullable<TelegramEffects['fullFrame']>): void {
    const f = this.formats.get(fullFrame.meter);
    if (f === undefined) this.formats.set(fullFrame.meter, { learnt: new Map(), last: fullFrame });
    else f.last = fullFrame;
  }

  /** Decodes one telegram and commits what it changes (counter, learnt format) once it decoded without error. */
  decodeBytes(bytes: Uint8Array, options?: DecodeOptions): WmbusDecoded {
    const t = decodeTelegram(bytes, this, options);
    if (t.kind === 'telegram') {
      const { counter, fullFrame } = t.effects;
      if (counter !== undefined) this.counters.set(counter.meter, counter.value);
      if (fullFrame !== undefined) this.keepFullFrame(fullFrame);
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
