/**
 * CMS content protection rates (one recipient, brainpoolP256r1, 200-byte content) beside the bare node:crypto
 * primitives they are bound by, all measured in this run: unprotect needs one ECDSA verify and one ECDH, so its
 * ceiling is 1 / (1/verify + 1/ECDH); protect needs one ECDSA sign, one ECDH and an ephemeral key pair.
 */
import 'reflect-metadata';
import type { X509Certificate } from '@peculiar/x509';
import { diffieHellman, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { makeTestPki } from '../src/cms/_testing/pki.js';
import { protect, unprotect } from '../src/cms/protect.js';
import type { TrustCheck } from '../src/cms/verify.js';
import { ok } from '../src/result.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const combined = (a: number, b: number): number => 1 / (1 / a + 1 / b);

/** Runs the measurements `rounds` times, interleaved, and keeps each one's best rate. */
async function bestOf<K extends string>(rounds: number, runs: Readonly<Record<K, () => Promise<number>>>): Promise<Record<K, number>> {
  const keys = Object.keys(runs) as K[];
  const best = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) best[k] = Math.max(best[k], await runs[k]());
  }
  return best;
}

export const cmsBench: Bench = {
  name: 'cms',
  async run(): Promise<readonly BenchLine[]> {
    const content = randomBytes(200);
    const pki = await makeTestPki('Bench');
    const gw = await pki.party('gw-bench');
    const emt = await pki.party('emt-bench', { role: 'emt' });

    // Bare primitives on the same curve, same data size.
    const a = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const b = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const sig = sign('sha256', content, a.privateKey);
    const signer = { keyLabel: gw.sigLabel, cert: gw.sig };
    const der = await protect(content, { sm: pki.sm, signer, recipients: [emt.enc] });
    // A relying party that pinned the signer certificate: the rate CMS itself allows. Chain validation is the PKI's cost.
    const pinned: TrustCheck = async (s: X509Certificate) => ok([s]);
    const recipient = { keyLabel: emt.encLabel, cert: emt.enc };

    // Each figure is the best of three interleaved runs, so a busy shared machine hits all of them alike.
    const r = await bestOf(3, {
      sign: () => measure(() => void sign('sha256', content, a.privateKey), 1, 500),
      verify: () => measure(() => void verify('sha256', content, a.publicKey, sig), 1, 500),
      ecdh: () => measure(() => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 1, 500),
      keygen: () => measure(() => void generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }), 1, 500),
      protect: () => measure(async () => void (await protect(content, { sm: pki.sm, signer, recipients: [emt.enc] })), 1, 500),
      unprotect: () => measure(async () => void (await unprotect(der, { sm: pki.sm, recipient, trust: pinned })), 1, 500),
      full: () => measure(async () => void (await unprotect(der, { sm: pki.sm, recipient, trust: pki.trust })), 1, 500),
    });

    const bare = `bare brainpoolP256r1 calls/s: sign ${Math.round(r.sign)}, verify ${Math.round(r.verify)}, ECDH ${Math.round(r.ecdh)}, key pair ${Math.round(r.keygen)}`;
    return [
      {
        name: 'protect (AES-128-GCM, 1 recipient, 200 B)',
        rate: r.protect,
        unit: 'msg/s',
        primitive: { name: 'sign + ECDH + ephemeral key pair', rate: 1 / (1 / r.sign + 1 / r.ecdh + 1 / r.keygen) },
        note: bare,
      },
      {
        name: 'unprotect (signer pinned)',
        rate: r.unprotect,
        unit: 'msg/s',
        primitive: { name: 'verify + ECDH', rate: combined(r.verify, r.ecdh) },
        goalRatio: 0.6,
        note: 'bare ECDH takes a ready KeyObject; unprotect also decodes the ephemeral point of each message',
      },
      {
        name: 'unprotect with chain validation (sub-CA + P-384 root + 2 CRLs)',
        rate: r.full,
        unit: 'msg/s',
        primitive: { name: 'verify + ECDH', rate: combined(r.verify, r.ecdh) },
        note: 'no goal: the three extra ECDSA verifications of the chain and CRLs are the PKI validator\'s cost',
      },
    ];
  },
};
