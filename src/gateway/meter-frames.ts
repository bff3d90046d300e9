/**
 * One frame of one registered meter through its protocol's codec: who sent it (read before any key is
 * needed), then the decode with that meter's key and its persisted counters, returning the counters to
 * persist. Pure: keys and counters come in, nothing is remembered here.
 */
import { bytesToHex, hexToBytes } from '../protocols/bytes.js';
import type { DecodeKeys } from '../protocols/decoder.js';
import { decodeCipheredApdu, isCipheredTag } from '../protocols/dlms/ciphering.js';
import { DlmsDecodeSession } from '../protocols/dlms/frame-decoder.js';
import { DsmrSession } from '../protocols/dsmr/frame-decoder.js';
import { CodecError } from '../protocols/errors.js';
import type { DecodedFrame, Protocol } from '../protocols/reading.js';
import { smlFrameDecoder } from '../protocols/sml/frame-decoder.js';
import { parseHex } from '../protocols/wmbus/_hex.js';
import { decodeLink, normaliseFrame } from '../protocols/wmbus/link.js';
import { WmbusSession, toDecodedFrame } from '../protocols/wmbus/session.js';
import { normaliseMeterId } from './registry.js';

const DLMS_KEY_BYTES = 16;

export interface MeterDecode {
  readonly frame: DecodedFrame;
  /** The meter's counters after this frame (JSON), or undefined when the protocol keeps none. */
  readonly counters: string | undefined;
}

/**
 * The sending meter's id: the wM-Bus link address, the DLMS system title, or for DSMR/SML the id the input
 * is pinned to, else the id in the (clear-text) frame. Throws CodecError when the frame does not even say.
 */
export function senderOf(protocol: Protocol, text: string, pinned?: string): string {
  if (pinned !== undefined) return normaliseMeterId(pinned);
  switch (protocol) {
    case 'wmbus':
      return wmbusMeterOf(text);
    case 'dlms': {
      const bytes = hexToBytes(text.trim());
      if (bytes.length === 0 || !isCipheredTag(bytes[0]!)) throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'a clear-text DLMS APDU names no system title: pin the input to a meter');
      const title = decodeCipheredApdu(bytes).systemTitle;
      if (title === undefined) throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'the ciphered APDU carries no system title: pin the input to a meter');
      return bytesToHex(title);
    }
    case 'dsmr':
    case 'sml': {
      const id = clearSession(protocol).decode(text).meter.id;
      if (id === undefined || id === '') throw new CodecError('CODEC_UNSUPPORTED', protocol, 'the telegram names no meter: pin the input to a meter');
      return normaliseMeterId(id);
    }
  }
}

/**
 * The meter a wM-Bus telegram belongs to as the codec keys it: the link address, or the transport layer's own
 * address when a long header names the meter behind a repeater or data collector. A keyless pass that stops at
 * the first key lookup finds it without any decryption; plain telegrams simply decode.
 */
function wmbusMeterOf(text: string): string {
  const probe = new KeyProbe();
  try {
    return normaliseMeterId(probe.decode(text).meter.id ?? decodeLink(normaliseFrame(parseHex(text.trim()))).header.id);
  } catch (e) {
    if (probe.asked !== undefined) return probe.asked;
    throw e;
  }
}

/** A session without keys that remembers which meter's key the codec asked for. */
class KeyProbe extends WmbusSession {
  asked: string | undefined;

  override key(meterId: string): undefined {
    this.asked ??= meterId;
    return undefined;
  }
}

