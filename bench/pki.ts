import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecurityModule } from '../src/crypto/memory-module.js';
import { KEY_LABELS, buildCertificate, initPki, issueParty, moduleSigningKey, openPkiDir, securityModuleCrypto, validateChain } from '../src/pki/index.js';
import { type Bench, type BenchLine, measure } from './harness.js';

/** Chain validation and certificate signing, each beside the ECDSA primitive it is bound by. */
export const pkiBench: Bench = {
  name: 'pki',
  async run(): Promise<readonly BenchLine[]> {
    const dir = mkdtempSync(join(tmpdir(), 'gw-pki-bench-'));
    try {
      const sm = new MemorySecurityModule();
      await initPki({ dir, sm });
      await issueParty({ dir, sm }, { role: 'gateway', name: 'gw1' });
      const pki = await openPkiDir(dir, sm);
      const gw = await pki.party('gw1');

      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const pub = createPublicKey(privateKey);
      const data = Buffer.alloc(300, 7);
      const sig = sign('sha256', data, privateKey);
      const verifyRate = await measure(() => {
        verify('sha256', data, pub, sig);
      }, 1);
      const signRate = await measure(() => {
        sign('sha256', data, privateKey);
      }, 1);

      const chainRate = await measure(async () => {
        const r = await validateChain({ leaf: gw.tls.cert, intermediates: pki.intermediates, roots: pki.roots, crls: pki.crls, usage: 'tls-client' });
        if (!r.ok) throw r.error;
      }, 1);

      const crypto = securityModuleCrypto(sm);
      const signer = await moduleSigningKey(sm, KEY_LABELS.subCa('subca-gwa'));
      const subject = await moduleSigningKey(sm, KEY_LABELS.party('gw1', 'sig'));
      const issuerName = pki.subCas[0]!.subjectName;
      const now = new Date();
      const later = new Date(now.getTime() + 86_400_000);
      const certRate = await measure(async () => {
        await buildCertificate(
          {
            profile: { kind: 'party', usage: 'sig', role: 'gateway' },
            subject: { commonName: 'bench', org: 'gridwarden', orgUnit: '', country: 'DE' },
            subjectSpki: subject.spki,
            issuerName,
            signer,
            serialNumber: '0badc0de',
            notBefore: now,
            notAfter: later,
          },
          crypto,
        );
      }, 1);

      return [
        {
          name: 'validateChain leaf -> sub-CA (P256) -> root (P384) with both CRLs',
          rate: chainRate,
          unit: 'chains/s',
          primitive: { name: 'ECDSA brainpoolP256r1 verify (node:crypto)', rate: verifyRate },
          note: 'four signature checks per chain (two certificates, two CRLs; the root ones on P384, slower than P256): 25% is the ceiling',
        },
        {
          name: 'certificate issue through the SecurityModule adapter (build + sign, P256)',
          rate: certRate,
          unit: 'certs/s',
          primitive: { name: 'ECDSA brainpoolP256r1 sign (node:crypto)', rate: signRate },
          note: 'one signature per certificate plus ASN.1 encoding in @peculiar/x509',
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
