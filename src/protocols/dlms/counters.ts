import { bytesToHex } from '../bytes.js';
import { CodecError } from '../errors.js';
import type { CipheredApdu } from './ciphering.js';

/**
 * Invocation counters per (system title, key): IEC 62056-5-3 9.2.3.3.8 requires a receiver to reject any
 * counter that is not greater than the last one accepted under the same key. The gateway persists the
 * snapshot (`export()`) and seeds a new tracker with it after a restart.
 */

/** Which key protected an APDU: counters of different keys are independent. */
export type CounterKeyId = 'glo-unicast' | 'glo-broadcast' | 'ded';

export function counterKeyId(apdu: Pick<CipheredApdu, 'form' | 'securityControl'>): CounterKeyId {
  if (apdu.form === 'service-ded' || apdu.form === 'general-ded') return 'ded';
  return apdu.securityControl.broadcastKey ? 'glo-broadcast' : 'glo-unicast';
}

/** Snapshot: "<SYSTEM TITLE HEX>/<key id>" -> last accepted counter. */
export type CounterSnapshot = Readonly<Record<string, number>>;

const ENTRY_RE = /^[0-9A-F]{16}\/[a-z-]+$/;
const MAX_COUNTER = 0xffffffff;

const titleHex = (t: Uint8Array | string): string => (typeof t === 'string' ? t.toUpperCase() : bytesToHex(t));

export class InvocationCounterTracker {
  private readonly lastAccepted = new Map<string, number>();

  /** Seed from a snapshot; a broken snapshot is CODEC_BAD_INPUT (never silently reset to zero). */
  constructor(seed: CounterSnapshot = {}) {
    for (const [entry, value] of Object.entries(seed)) {
      if (!ENTRY_RE.test(entry)) throw new CodecError('CODEC_BAD_INPUT', 'dlms', `counter snapshot entry ${JSON.stringify(entry.slice(0, 40))} is not "<16 hex digits>/<key id>"`);
      if (!Number.isInteger(value) || value < 0 || value > MAX_COUNTER) {
        throw new CodecError('CODEC_BAD_INPUT', 'dlms', `counter snapshot entry ${entry} is not an unsigned 32-bit integer`);
      }
      this.lastAccepted.set(entry, value);
    }
  }

  static entry(systemTitle: Uint8Array | string, keyId: string): string {
    return `${titleHex(systemTitle)}/${keyId}`;
  }

  last(systemTitle: Uint8Array | string, keyId: string): number | undefined {
    return this.lastAccepted.get(InvocationCounterTracker.entry(systemTitle, keyId));
  }

  /** Throws CODEC_REPLAY when `counter` does not strictly exceed the last accepted one; records nothing. */
  check(systemTitle: Uint8Array | string, keyId: string, counter: number): void {
    const last = this.last(systemTitle, keyId);
    if (last !== undefined && counter <= last) {
      throw new CodecError('CODEC_REPLAY', 'dlms', `invocation counter ${counter} of ${titleHex(systemTitle)} (${keyId}) does not exceed the last accepted ${last}`);
    }
  }

  /** Check, then record. Call only after the APDU authenticated, so a forged APDU cannot burn counters. */
  accept(systemTitle: Uint8Array | string, keyId: string, counter: number): void {
    this.check(systemTitle, keyId, counter);
    this.lastAccepted.set(InvocationCounterTracker.entry(systemTitle, keyId), counter);
  }

  export(): Record<string, number> {
    return Object.fromEntries(this.lastAccepted);
  }
}
