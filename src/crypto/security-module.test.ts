/**
 * The contract every security module back end keeps, run against memory, software and PKCS#11 (SoftHSM2).
 * Results are checked with node:crypto on the public point only, never with the module's own code.
 */
import { type KeyObject, createHash, diffieHellman, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SoftHsmToken, createSoftHsmToken } from './_testing/softhsm.js';
import { selfSignedCertificate } from './_testing/self-signed-cert.js';
import { pointFromPublicKey, publicKeyFromPoint } from './ec-keys.js';
import { MemorySecurityModule } from './memory-module.js';
import { Pkcs11SecurityModule } from './pkcs11-module.js';
import { CURVE_FIELD_BYTES, CURVE_OPENSSL_NAME, type Curve, type HashName, type SecurityModule } from './security-module.js';
import { SoftwareSecurityModule } from './software-module.js';
import { secureContextKeyOptions } from './tls-key-options.js';

const CURVES: readonly Curve[] = ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'secp256r1', 'secp384r1'];

interface Backend {
  readonly name: string;
  readonly tlsKind: 'key-object' | 'engine';
  setup(): void;
  open(): Promise<SecurityModule>;
  teardown(): void;
}

let tmp = '';
let token: SoftHsmToken | undefined;
let stores = 0;

const backends: Backend[] = [
  { name: 'memory', tlsKind: 'key-object', setup: () => undefined, open: async () => new MemorySecurityModule(), teardown: () => undefined },
  {
    name: 'software',
    tlsKind: 'key-object',
    setup: () => {
      tmp = mkdtempSync(join(tmpdir(), 'gridwarden-contract-'));
    },
    open: () => SoftwareSecurityModule.create(join(tmp, `store-${++stores}`, 'keys.json'), 'contract passphrase'),
    teardown: () => rmSync(tmp, { recursive: true, force: true }),
  },
  {
    name: 'pkcs11',
    tlsKind: 'engine',
    setup: () => {
      token = createSoftHsmToken({ tokenLabel: 'contract' });
    },
    open: () => Pkcs11SecurityModule.open({ library: token!.library, tokenLabel: token!.tokenLabel, pin: token!.pin }),
    teardown: () => token?.cleanup(),
  },
];

const pointOf = (k: KeyObject) => pointFromPublicKey(k);

