import { ByteReader, ByteWriter } from '../bytes.js';
import { CodecError } from '../errors.js';
import { APDU_TAG, CIPHERED_SERVICE_TAGS, cipheredServiceOf, isPlainApduTag, type KeyScope } from './apdu-tags.js';
import { AES128_KEY_LENGTH, GCM_TAG_LENGTH, gcmKeystreamXor, gcmOpen, gcmSeal, suite0Iv, suite0IvInto, tagsEqual } from './gcm.js';
import { readAxdrLength, writeAxdrLength } from './length.js';

/** Security control byte (IEC 62056-5-3 9.2.7.2.3 / Green Book table "Security control byte"). */
export const SECURITY_CONTROL = {
  suiteMask: 0x0f, // bits 0-3: security suite id
  authentication: 0x10, // bit 4
  encryption: 0x20, // bit 5
  broadcastKey: 0x40, // bit 6: global broadcast key instead of unicast
  compression: 0x80, // bit 7
} as const;

export const SYSTEM_TITLE_LENGTH = 8;

export interface SecurityControl {
  readonly byte: number;
  readonly suite: number;
  readonly authentication: boolean;
  readonly encryption: boolean;
  readonly broadcastKey: boolean;
  readonly compression: boolean;
}

export function decodeSecurityControl(byte: number): SecurityControl {
  return {
    byte,
    suite: byte & SECURITY_CONTROL.suiteMask,
    authentication: (byte & SECURITY_CONTROL.authentication) !== 0,
    encryption: (byte & SECURITY_CONTROL.encryption) !== 0,
    broadcastKey: (byte & SECURITY_CONTROL.broadcastKey) !== 0,
    compression: (byte & SECURITY_CONTROL.compression) !== 0,
  };
}

/**
 * Suite 0 is AES-GCM-128. Suite 1 (ECDH-ECDSA-AES-GCM-128-SHA-256) ciphers glo-/ded- APDUs with the very same
 * AES-GCM-128 (some meters, e.g. the Kaifa of the Tirol vector, set suite 1 on plain symmetric pushes), so we
 * decipher those too; its ECDSA/ECDH services and suite 2 (AES-GCM-256, P-384) are not implemented.
 */
function checkSupported(sc: SecurityControl, offset: number): void {
  if (sc.suite === 2) throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'security suite 2 (AES-GCM-256, ECDSA/ECDH P-384) is not supported yet; it may come later', offset);
  if (sc.suite > 2) throw new CodecError('CODEC_MALFORMED', 'dlms', `security suite ${sc.suite} is reserved`, offset);
  if (sc.compression) throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'compressed ciphered APDUs (security control bit 7) are not supported', offset);
  if (!sc.authentication && !sc.encryption) throw new CodecError('CODEC_MALFORMED', 'dlms', 'ciphered APDU with neither authentication nor encryption set', offset);
}

export type CipheredForm = 'service-glo' | 'service-ded' | 'general-glo' | 'general-ded';

/** The envelope of a ciphered APDU, parsed without keys. */
export interface CipheredApdu {
  readonly kind: 'ciphered-apdu';
  readonly form: CipheredForm;
  readonly tag: number;
  /** Service-specific forms: the service and the tag its plaintext carries. */
  readonly service?: string;
  readonly plainTag?: number;
  /** General forms carry the sender's system title. */
  readonly systemTitle?: Uint8Array;
  readonly securityControl: SecurityControl;
  readonly invocationCounter: number;
  /** The ciphertext; for authentication-only, the APDU in clear. */
  readonly information: Uint8Array;
  /** 12-byte tag when authenticated. */
  readonly authTag?: Uint8Array;
}

/** Whether a byte starts a ciphered APDU this module handles. */
export function isCipheredTag(tag: number): boolean {
  return tag === APDU_TAG.generalGloCiphering || tag === APDU_TAG.generalDedCiphering || cipheredServiceOf(tag) !== undefined;
}

