import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import { certificateFacts, pemToDerList } from './certificate-facts.js';
import { TlsProfileError } from './errors.js';

let fx: WanFixture;
beforeAll(() => {
  fx = createWanFixture();
});
afterAll(() => fx?.cleanup());

describe('certificateFacts', () => {
  it('reads key, curve, signature and usages of a party TLS certificate', () => {
    const f = certificateFacts(pemToDerList(fx.pki.party.gwa.certPem)[0]!);
    expect(f).toMatchObject({
      keyType: 'ec',
      curve: 'brainpoolP256r1',
      keyBits: 256,
      signatureAlgorithm: 'ecdsa-with-SHA256',
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
      isCa: false,
    });
    expect(f.subject).toContain('CN=gwa-1');
  });

  it('sees a sub-CA as CA with SHA-384 from the brainpoolP384r1 root, and an RSA key', () => {
    expect(certificateFacts(pemToDerList(fx.pki.subCas.gwa.certPem)[0]!)).toMatchObject({ isCa: true, signatureAlgorithm: 'ecdsa-with-SHA384' });
    expect(certificateFacts(pemToDerList(fx.pki.party.rsa.certPem)[0]!)).toMatchObject({ keyType: 'rsa', curve: undefined, keyBits: 2048 });
  });

  it('throws only TlsProfileError on mutated certificates (bit flips, truncation, length lies)', () => {
    const der = pemToDerList(fx.pki.party.emt.certPem)[0]!;
    const mutated = fc.oneof(
      fc.nat(der.length * 8 - 1).map((bit) => {
        const m = der.slice();
        m[bit >> 3]! ^= 1 << (bit & 7);
        return m;
      }),
      fc.nat(der.length - 1).map((n) => der.slice(0, n)),
      fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, v]) => {
        const m = der.slice();
        m[at] = v;
        return m;
      }),
    );
    fc.assert(
      fc.property(mutated, (m) => {
        try {
          certificateFacts(m, 'WAN_PEER_POLICY');
        } catch (e) {
          expect(e).toBeInstanceOf(TlsProfileError);
          expect((e as TlsProfileError).code).toBe('WAN_PEER_POLICY');
        }
      }),
      { numRuns: 500 },
    );
  });
});
