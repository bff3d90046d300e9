import { type KeyObject, createPrivateKey } from 'node:crypto';
import { curveOfKey } from '../../crypto/ec-keys.js';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { KeyInfo } from '../../crypto/security-module.js';

/** A memory security module that also takes a fixture's key, so certificates made by openssl match its keys. */
export class ImportingSecurityModule extends MemorySecurityModule {
  importPem(label: string, keyPem: string): KeyInfo {
    const priv: KeyObject = createPrivateKey(keyPem);
    return this.put(label, curveOfKey(priv), priv);
  }
}
