/**
 * Interop with the `openssl cms` command (OpenSSL 3.0) as an independent peer: it verifies and decrypts what we
 * write, and we verify and decrypt what it writes, on brainpoolP256r1 certificates of our PKI.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certToPem, crlToPem } from '../pki/index.js';
import { type TestParty, type TestPki, makeTestPki } from './_testing/pki.js';
import { unwrapContentInfo, wrapContentInfo } from './der.js';
import { openEnvelope } from './envelope.js';
import { CONTENT_TYPE } from './oids.js';
import { protect, unprotect } from './protect.js';
import { verifySigned } from './verify.js';

const content = Buffer.from('0100010800ff 000123456.789 kWh | gateway reading for EMT, 15 min');

function openssl(args: readonly string[], input?: Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

const keyPem = (k: KeyObject): string => k.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('openssl cms interop', () => {
  let dir: string;
  let pki: TestPki;
  let gw: TestParty;
  let emt: TestParty;
  let gwSigKey: KeyObject;
  let emtEncKey: KeyObject;
  const file = (n: string) => join(dir, n);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-cms-'));
    pki = await makeTestPki('Interop');
    gwSigKey = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey;
    emtEncKey = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }).privateKey;
    gw = await pki.party('gw-ossl', { sigKey: gwSigKey });
    emt = await pki.party('emt-ossl', { role: 'emt', encKey: emtEncKey });
    writeFileSync(file('ca.pem'), certToPem(pki.root) + certToPem(pki.subCa));
    // openssl cms has no -CRLfile: CRLs in the CAfile are loaded with the certificates.
    writeFileSync(file('ca-crls.pem'), certToPem(pki.root) + certToPem(pki.subCa) + pki.crls().map(crlToPem).join(''));
    writeFileSync(file('gw-sig.pem'), certToPem(gw.sig));
    writeFileSync(file('gw-sig.key'), keyPem(gwSigKey));
    writeFileSync(file('emt-enc.pem'), certToPem(emt.enc));
    writeFileSync(file('emt-enc.key'), keyPem(emtEncKey));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const opts = () => ({ sm: pki.sm, signer: { keyLabel: gw.sigLabel, cert: gw.sig }, recipients: [emt.enc] });

  describe('openssl reads what we write', () => {
    it.each([
      ['aes128-gcm', 'issuer-serial'],
      ['aes128-cbc', 'issuer-serial'],
      ['aes128-gcm', 'ski'],
    ] as const)('verifies (with CRLs) and decrypts %s, signer named by %s', (enc, signerId) => {
      return (async () => {
        const der = await protect(content, { ...opts(), contentEncryption: enc, signerId });
        writeFileSync(file('msg.der'), der);
        const inner = openssl(['cms', '-verify', '-inform', 'DER', '-in', file('msg.der'), '-CAfile', file('ca-crls.pem'), '-crl_check_all']);
        // The eContent is the bare AuthEnvelopedData / EnvelopedData; openssl cms -decrypt wants a ContentInfo around it.
        const type = enc === 'aes128-gcm' ? CONTENT_TYPE.authEnvelopedData : CONTENT_TYPE.envelopedData;
        writeFileSync(file('env.der'), wrapContentInfo(type, new Uint8Array(inner)));
        const plain = openssl(['cms', '-decrypt', '-inform', 'DER', '-in', file('env.der'), '-recip', file('emt-enc.pem'), '-inkey', file('emt-enc.key')]);
        expect(plain.equals(content)).toBe(true);
      })();
    });

    it('refuses our message when a signed attribute was altered', async () => {
      const der = await protect(content, opts());
      // The signing-time UTCTime is the last one in the message (SignerInfo comes after the certificates).
      const at = Buffer.from(der).lastIndexOf(Buffer.from([0x17, 0x0d]));
      const bad = Buffer.from(der);
      bad[at + 2] = bad[at + 2] === 0x32 ? 0x33 : 0x32;
      writeFileSync(file('bad.der'), bad);
      expect(() => openssl(['cms', '-verify', '-inform', 'DER', '-in', file('bad.der'), '-CAfile', file('ca.pem')])).toThrow();
    });
  });

  describe('we read what openssl writes', () => {
    it.each([
      ['-aes-128-gcm', 'sha256', 'aes128-gcm'],
      ['-aes-128-gcm', 'sha1', 'aes128-gcm'],
      ['-aes-256-gcm', 'sha384', 'aes256-gcm'],
      ['-aes128', 'sha256', 'aes128-cbc'],
      ['-aes256', 'sha1', 'aes256-cbc'],
    ])('decrypts openssl cms -encrypt %s with the %s KDF', async (cipher, kdf, name) => {
      const der = openssl(['cms', '-encrypt', '-binary', cipher, '-recip', file('emt-enc.pem'), '-keyopt', `ecdh_kdf_md:${kdf}`, '-outform', 'DER'], content);
      const ci = unwrapContentInfo(new Uint8Array(der));
      const opened = await openEnvelope(ci.contentType, ci.content, { sm: pki.sm, keyLabel: emt.encLabel, cert: emt.enc });
      expect(Buffer.from(opened.content).equals(content)).toBe(true);
      expect(opened.encryption).toBe(name);
    });

    it.each([[[]], [['-keyid']], [['-md', 'sha384']]])('verifies openssl cms -sign %j', async (extra) => {
      const der = openssl(['cms', '-sign', '-binary', '-nodetach', '-signer', file('gw-sig.pem'), '-inkey', file('gw-sig.key'), '-outform', 'DER', ...extra], content);
      const v = await verifySigned(new Uint8Array(der), pki.trust);
      expect(Buffer.from(v.content).equals(content)).toBe(true);
      expect(v.contentType).toBe(CONTENT_TYPE.data);
      expect(v.signer.subject).toBe(gw.sig.subject);
      expect(v.signingTime).toBeInstanceOf(Date);
    });

    it('unprotects an openssl encrypt-then-sign message (AuthEnvelopedData inside SignedData)', async () => {
      const enc = openssl(['cms', '-encrypt', '-binary', '-aes-128-gcm', '-recip', file('emt-enc.pem'), '-keyopt', 'ecdh_kdf_md:sha256', '-outform', 'DER'], content);
      writeFileSync(file('aed.der'), unwrapContentInfo(new Uint8Array(enc)).content);
      const signed = openssl([
        'cms', '-sign', '-binary', '-nodetach', '-in', file('aed.der'), '-econtent_type', CONTENT_TYPE.authEnvelopedData,
        '-signer', file('gw-sig.pem'), '-inkey', file('gw-sig.key'), '-outform', 'DER',
      ]);
      const out = await unprotect(new Uint8Array(signed), { sm: pki.sm, recipient: { keyLabel: emt.encLabel, cert: emt.enc }, trust: pki.trust });
      expect(Buffer.from(out.content).equals(content)).toBe(true);
      expect(out.signer.subject).toBe(gw.sig.subject);
      expect(readFileSync(file('aed.der')).length).toBeGreaterThan(content.length);
    });
  });
});