/** Parse the envelope: tag, [system title], length, SC, IC, information, [tag]. No keys needed. */
export function decodeCipheredApdu(bytes: Uint8Array): CipheredApdu {
  const r = new ByteReader(bytes, 'dlms');
  const tag = r.u8('APDU tag');
  let form: CipheredForm;
  let service: string | undefined;
  let plainTag: number | undefined;
  let systemTitle: Uint8Array | undefined;
  if (tag === APDU_TAG.generalGloCiphering || tag === APDU_TAG.generalDedCiphering) {
    form = tag === APDU_TAG.generalGloCiphering ? 'general-glo' : 'general-ded';
    const at = r.offset;
    const titleLength = readAxdrLength(r, 'system title length');
    if (titleLength !== SYSTEM_TITLE_LENGTH) {
      throw new CodecError('CODEC_MALFORMED', 'dlms', `system title must be ${SYSTEM_TITLE_LENGTH} bytes, header says ${titleLength}`, at);
    }
    systemTitle = r.bytesView(SYSTEM_TITLE_LENGTH, 'system title');
  } else {
    const s = cipheredServiceOf(tag);
    if (tag === APDU_TAG.generalCiphering || tag === APDU_TAG.generalSigning) {
      throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'general-ciphering/general-signing (suites 1 and 2 key agreement, ECDSA) are not supported yet; they may come later', 0);
    }
    if (s === undefined) throw new CodecError('CODEC_MALFORMED', 'dlms', `tag 0x${tag.toString(16)} is not a ciphered APDU`, 0);
    form = s.scope === 'glo' ? 'service-glo' : 'service-ded';
    service = s.entry.service;
    plainTag = s.entry.plain;
  }
  const lengthAt = r.offset;
  const length = readAxdrLength(r, 'ciphered content length');
  if (length !== r.remaining) {
    throw new CodecError(length > r.remaining ? 'CODEC_TRUNCATED' : 'CODEC_LENGTH_MISMATCH', 'dlms', `ciphered content length ${length} but ${r.remaining} byte(s) follow`, lengthAt);
  }
  const scAt = r.offset;
  const securityControl = decodeSecurityControl(r.u8('security control'));
  checkSupported(securityControl, scAt);
  const invocationCounter = r.u32be('invocation counter');
  const tagLength = securityControl.authentication ? GCM_TAG_LENGTH : 0;
  if (r.remaining < tagLength) throw new CodecError('CODEC_TRUNCATED', 'dlms', `authentication tag needs ${tagLength} bytes, ${r.remaining} left`, r.offset);
  const information = r.bytesView(r.remaining - tagLength, 'information');
  const authTag = tagLength > 0 ? r.bytesView(tagLength, 'authentication tag') : undefined;
  // Built field by field rather than with conditional spreads, which cost a temporary object each: this runs
  // once per frame. Absent fields stay absent (not undefined), in the same order as before.
  const env: { -readonly [K in keyof CipheredApdu]: CipheredApdu[K] } = { kind: 'ciphered-apdu', form, tag } as CipheredApdu;
  if (service !== undefined) {
    env.service = service;
    env.plainTag = plainTag;
  }
  if (systemTitle !== undefined) env.systemTitle = systemTitle;
  env.securityControl = securityControl;
  env.invocationCounter = invocationCounter;
  env.information = information;
  if (authTag !== undefined) env.authTag = authTag;
  return env;
}

export interface CipherKeys {
  /** Encryption key: global unicast/broadcast for glo- forms, the dedicated key for ded- forms. */
  readonly ek: Uint8Array;
  /** Authentication key, needed when the security control asks for authentication. */
  readonly ak?: Uint8Array;
}

export interface DecipheredApdu extends CipheredApdu {
  /** The sender's system title used for the IV (from the frame, or the one given for service-specific forms). */
  readonly systemTitle: Uint8Array;
  readonly plaintext: Uint8Array;
}

export interface DecipherOptions {
  /** Sender's system title for service-specific forms, which do not carry it (learnt from the AARQ/AARE). */
  readonly systemTitle?: Uint8Array;
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== AES128_KEY_LENGTH) throw new CodecError('CODEC_BAD_INPUT', 'dlms', `${what} must be ${AES128_KEY_LENGTH} bytes, got ${key.length}`);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** AAD = SC || AK, plus the information in clear for authentication-only (Green Book 9.2.7.2.4.2). */
export function suite0Aad(securityControl: number, ak: Uint8Array, clearInformation?: Uint8Array): Uint8Array {
  const aad = new Uint8Array(1 + ak.length + (clearInformation?.length ?? 0));
  aad[0] = securityControl;
  aad.set(ak, 1);
  if (clearInformation !== undefined) aad.set(clearInformation, 1 + ak.length);
  return aad;
}

/** Decipher and/or authenticate a glo-/ded- or general-glo/-ded APDU. Throws CodecError. */
export function decipherApdu(bytes: Uint8Array, keys: CipherKeys, opts: DecipherOptions = {}): DecipheredApdu {
  const env = decodeCipheredApdu(bytes);
  const systemTitle = checkedTitle(env, env.systemTitle ?? opts.systemTitle);
  const plaintext = openEnvelope(env, systemTitle, keys);
  return { ...env, systemTitle, plaintext };
}