/** Decodes with the meter's key (if any) and seeded counters. Throws CodecError (wrong key, replay, corrupt). */
export function decodeForMeter(protocol: Protocol, meterId: string, text: string, key: Uint8Array | undefined, counters: string | undefined): MeterDecode {
  // DLMS and encrypted-P1 meters may hold EK || AK (32 bytes): the authentication key travels with the encryption key.
  const split = (protocol === 'dlms' || protocol === 'dsmr') && key !== undefined && key.length === 2 * DLMS_KEY_BYTES;
  const ek = split ? key.subarray(0, DLMS_KEY_BYTES) : key;
  const ak = split ? { ak: key.subarray(DLMS_KEY_BYTES) } : {};
  // Encrypted P1 looks its key up by system title, which need not be the id the meter is registered under.
  const keys = ek === undefined ? {} : protocol === 'dsmr' ? { key: ek, ...ak } : { byId: new Map([[meterId, ek]]), ...ak };
  const seed = counters === undefined ? undefined : (JSON.parse(counters) as Record<string, number>);
  switch (protocol) {
    case 'wmbus':
      return decodeWmbus(text, keys, counters);
    case 'dlms': {
      const s = new DlmsDecodeSession(keys, seed === undefined ? {} : { counters: seed });
      const frame = s.decode(text);
      const snap = s.counters();
      return { frame, counters: Object.keys(snap).length === 0 ? undefined : JSON.stringify(snap) };
    }
    case 'dsmr':
      return decodeP1(new DsmrSession(keys).decode(text), seed, counters);
    case 'sml':
      return { frame: clearSession('sml').decode(text), counters: undefined };
  }
}

/**
 * Encrypted P1 carries a DLMS invocation counter per system title, authenticated by the GCM tag: it must exceed
 * the persisted one, as for DLMS meters, so an old frame replayed later is refused even though its bytes were
 * never seen by this store (the frame hash catches only exact repeats still on record). Clear-text telegrams
 * leave the counters as they were.
 */
function decodeP1(frame: DecodedFrame, seed: Readonly<Record<string, number>> | undefined, stored: string | undefined): MeterDecode {
  const enc = frame.layers?.encryption as { readonly systemTitle?: unknown; readonly invocationCounter?: unknown } | undefined;
  if (enc === undefined || typeof enc.systemTitle !== 'string' || typeof enc.invocationCounter !== 'number') return { frame, counters: stored };
  const last = seed?.[enc.systemTitle];
  if (last !== undefined && enc.invocationCounter <= last) {
    throw new CodecError('CODEC_REPLAY', 'dsmr', `invocation counter ${enc.invocationCounter} of ${enc.systemTitle} does not exceed the last accepted ${last}`);
  }
  return { frame, counters: JSON.stringify({ ...seed, [enc.systemTitle]: enc.invocationCounter }) };
}

/**
 * wM-Bus state of one meter: the last accepted AFL counters, and the last full frame, from which a compact
 * frame's record headers are learnt again (compact frames only name a signature of a format sent before).
 */
interface WmbusState {
  readonly c: Readonly<Record<string, number>>;
  readonly f?: string;
}

function decodeWmbus(text: string, keys: DecodeKeys, stored: string | undefined): MeterDecode {
  const state = stored === undefined ? { c: {} } : (JSON.parse(stored) as WmbusState);
  const s = new GatewaySession({ keys }, state.c);
  if (state.f !== undefined) s.prime(state.f);
  const t = s.decodeBytes(parseHex(text.trim()), { ownsInput: true });
  const c = Object.fromEntries(s.counterSnapshot());
  const full = t.kind === 'telegram' && t.effects.fullFrame !== undefined ? text.trim() : state.f;
  const next: WmbusState = { c, ...(full === undefined ? {} : { f: full }) };
  return { frame: toDecodedFrame(t), counters: Object.keys(c).length === 0 && full === undefined ? undefined : JSON.stringify(next) };
}

/** A session seeded with persisted counters that can first re-read an old full frame without its counter check. */
class GatewaySession extends WmbusSession {
  private priming = false;

  constructor(
    options: { readonly keys: DecodeKeys },
    private readonly persisted: Readonly<Record<string, number>>,
  ) {
    super({ ...options, counters: persisted });
  }

  /** Learns the record format of an earlier full frame; a frame that no longer decodes teaches nothing. */
  prime(fullFrame: string): void {
    this.priming = true;
    try {
      this.decodeBytes(parseHex(fullFrame), { ownsInput: true });
    } catch {
      // The key may have changed since; compact frames then fail as unknown formats, as without a prime.
    } finally {
      this.priming = false;
    }
  }

  override lastCounter(meter: string): number | undefined {
    if (this.priming) return undefined;
    const seen = super.lastCounter(meter);
    const kept = this.persisted[meter];
    return seen === undefined ? kept : kept === undefined ? seen : Math.max(seen, kept);
  }
}

function clearSession(protocol: 'dsmr' | 'sml') {
  return protocol === 'dsmr' ? new DsmrSession({}) : smlFrameDecoder.session({});
}
