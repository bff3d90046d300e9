import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Handle, acquireLibrary, ckrName, pkcs11Binding, releaseLibrary, tokenError } from './_pkcs11-library.js';
import { type SoftHsmToken, createSoftHsmToken } from './_testing/softhsm.js';
import { CURVE_OID_DER } from './ec-keys.js';
import { SecurityModuleError } from './errors.js';
import { Pkcs11SecurityModule } from './pkcs11-module.js';

let token: SoftHsmToken;
const open = (pin = token.pin) => Pkcs11SecurityModule.open({ library: token.library, tokenLabel: token.tokenLabel, pin });

/** Runs `fn` on a session of our own (login state is shared per token), to look at objects as any other app could. */
function withRawSession<T>(fn: (session: Handle) => T): T {
  const b = pkcs11Binding();
  const p11 = acquireLibrary(token.library);
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trimEnd() === token.tokenLabel);
    if (slot === undefined) throw new Error('token not found');
    const session = p11.C_OpenSession(slot, b.CKF_SERIAL_SESSION | b.CKF_RW_SESSION);
    try {
      return fn(session);
    } finally {
      p11.C_CloseSession(session);
    }
  } finally {
    releaseLibrary(token.library);
  }
}

function findOne(session: Handle, label: string, objectClass: number): Handle {
  const b = pkcs11Binding();
  const p11 = acquireLibrary(token.library);
  try {
    p11.C_FindObjectsInit(session, [
      { type: b.CKA_CLASS, value: objectClass },
      { type: b.CKA_LABEL, value: label },
    ]);
    const found = p11.C_FindObjects(session, 2);
    p11.C_FindObjectsFinal(session);
    expect(found.length).toBe(1);
    return found[0]!;
  } finally {
    releaseLibrary(token.library);
  }
}

/** The CKR name a raw pkcs11js call fails with. */
function ckrOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const name = ckrName(e);
    expect(name, String(e)).toBeDefined();
    return name!;
  }
  return 'no error';
}