function checkedTitle(env: CipheredApdu, systemTitle: Uint8Array | undefined): Uint8Array {
  if (systemTitle === undefined) {
    throw new CodecError('CODEC_NO_KEY', 'dlms', `${env.service ?? 'ciphered'} APDU carries no system title and none was given: the IV cannot be formed`);
  }
  if (systemTitle.length !== SYSTEM_TITLE_LENGTH) throw new CodecError('CODEC_BAD_INPUT', 'dlms', `system title must be ${SYSTEM_TITLE_LENGTH} bytes, got ${systemTitle.length}`);
  return systemTitle;
}

/**
 * IV and AAD (SC || AK) of the decipher path, reused: node:crypto copies both during the call, and a fresh
 * small typed array costs more than it looks, since V8 must move its bytes off its heap for the native side.
 */
const ivScratch = new Uint8Array(new ArrayBuffer(12));
const aadScratch = new Uint8Array(new ArrayBuffer(1 + AES128_KEY_LENGTH));

/** The checked plaintext of a parsed envelope whose system title was checked. Throws CodecError. */
function openEnvelope(env: CipheredApdu, systemTitle: Uint8Array, keys: CipherKeys): Uint8Array {
  return openContent(env.securityControl.byte, systemTitle, env.invocationCounter, env.information, env.authTag, keys, env.form, env.plainTag);
}

/**
 * openEnvelope over the fields themselves (security control byte, system title, invocation counter,
 * information, tag; form and plaintext tag for the check of the content): the general-glo fast path has
 * no envelope object to pass.
 */
function openContent(
  scByte: number,
  systemTitle: Uint8Array,
  invocationCounter: number,
  information: Uint8Array,
  authTag: Uint8Array | undefined,
  keys: CipherKeys,
  form: CipheredForm,
  plainTag: number | undefined,
  p1ByCaller = false,
): Uint8Array {
  checkKey(keys.ek, 'encryption key');
  const authentication = (scByte & SECURITY_CONTROL.authentication) !== 0;
  const encryption = (scByte & SECURITY_CONTROL.encryption) !== 0;
  if (authentication) {
    if (keys.ak === undefined) throw new CodecError('CODEC_NO_KEY', 'dlms', 'the APDU is authenticated and no authentication key was given');
    checkKey(keys.ak, 'authentication key');
  }
  const iv = suite0IvInto(ivScratch, systemTitle, invocationCounter);
  let plaintext: Uint8Array;
  if (authentication && encryption) {
    aadScratch[0] = scByte;
    aadScratch.set(keys.ak!, 1);
    const opened = gcmOpen(keys.ek, iv, aadScratch, information, authTag!);
    if (opened === undefined) throw new CodecError('CODEC_AUTH_FAILED', 'dlms', 'authentication tag does not verify: wrong key or altered APDU');
    plaintext = opened;
  } else if (authentication) {
    const { tag } = gcmSeal(keys.ek, iv, suite0Aad(scByte, keys.ak!, information), new Uint8Array(0));
    if (!tagsEqual(tag, authTag!)) throw new CodecError('CODEC_AUTH_FAILED', 'dlms', 'authentication tag does not verify: wrong key or altered APDU');
    plaintext = information;
  } else {
    plaintext = gcmKeystreamXor(keys.ek, iv, information);
  }
  checkPlaintext(plaintext, authentication, form, plainTag, p1ByCaller);
  return plaintext;
}

/** '/' (0x2F) starts a DSMR P1 telegram, which encrypted P1 carries inside general-glo-ciphering. */
const P1_TELEGRAM_START = 0x2f;

/** A DSMR P1 telegram: '/' then printable ASCII, CR and LF only (random bytes fail this at once). */
export function isP1Telegram(plaintext: Uint8Array): boolean {
  if (plaintext[0] !== P1_TELEGRAM_START) return false;
  const n = plaintext.length;
  let i = 1;
  // Four bytes per test: (b - 0x20) or (0x7E - b) is negative exactly when b is not printable, so one sign
  // test covers the group; only groups with a CR, an LF or a bad byte are looked at byte by byte.
  for (; i + 3 < n; i += 4) {
    const b0 = plaintext[i]!;
    const b1 = plaintext[i + 1]!;
    const b2 = plaintext[i + 2]!;
    const b3 = plaintext[i + 3]!;
    if (((b0 - 0x20) | (0x7e - b0) | (b1 - 0x20) | (0x7e - b1) | (b2 - 0x20) | (0x7e - b2) | (b3 - 0x20) | (0x7e - b3)) >= 0) continue;
    if (!isP1Byte(b0) || !isP1Byte(b1) || !isP1Byte(b2) || !isP1Byte(b3)) return false;
  }
  for (; i < n; i++) if (!isP1Byte(plaintext[i]!)) return false;
  return true;
}

