/**
 * The signer-trust decision, remembered per certificate. The PKI folder's CRLs are read once when the head-end
 * opens it, so within a process the verdict for one certificate cannot change except by time: a good verdict
 * is kept for `ttlMs` (and never past the certificate's notAfter). Refusals are not kept. This takes the three
 * chain and CRL signature checks off every message but the first of each signer.
 */
import { createHash } from 'node:crypto';
import type { X509Certificate } from '@peculiar/x509';
import type { TrustStore } from '../cms/index.js';
import type { PkiDir } from '../pki/index.js';

type Verdict = Awaited<ReturnType<TrustStore['validate']>>;

/** SHA-256 of a certificate's DER, hex; remembered per object (the CMS layer hands out one object per DER). */
const hashOf = new WeakMap<X509Certificate, string>();

function derHash(cert: X509Certificate): string {
  let h = hashOf.get(cert);
  if (h === undefined) {
    h = createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
    hashOf.set(cert, h);
  }
  return h;
}

export function cachedTrust(pki: Pick<PkiDir, 'validate'>, o: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): TrustStore {
  const ttl = o.ttlMs ?? 5 * 60_000;
  const max = o.maxEntries ?? 10_000;
  const now = o.now ?? Date.now;
  const good = new Map<string, { until: number; verdict: Verdict }>();
  return {
    async validate(leaf: X509Certificate, usage: 'signature'): Promise<Verdict> {
      const key = derHash(leaf);
      const t = now();
      const hit = good.get(key);
      if (hit !== undefined && hit.until > t) return hit.verdict;
      const verdict = await pki.validate(leaf, usage, new Date(t));
      if (verdict.ok) {
        if (good.size >= max) good.clear();
        good.set(key, { until: Math.min(t + ttl, leaf.notAfter.getTime()), verdict });
      } else good.delete(key);
      return verdict;
    },
  };
}
