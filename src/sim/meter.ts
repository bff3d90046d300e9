import type { Protocol } from '../protocols/reading.js';
import { SimError } from './errors.js';
import { PROFILE_ORIGIN_MS, type Profile } from './profiles.js';

/** One frame as the decoders' `FrameDecoder.session().decode` takes it: hex for binary protocols, text for DSMR. */
export interface SimFrame {
  readonly protocol: Protocol;
  readonly text: string;
}

/** What every simulated meter offers the fleet, the feed and the tests. */
export interface SimMeter {
  readonly kind: 'wmbus' | 'dsmr' | 'dlms' | 'sml';
  readonly protocol: Protocol;
  /**
   * How the gateway knows the meter: wM-Bus id, DSMR equipment id (the system title for encrypted P1, whose key
   * goes by it), DLMS system title (hex), SML server id (hex).
   */
  readonly id: string;
  readonly profile: Profile;
  /** Encryption key, when the meter encrypts. */
  readonly key?: Uint8Array;
  /** DLMS authentication key (AAD = SC || AK), when the meter authenticates. */
  readonly ak?: Uint8Array;
  /** Uppercase hex system title of DLMS and encrypted DSMR meters: the decoders look keys up by it. */
  readonly systemTitle?: string;
  frame(timeMs: number): SimFrame;
}

/**
 * The message / invocation counter / access number a meter sends at a time: whole seconds since the profile
 * origin, plus one. A pure function of t that grows with t, so frames at least a second apart carry
 * increasing counters and a replayed frame repeats an old one.
 */
export function counterAt(timeMs: number): number {
  if (!Number.isFinite(timeMs) || timeMs < PROFILE_ORIGIN_MS) {
    throw new SimError('SIM_BAD_OPTION', `time ${timeMs} is before the profile origin`);
  }
  const c = Math.floor((timeMs - PROFILE_ORIGIN_MS) / 1000) + 1;
  if (c > 0xffffffff) throw new SimError('SIM_BAD_OPTION', `time ${timeMs} is past the last 32-bit counter value`);
  return c;
}

export function checkKey(key: Uint8Array, what: string): Uint8Array {
  if (key.length !== 16) throw new SimError('SIM_BAD_OPTION', `${what} must be 16 bytes (AES-128), got ${key.length}`);
  return key;
}
