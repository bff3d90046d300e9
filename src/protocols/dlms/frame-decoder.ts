import { bytesToHex, hexToBytes } from '../bytes.js';
import type { DecodeKeys, DecodeSession, FrameDecoder } from '../decoder.js';
import { CodecError } from '../errors.js';
import type { DecodedFrame, SecurityVerdict } from '../reading.js';
import { type Apdu, type AttributeDescriptor, decodeApdu } from './apdu.js';
import { APDU_TAG } from './apdu-tags.js';
import { type CipheredApdu, decipherApdu, decodeCipheredApdu, isCipheredTag, isP1Telegram } from './ciphering.js';
import { type CounterSnapshot, counterKeyId, InvocationCounterTracker } from './counters.js';
import { isMbusLongFrame, reassembleMbusSegments } from './mbus-transport.js';
import { readingsFromApdu } from './readings.js';

/** Tags worth a structural probe when guessing the protocol of a hex frame. */
const SNIFF_PLAIN_TAGS: ReadonlySet<number> = new Set<number>([
  APDU_TAG.dataNotification,
  APDU_TAG.getRequest,
  APDU_TAG.getResponse,
  APDU_TAG.eventNotificationRequest,
]);

/** Uint8Array -> hex and bigint -> decimal text, so layers print as JSON. */
function jsonSafe(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'bigint' ? v.toString() : v;
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return v.map(jsonSafe);
  const out: Record<string, unknown> = {};
  for (const k in v) out[k] = jsonSafe((v as Record<string, unknown>)[k]);
  return out;
}

/**
 * The APDU layer is converted only when someone reads it (JSON.stringify does): most gateway decodes
 * only want the readings, and converting the whole value tree costs more than the decryption.
 */
function lazyApduLayer(layers: Record<string, unknown>, apdu: Apdu): Record<string, unknown> {
  let cached: unknown;
  return Object.defineProperty(layers, 'apdu', {
    enumerable: true,
    get: () => {
      cached ??= jsonSafe(apdu);
      return cached;
    },
  });
}

function verdictOf(env: CipheredApdu): SecurityVerdict {
  const sc = env.securityControl;
  if (sc.encryption) return sc.authentication ? 'decrypted-authenticated' : 'decrypted';
  return 'authenticated';
}

export interface DlmsSessionOptions {
  /** Counters accepted earlier (persisted by the gateway). */
  readonly counters?: CounterSnapshot;
}

/** A decode session: keys by system title, replay tracking, and get-request attributes by invoke id. */
export class DlmsDecodeSession implements DecodeSession {
  private readonly tracker: InvocationCounterTracker;
  private readonly requested = new Map<number, AttributeDescriptor>();

  constructor(
    private readonly keys: DecodeKeys,
    opts: DlmsSessionOptions = {},
  ) {
    this.tracker = new InvocationCounterTracker(opts.counters);
  }

  /** Snapshot of the accepted invocation counters, for persisting. */
  counters(): Record<string, number> {
    return this.tracker.export();
  }

