import { type KeyObject, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { SecurityModuleError } from './errors.js';
import { CURVE_OPENSSL_NAME, type Curve, type HashName, type KeyInfo, type SecurityModule, type TlsKeyOptions } from './security-module.js';
import { publicKeyFromPoint, pointFromPublicKey } from './ec-keys.js';

/** A security module that keeps keys in process memory only: for tests and throw-away demos. */
export class MemorySecurityModule implements SecurityModule {
  readonly kind: string = 'memory';
  private readonly keys = new Map<string, { info: KeyInfo; priv: KeyObject }>();

  protected entry(label: string): { info: KeyInfo; priv: KeyObject } {
    const e = this.keys.get(label);
    if (e === undefined) throw new SecurityModuleError('SM_NO_SUCH_KEY', `no key pair labelled ${JSON.stringify(label)}`);
    return e;
  }

  protected put(label: string, curve: Curve, priv: KeyObject): KeyInfo {
    const info: KeyInfo = { label, curve, publicKey: pointFromPublicKey(createPublicKey(priv)) };
    this.keys.set(label, { info, priv });
    return info;
  }

  protected entries(): ReadonlyMap<string, { info: KeyInfo; priv: KeyObject }> {
    return this.keys;
  }

  async generateKeyPair(label: string, curve: Curve): Promise<KeyInfo> {
    if (this.keys.has(label)) throw new SecurityModuleError('SM_KEY_EXISTS', `a key pair labelled ${JSON.stringify(label)} exists`);
    const name = CURVE_OPENSSL_NAME[curve];
    if (name === undefined) throw new SecurityModuleError('SM_UNSUPPORTED_CURVE', `curve ${String(curve)} is not offered`);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: name });
    return this.put(label, curve, privateKey);
  }

  async publicKey(label: string): Promise<KeyInfo> {
    return this.entry(label).info;
  }

  async sign(label: string, data: Uint8Array, hash: HashName): Promise<Uint8Array> {
    return new Uint8Array(sign(hash, data, { key: this.entry(label).priv, dsaEncoding: 'der' }));
  }

  async deriveSharedSecret(label: string, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    const e = this.entry(label);
    let peer: KeyObject;
    try {
      peer = publicKeyFromPoint(e.info.curve, peerPublicKey);
    } catch {
      throw new SecurityModuleError('SM_BAD_INPUT', `peer public key is not a point on ${e.info.curve}`);
    }
    return new Uint8Array(diffieHellman({ privateKey: e.priv, publicKey: peer }));
  }

  async randomBytes(n: number): Promise<Uint8Array> {
    return new Uint8Array(randomBytes(n));
  }

  async tlsKeyOptions(label: string): Promise<TlsKeyOptions> {
    return { kind: 'key-object', key: this.entry(label).priv };
  }

  async list(): Promise<readonly KeyInfo[]> {
    return [...this.keys.values()].map((e) => e.info);
  }

  async delete(label: string): Promise<void> {
    this.entry(label);
    this.keys.delete(label);
  }

  async close(): Promise<void> {
    this.keys.clear();
  }
}
