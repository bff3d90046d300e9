import 'reflect-metadata';
import type { X509Certificate } from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki } from '../cms/_testing/pki.js';
import { type Result, err, ok } from '../result.js';
import { cachedTrust } from './trust-cache.js';

let a: X509Certificate;
let b: X509Certificate;
beforeAll(async () => {
  const pki = await makeTestPki('Cache');
  a = (await pki.party('gw-a')).sig;
  b = (await pki.party('gw-b')).sig;
});

/** A validator that counts its calls and trusts whatever `trusted` says. */
function counting(trusted: (c: X509Certificate) => boolean) {
  const calls: string[] = [];
  return {
    calls,
    async validate(leaf: X509Certificate): Promise<Result<readonly X509Certificate[], { code: string; message: string }>> {
      calls.push(leaf.serialNumber);
      return trusted(leaf) ? ok([leaf]) : err({ code: 'PKI_REVOKED', message: 'revoked' });
    },
  };
}

describe('cached signer trust', () => {
  it('asks the PKI once per good certificate within the time to live', async () => {
    let t = 1_000;
    const pki = counting(() => true);
    const trust = cachedTrust(pki as never, { ttlMs: 100, now: () => t });
    expect((await trust.validate(a, 'signature')).ok).toBe(true);
    expect((await trust.validate(a, 'signature')).ok).toBe(true);
    expect((await trust.validate(b, 'signature')).ok).toBe(true);
    expect(pki.calls).toEqual([a.serialNumber, b.serialNumber]);
    t += 101;
    await trust.validate(a, 'signature');
    expect(pki.calls).toHaveLength(3);
  });

  it('never remembers a refusal', async () => {
    const pki = counting(() => false);
    const trust = cachedTrust(pki as never);
    expect((await trust.validate(a, 'signature')).ok).toBe(false);
    expect((await trust.validate(a, 'signature')).ok).toBe(false);
    expect(pki.calls).toHaveLength(2);
  });
});
