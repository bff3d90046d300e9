/**
 * What every head-end part works with: the store, the security module, the PKI folder's trust material, the
 * administrator's signature key and the encryption keys of the hosted market participants. Nothing here is
 * mutable state of the process (the metrics excepted): it can be rebuilt from the configuration at any time.
 */
import type { X509Certificate } from '@peculiar/x509';
import type { KeyAndCert, TrustStore } from '../cms/index.js';
import type { SecurityModule } from '../crypto/security-module.js';
import { KEY_LABELS, type PkiDir, PkiError, openPkiDir } from '../pki/index.js';
import type { Db } from '../store/index.js';
import type { WakeUpTarget } from '../wan/index.js';
import { HeadendError } from './errors.js';
import { Metrics } from './metrics.js';
import { cachedTrust } from './trust-cache.js';

export interface SigningParty {
  readonly name: string;
  readonly sig: KeyAndCert;
  /** Its issuing sub-CA, carried in every signed message so peers can build the chain. */
  readonly chain: readonly X509Certificate[];
}

export interface HeadendContext {
  readonly db: Db;
  readonly sm: SecurityModule;
  /** Certificates of every party (and the uncached trust decision). */
  readonly pki: PkiDir;
  /** Whether a CMS signer may sign: the PKI folder's chain and CRL check, remembered per certificate. */
  readonly trust: TrustStore;
  /** The gateway administrator this head-end runs. */
  readonly gwa: SigningParty;
  /** Hosted market participants: name -> their encryption key label and certificate. */
  readonly emts: ReadonlyMap<string, KeyAndCert>;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /** Sends a signed wake-up to a gateway (src/wan's sender by default; injectable for tests). */
  readonly wakeUp: (gateway: string, target: WakeUpTarget) => Promise<void>;
}

export interface ContextOptions {
  readonly db: Db;
  readonly sm: SecurityModule;
  readonly pkiDir: string;
  readonly gwa: string;
  readonly emts: readonly string[];
  readonly metrics?: Metrics;
  readonly now?: () => Date;
  readonly wakeUp: (ctx: Pick<HeadendContext, 'sm' | 'gwa' | 'now'>, gateway: string, target: WakeUpTarget) => Promise<void>;
}

/**
 * Loads the parties' certificates from the PKI folder; the keys stay in the security module under the PKI's
 * labels (`<name>/sig`, `<name>/enc`). A party missing from the folder is HE_CONFIG; a missing key shows up
 * where it is used (HE_NO_KEY at intake).
 */
export async function createHeadendContext(o: ContextOptions): Promise<HeadendContext> {
  // Without the module: the folder's certificates only; the head-end's module holds its own keys, not the gateways'.
  const pki = await openPkiDir(o.pkiDir);
  const load = async (name: string, role: 'gwa' | 'emt') => {
    try {
      const p = await pki.party(name);
      if (p.role !== role) throw new HeadendError('HE_CONFIG', `party ${name} in the PKI folder is a ${p.role}, not a ${role}`);
      return p;
    } catch (e) {
      if (e instanceof PkiError) throw new HeadendError('HE_CONFIG', `the PKI folder has no usable party ${name}: ${e.code}`, { cause: e });
      throw e;
    }
  };
  const gwa = await load(o.gwa, 'gwa');
  const emts = new Map<string, KeyAndCert>();
  for (const name of o.emts) {
    const p = await load(name, 'emt');
    emts.set(name, { keyLabel: KEY_LABELS.party(name, 'enc'), cert: p.enc.cert });
  }
  const now = o.now ?? (() => new Date());
  const signing: SigningParty = { name: gwa.name, sig: { keyLabel: KEY_LABELS.party(gwa.name, 'sig'), cert: gwa.sig.cert }, chain: gwa.sig.chain };
  const base = { sm: o.sm, gwa: signing, now };
  return {
    db: o.db,
    sm: o.sm,
    pki,
    trust: cachedTrust(pki, { now: () => now().getTime() }),
    gwa: signing,
    emts,
    metrics: o.metrics ?? new Metrics(),
    now,
    wakeUp: (gateway, target) => o.wakeUp(base, gateway, target),
  };
}
