import 'reflect-metadata';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestParty, type TestPki, makeTestPki } from './_testing/pki.js';
import { wrapContentInfo } from './der.js';
import { envelope } from './envelope.js';
import { CmsError } from './errors.js';
import { CONTENT_TYPE, DIGEST, ECDSA_WITH } from './oids.js';
import { protect, resign, unprotect } from './protect.js';
import { signContent } from './sign.js';

const content = new TextEncoder().encode('1-0:1.8.0*255 12345.678 kWh; 15-minute values of meter 1EMH0012345678');

/** The last UTCTime in a message is the signing-time attribute (SignerInfo comes after the certificates). */
function alterSigningTime(der: Uint8Array): Uint8Array {
  const out = Buffer.from(der);
  const at = out.lastIndexOf(Buffer.from([0x17, 0x0d]));
  out[at + 3] = out[at + 3] === 0x30 ? 0x31 : 0x30; // second year digit
  return new Uint8Array(out);
}

/** The same SignedData without its certificates. */
function withoutCertificates(der: Uint8Array): Uint8Array {
  const ci = AsnConvert.parse(der, ContentInfo);
  const sd = AsnConvert.parse(ci.content, SignedData);
  sd.certificates = undefined;
  return wrapContentInfo(CONTENT_TYPE.signedData, new Uint8Array(AsnConvert.serialize(sd)));
}

const codeOf = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof CmsError ? e.code : `not a CmsError: ${String(e)}`),
  );

