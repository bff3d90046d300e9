/**
 * CMS content protection rates (one recipient, brainpoolP256r1, 200-byte content) beside the bare node:crypto
 * primitives they are bound by, all measured in this run and interleaved with them (interleavedAsync): unprotect
 * needs one ECDSA verify and one ECDH, so its ceiling is 1 / (1/verify + 1/ECDH) and the bare pair runs as one
 * contender; protect needs one ECDSA sign, one ECDH and an ephemeral key pair, likewise. Each figure is per
 * second of this process's CPU time (the steadier one on a shared machine); wall time is in the note.
 */
import 'reflect-metadata';
import type { X509Certificate } from '@peculiar/x509';
import { diffieHellman, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { makeTestPki } from '../src/cms/_testing/pki.js';
import { protect, unprotect } from '../src/cms/protect.js';
import type { TrustCheck } from '../src/cms/verify.js';
import { ok } from '../src/result.js';
import type { Bench, BenchLine } from './harness.js';
import { type AsyncContender, type AsyncInterleavedRate, interleavedAsync, syncContender, wallNote } from './interleaved.js';

/** Wall time each contender gets, and the slice length, in ms. */
const SLICING = { ms: 1500, sliceMs: 40 };
const WARM_UP_MS = 300;

/** An async operation, awaited one after the other, as a contender. */
function asyncContender(name: string, op: () => Promise<unknown>): AsyncContender {
  return {
    name,
    async run(until) {
      let n = 0;
      do {
        await op();
        n++;
      } while (performance.now() < until);
      return n;
    },
  };
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

    const contenders = [
      syncContender('verify + ECDH', () => {
        verify('sha256', content, a.publicKey, sig);
        diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
      }),
      asyncContender('unprotect (pinned)', () => unprotect(der, { sm: pki.sm, recipient, trust: pinned })),
      asyncContender('unprotect (chain)', () => unprotect(der, { sm: pki.sm, recipient, trust: pki.trust })),
      syncContender('sign + ECDH + key pair', () => {
        sign('sha256', content, a.privateKey);
        diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
        generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      }),
      asyncContender('protect', () => protect(content, { sm: pki.sm, signer, recipients: [emt.enc] })),
    ] as const;
    for (const c of contenders) await c.run(performance.now() + WARM_UP_MS);
    const [pair, pinnedRate, chainRate, triple, protectRate] = (await interleavedAsync(contenders, SLICING)) as [
      AsyncInterleavedRate,
      AsyncInterleavedRate,
      AsyncInterleavedRate,
      AsyncInterleavedRate,
      AsyncInterleavedRate,
    ];

    return [
      {
        name: 'protect (AES-128-GCM, 1 recipient, 200 B)',
        rate: protectRate.cpuRate,
        unit: 'msg/s of CPU time',
        primitive: { name: 'sign + ECDH + ephemeral key pair, CPU time', rate: triple.cpuRate },
        note: wallNote(protectRate, triple),
      },
      {
        name: 'unprotect (signer pinned)',
        rate: pinnedRate.cpuRate,
        unit: 'msg/s of CPU time',
        primitive: { name: 'verify + ECDH pairs, CPU time', rate: pair.cpuRate },
        goalRatio: 0.6,
        note: `${wallNote(pinnedRate, pair)}\n  bare ECDH takes a ready KeyObject; unprotect also decodes the ephemeral point of each message`,
      },
      {
        name: 'unprotect with chain validation (sub-CA + P-384 root + 2 CRLs)',
        rate: chainRate.cpuRate,
        unit: 'msg/s of CPU time',
        primitive: { name: 'verify + ECDH pairs, CPU time', rate: pair.cpuRate },
        note: `${wallNote(chainRate, pair)}\n  no goal: the three extra ECDSA verifications of the chain and CRLs are the PKI validator's cost`,
      },
    ];
  },
};
