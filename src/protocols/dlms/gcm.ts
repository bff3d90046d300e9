import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * AES-GCM-128 with the 12-byte tag of DLMS security suite 0 (IEC 62056-5-3 9.2.3.3.8: IV = system title (8) ||
 * invocation counter (4)). Thin wrappers over node:crypto; callers turn `undefined` into a typed error.
 */

export const GCM_TAG_LENGTH = 12;
export const AES128_KEY_LENGTH = 16;

/** IV = system title || invocation counter (big endian). */
export function suite0Iv(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  return suite0IvInto(new Uint8Array(12), systemTitle, invocationCounter);
}

/** suite0Iv written into iv (12 bytes), which is returned. */
export function suite0IvInto(iv: Uint8Array, systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  for (let i = 0; i < 8; i++) iv[i] = systemTitle[i]!;
  iv[8] = invocationCounter >>> 24;
  iv[9] = invocationCounter >>> 16;
  iv[10] = invocationCounter >>> 8;
  iv[11] = invocationCounter;
  return iv;
}

/** A key object made once per key array, with the bytes it was made from (the caller may change the array). */
interface CachedKey {
  readonly bytes: Uint8Array;
  readonly key: KeyObject;
}

const keyObjects = new WeakMap<Uint8Array, CachedKey>();

/**
 * The KeyObject for a raw key, made once per key: a meter's frames all use the same key, and importing raw key
 * bytes on every call costs as much as deciphering a short frame. The cache entry goes with the key array;
 * if the caller rewrote the array, the bytes differ and the key is made anew.
 */
function secretKey(raw: Uint8Array): KeyObject {
  const cached = keyObjects.get(raw);
  if (cached !== undefined && sameBytes(cached.bytes, raw)) return cached.key;
  const key = createSecretKey(raw);
  keyObjects.set(raw, { bytes: Uint8Array.from(raw), key });
  return key;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A plain Uint8Array view of a Buffer node:crypto returned (no copy). */
const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv('aes-128-gcm', secretKey(key), iv, { authTagLength: GCM_TAG_LENGTH });
  c.setAAD(aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const ciphertext = tail.length === 0 ? view(head) : view(Buffer.concat([head, tail]));
  return { ciphertext, tag: view(c.getAuthTag()) };
}

/** The plaintext, or undefined when the tag does not verify. */
export function gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  const d = createDecipheriv('aes-128-gcm', secretKey(key), iv, { authTagLength: GCM_TAG_LENGTH });
  d.setAAD(aad);
  d.setAuthTag(tag);
  const head = d.update(ciphertext);
  try {
    const tail = d.final();
    return tail.length === 0 ? view(head) : view(Buffer.concat([head, tail]));
  } catch {
    return undefined;
  }
}

/**
 * Encryption without authentication: the GCM keystream alone (GCTR from inc32(J0)). GCM is a stream mode, so
 * the same call enciphers and deciphers; `final()` is never reached because there is no tag to check.
 */
export function gcmKeystreamXor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-128-gcm', secretKey(key), iv, { authTagLength: GCM_TAG_LENGTH });
  return view(d.update(data));
}

/** Constant-time equality of two tags. */
export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