describe('Pkcs11SecurityModule on SoftHSM2', () => {
  beforeAll(() => {
    token = createSoftHsmToken({ tokenLabel: 'gw token', pin: '4711-pin' });
  });
  afterAll(() => token.cleanup());
  let opened: Pkcs11SecurityModule[] = [];
  afterEach(async () => {
    for (const sm of opened) await sm.close();
    opened = [];
  });
  const track = (sm: Pkcs11SecurityModule) => {
    opened.push(sm);
    return sm;
  };

  it('makes private keys that cannot be read out or wrapped', async () => {
    const sm = track(await open());
    await sm.generateKeyPair('secret', 'brainpoolP256r1');
    withRawSession((session) => {
      const b = pkcs11Binding();
      const p11 = acquireLibrary(token.library);
      try {
        const priv = findOne(session, 'secret', b.CKO_PRIVATE_KEY);
        const pub = findOne(session, 'secret', b.CKO_PUBLIC_KEY);
        expect(ckrOf(() => p11.C_GetAttributeValue(session, priv, [{ type: b.CKA_VALUE }]))).toBe('CKR_ATTRIBUTE_SENSITIVE');
        const attrs = p11.C_GetAttributeValue(session, priv, [
          { type: b.CKA_SENSITIVE },
          { type: b.CKA_EXTRACTABLE },
          { type: b.CKA_TOKEN },
          { type: b.CKA_PRIVATE },
          { type: b.CKA_SIGN },
          { type: b.CKA_DERIVE },
          { type: b.CKA_EC_PARAMS },
          { type: b.CKA_ID },
        ]);
        expect(attrs.slice(0, 6).map((a) => a.value[0])).toEqual([1, 0, 1, 1, 1, 1]);
        expect(attrs[6]!.value.toString('hex')).toBe(CURVE_OID_DER.brainpoolP256r1);
        const [pubId] = p11.C_GetAttributeValue(session, pub, [{ type: b.CKA_ID }]);
        expect(pubId!.value.length).toBe(16);
        expect(pubId!.value).toEqual(attrs[7]!.value);
        // Even a wrapping key the token itself made may not take it out.
        const wrapKey = p11.C_GenerateKey(session, { mechanism: b.CKM_AES_KEY_GEN }, [
          { type: b.CKA_CLASS, value: b.CKO_SECRET_KEY },
          { type: b.CKA_KEY_TYPE, value: b.CKK_AES },
          { type: b.CKA_VALUE_LEN, value: 32 },
          { type: b.CKA_TOKEN, value: false },
          { type: b.CKA_WRAP, value: true },
        ]);
        expect(ckrOf(() => p11.C_WrapKey(session, { mechanism: b.CKM_AES_KEY_WRAP_PAD }, wrapKey, priv, Buffer.alloc(4096)))).toBe('CKR_KEY_UNEXTRACTABLE');
        // And it cannot be made extractable afterwards (CKA_EXTRACTABLE may only go from true to false).
        expect(ckrOf(() => p11.C_SetAttributeValue(session, priv, [{ type: b.CKA_EXTRACTABLE, value: true }]))).toMatch(/^CKR_ATTRIBUTE_(READ_ONLY|VALUE_INVALID)$/);
      } finally {
        releaseLibrary(token.library);
      }
    });
    await sm.delete('secret');
  });

  it('keeps keys on the token across sessions and module instances', async () => {
    const first = await open();
    const made = await first.generateKeyPair('persistent', 'secp384r1');
    await first.close();
    const second = track(await open());
    expect(await second.publicKey('persistent')).toEqual(made);
    await second.delete('persistent');
  });

  it('lets two instances share the library: closing one leaves the other working', async () => {
    const a = await open();
    const b = track(await open());
    await a.generateKeyPair('shared', 'secp256r1');
    await a.close();
    expect((await b.sign('shared', new Uint8Array([1, 2, 3]), 'sha256')).length).toBeGreaterThan(8);
    await b.delete('shared');
  });

  it('notices a key another instance deleted, though it had the handle cached', async () => {
    const a = track(await open());
    const b = track(await open());
    await a.generateKeyPair('gone', 'secp256r1');
    await b.sign('gone', new Uint8Array(4), 'sha256'); // b now holds the handle
    await a.delete('gone');
    await expect(b.sign('gone', new Uint8Array(4), 'sha256')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
  });

  it('names a wrong PIN, a missing token and a missing library without leaking the PIN', async () => {
    const wrong = await open('0000-wrong').catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SecurityModuleError);
    expect(wrong).toMatchObject({ code: 'SM_WRONG_PIN' });
    expect((wrong as Error).message).not.toContain('0000-wrong');
    await expect(Pkcs11SecurityModule.open({ library: token.library, tokenLabel: 'no such token', pin: token.pin })).rejects.toMatchObject({ code: 'SM_NO_TOKEN' });
    await expect(Pkcs11SecurityModule.open({ library: '/nonexistent/libpkcs11.so', tokenLabel: 'x', pin: 'y' })).rejects.toMatchObject({ code: 'SM_TOKEN' });
    await expect(Pkcs11SecurityModule.open({ library: token.library, tokenLabel: token.tokenLabel, pin: '' })).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
  });

  it('lists only keys it can offer: not one on another curve, not one without its public object', async () => {
    const sm = track(await open());
    await sm.generateKeyPair('ours', 'brainpoolP256r1');
    withRawSession((session) => {
      const b = pkcs11Binding();
      const p11 = acquireLibrary(token.library);
      try {
        const make = (label: string, oidHex: string) =>
          p11.C_GenerateKeyPair(
            session,
            { mechanism: b.CKM_EC_KEY_PAIR_GEN },
            [
              { type: b.CKA_TOKEN, value: true },
              { type: b.CKA_LABEL, value: label },
              { type: b.CKA_EC_PARAMS, value: Buffer.from(oidHex, 'hex') },
            ],
            [
              { type: b.CKA_TOKEN, value: true },
              { type: b.CKA_PRIVATE, value: true },
              { type: b.CKA_SIGN, value: true },
              { type: b.CKA_LABEL, value: label },
            ],
          );
        make('p521', '06052b81040023'); // secp521r1, SEC 2
        const orphan = make('orphan', CURVE_OID_DER.secp256r1);
        p11.C_DestroyObject(session, orphan.publicKey);
      } finally {
        releaseLibrary(token.library);
      }
    });
    expect((await sm.list()).map((k) => k.label)).toEqual(['ours']);
    await expect(sm.publicKey('p521')).rejects.toMatchObject({ code: 'SM_UNSUPPORTED_CURVE' });
    await expect(sm.sign('orphan', new Uint8Array(1), 'sha256')).rejects.toMatchObject({ code: 'SM_TOKEN' });
    for (const label of ['ours', 'p521', 'orphan']) await sm.delete(label);
    expect(await sm.list()).toEqual([]);
  });

  it('maps a CKR_* failure to SM_TOKEN with the CKR name', () => {
    const b = pkcs11Binding();
    const mapped = tokenError('C_Sign', new b.Pkcs11Error('CKR_DEVICE_ERROR:48', 0x30, 'C_Sign'));
    expect(mapped).toMatchObject({ code: 'SM_TOKEN' });
    expect(mapped.message).toContain('CKR_DEVICE_ERROR');
  });

  it('gives the OpenSSL engine a PKCS#11 URI of the private key and points the engine at our library', async () => {
    const sm = track(await open());
    await sm.generateKeyPair('tls key;1', 'brainpoolP256r1');
    const saved = process.env.PKCS11_MODULE_PATH;
    delete process.env.PKCS11_MODULE_PATH;
    try {
      const opts = await sm.tlsKeyOptions('tls key;1');
      expect(opts).toEqual({
        kind: 'engine',
        privateKeyEngine: 'pkcs11',
        privateKeyIdentifier: 'pkcs11:token=gw%20token;object=tls%20key%3B1;type=private;pin-value=4711-pin',
      });
      expect(process.env.PKCS11_MODULE_PATH).toBe(token.library);
      process.env.PKCS11_MODULE_PATH = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
      await expect(sm.tlsKeyOptions('tls key;1')).rejects.toMatchObject({ code: 'SM_TOKEN' });
    } finally {
      if (saved === undefined) delete process.env.PKCS11_MODULE_PATH;
      else process.env.PKCS11_MODULE_PATH = saved;
      await sm.delete('tls key;1');
    }
  });
});
