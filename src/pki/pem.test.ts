import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkiError } from './errors.js';
import { certToPem, crlToPem, parseCertificate, parseCertificates, parseCrls } from './pem.js';
import type { PartyCredentials } from './pki-dir.js';
import { type PkiFixture, makePki } from './_testing/fixture.js';
import { validateChain } from './validate.js';
import { ecdsaDerToRaw, splitSigned } from './_der.js';

let f: PkiFixture;
let gw: PartyCredentials;
beforeAll(async () => {
  f = await makePki();
  gw = await f.pki.party('gw1');
});

describe('PEM and DER parsing', () => {
  it('round-trips certificates and CRLs through PEM, bundles and DER', () => {
    const bundle = f.pki.intermediates.map(certToPem).join('');
    expect(parseCertificates(bundle).map((c) => c.serialNumber)).toEqual(f.pki.intermediates.map((c) => c.serialNumber));
    expect(parseCertificate(new Uint8Array(gw.tls.cert.rawData)).serialNumber).toBe(gw.tls.cert.serialNumber);
    const crl = f.pki.crls[0]!;
    expect(Buffer.from(parseCrls(crlToPem(crl))[0]!.rawData).equals(Buffer.from(crl.rawData))).toBe(true);
  });

  it.each([
    ['empty text', ''],
    ['text without PEM', 'hello'],
    ['a CRL where a certificate is wanted', 'crl'],
    ['PEM with broken base64 content', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['two certificates where one is wanted', 'two'],
  ])("'PKI_PARSE' for %s", (_what, input) => {
    const text = input === 'crl' ? crlToPem(f.pki.crls[0]!) : input === 'two' ? certToPem(gw.tls.cert) + certToPem(gw.sig.cert) : input;
    expect(() => parseCertificate(text)).toThrow(expect.objectContaining({ code: 'PKI_PARSE' }));
  });

  it("'PKI_PARSE' for DER that is not a signed object, and for an ECDSA value that is not SEQUENCE { r, s }", () => {
    expect(() => splitSigned(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x00]))).toThrow(expect.objectContaining({ code: 'PKI_PARSE' }));
    expect(() => ecdsaDerToRaw(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x05]), 32)).toThrow(expect.objectContaining({ code: 'PKI_PARSE' }));
    const raw = ecdsaDerToRaw(Uint8Array.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x85, 0x02, 0x01, 0x07]), 4);
    expect(Buffer.from(raw).toString('hex')).toBe('0000008500000007');
  });
});

/** Mutations of a real DER object: bit flips, truncation, and length fields that lie. */
const mutation = (len: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(len - 1), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(len - 1), bit: fc.constant(0) }),
    fc.record({ kind: fc.constant('len' as const), at: fc.nat(Math.min(len - 1, 40)), bit: fc.integer({ min: 0, max: 255 }) }),
  );

function mutate(der: Uint8Array, m: { kind: 'flip' | 'cut' | 'len'; at: number; bit: number }): Uint8Array {
  const b = Uint8Array.from(der);
  if (m.kind === 'cut') return b.subarray(0, m.at);
  if (m.kind === 'flip') b[m.at]! ^= 1 << m.bit;
  else b[m.at] = m.bit;
  return b;
}

/** Runs parse + validate; any throw that is not a PkiError fails the property. */
async function onlyTypedErrors(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof PkiError)) throw e;
  }
}

describe('fast-check: mutated real certificates and CRLs give typed errors only', () => {
  it('mutated end certificates', async () => {
    const der = new Uint8Array(gw.tls.cert.rawData);
    await fc.assert(
      fc.asyncProperty(mutation(der.length), async (m) => {
        await onlyTypedErrors(async () => {
          const leaf = parseCertificate(mutate(der, m));
          const r = await validateChain({ leaf, intermediates: f.pki.intermediates, roots: f.pki.roots, crls: f.pki.crls, usage: 'tls-client' });
          // An altered certificate must never validate (a flip inside an unused bit could leave it intact).
          if (r.ok) expect(Buffer.from(leaf.rawData).equals(Buffer.from(der))).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('mutated sub-CA certificates in the chain', async () => {
    const sub = f.pki.subCas.find((c) => c.subject.includes('GWA'))!;
    const der = new Uint8Array(sub.rawData);
    await fc.assert(
      fc.asyncProperty(mutation(der.length), async (m) => {
        await onlyTypedErrors(async () => {
          const bad = parseCertificate(mutate(der, m));
          const r = await validateChain({ leaf: gw.sig.cert, intermediates: [bad], roots: f.pki.roots, crls: f.pki.crls, usage: 'signature' });
          if (r.ok) expect(Buffer.from(bad.rawData).equals(Buffer.from(der))).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('mutated CRLs', async () => {
    const crl = f.pki.crls.find((c) => c.issuer.includes('GWA'))!;
    const der = new Uint8Array(crl.rawData);
    await fc.assert(
      fc.asyncProperty(mutation(der.length), async (m) => {
        await onlyTypedErrors(async () => {
          const bad = parseCrls(mutate(der, m))[0]!;
          const crls = f.pki.crls.map((c) => (c === crl ? bad : c));
          const r = await validateChain({ leaf: gw.tls.cert, intermediates: f.pki.intermediates, roots: f.pki.roots, crls, usage: 'tls-client' });
          if (r.ok) expect(Buffer.from(bad.rawData).equals(Buffer.from(der))).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });
});