describe('protect / unprotect', () => {
  let pki: TestPki;
  let gw: TestParty;
  let emt: TestParty;
  let emt2: TestParty;
  let gwa: TestParty;

  beforeAll(async () => {
    pki = await makeTestPki();
    gw = await pki.party('gw-1');
    emt = await pki.party('emt-1', { role: 'emt' });
    emt2 = await pki.party('emt-2', { role: 'emt' });
    gwa = await pki.party('gwa-1', { role: 'gwa' });
  });

  const sender = () => ({ sm: pki.sm, signer: { keyLabel: gw.sigLabel, cert: gw.sig } });
  const asEmt = () => ({ sm: pki.sm, recipient: { keyLabel: emt.encLabel, cert: emt.enc }, trust: pki.trust });

  it.each(['aes128-gcm', 'aes128-cbc'] as const)('round-trips with %s for two recipients', async (enc) => {
    const at = new Date('2026-03-01T12:00:00Z');
    const der = await protect(content, { ...sender(), recipients: [emt.enc, emt2.enc], contentEncryption: enc, signingTime: at });
    for (const r of [emt, emt2]) {
      const out = await unprotect(der, { sm: pki.sm, recipient: { keyLabel: r.encLabel, cert: r.enc }, trust: pki.trust });
      expect(Buffer.from(out.content).equals(Buffer.from(content))).toBe(true);
      expect(out.signer.subject).toBe(gw.sig.subject);
      expect(out.encryption).toBe(enc);
      expect(out.signingTime?.toISOString()).toBe(at.toISOString());
      expect(out.chain.map((c) => c.subject)).toEqual([gw.sig.subject, pki.subCa.subject, pki.root.subject]);
      expect(out.pseudonym).toBeUndefined();
    }
  });

  it('names the signer by subject key identifier when asked', async () => {
    const der = await protect(content, { ...sender(), recipients: [emt.enc], signerId: 'ski' });
    const si = AsnConvert.parse(AsnConvert.parse(der, ContentInfo).content, SignedData).signerInfos[0]!;
    expect(si.version).toBe(3);
    expect(si.sid.subjectKeyIdentifier).toBeDefined();
    expect((await unprotect(der, asEmt())).signer.subject).toBe(gw.sig.subject);
  });

  it.each([
    ['brainpoolP256r1', ECDSA_WITH.sha256, DIGEST.sha256],
    ['brainpoolP384r1', ECDSA_WITH.sha384, DIGEST.sha384],
  ] as const)('signs with a %s key using %s, and encrypts on each recipient curve', async (curve, sigOid, digestOid) => {
    const p = await pki.party(`gw-${curve}`, { curve });
    const der = await protect(content, { sm: pki.sm, signer: { keyLabel: p.sigLabel, cert: p.sig }, recipients: [emt.enc, p.enc] });
    const self = await unprotect(der, { sm: pki.sm, recipient: { keyLabel: p.encLabel, cert: p.enc }, trust: pki.trust });
    expect(Buffer.from(self.content).equals(Buffer.from(content))).toBe(true);
    const sd = AsnConvert.parse(AsnConvert.parse(der, ContentInfo).content, SignedData);
    expect(sd.signerInfos[0]!.signatureAlgorithm.algorithm).toBe(sigOid);
    expect(sd.signerInfos[0]!.digestAlgorithm.algorithm).toBe(digestOid);
    expect(sd.encapContentInfo.eContentType).toBe(CONTENT_TYPE.authEnvelopedData);
    expect((await unprotect(der, asEmt())).signer.subject).toBe(p.sig.subject);
  });

  describe('each failure has its own code', () => {
    it('CMS_BAD_SIGNATURE: a signed attribute was altered', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(alterSigningTime(der), asEmt()))).toBe('CMS_BAD_SIGNATURE');
    });

    it('CMS_BAD_SIGNATURE: the encrypted content was altered under the signature', async () => {
      const der = Buffer.from(await protect(content, { ...sender(), recipients: [emt.enc] }));
      const eContent = AsnConvert.parse(AsnConvert.parse(der, ContentInfo).content, SignedData).encapContentInfo.eContent!.single!;
      const at = der.indexOf(Buffer.from(eContent.buffer)) + eContent.byteLength - 20; // inside the ciphertext or tag
      der[at] = (der[at] ?? 0) ^ 0x01;
      expect(await codeOf(unprotect(new Uint8Array(der), asEmt()))).toBe('CMS_BAD_SIGNATURE');
    });

    it('CMS_TAMPERED_CIPHERTEXT: the GCM tag fails although a trusted party signed the altered ciphertext', async () => {
      const env = await envelope(content, [emt.enc], 'aes128-gcm', pki.sm);
      const bad = env.der.slice();
      bad[bad.length - 3] = (bad[bad.length - 3] ?? 0) ^ 0x80; // inside the 16-byte mac at the end
      const der = await signContent({ sm: pki.sm, keyLabel: gw.sigLabel, cert: gw.sig }, { eContentType: env.contentType, eContent: bad });
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_TAMPERED_CIPHERTEXT');
    });

    it('CMS_TAMPERED_CIPHERTEXT: CBC content whose last block was altered', async () => {
      const env = await envelope(content, [emt.enc], 'aes128-cbc', pki.sm);
      const bad = env.der.slice();
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0x55;
      const der = await signContent({ sm: pki.sm, keyLabel: gw.sigLabel, cert: gw.sig }, { eContentType: env.contentType, eContent: bad });
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_TAMPERED_CIPHERTEXT');
    });

    it('CMS_UNTRUSTED_SIGNER: the signer belongs to another CA', async () => {
      const other = await makeTestPki('Other');
      const stranger = await other.party('gw-x');
      const der = await protect(content, { sm: other.sm, signer: { keyLabel: stranger.sigLabel, cert: stranger.sig }, recipients: [emt.enc] });
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_UNTRUSTED_SIGNER');
    });

    it('CMS_UNTRUSTED_SIGNER: the signer used its encryption certificate (key usage)', async () => {
      const der = await protect(content, { sm: pki.sm, signer: { keyLabel: gw.encLabel, cert: gw.enc }, recipients: [emt.enc] });
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_UNTRUSTED_SIGNER');
    });

    it('CMS_SIGNER_REVOKED: the signer certificate is on the sub-CA CRL', async () => {
      const doomed = await pki.party('gw-revoked');
      const der = await protect(content, { sm: pki.sm, signer: { keyLabel: doomed.sigLabel, cert: doomed.sig }, recipients: [emt.enc] });
      expect((await unprotect(der, asEmt())).signer.subject).toBe(doomed.sig.subject);
      await pki.revoke(doomed.sig);
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_SIGNER_REVOKED');
    });

    it('CMS_WRONG_RECIPIENT: no RecipientInfo for our certificate', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(der, { ...asEmt(), recipient: { keyLabel: emt2.encLabel, cert: emt2.enc } }))).toBe('CMS_WRONG_RECIPIENT');
    });

    it('CMS_WRONG_KEY: our certificate is named but the key we hold is another', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(der, { ...asEmt(), recipient: { keyLabel: emt2.encLabel, cert: emt.enc } }))).toBe('CMS_WRONG_KEY');
    });

    it('CMS_NO_KEY: the security module has no key under the label', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(der, { ...asEmt(), recipient: { keyLabel: 'nobody/enc', cert: emt.enc } }))).toBe('CMS_NO_KEY');
      expect(await codeOf(protect(content, { ...sender(), signer: { keyLabel: 'nobody/sig', cert: gw.sig }, recipients: [emt.enc] }))).toBe('CMS_NO_KEY');
    });

    it('CMS_NO_SIGNER_CERT: the signer certificate is not in the message', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(withoutCertificates(der), asEmt()))).toBe('CMS_NO_SIGNER_CERT');
    });

    it.each([
      ['empty', new Uint8Array(0)],
      ['not DER', new TextEncoder().encode('hello')],
      ['a bare SEQUENCE', Uint8Array.from([0x30, 0x00])],
    ])('CMS_MALFORMED: %s', async (_, der) => {
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_MALFORMED');
    });

    it('CMS_MALFORMED: truncated', async () => {
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(unprotect(der.subarray(0, der.length - 40), asEmt()))).toBe('CMS_MALFORMED');
    });

    it('CMS_UNSUPPORTED_ALGORITHM: signed plain data is not protected content', async () => {
      const der = await signContent({ sm: pki.sm, keyLabel: gw.sigLabel, cert: gw.sig }, { eContentType: CONTENT_TYPE.data, eContent: content });
      expect(await codeOf(unprotect(der, asEmt()))).toBe('CMS_UNSUPPORTED_ALGORITHM');
    });

    it('CMS_BAD_ARGUMENT: no recipients, or an empty pseudonym', async () => {
      expect(await codeOf(protect(content, { ...sender(), recipients: [] }))).toBe('CMS_BAD_ARGUMENT');
      const der = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(resign(der, { sm: pki.sm, intermediary: { keyLabel: gwa.sigLabel, cert: gwa.sig }, pseudonym: '', trust: pki.trust }))).toBe(
        'CMS_BAD_ARGUMENT',
      );
    });
  });

  describe('resign (pseudonymisation by the administrator)', () => {
    const pseudonym = 'pseudo-7f3a9c';
    const byGwa = () => ({ sm: pki.sm, intermediary: { keyLabel: gwa.sigLabel, cert: gwa.sig }, pseudonym, trust: pki.trust });

    it('the recipient decrypts and sees the pseudonym and the administrator, not the gateway', async () => {
      const original = await protect(content, { ...sender(), recipients: [emt.enc] });
      const der = await resign(original, byGwa());
      const out = await unprotect(der, asEmt());
      expect(Buffer.from(out.content).equals(Buffer.from(content))).toBe(true);
      expect(out.pseudonym).toBe(pseudonym);
      expect(out.signer.subject).toBe(gwa.sig.subject);
      // Nothing of the gateway's identity is left: neither its certificate nor its name.
      expect(Buffer.from(der).includes(Buffer.from(gw.sig.rawData))).toBe(false);
      expect(Buffer.from(der).includes(Buffer.from('gw-1'))).toBe(false);
      const sd = AsnConvert.parse(AsnConvert.parse(der, ContentInfo).content, SignedData);
      expect(sd.signerInfos.length).toBe(1);
      expect(sd.certificates?.length).toBe(1);
    });

    it('the administrator cannot decrypt: the message has no RecipientInfo for it', async () => {
      const der = await resign(await protect(content, { ...sender(), recipients: [emt.enc] }), byGwa());
      expect(await codeOf(unprotect(der, { sm: pki.sm, recipient: { keyLabel: gwa.encLabel, cert: gwa.enc }, trust: pki.trust }))).toBe('CMS_WRONG_RECIPIENT');
    });

    it('refuses to re-sign a message whose signature or signer does not hold', async () => {
      const original = await protect(content, { ...sender(), recipients: [emt.enc] });
      expect(await codeOf(resign(alterSigningTime(original), byGwa()))).toBe('CMS_BAD_SIGNATURE');
      const other = await makeTestPki('Other2');
      const stranger = await other.party('gw-y');
      const foreign = await protect(content, { sm: other.sm, signer: { keyLabel: stranger.sigLabel, cert: stranger.sig }, recipients: [emt.enc] });
      expect(await codeOf(resign(foreign, byGwa()))).toBe('CMS_UNTRUSTED_SIGNER');
    });
  });

  it('lets only CmsError out for mutated messages (bit flips, truncation, length lies)', async () => {
    const der = await protect(content, { ...sender(), recipients: [emt.enc] });
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(der.length - 1), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(der.length - 1) }),
      fc.record({ kind: fc.constant('length' as const), at: fc.nat(der.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let bad: Uint8Array;
        if (m.kind === 'cut') bad = der.subarray(0, m.at);
        else {
          bad = der.slice();
          // A "length lie" overwrites the byte after a tag-looking byte; a flip changes one bit anywhere.
          if (m.kind === 'flip') bad[m.at] = (bad[m.at] ?? 0) ^ (1 << m.bit);
          else bad[Math.min(m.at + 1, bad.length - 1)] = m.value;
        }
        try {
          await unprotect(bad, asEmt());
        } catch (e) {
          if (!(e instanceof CmsError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });
});
