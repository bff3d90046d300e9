import { createHash, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromPoint } from './ec-keys.js';
import { MemorySecurityModule } from './memory-module.js';
import type { Curve } from './security-module.js';

const curves: Curve[] = ['brainpoolP256r1', 'brainpoolP384r1', 'brainpoolP512r1', 'secp256r1', 'secp384r1'];

describe('MemorySecurityModule', () => {
  it.each(curves)('signs on %s so that node:crypto verifies with the public point', async (curve) => {
    const sm = new MemorySecurityModule();
    const k = await sm.generateKeyPair('k', curve);
    const data = new TextEncoder().encode('meter reading');
    const sig = await sm.sign('k', data, 'sha256');
    expect(verify('sha256', data, { key: publicKeyFromPoint(curve, k.publicKey), dsaEncoding: 'der' }, sig)).toBe(true);
    expect(verify('sha256', createHash('sha256').update('other').digest(), publicKeyFromPoint(curve, k.publicKey), sig)).toBe(false);
  });

  it('agrees on an ECDH secret from both sides', async () => {
    const sm = new MemorySecurityModule();
    const a = await sm.generateKeyPair('a', 'brainpoolP256r1');
    const b = await sm.generateKeyPair('b', 'brainpoolP256r1');
    const ab = await sm.deriveSharedSecret('a', b.publicKey);
    expect(Buffer.from(ab).equals(Buffer.from(await sm.deriveSharedSecret('b', a.publicKey)))).toBe(true);
    expect(ab.length).toBe(32);
  });

  it('names a missing key, a taken label and a bad peer point', async () => {
    const sm = new MemorySecurityModule();
    await sm.generateKeyPair('a', 'secp256r1');
    await expect(sm.sign('nope', new Uint8Array(1), 'sha256')).rejects.toMatchObject({ code: 'SM_NO_SUCH_KEY' });
    await expect(sm.generateKeyPair('a', 'secp256r1')).rejects.toMatchObject({ code: 'SM_KEY_EXISTS' });
    await expect(sm.deriveSharedSecret('a', new Uint8Array(65).fill(4))).rejects.toMatchObject({ code: 'SM_BAD_INPUT' });
    await sm.delete('a');
    expect(await sm.list()).toEqual([]);
  });
});
