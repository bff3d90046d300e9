import { createHash, sign, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCRYPT_DEFAULTS } from './_keystore-format.js';
import { publicKeyFromPoint } from './ec-keys.js';
import { SecurityModuleError } from './errors.js';
import { SoftwareSecurityModule } from './software-module.js';

const PASS = 'correct horse battery staple';
let dir = '';
let n = 0;
const fresh = () => join(dir, `case-${++n}`, 'keys.json');

/** What open() throws, as its code; fails the test when open succeeds or throws anything untyped. */
async function openError(path: string, passphrase = PASS): Promise<string> {
  try {
    const sm = await SoftwareSecurityModule.open(path, passphrase);
    await sm.close();
  } catch (e) {
    expect(e).toBeInstanceOf(SecurityModuleError);
    const err = e as SecurityModuleError;
    expect(err.message).not.toContain(passphrase);
    return err.code;
  }
  return 'opened';
}

/** A store with two keys, and the file's bytes. */
async function sampleStore(): Promise<{ path: string; bytes: Buffer }> {
  const path = fresh();
  const sm = await SoftwareSecurityModule.create(path, PASS);
  await sm.generateKeyPair('tls', 'brainpoolP256r1');
  await sm.generateKeyPair('sig', 'brainpoolP384r1');
  await sm.close();
  return { path, bytes: readFileSync(path) };
}

