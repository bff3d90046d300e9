import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { checkCurve, checkData, checkHash, checkLabel, checkRandomLength } from './_arguments.js';
import { PKCS11_ENGINE_ID, prepareEngineEnvironment, privateKeyUri } from './_openssl-engine.js';
import { type Handle, type Pkcs11, SOFTHSM2_LIBRARY, acquireLibrary, ckrName, pkcs11Binding, releaseLibrary, tokenError } from './_pkcs11-library.js';
import { CURVE_OID_DER, curveFromOidDer, ecdsaDerFromRaw, unwrapDerOctetString } from './ec-keys.js';
import { SecurityModuleError } from './errors.js';
import { peerPublicKey } from './memory-module.js';
import { CURVE_FIELD_BYTES, type Curve, type HashName, type KeyInfo, type SecurityModule, type TlsKeyOptions } from './security-module.js';

export interface Pkcs11Options {
  /** Path of the PKCS#11 library; SoftHSM2's by default. */
  readonly library?: string;
  /** CKA_LABEL of the token (token info label, blank padding ignored). */
  readonly tokenLabel: string;
  /** The user PIN; kept for the TLS engine URI, never put in a message. */
  readonly pin: string;
}

/** Bytes of the CKA_ID given to each new key pair (links the public and private objects, as tools expect). */
const KEY_ID_BYTES = 16;

interface KeyHandles {
  readonly priv: Handle;
  readonly info: KeyInfo;
}

/**
 * A security module on a PKCS#11 token (SoftHSM2, an HSM, a smart card): keys are generated on the token as
 * sensitive, non-extractable objects; we only hand it digests to sign and peer points to derive with.
 * All calls go through one logged-in session, one at a time (a PKCS#11 session runs one operation at once).
 */
export class Pkcs11SecurityModule implements SecurityModule {
  readonly kind: string = 'pkcs11';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly handles = new Map<string, KeyHandles>();
  private closed = false;

  private constructor(
    private readonly p11: Pkcs11,
    private readonly session: Handle,
    private readonly library: string,
    private readonly tokenLabel: string,
    private readonly pin: string,
  ) {}

  /** Loads the library, finds the token by label and logs in as user. */
  static async open(options: Pkcs11Options): Promise<Pkcs11SecurityModule> {
    const { tokenLabel, pin } = options;
    const library = options.library ?? SOFTHSM2_LIBRARY;
    if (typeof tokenLabel !== 'string' || tokenLabel.length === 0) throw new SecurityModuleError('SM_BAD_INPUT', 'a token label is required');
    if (typeof pin !== 'string' || pin.length === 0) throw new SecurityModuleError('SM_BAD_INPUT', 'a user PIN is required');
    const b = pkcs11Binding();
    const p11 = acquireLibrary(library);
    let session: Handle | undefined;
    try {
      const slot = findSlot(p11, tokenLabel);
      session = p11.C_OpenSession(slot, b.CKF_SERIAL_SESSION | b.CKF_RW_SESSION);
      try {
        p11.C_Login(session, b.CKU_USER, pin);
      } catch (e) {
        if (ckrName(e) === 'CKR_PIN_INCORRECT') throw new SecurityModuleError('SM_WRONG_PIN', `token ${JSON.stringify(tokenLabel)} refused the user PIN`);
        // Login state is per token for the whole process: another module instance may have logged in already.
        if (ckrName(e) !== 'CKR_USER_ALREADY_LOGGED_IN') throw tokenError('C_Login', e);
      }
      return new Pkcs11SecurityModule(p11, session, library, tokenLabel, pin);
    } catch (e) {
      if (session !== undefined) closeQuietly(p11, session);
      releaseLibrary(library);
      throw tokenError('opening the token', e);
    }
  }

