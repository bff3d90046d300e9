/** The X9.63 key derivation with ECC-CMS-SharedInfo that turns an ECDH secret into a key-encryption key (RFC 5753 §7.2). */
import { createHash } from 'node:crypto';
import { TAG, derElement } from './der.js';

export type KdfHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/**
 * ANSI X9.63 KDF (SEC 1 v2 §3.6.1): Hash(Z || counter || SharedInfo) for counter = 1, 2, ... (32-bit big-endian),
 * concatenated and cut to `length` bytes.
 */
export function x963Kdf(hash: KdfHash, z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const counter = Buffer.alloc(4);
  for (let filled = 0, i = 1; filled < length; i++) {
    counter.writeUInt32BE(i);
    const block = createHash(hash).update(z).update(counter).update(sharedInfo).digest();
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled);
    filled += block.length;
  }
  return out;
}

/**
 * DER of ECC-CMS-SharedInfo ::= SEQUENCE { keyInfo AlgorithmIdentifier, entityUInfo [0] EXPLICIT OCTET STRING
 * OPTIONAL, suppPubInfo [2] EXPLICIT OCTET STRING } (RFC 5753 §7.2), from the key-wrap AlgorithmIdentifier DER
 * exactly as the message carries it, the KEK length in bytes (suppPubInfo holds it in bits, 32-bit big-endian)
 * and the optional ukm.
 */
export function eccCmsSharedInfo(keyWrapDer: Uint8Array, kekBytes: number, ukm?: Uint8Array): Uint8Array {
  const bits = new Uint8Array(4);
  new DataView(bits.buffer).setUint32(0, kekBytes * 8);
  const parts = [keyWrapDer];
  if (ukm !== undefined) parts.push(derElement(TAG.cons0, derElement(TAG.octetString, ukm)));
  parts.push(derElement(TAG.cons2, derElement(TAG.octetString, bits)));
  return derElement(TAG.sequence, ...parts);
}