const isP1Byte = (b: number): boolean => (b >= 0x20 && b <= 0x7e) || b === 0x0d || b === 0x0a;

/**
 * The first plaintext byte must be the tag the envelope promises: the plaintext tag of the service, or for
 * general forms any unciphered xDLMS APDU or a P1 telegram. Without authentication that is our first
 * wrong-key check; the frame decoder adds the second (the APDU must parse).
 */
function checkPlaintext(plaintext: Uint8Array, authentication: boolean, form: CipheredForm, plainTag: number | undefined, p1ByCaller: boolean): void {
  const first = plaintext[0];
  const ok =
    first !== undefined &&
    (plainTag !== undefined ? first === plainTag : isPlainApduTag(first) || (p1ByCaller ? first === P1_TELEGRAM_START : isP1Telegram(plaintext)));
  if (ok) return;
  if (!authentication) {
    throw new CodecError('CODEC_WRONG_KEY', 'dlms', 'deciphered content is not an APDU: wrong key?');
  }
  throw new CodecError('CODEC_MALFORMED', 'dlms', `authenticated content does not start with the APDU tag the ${form} envelope announces`);
}

export interface GeneralGloPlaintext {
  readonly systemTitle: Uint8Array;
  readonly invocationCounter: number;
  readonly securityControl: number;
  readonly plaintext: Uint8Array;
}

/**
 * What decipherGeneralGlo checks of the plaintext. 'full': an unciphered xDLMS APDU tag, or a P1 telegram of
 * printable ASCII, CR and LF only. 'p1-by-caller': the same, except that of a P1 telegram only its '/' is
 * checked here; the caller's parser checks its bytes in its own scan (encrypted P1 reads them anyway).
 */
export type GeneralGloContentCheck = 'full' | 'p1-by-caller';

/**
 * Decipher a general-glo-ciphering APDU (0xDB), as sent on encrypted P1 ports (Luxembourg smarty, Austrian
 * meters): DB 08 <system title> <length> <SC> <IC> <ciphertext> [<tag>]. Throws CodecError.
 */
export function decipherGeneralGlo(frame: Uint8Array, keys: { ek: Uint8Array; ak?: Uint8Array }, check: GeneralGloContentCheck = 'full'): GeneralGloPlaintext {
  if (frame[0] !== APDU_TAG.generalGloCiphering) {
    throw new CodecError(frame.length === 0 ? 'CODEC_TRUNCATED' : 'CODEC_MALFORMED', 'dlms', 'not a general-glo-ciphering APDU (0xDB)', 0);
  }
  const usual = openUsualGeneralGlo(frame, keys, check === 'p1-by-caller');
  if (usual !== undefined) return usual;
  // decipherApdu without its copy of the whole envelope: encrypted P1 needs only these four fields.
  const env = decodeCipheredApdu(frame);
  const systemTitle = checkedTitle(env, env.systemTitle);
  const plaintext = openEnvelope(env, systemTitle, keys);
  return { systemTitle, invocationCounter: env.invocationCounter, securityControl: env.securityControl.byte, plaintext };
}

/**
 * decipherGeneralGlo for the frame every P1 port sends (DB 08 <title> <length in 1-3 bytes> <SC of suite 0
 * or 1, authenticated and/or encrypted, not compressed> <IC> <information> [<tag>], the length exact), read
 * straight from the bytes: no reader, no envelope object. Anything else is undefined, and the general path
 * reads it, with its own errors; both paths check keys and content alike, in the same order.
 */