  async generateKeyPair(label: string, curve: Curve): Promise<KeyInfo> {
    this.assertOpen();
    checkLabel(label);
    checkCurve(curve);
    return this.serialised(async () => {
      if (this.findKeyObjects(label, 'private').length > 0) throw new SecurityModuleError('SM_KEY_EXISTS', `a key pair labelled ${JSON.stringify(label)} exists`);
      const b = pkcs11Binding();
      const id = nodeRandomBytes(KEY_ID_BYTES);
      const common = [
        { type: b.CKA_TOKEN, value: true },
        { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
        { type: b.CKA_LABEL, value: label },
        { type: b.CKA_ID, value: id },
      ];
      const publicTemplate = [
        ...common,
        { type: b.CKA_CLASS, value: b.CKO_PUBLIC_KEY },
        { type: b.CKA_PRIVATE, value: false },
        { type: b.CKA_EC_PARAMS, value: Buffer.from(CURVE_OID_DER[curve], 'hex') },
        { type: b.CKA_VERIFY, value: true },
      ];
      const privateTemplate = [
        ...common,
        { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY },
        { type: b.CKA_PRIVATE, value: true },
        { type: b.CKA_SENSITIVE, value: true },
        { type: b.CKA_EXTRACTABLE, value: false },
        { type: b.CKA_SIGN, value: true },
        { type: b.CKA_DERIVE, value: true },
      ];
      let pair: { privateKey: Handle; publicKey: Handle };
      try {
        pair = await this.p11.C_GenerateKeyPairAsync(this.session, { mechanism: b.CKM_EC_KEY_PAIR_GEN }, publicTemplate, privateTemplate);
      } catch (e) {
        throw tokenError('C_GenerateKeyPair', e);
      }
      const info: KeyInfo = { label, curve, publicKey: this.readPoint(pair.publicKey, curve) };
      this.handles.set(label, { priv: pair.privateKey, info });
      return info;
    });
  }

  async publicKey(label: string): Promise<KeyInfo> {
    return this.withKey(label, async (k) => k.info);
  }

  async sign(label: string, data: Uint8Array, hash: HashName): Promise<Uint8Array> {
    checkData(data);
    checkHash(hash);
    // The token signs what we give it (CKM_ECDSA, PKCS#11 v2.40 clause 2.3.6): we hash, it never sees the data.
    const digest = createHash(hash).update(data).digest();
    return this.withKey(label, async (k) => {
      const b = pkcs11Binding();
      try {
        this.p11.C_SignInit(this.session, { mechanism: b.CKM_ECDSA }, k.priv);
        const raw = await this.p11.C_SignAsync(this.session, digest, Buffer.alloc(2 * CURVE_FIELD_BYTES[k.info.curve]));
        return ecdsaDerFromRaw(raw);
      } catch (e) {
        throw tokenError('C_Sign', e);
      }
    });
  }

  async deriveSharedSecret(label: string, peerPoint: Uint8Array): Promise<Uint8Array> {
    return this.withKey(label, async (k) => {
      peerPublicKey(k.info.curve, peerPoint); // SM_BAD_INPUT unless a valid point on our curve
      const b = pkcs11Binding();
      const fieldBytes = CURVE_FIELD_BYTES[k.info.curve];
      // CKD_NULL: the token returns the x coordinate itself (PKCS#11 v2.40 clause 2.3.10), as an extractable
      // session secret that lives only until we have read it.
      const secretTemplate = [
        { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
        { type: b.CKA_KEY_TYPE, value: b.CKK_GENERIC_SECRET },
        { type: b.CKA_TOKEN, value: false },
        { type: b.CKA_SENSITIVE, value: false },
        { type: b.CKA_EXTRACTABLE, value: true },
        { type: b.CKA_VALUE_LEN, value: fieldBytes },
      ];
      const mechanism = { mechanism: b.CKM_ECDH1_DERIVE, parameter: { type: b.CK_PARAMS_EC_DH, kdf: b.CKD_NULL, publicData: Buffer.from(peerPoint) } };
      let secret: Handle;
      try {
        secret = await this.p11.C_DeriveKeyAsync(this.session, mechanism, k.priv, secretTemplate);
      } catch (e) {
        throw tokenError('C_DeriveKey', e);
      }
      try {
        const [value] = this.p11.C_GetAttributeValue(this.session, secret, [{ type: b.CKA_VALUE }]);
        if (value === undefined || value.value.length !== fieldBytes) throw new SecurityModuleError('SM_TOKEN', 'C_DeriveKey: the secret has the wrong length');
        return new Uint8Array(value.value);
      } catch (e) {
        throw tokenError('C_GetAttributeValue', e);
      } finally {
        try {
          this.p11.C_DestroyObject(this.session, secret);
        } catch {
          // a session object dies with the session anyway
        }
      }
    });
  }

  async randomBytes(n: number): Promise<Uint8Array> {
    this.assertOpen();
    checkRandomLength(n);
    if (n === 0) return new Uint8Array(0);
    return this.serialised(async () => {
      try {
        return new Uint8Array(this.p11.C_GenerateRandom(this.session, Buffer.alloc(n)));
      } catch (e) {
        throw tokenError('C_GenerateRandom', e);
      }
    });
  }

  /** The key as an OpenSSL engine reference: node:tls signs the handshake on the token through libengine-pkcs11-openssl. */
  async tlsKeyOptions(label: string): Promise<TlsKeyOptions> {
    await this.publicKey(label);
    prepareEngineEnvironment(this.library);
    return { kind: 'engine', privateKeyEngine: PKCS11_ENGINE_ID, privateKeyIdentifier: privateKeyUri(this.tokenLabel, label, this.pin) };
  }

  async list(): Promise<readonly KeyInfo[]> {
    this.assertOpen();
    return this.serialised(async () => {
      const b = pkcs11Binding();
      const labels = new Set<string>();
      for (const h of this.find([
        { type: b.CKA_CLASS, value: b.CKO_PRIVATE_KEY },
        { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
      ])) {
        const label = this.attribute(h, b.CKA_LABEL).toString('utf8');
        if (label.length > 0) labels.add(label);
      }
      const infos: KeyInfo[] = [];
      for (const label of labels) {
        // Keys other tools put on the token without a public object, or on other curves, are not ours to offer.
        const k = this.lookupOrSkip(label);
        if (k.kind === 'found') infos.push(k.handles.info);
      }
      return infos;
    });
  }

  async delete(label: string): Promise<void> {
    this.assertOpen();
    checkLabel(label);
    await this.serialised(async () => {
      const privates = this.findKeyObjects(label, 'private');
      if (privates.length === 0) throw new SecurityModuleError('SM_NO_SUCH_KEY', `no key pair labelled ${JSON.stringify(label)}`);
      this.handles.delete(label);
      for (const h of [...privates, ...this.findKeyObjects(label, 'public')]) {
        try {
          this.p11.C_DestroyObject(this.session, h);
        } catch (e) {
          throw tokenError('C_DestroyObject', e);
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.handles.clear();
    closeQuietly(this.p11, this.session);
    releaseLibrary(this.library);
  }

  // --- internal ---

  private assertOpen(): void {
    if (this.closed) throw new SecurityModuleError('SM_CLOSED', 'the pkcs11 security module is closed');
  }

  /** One operation at a time on the session; close() waits for those already accepted. */
  private serialised<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `fn` with the key's handles; a handle gone stale (key deleted elsewhere) is looked up once more. */
  private withKey<T>(label: string, fn: (k: KeyHandles) => Promise<T>): Promise<T> {
    this.assertOpen();
    checkLabel(label);
    return this.serialised(async () => {
      try {
        return await fn(this.lookup(label));
      } catch (e) {
        if (!(e instanceof SecurityModuleError && e.code === 'SM_TOKEN' && /HANDLE_INVALID/.test(e.message)) || !this.handles.delete(label)) throw e;
        return fn(this.lookup(label));
      }
    });
  }

  private lookup(label: string): KeyHandles {
    const k = this.lookupOrSkip(label);
    switch (k.kind) {
      case 'found':
        return k.handles;
      case 'absent':
        throw new SecurityModuleError('SM_NO_SUCH_KEY', `no key pair labelled ${JSON.stringify(label)}`);
      case 'other-curve':
        throw new SecurityModuleError('SM_UNSUPPORTED_CURVE', `key ${JSON.stringify(label)} is on a curve the module does not offer`);
      case 'no-public-object':
        throw new SecurityModuleError('SM_TOKEN', `key ${JSON.stringify(label)} has no public key object on the token`);
    }
  }

  private lookupOrSkip(label: string): { kind: 'found'; handles: KeyHandles } | { kind: 'absent' | 'other-curve' | 'no-public-object' } {
    const known = this.handles.get(label);
    if (known !== undefined) return { kind: 'found', handles: known };
    const b = pkcs11Binding();
    const [priv] = this.findKeyObjects(label, 'private');
    if (priv === undefined) return { kind: 'absent' };
    const curve = curveFromOidDer(this.attribute(priv, b.CKA_EC_PARAMS));
    if (curve === undefined) return { kind: 'other-curve' };
    const [pub] = this.findKeyObjects(label, 'public');
    if (pub === undefined) return { kind: 'no-public-object' };
    const handles: KeyHandles = { priv, info: { label, curve, publicKey: this.readPoint(pub, curve) } };
    this.handles.set(label, handles);
    return { kind: 'found', handles };
  }

  /** CKA_EC_POINT, which PKCS#11 wraps in a DER OCTET STRING (some tokens give the bare point). */
  private readPoint(pub: Handle, curve: Curve): Uint8Array {
    const b = pkcs11Binding();
    const value = this.attribute(pub, b.CKA_EC_POINT);
    const length = 1 + 2 * CURVE_FIELD_BYTES[curve];
    const inner = unwrapDerOctetString(value);
    const point = inner?.length === length ? inner : value;
    if (point.length !== length || point[0] !== 0x04) throw new SecurityModuleError('SM_TOKEN', 'the token returned a public point in an unexpected form');
    return new Uint8Array(point);
  }

  private attribute(h: Handle, type: number): Buffer {
    try {
      const [a] = this.p11.C_GetAttributeValue(this.session, h, [{ type }]);
      return a?.value ?? Buffer.alloc(0);
    } catch (e) {
      throw tokenError('C_GetAttributeValue', e);
    }
  }

  private findKeyObjects(label: string, kind: 'private' | 'public'): Handle[] {
    const b = pkcs11Binding();
    return this.find([
      { type: b.CKA_CLASS, value: kind === 'private' ? b.CKO_PRIVATE_KEY : b.CKO_PUBLIC_KEY },
      { type: b.CKA_KEY_TYPE, value: b.CKK_EC },
      { type: b.CKA_LABEL, value: label },
    ]);
  }

  private find(template: { type: number; value: number | boolean | string }[]): Handle[] {
    const found: Handle[] = [];
    try {
      this.p11.C_FindObjectsInit(this.session, template);
      try {
        for (;;) {
          const batch = this.p11.C_FindObjects(this.session, 32);
          if (batch.length === 0) break;
          found.push(...batch);
        }
      } finally {
        this.p11.C_FindObjectsFinal(this.session);
      }
    } catch (e) {
      throw tokenError('C_FindObjects', e);
    }
    return found;
  }
}

// --- internal ---

function findSlot(p11: Pkcs11, tokenLabel: string): Handle {
  let slots: Handle[];
  try {
    slots = p11.C_GetSlotList(true);
  } catch (e) {
    throw tokenError('C_GetSlotList', e);
  }
  for (const slot of slots) {
    try {
      if (p11.C_GetTokenInfo(slot).label.trimEnd() === tokenLabel) return slot;
    } catch {
      // a slot that cannot report its token is not the one we want
    }
  }
  throw new SecurityModuleError('SM_NO_TOKEN', `no token labelled ${JSON.stringify(tokenLabel)} in this PKCS#11 library`);
}

function closeQuietly(p11: Pkcs11, session: Handle): void {
  try {
    p11.C_CloseSession(session);
  } catch {
    // nothing left to release if the session is gone
  }
}
