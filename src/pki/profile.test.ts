import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../crypto/memory-module.js';
import { moduleSigningKey, securityModuleCrypto } from './module-signer.js';
import { GRIDWARDEN_OID_ARC, ROLE_POLICY_OID, encodeOid } from './profile.js';

/** OpenSSL's DER of an OID, as the independent encoder. */
const opensslOid = (oid: string): string => {
  const out = join(mkdtempSync(join(tmpdir(), 'gw-oid-')), 'oid.der');
  spawnSync('openssl', ['asn1parse', '-genstr', `OID:${oid}`, '-out', out, '-noout']);
  return readFileSync(out).toString('hex');
};

describe('encodeOid', () => {
  it.each([
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'], // ecdsa-with-SHA256 (RFC 5758)
    ['1.3.36.3.3.2.8.1.1.7', '06092b2403030208010107'], // brainpoolP256r1 (RFC 5639)
  ])('%s -> %s', (oid, der) => {
    expect(Buffer.from(encodeOid(oid)).toString('hex')).toBe(der);
  });

  it.each([
    ['X.667 example UUID f81d4fae-7dec-11d0-a765-00a0c91e6bf6', '2.25.329800735698586629295641978511506172918'],
    ['the gridwarden arc', GRIDWARDEN_OID_ARC],
    ['the gateway role policy', ROLE_POLICY_OID.gateway],
  ])('%s: arcs beyond 2^64 as OpenSSL encodes them', (_what, oid) => {
    expect(Buffer.from(encodeOid(oid)).toString('hex')).toBe(opensslOid(oid));
  });

  it('the arc is the UUID as one integer (X.667 / RFC 4122)', () => {
    expect(BigInt(`0x${'f1cd6703-d065-4df4-b3c5-2906ac6c0586'.replace(/-/g, '')}`).toString()).toBe(GRIDWARDEN_OID_ARC.slice('2.25.'.length));
  });
});

describe('securityModuleCrypto: WebCrypto signing with keys that stay in the module', () => {
  it.each([
    ['brainpoolP256r1', 'SHA-256', 'sha256', 64],
    ['brainpoolP384r1', 'SHA-384', 'sha384', 96],
  ] as const)('%s: raw r||s that verifies with node:crypto', async (curve, webHash, hash, len) => {
    const sm = new MemorySecurityModule();
    await sm.generateKeyPair('k', curve);
    const key = await moduleSigningKey(sm, 'k');
    expect(key.algorithm).toEqual({ name: 'ECDSA', hash: webHash });
    const data = new TextEncoder().encode('tbs bytes');
    const raw = new Uint8Array(await securityModuleCrypto(sm).subtle.sign({ name: 'ECDSA', hash: webHash }, key.key, data));
    expect(raw.length).toBe(len);
    const pub = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
    expect(verify(hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
  });

  it("ordinary CryptoKeys pass through to @peculiar/webcrypto; 'PKI_NO_KEY' for an unknown label", async () => {
    const sm = new MemorySecurityModule();
    const crypto = securityModuleCrypto(sm);
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as { privateKey: never; publicKey: never };
    const data = new Uint8Array([1, 2, 3]);
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, data);
    expect(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pair.publicKey, sig, data)).toBe(true);
    await expect(moduleSigningKey(sm, 'absent')).rejects.toMatchObject({ code: 'PKI_NO_KEY' });
  });
});