function openUsualGeneralGlo(frame: Uint8Array, keys: CipherKeys, p1ByCaller: boolean): GeneralGloPlaintext | undefined {
  const n = frame.length;
  if (n < 2 + SYSTEM_TITLE_LENGTH + 1 || frame[1] !== SYSTEM_TITLE_LENGTH) return undefined;
  // A-XDR length at offset 10: one byte below 0x80, or 0x81 / 0x82 and one or two bytes (length.ts).
  const first = frame[10]!;
  let at: number;
  let length: number;
  if (first < 0x80) {
    at = 11;
    length = first;
  } else if (first === 0x81 && n > 11) {
    at = 12;
    length = frame[11]!;
  } else if (first === 0x82 && n > 12) {
    at = 13;
    length = (frame[11]! << 8) | frame[12]!;
  } else return undefined;
  if (length !== n - at || length < 5) return undefined;
  const sc = frame[at]!;
  // What checkSupported accepts: suite 0 or 1, not compressed, authenticated and/or encrypted.
  if ((sc & SECURITY_CONTROL.suiteMask) > 1 || (sc & SECURITY_CONTROL.compression) !== 0) return undefined;
  if ((sc & (SECURITY_CONTROL.authentication | SECURITY_CONTROL.encryption)) === 0) return undefined;
  const invocationCounter = ((frame[at + 1]! << 24) | (frame[at + 2]! << 16) | (frame[at + 3]! << 8) | frame[at + 4]!) >>> 0;
  const tagLength = (sc & SECURITY_CONTROL.authentication) !== 0 ? GCM_TAG_LENGTH : 0;
  const information = at + 5;
  if (n - information < tagLength) return undefined;
  const systemTitle = frame.subarray(2, 2 + SYSTEM_TITLE_LENGTH);
  const authTag = tagLength > 0 ? frame.subarray(n - tagLength) : undefined;
  const plaintext = openContent(sc, systemTitle, invocationCounter, frame.subarray(information, n - tagLength), authTag, keys, 'general-glo', undefined, p1ByCaller);
  return { systemTitle, invocationCounter, securityControl: sc, plaintext };
}

export interface EncipherParams {
  readonly form: CipheredForm;
  /** Security control byte: suite in bits 0-3 plus 0x10/0x20/0x40. */
  readonly securityControl: number;
  readonly systemTitle: Uint8Array;
  readonly invocationCounter: number;
  readonly ek: Uint8Array;
  readonly ak?: Uint8Array;
}

const SERVICE_SCOPE: Readonly<Record<CipheredForm, KeyScope>> = {
  'service-glo': 'glo',
  'service-ded': 'ded',
  'general-glo': 'glo',
  'general-ded': 'ded',
};

/** Build a ciphered APDU from a plaintext APDU. Throws CodecError on parameters that cannot be encoded. */
export function encipherApdu(plaintext: Uint8Array, p: EncipherParams): Uint8Array {
  const sc = decodeSecurityControl(p.securityControl);
  checkSupported(sc, 0);
  checkKey(p.ek, 'encryption key');
  if (sc.authentication) {
    if (p.ak === undefined) throw new CodecError('CODEC_NO_KEY', 'dlms', 'authentication asked for and no authentication key was given');
    checkKey(p.ak, 'authentication key');
  }
  if (p.systemTitle.length !== SYSTEM_TITLE_LENGTH) throw new CodecError('CODEC_BAD_INPUT', 'dlms', `system title must be ${SYSTEM_TITLE_LENGTH} bytes`);
  if (!Number.isInteger(p.invocationCounter) || p.invocationCounter < 0 || p.invocationCounter > 0xffffffff) {
    throw new CodecError('CODEC_BAD_INPUT', 'dlms', 'invocation counter must be an unsigned 32-bit integer');
  }
  const w = new ByteWriter(plaintext.length + 40);
  if (p.form === 'general-glo' || p.form === 'general-ded') {
    w.u8(p.form === 'general-glo' ? APDU_TAG.generalGloCiphering : APDU_TAG.generalDedCiphering);
    writeAxdrLength(w, SYSTEM_TITLE_LENGTH).bytes(p.systemTitle);
  } else {
    const first = plaintext[0];
    const s = first === undefined ? undefined : cipheredServiceTagFor(first, SERVICE_SCOPE[p.form]);
    if (s === undefined) throw new CodecError('CODEC_UNSUPPORTED', 'dlms', 'this APDU has no service-specific ciphered tag: use a general form');
    w.u8(s);
  }
  const iv = suite0Iv(p.systemTitle, p.invocationCounter);
  let body: Uint8Array;
  if (sc.authentication && sc.encryption) {
    const { ciphertext, tag } = gcmSeal(p.ek, iv, suite0Aad(sc.byte, p.ak!), plaintext);
    body = concat(ciphertext, tag);
  } else if (sc.authentication) {
    body = concat(plaintext, gcmSeal(p.ek, iv, suite0Aad(sc.byte, p.ak!, plaintext), new Uint8Array(0)).tag);
  } else {
    body = gcmKeystreamXor(p.ek, iv, plaintext);
  }
  writeAxdrLength(w, 5 + body.length)
    .u8(sc.byte)
    .u32be(p.invocationCounter)
    .bytes(body);
  return w.finish();
}

function cipheredServiceTagFor(plainTag: number, scope: KeyScope): number | undefined {
  const entry = CIPHERED_SERVICE_TAGS.find((e) => e.plain === plainTag);
  return entry === undefined ? undefined : entry[scope];
}