describe.each(backends)('security module contract: $name', (backend) => {
  let sm: SecurityModule;

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    sm = await backend.open();
  });
  afterEach(async () => {
    // Token objects outlive the module: leave the token empty for the next test.
    for (const k of await sm.list()) await sm.delete(k.label);
    await sm.close();
  });

  it.each(CURVES)('signs on %s so that node:crypto verifies with the public point', async (curve) => {
    const k = await sm.generateKeyPair('sig', curve);
    expect(k).toMatchObject({ label: 'sig', curve });
    expect(k.publicKey.length).toBe(1 + 2 * CURVE_FIELD_BYTES[curve]);
    const pub = publicKeyFromPoint(curve, k.publicKey);
    const data = new TextEncoder().encode(`1-0:1.8.0*255 on ${curve}`);
    // Every hash on every curve: a digest longer than the group order is cut to its bit length (SEC 1 clause 4.1.3).
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      const sig = await sm.sign('sig', data, hash);
      expect(verify(hash, data, { key: pub, dsaEncoding: 'der' }, sig), hash).toBe(true);
      expect(verify(hash, createHash('sha256').update('other').digest(), { key: pub, dsaEncoding: 'der' }, sig)).toBe(false);
    }
    expect(await sm.publicKey('sig')).toEqual(k);
  });

  it.each(CURVES)('agrees on an ECDH secret on %s both ways and with node:crypto', async (curve) => {
    const a = await sm.generateKeyPair('a', curve);
    const b = await sm.generateKeyPair('b', curve);
    const ab = await sm.deriveSharedSecret('a', b.publicKey);
    expect(ab.length).toBe(CURVE_FIELD_BYTES[curve]);
    expect(Buffer.from(await sm.deriveSharedSecret('b', a.publicKey))).toEqual(Buffer.from(ab));
    const eph = generateKeyPairSync('ec', { namedCurve: CURVE_OPENSSL_NAME[curve] });
    const ours = await sm.deriveSharedSecret('a', pointOf(eph.publicKey));
    const theirs = diffieHellman({ privateKey: eph.privateKey, publicKey: publicKeyFromPoint(curve, a.publicKey) });
    expect(Buffer.from(ours)).toEqual(theirs);
    expect(Buffer.from(ours)).not.toEqual(Buffer.from(ab));
  });

  it('lists, finds and deletes keys by label', async () => {
    expect(await sm.list()).toEqual([]);
    const labels = ['gateway tls', 'gateway-sig', 'Zähler enc'];
    for (const l of labels) await sm.generateKeyPair(l, 'brainpoolP256r1');
    expect((await sm.list()).map((k) => k.label).sort()).toEqual([...labels].sort());
    await sm.delete('gateway-sig');
    expect((await sm.list()).map((k) => k.label).sort()).toEqual(['Zähler enc', 'gateway tls']);
    await expect(sm.publicKey('gateway-sig')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    // The label is free again.
    expect((await sm.generateKeyPair('gateway-sig', 'secp256r1')).curve).toBe('secp256r1');
  });

  it('names a missing key in every call that takes a label', async () => {
    await expect(sm.publicKey('nope')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    await expect(sm.sign('nope', new Uint8Array(1), 'sha256')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    const peer = pointOf(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey);
    await expect(sm.deriveSharedSecret('nope', peer)).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    await expect(sm.tlsKeyOptions('nope')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    await expect(sm.delete('nope')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
  });

  it('refuses a taken label, also when two calls race for it', async () => {
    await sm.generateKeyPair('taken', 'secp256r1');
    await expect(sm.generateKeyPair('taken', 'brainpoolP256r1')).rejects.toMatchObject({ code: 'SM_KEY_EXISTS' });
    const race = await Promise.allSettled([sm.generateKeyPair('race', 'secp256r1'), sm.generateKeyPair('race', 'secp256r1')]);
    expect(race.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(race.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'SM_KEY_EXISTS' } });
    expect((await sm.list()).length).toBe(2);
  });

  it.each([
    ['wrong length', (p: Uint8Array) => p.subarray(0, p.length - 1)],
    ['compressed form', (p: Uint8Array) => new Uint8Array([0x02, ...p.subarray(1, 33)])],
    ['not on the curve', (p: Uint8Array) => new Uint8Array([...p.subarray(0, 64), p[64]! ^ 0x01])],
    ['a point of another curve', () => pointOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey)],
    ['not bytes', () => '04ab' as unknown as Uint8Array],
  ])('refuses a bad peer point: %s', async (_, mutate) => {
    await sm.generateKeyPair('k', 'brainpoolP256r1');
    const good = pointOf(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).publicKey);
    await expect(sm.deriveSharedSecret('k', mutate(good))).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
  });

  it('refuses bad arguments with typed errors', async () => {
    await expect(sm.generateKeyPair('k', 'secp521r1' as Curve)).rejects.toMatchObject({ code: 'SM_UNSUPPORTED_CURVE' });
    await expect(sm.generateKeyPair('', 'secp256r1')).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
    await sm.generateKeyPair('k', 'secp256r1');
    await expect(sm.sign('k', new Uint8Array(1), 'md5' as HashName)).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
    await expect(sm.sign('k', 'text' as unknown as Uint8Array, 'sha256')).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
    await expect(sm.randomBytes(-1)).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
    await expect(sm.randomBytes(1.5)).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
  });

  it('gives random bytes of the length asked for', async () => {
    expect((await sm.randomBytes(0)).length).toBe(0);
    const a = await sm.randomBytes(32);
    const b = await sm.randomBytes(32);
    expect(a.length).toBe(32);
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
  });

  it('serves a TLS 1.2 handshake that a client verifies, with the key kept in the module', async () => {
    await sm.generateKeyPair('tls', 'brainpoolP256r1');
    const cert = await selfSignedCertificate(sm, 'tls', 'localhost');
    const keyOptions = await sm.tlsKeyOptions('tls');
    expect(keyOptions.kind).toBe(backend.tlsKind);
    const profile = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ecdhCurve: 'brainpoolP256r1' } as const;
    const server = createServer({ ...profile, cert, ...secureContextKeyOptions(keyOptions) }, (s) => s.end('reading'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      const result = await new Promise<{ authorized: boolean; cipher: string; body: string }>((done, fail) => {
        const c = connect({ ...profile, host: '127.0.0.1', port: address.port, servername: 'localhost', ca: cert }, () => {
          let body = '';
          c.setEncoding('utf8').on('data', (d: string) => {
            body += d;
          });
          c.on('end', () => done({ authorized: c.authorized, cipher: c.getCipher().name, body }));
        });
        c.on('error', fail);
      });
      expect(result).toEqual({ authorized: true, cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', body: 'reading' });
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('takes no calls once closed', async () => {
    const other = await backend.open();
    await other.close();
    await expect(other.list()).rejects.toMatchObject({ code: 'SM_CLOSED' });
    await expect(other.generateKeyPair('k', 'secp256r1')).rejects.toMatchObject({ code: 'SM_CLOSED' });
    await expect(other.randomBytes(4)).rejects.toMatchObject({ code: 'SM_CLOSED' });
  });
});
