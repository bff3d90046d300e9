import type { KeyObject } from 'node:crypto';
import { scrypt } from 'node:crypto';
import { resolve } from 'node:path';
import { checkCurve, checkLabel } from './_arguments.js';
import { readStoreText, writeStoreText } from './_atomic-file.js';
import {
  type KdfParams,
  type SealedKey,
  type StoreDocument,
  checkMatches,
  decodeStore,
  encodeStore,
  newCheck,
  newKdfParams,
  scryptArguments,
  sealKey,
  unsealKey,
} from './_keystore-format.js';
import { SecurityModuleError } from './errors.js';
import { MemorySecurityModule, generatePrivateKey } from './memory-module.js';
import type { Curve, KeyInfo } from './security-module.js';

/** Writers of one store file queue here, across every module instance of this process that has it open. */
const pathQueues = new Map<string, Promise<unknown>>();

function serialised<T>(path: string, job: () => Promise<T>): Promise<T> {
  const before = pathQueues.get(path) ?? Promise.resolve();
  const run = before.then(job, job);
  const tail = run.catch(() => undefined);
  pathQueues.set(path, tail);
  void tail.then(() => {
    if (pathQueues.get(path) === tail) pathQueues.delete(path);
  });
  return run;
}

function checkPassphrase(passphrase: unknown): asserts passphrase is string {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new SecurityModuleError('SM_BAD_INPUT', 'the passphrase must be a non-empty string');
}

function deriveStoreKey(passphrase: string, kdf: KdfParams): Promise<Buffer> {
  const { salt, keyLength, options } = scryptArguments(kdf);
  return new Promise((done, fail) => {
    scrypt(passphrase.normalize('NFC'), salt, keyLength, options, (e, key) => (e ? fail(new SecurityModuleError('SM_STORE_CORRUPT', 'scrypt refused the stored parameters')) : done(key)));
  });
}

/**
 * The embedded default: keys live in one file, each sealed under a passphrase-derived key, and in memory only
 * as KeyObjects. Every change rewrites the file atomically before it takes effect.
 */
export class SoftwareSecurityModule extends MemorySecurityModule {
  override readonly kind: string = 'software';
  /** Sealed form of every key we hold, as written; rewritten files are built from these. */
  private readonly sealed = new Map<string, SealedKey>();

  private constructor(
    private readonly path: string,
    private readonly kdf: KdfParams,
    private readonly check: StoreDocument['check'],
    private readonly storeKey: Buffer,
  ) {
    super();
  }

  /** Makes a new, empty store at `path` (SM_STORE_EXISTS if there is one). */
  static async create(path: string, passphrase: string): Promise<SoftwareSecurityModule> {
    checkPassphrase(passphrase);
    const full = resolve(path);
    const kdf = newKdfParams();
    const key = await deriveStoreKey(passphrase, kdf);
    const check = newCheck(key, kdf);
    await serialised(full, () => writeStoreText(full, encodeStore(kdf, check, []), true));
    return new SoftwareSecurityModule(full, kdf, check, key);
  }

  /** Opens the store at `path`: SM_STORE_NOT_FOUND, SM_STORE_CORRUPT or SM_WRONG_PASSPHRASE when it cannot. */
  static async open(path: string, passphrase: string): Promise<SoftwareSecurityModule> {
    checkPassphrase(passphrase);
    const full = resolve(path);
    const doc = decodeStore(await readStoreText(full));
    const key = await deriveStoreKey(passphrase, doc.kdf);
    if (!checkMatches(key, doc)) {
      key.fill(0);
      throw new SecurityModuleError('SM_WRONG_PASSPHRASE', `the passphrase does not open the key store at ${full}`);
    }
    const sm = new SoftwareSecurityModule(full, doc.kdf, doc.check, key);
    try {
      sm.adopt(doc);
    } catch (e) {
      await sm.close();
      throw e;
    }
    return sm;
  }

  override async generateKeyPair(label: string, curve: Curve): Promise<KeyInfo> {
    this.assertOpen();
    checkLabel(label);
    checkCurve(curve);
    return serialised(this.path, async () => {
      await this.reload();
      if (this.has(label)) throw new SecurityModuleError('SM_KEY_EXISTS', `a key pair labelled ${JSON.stringify(label)} exists`);
      const priv = await generatePrivateKey(curve);
      const entry = sealKey(this.storeKey, label, curve, priv);
      await this.write([...this.sealed.values(), entry]);
      this.sealed.set(label, entry);
      return this.put(label, curve, priv);
    });
  }

  override async delete(label: string): Promise<void> {
    this.assertOpen();
    checkLabel(label);
    await serialised(this.path, async () => {
      await this.reload();
      this.entry(label);
      await this.write([...this.sealed.values()].filter((k) => k.label !== label));
      this.sealed.delete(label);
      this.remove(label);
    });
  }

  override async close(): Promise<void> {
    await serialised(this.path, async () => {
      await super.close();
      this.sealed.clear();
      this.storeKey.fill(0);
    });
  }

  // --- internal ---

  /** Takes the file's entries as the truth: loads keys another instance added, drops keys it deleted. */
  private adopt(doc: StoreDocument): void {
    const fresh = new Map<string, { entry: SealedKey; priv: KeyObject | undefined }>();
    for (const entry of doc.keys) {
      const known = this.sealed.get(entry.label);
      const same = known !== undefined && known.sealed === entry.sealed && known.iv === entry.iv;
      fresh.set(entry.label, { entry, priv: same ? undefined : unsealKey(this.storeKey, entry) });
    }
    for (const label of this.labels()) {
      if (!fresh.has(label)) {
        this.remove(label);
        this.sealed.delete(label);
      }
    }
    for (const [label, { entry, priv }] of fresh) {
      if (priv !== undefined) this.put(label, entry.curve, priv);
      this.sealed.set(label, entry);
    }
  }

  /** Re-reads the file before a change, so two instances on one file in this process never undo each other. */
  private async reload(): Promise<void> {
    this.assertOpen();
    const doc = decodeStore(await readStoreText(this.path));
    if (doc.kdf.salt !== this.kdf.salt || doc.check.tag !== this.check.tag) {
      throw new SecurityModuleError('SM_STORE_CORRUPT', `the key store at ${this.path} was replaced by another store`);
    }
    this.adopt(doc);
  }

  private write(keys: readonly SealedKey[]): Promise<void> {
    return writeStoreText(this.path, encodeStore(this.kdf, this.check, keys), false);
  }
}
