import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * AES-GCM-128 with the 12-byte tag of DLMS security suite 0 (IEC 62056-5-3 9.2.3.3.8: IV = system title (8) ||
 * invocation counter (4)). Thin wrappers over node:crypto; callers turn `undefined` into a typed error.
 */

export const GCM_TAG_LENGTH = 12;
export const AES128_KEY_LENGTH = 16;

/** IV = system title || invocation counter (big endian). */
export function suite0Iv(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  const iv = new Uint8Array(12);
  iv.set(systemTitle.subarray(0, 8), 0);
  new DataView(iv.buffer).setUint32(8, invocationCounter >>> 0, false);
  return iv;
}

export function gcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): { ciphertext: Uint8Array; tag: Uint8Array } {
  const c = createCipheriv('aes-128-gcm', key, iv, { authTagLength: GCM_TAG_LENGTH });
  c.setAAD(aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const ciphertext = tail.length === 0 ? new Uint8Array(head) : new Uint8Array(Buffer.concat([head, tail]));
  return { ciphertext, tag: new Uint8Array(c.getAuthTag()) };
}

/** The plaintext, or undefined when the tag does not verify. */
export function gcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: GCM_TAG_LENGTH });
  d.setAAD(aad);
  d.setAuthTag(tag);
  const head = d.update(ciphertext);
  try {
    const tail = d.final();
    return tail.length === 0 ? new Uint8Array(head) : new Uint8Array(Buffer.concat([head, tail]));
  } catch {
    return undefined;
  }
}

/**
 * Encryption without authentication: the GCM keystream alone (GCTR from inc32(J0)). GCM is a stream mode, so
 * the same call enciphers and deciphers; `final()` is never reached because there is no tag to check.
 */
export function gcmKeystreamXor(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: GCM_TAG_LENGTH });
  return new Uint8Array(d.update(data));
}

/** Constant-time equality of two tags. */
export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
