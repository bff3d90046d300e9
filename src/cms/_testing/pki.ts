/**
 * A small SM-PKI for CMS tests, built with the PKI's own certificate and CRL builders: a brainpoolP384r1 root,
 * a brainpoolP256r1 sub-CA, and parties with signature and encryption certificates. All keys live in one
 * MemorySecurityModule; `adopt` takes in a node:crypto key so OpenSSL can be handed its PEM.
 */
import 'reflect-metadata';
import type { X509Certificate, X509Crl } from '@peculiar/x509';
import type { KeyObject } from 'node:crypto';
import { curveOfKey, publicKeyFromPoint } from '../../crypto/ec-keys.js';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { Curve } from '../../crypto/security-module.js';
import {
  type ModuleSigningKey,
  type Role,
  type SubjectFields,
  type TripletUsage,
  buildCertificate,
  buildCrl,
  moduleSigningKey,
  securityModuleCrypto,
  validateChain,
} from '../../pki/index.js';
import type { TrustCheck } from '../verify.js';

/** MemorySecurityModule that can take in a key made outside (so a test can give OpenSSL its PEM). */
export class AdoptingModule extends MemorySecurityModule {
  adopt(label: string, priv: KeyObject): void {
    this.put(label, curveOfKey(priv), priv);
  }
}

export interface TestParty {
  readonly name: string;
  readonly sig: X509Certificate;
  readonly enc: X509Certificate;
  readonly sigLabel: string;
  readonly encLabel: string;
}

export interface TestPki {
  readonly sm: AdoptingModule;
  readonly root: X509Certificate;
  readonly subCa: X509Certificate;
  readonly crls: () => readonly X509Crl[];
  /** Issues a party's signature and encryption certificates (keys generated in the module, or `encKey` adopted). */
  party(name: string, opts?: { role?: Role; curve?: Curve; encKey?: KeyObject; sigKey?: KeyObject }): Promise<TestParty>;
  /** Puts `cert` on the sub-CA's next CRL. */
  revoke(cert: X509Certificate): Promise<void>;
  /** The PKI's chain validation for content signers (usage 'signature'), with this PKI's root, sub-CA and CRLs. */
  readonly trust: TrustCheck;
}

const DAY = 86_400_000;

export async function makeTestPki(tag = 'Test', sm = new AdoptingModule()): Promise<TestPki> {
  const crypto = securityModuleCrypto(sm);
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 730 * DAY) };
  let serial = 0x1000;
  const nextSerial = () => (serial++).toString(16);
  const name = (cn: string): SubjectFields => ({ commonName: cn, org: `${tag} Org`, orgUnit: '', country: 'DE' });

  await sm.generateKeyPair(`${tag}/root`, 'brainpoolP384r1');
  const rootKey = await moduleSigningKey(sm, `${tag}/root`);
  const root = await buildCertificate(
    { profile: { kind: 'root' }, subject: name(`${tag} Root`), subjectSpki: rootKey.spki, issuerName: name(`${tag} Root`), signer: rootKey, serialNumber: nextSerial(), ...validity },
    crypto,
  );
  await sm.generateKeyPair(`${tag}/subca`, 'brainpoolP256r1');
  const subKey = await moduleSigningKey(sm, `${tag}/subca`);
  const subCa = await buildCertificate(
    { profile: { kind: 'sub-ca' }, subject: name(`${tag} Sub-CA`), subjectSpki: subKey.spki, issuerName: root.subjectName, signer: rootKey, serialNumber: nextSerial(), ...validity },
    crypto,
  );

  const revoked: Array<{ serialNumber: string; revocationDate: Date; reason: 'keyCompromise' }> = [];
  let crlNumber = 0;
  const crlOf = async (issuer: X509Certificate, key: ModuleSigningKey, entries: typeof revoked) =>
    buildCrl({ issuerName: issuer.subjectName, signer: key, crlNumber: ++crlNumber, thisUpdate: new Date(now - DAY), nextUpdate: new Date(now + 30 * DAY), entries }, crypto);
  const rootCrl = await crlOf(root, rootKey, []);
  let subCrl = await crlOf(subCa, subKey, revoked);

  const issue = async (subject: string, usage: TripletUsage, role: Role, label: string): Promise<X509Certificate> => {
    const info = await sm.publicKey(label);
    const spki = new Uint8Array(publicKeyFromPoint(info.curve, info.publicKey).export({ format: 'der', type: 'spki' }));
    return buildCertificate(
      { profile: { kind: 'party', usage, role }, subject: name(subject), subjectSpki: spki, issuerName: subCa.subjectName, signer: subKey, serialNumber: nextSerial(), ...validity },
      crypto,
    );
  };

  const pki: TestPki = {
    sm,
    root,
    subCa,
    crls: () => [rootCrl, subCrl],
    async party(partyName, opts = {}) {
      const curve = opts.curve ?? 'brainpoolP256r1';
      const sigLabel = `${partyName}/sig`;
      const encLabel = `${partyName}/enc`;
      if (opts.sigKey !== undefined) sm.adopt(sigLabel, opts.sigKey);
      else await sm.generateKeyPair(sigLabel, curve);
      if (opts.encKey !== undefined) sm.adopt(encLabel, opts.encKey);
      else await sm.generateKeyPair(encLabel, curve);
      const role = opts.role ?? 'gateway';
      return { name: partyName, sigLabel, encLabel, sig: await issue(partyName, 'sig', role, sigLabel), enc: await issue(partyName, 'enc', role, encLabel) };
    },
    async revoke(cert) {
      revoked.push({ serialNumber: cert.serialNumber, revocationDate: new Date(now - 1000), reason: 'keyCompromise' });
      subCrl = await crlOf(subCa, subKey, revoked);
    },
    trust: (signer, certs) => validateChain({ leaf: signer, intermediates: [subCa, ...certs], roots: [root], crls: [rootCrl, subCrl], usage: 'signature' }),
  };
  return pki;
}