describe('SoftwareSecurityModule', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridwarden-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps keys across a reopen and signs with the same key', async () => {
    const path = fresh();
    const sm = await SoftwareSecurityModule.create(path, PASS);
    const tls = await sm.generateKeyPair('tls', 'brainpoolP256r1');
    const enc = await sm.generateKeyPair('enc', 'secp384r1');
    await sm.close();
    const again = await SoftwareSecurityModule.open(path, PASS);
    expect((await again.list()).map((k) => k.label).sort()).toEqual(['enc', 'tls']);
    expect(await again.publicKey('tls')).toEqual(tls);
    expect(await again.publicKey('enc')).toEqual(enc);
    const data = Buffer.from('after reopen');
    expect(verify('sha256', data, publicKeyFromPoint('brainpoolP256r1', tls.publicKey), await again.sign('tls', data, 'sha256'))).toBe(true);
    await again.delete('enc');
    await again.close();
    const third = await SoftwareSecurityModule.open(path, PASS);
    expect((await third.list()).map((k) => k.label)).toEqual(['tls']);
    await third.close();
  });

  it('writes the file with mode 0600 in a folder made with 0700, and leaves no temporary files', async () => {
    const path = fresh();
    const sm = await SoftwareSecurityModule.create(path, PASS);
    await sm.generateKeyPair('k', 'secp256r1');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(path, '..'))).toEqual(['keys.json']);
    await sm.close();
  });

  it('stores scrypt parameters of at least N = 2^15 and a salt in the file', async () => {
    const { bytes } = await sampleStore();
    const doc = JSON.parse(bytes.toString('utf8'));
    expect(doc.kdf.name).toBe('scrypt');
    expect(doc.kdf.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(doc.kdf).toMatchObject(SCRYPT_DEFAULTS);
    expect(doc.kdf.salt).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never holds a private key in clear in the file', async () => {
    const path = fresh();
    const sm = await SoftwareSecurityModule.create(path, PASS);
    await sm.generateKeyPair('k', 'brainpoolP256r1');
    // The memory back end's internals are the software module's too: read the key the file must hide.
    const opts = await sm.tlsKeyOptions('k');
    if (opts.kind !== 'key-object') throw new Error('expected a key object');
    const pkcs8 = opts.key.export({ format: 'der', type: 'pkcs8' });
    const scalar = opts.key.export({ format: 'der', type: 'sec1' }).subarray(7, 7 + 32); // ECPrivateKey: 30 len 02 01 01 04 20 <d>
    const file = readFileSync(path);
    for (const secret of [pkcs8, scalar]) {
      expect(file.includes(secret)).toBe(false);
      expect(file.includes(Buffer.from(secret.toString('hex')))).toBe(false);
      expect(file.includes(Buffer.from(secret.toString('base64')))).toBe(false);
    }
    await sm.close();
  });

  it('tells a wrong passphrase apart from a damaged file', async () => {
    const { path } = await sampleStore();
    expect(await openError(path, 'wrong horse battery staple')).toBe('SM_WRONG_PASSPHRASE');
    expect(await openError(path)).toBe('opened');
  });

  it('reports any flipped bit as SM_STORE_CORRUPT', async () => {
    const { path, bytes } = await sampleStore();
    const target = join(path, '..', 'flipped.json');
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const copy = Buffer.from(bytes);
        copy[at]! ^= 1 << bit;
        writeFileSync(target, copy);
        expect(await openError(target)).toBe('SM_STORE_CORRUPT');
      }),
      { numRuns: 300 },
    );
  });

  it('reports a truncated file as SM_STORE_CORRUPT', async () => {
    const { path, bytes } = await sampleStore();
    const target = join(path, '..', 'cut.json');
    // The last byte is the newline after the JSON: every cut before it loses document bytes.
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length - 2 }), async (length) => {
        writeFileSync(target, bytes.subarray(0, length));
        expect(await openError(target)).toBe('SM_STORE_CORRUPT');
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a lying length of the sealed key', (d: Record<string, unknown>) => ((d.keys as { sealed: string }[])[0]!.sealed += '00')],
    ['a sealed key byte changed', (d: Record<string, unknown>) => flipHex(d.keys as { sealed: string }[], 'sealed')],
    ['a tag byte changed', (d: Record<string, unknown>) => flipHex(d.keys as { tag: string }[], 'tag')],
    ['two labels swapped', (d: Record<string, unknown>) => swapLabels(d.keys as { label: string }[])],
    ['a curve restated', (d: Record<string, unknown>) => ((d.keys as { curve: string }[])[0]!.curve = 'secp256r1')],
    ['a newer format version', (d: Record<string, unknown>) => (d.version = 2)],
    ['a scrypt N below 2^15', (d: Record<string, unknown>) => ((d.kdf as { N: number }).N = 1024)],
    ['a label twice', (d: Record<string, unknown>) => (d.keys as unknown[]).push((d.keys as unknown[])[0])],
  ])('reports %s with a recomputed digest as SM_STORE_CORRUPT', async (_, alter) => {
    const { path, bytes } = await sampleStore();
    const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    alter(doc);
    delete doc.digest;
    doc.digest = createHash('sha256').update(JSON.stringify(doc)).digest('hex');
    writeFileSync(path, JSON.stringify(doc));
    expect(await openError(path)).toBe('SM_STORE_CORRUPT');
  });

  it('refuses to create over an existing store and to open a missing one', async () => {
    const { path } = await sampleStore();
    await expect(SoftwareSecurityModule.create(path, PASS)).rejects.toMatchObject({ code: 'SM_STORE_EXISTS' });
    expect(await openError(path)).toBe('opened');
    expect(await openError(join(dir, 'nowhere', 'keys.json'))).toBe('SM_STORE_NOT_FOUND');
    await expect(SoftwareSecurityModule.create(fresh(), '')).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
  });

  it('reports a store path it cannot use as SM_STORE_IO', async () => {
    const { path } = await sampleStore();
    // A file where the folder should be, and a folder where the file should be: both fail even for root.
    await expect(SoftwareSecurityModule.create(join(path, 'keys.json'), PASS)).rejects.toMatchObject({ code: 'SM_STORE_IO' });
    expect(await openError(join(path, '..'))).toBe('SM_STORE_IO');
  });

  it.runIf(process.getuid?.() !== 0)('reports an unwritable folder as SM_STORE_IO', async () => {
    const locked = join(dir, 'locked');
    const sm = await SoftwareSecurityModule.create(join(locked, 'keys.json'), PASS);
    chmodSync(locked, 0o500);
    try {
      await expect(sm.generateKeyPair('k', 'secp256r1')).rejects.toMatchObject({ code: 'SM_STORE_IO' });
      expect(await sm.list()).toEqual([]); // nothing half-added
    } finally {
      chmodSync(locked, 0o700);
      await sm.close();
    }
  });

  it('serialises concurrent writers, also two instances on one file', async () => {
    const path = fresh();
    const a = await SoftwareSecurityModule.create(path, PASS);
    const b = await SoftwareSecurityModule.open(path, PASS);
    const labels = Array.from({ length: 12 }, (_, i) => `k${i}`);
    await Promise.all(labels.map((l, i) => (i % 2 === 0 ? a : b).generateKeyPair(l, 'secp256r1')));
    await b.delete('k0'); // made by a: b learns of it when it rewrites the file
    await a.close();
    await b.close();
    const c = await SoftwareSecurityModule.open(path, PASS);
    expect((await c.list()).map((k) => k.label).sort()).toEqual(labels.slice(1).sort());
    await c.close();
  });

  it('keeps KeyObjects usable only in memory: the decrypted key signs, node:crypto verifies', async () => {
    const { path } = await sampleStore();
    const sm = await SoftwareSecurityModule.open(path, PASS);
    const info = await sm.publicKey('sig');
    const sig = await sm.sign('sig', Buffer.from('x'), 'sha384');
    expect(verify('sha384', Buffer.from('x'), publicKeyFromPoint('brainpoolP384r1', info.publicKey), sig)).toBe(true);
    const opts = await sm.tlsKeyOptions('sig');
    expect(opts.kind === 'key-object' && verify('sha384', Buffer.from('y'), publicKeyFromPoint('brainpoolP384r1', info.publicKey), sign('sha384', Buffer.from('y'), opts.key))).toBe(true);
    await sm.close();
  });
});

function flipHex(keys: readonly object[], field: 'sealed' | 'tag'): void {
  const k = keys[0] as Record<string, string>;
  const v = k[field]!;
  k[field] = (v[0] === '0' ? '1' : '0') + v.slice(1);
}

function swapLabels(keys: { label: string }[]): void {
  const [x, y] = keys;
  if (x === undefined || y === undefined) throw new Error('need two keys');
  [x.label, y.label] = [y.label, x.label];
}
