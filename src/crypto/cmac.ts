import { createCipheriv, type KeyObject } from 'node:crypto';

/** AES-CMAC (RFC 4493, NIST SP 800-38B) over AES-128, built on node:crypto's AES-CBC/ECB. */

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);
/** R_b of SP 800-38B for a 128-bit block cipher. */
const RB = 0x87;

export type AesKey = Uint8Array | KeyObject;

/** Doubling in GF(2^128): shift left by one bit, fold the carry back with R_b. */
function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  let carry = 0;
  for (let i = BLOCK - 1; i >= 0; i--) {
    const b = block[i]!;
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry !== 0) out[BLOCK - 1]! ^= RB;
  return out;
}

function checkKey(key: AesKey): void {
  const len = key instanceof Uint8Array ? key.length : key.symmetricKeySize;
  if (len !== 16) throw new RangeError(`AES-CMAC needs a 16-byte key, got ${len ?? '?'} bytes`);
}

/** A CMAC instance for one key: the subkeys K1 and K2 are derived once and reused for every message. */
export class AesCmac {
  private readonly key: AesKey;
  private readonly k1: Uint8Array;
  private readonly k2: Uint8Array;

  constructor(key: AesKey) {
    checkKey(key);
    this.key = key;
    const l = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(ZERO_IV);
    this.k1 = double(l);
    this.k2 = double(this.k1);
  }

  /**
   * The CMAC of each 16-byte block of `blocks`, taken as a message of its own, in one ECB call: a complete
   * one-block message M has the tag E(K, M xor K1) (SP 800-38B 6.2). Returns the tags one after another.
   */
  eachBlock(blocks: Uint8Array): Uint8Array {
    if (blocks.length === 0 || blocks.length % BLOCK !== 0) throw new RangeError(`eachBlock needs whole 16-byte blocks, got ${blocks.length} bytes`);
    const msg = Buffer.from(blocks);
    for (let at = 0; at < msg.length; at += BLOCK) for (let i = 0; i < BLOCK; i++) msg[at + i]! ^= this.k1[i]!;
    return new Uint8Array(createCipheriv('aes-128-ecb', this.key, null).setAutoPadding(false).update(msg));
  }

  /** The full 16-byte tag of the concatenation of `parts` (no copy of the parts is kept). */
  mac(...parts: readonly Uint8Array[]): Uint8Array {
    let total = 0;
    for (const p of parts) total += p.length;
    const complete = total > 0 && total % BLOCK === 0;
    const padded = complete ? total : (Math.floor(total / BLOCK) + 1) * BLOCK;
    const msg = Buffer.alloc(padded);
    let at = 0;
    for (const p of parts) {
      msg.set(p, at);
      at += p.length;
    }
    // Incomplete last block: 10* padding and K2; complete: K1.
    if (!complete) msg[total] = 0x80;
    const sub = complete ? this.k1 : this.k2;
    const last = padded - BLOCK;
    for (let i = 0; i < BLOCK; i++) msg[last + i]! ^= sub[i]!;
    // CBC-MAC with a zero IV: the last cipher block is the tag.
    const c = createCipheriv('aes-128-cbc', this.key, ZERO_IV).setAutoPadding(false).update(msg);
    return new Uint8Array(c.buffer, c.byteOffset + c.length - BLOCK, BLOCK).slice();
  }
}

/** One-shot AES-CMAC of `message` under a 16-byte key. */
export const aesCmac = (key: AesKey, message: Uint8Array): Uint8Array => new AesCmac(key).mac(message);