  decode(frame: string): DecodedFrame {
    const input = hexToBytes(frame);
    // A raw wired M-Bus stream (Austrian customer interfaces) carries the APDU in long-frame segments.
    const bytes = isMbusLongFrame(input) ? reassembleMbusSegments(input).apdu : input;
    const first = bytes[0]!;
    if (!isCipheredTag(first)) {
      const apdu = decodeApdu(bytes);
      const warnings = this.keys.key !== undefined || (this.keys.byId?.size ?? 0) > 0 ? ['a key was given but the APDU is not ciphered'] : [];
      return this.frame(apdu, undefined, undefined, 'plaintext', 'none', warnings);
    }
    const env = decodeCipheredApdu(bytes);
    const title = env.systemTitle ?? this.onlyTitle();
    if (title === undefined) {
      throw new CodecError('CODEC_NO_KEY', 'dlms', `${env.service} APDU carries no system title: give exactly one key by system title (--keys)`);
    }
    const titleHex = bytesToHex(title);
    const ek = this.keys.byId?.get(titleHex) ?? this.keys.key;
    if (ek === undefined) throw new CodecError('CODEC_NO_KEY', 'dlms', `no encryption key for system title ${titleHex}`);
    const d = decipherApdu(bytes, { ek, ...(this.keys.ak !== undefined ? { ak: this.keys.ak } : {}) }, { systemTitle: title });
    const keyId = counterKeyId(env);
    this.tracker.check(title, keyId, env.invocationCounter);
    const security = `suite${env.securityControl.suite}`;
    const warnings = env.securityControl.broadcastKey ? ['protected with the global broadcast key'] : [];
    if (isP1Telegram(d.plaintext)) {
      this.tracker.accept(title, keyId, env.invocationCounter);
      return {
        protocol: 'dlms',
        meter: { systemTitle: titleHex },
        security,
        verdict: verdictOf(env),
        readings: [],
        warnings: [...warnings, 'the plaintext is a DSMR P1 telegram: decode it with --protocol dsmr'],
        layers: { ciphering: this.cipheringLayer(env), p1Telegram: Buffer.from(d.plaintext).toString('latin1') },
      };
    }
    let apdu: Apdu;
    try {
      apdu = decodeApdu(d.plaintext);
    } catch (e) {
      // Without a tag, a plaintext that does not parse is the sign of a wrong key.
      if (e instanceof CodecError && !env.securityControl.authentication) {
        throw new CodecError('CODEC_WRONG_KEY', 'dlms', `deciphered content does not parse as an APDU (${e.code}): wrong key?`);
      }
      throw e;
    }
    this.tracker.accept(title, keyId, env.invocationCounter);
    return this.frame(apdu, env, titleHex, verdictOf(env), security, warnings);
  }

  private onlyTitle(): Uint8Array | undefined {
    const ids = [...(this.keys.byId?.keys() ?? [])];
    return ids.length === 1 && /^[0-9A-F]{16}$/.test(ids[0]!) ? hexToBytes(ids[0]!) : undefined;
  }

  private cipheringLayer(env: CipheredApdu): Record<string, unknown> {
    const sc = env.securityControl;
    return {
      form: env.form,
      tag: env.tag,
      securityControl: sc.byte,
      suite: sc.suite,
      authentication: sc.authentication,
      encryption: sc.encryption,
      broadcastKey: sc.broadcastKey,
      invocationCounter: env.invocationCounter,
    };
  }

  private frame(apdu: Apdu, env: CipheredApdu | undefined, titleHex: string | undefined, verdict: SecurityVerdict, security: string, warnings: string[]): DecodedFrame {
    let requested: AttributeDescriptor | undefined;
    if (apdu.kind === 'get-request-normal') this.requested.set(apdu.invokeIdAndPriority & 0x0f, apdu.attribute);
    if (apdu.kind === 'get-response-normal') {
      requested = this.requested.get(apdu.invokeIdAndPriority & 0x0f);
      this.requested.delete(apdu.invokeIdAndPriority & 0x0f);
    }
    const readings = readingsFromApdu(apdu, requested !== undefined ? { requested } : {});
    return {
      protocol: 'dlms',
      meter: titleHex !== undefined ? { systemTitle: titleHex } : {},
      security,
      verdict,
      readings,
      warnings,
      layers: lazyApduLayer(env !== undefined ? { ciphering: this.cipheringLayer(env) } : {}, apdu),
    };
  }
}

/**
 * One hex APDU (plain, glo-/ded-, or general-glo/-ded ciphered, bare or in M-Bus long-frame segments) per
 * line; '#' starts a comment line.
 */
export const dlmsFrameDecoder: FrameDecoder = {
  protocol: 'dlms',
  split(text: string): string[] {
    return text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
  },
  sniff(frame: string): boolean {
    let b: Uint8Array;
    try {
      b = hexToBytes(frame);
    } catch {
      return false;
    }
    try {
      if (isMbusLongFrame(b)) b = reassembleMbusSegments(b).apdu;
      const tag = b[0]!;
      if (isCipheredTag(tag)) decodeCipheredApdu(b);
      else if (SNIFF_PLAIN_TAGS.has(tag)) decodeApdu(b);
      else return false;
      return true;
    } catch {
      return false;
    }
  },
  session(keys: DecodeKeys): DecodeSession {
    return new DlmsDecodeSession(keys);
  },
};
