/**
 * Test fixture of the gateway: a PKI folder whose keys live in a software key store (so a child process can
 * open the same keys), a gateway `gw1`, the administrator `gwa1` and market participants `emt1`, `emt2`; a
 * configuration file; and a seeded store (meters with sealed keys, contracts, EMT certificates).
 */
import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import { certToPem, initPki, issueParty, openPkiDir, type PkiDir } from '../../pki/index.js';
import type { GatewayConfigInput } from '../config.js';
import { openMeterKeyVault } from '../meter-keys.js';
import { addContract, certSha256, normaliseMeterId, registerMeter, setEmtCertificates } from '../registry.js';
import { openGatewayStore } from '../runtime.js';
import type { ContractInput } from '../taf/contract.js';

export const PASSPHRASE = 'gateway test passphrase';
export const GATEWAY = 'gw1';
export const ADMIN = 'gwa1';
export const EMTS = ['emt1', 'emt2'] as const;

export interface GatewayFixture {
  readonly root: string;
  readonly pkiDir: string;
  readonly keyStore: string;
  readonly dataDir: string;
  readonly sm: SoftwareSecurityModule;
  readonly pki: PkiDir;
  /** SHA-256 (hex) of each EMT's ENC certificate, as contracts name it. */
  readonly encSha: Readonly<Record<string, string>>;
  /** PEM file of the administrator's SIG certificate. */
  readonly adminSigPemFile: string;
  config(over?: Partial<GatewayConfigInput>): GatewayConfigInput;
  writeConfig(over?: Partial<GatewayConfigInput>): string;
}

export async function makeGatewayFixture(): Promise<GatewayFixture> {
  const root = mkdtempSync(join(tmpdir(), 'gridwarden-gw-'));
  const pkiDir = join(root, 'pki');
  const keyStore = join(root, 'keys.json');
  const dataDir = join(root, 'data');
  const sm = await SoftwareSecurityModule.create(keyStore, PASSPHRASE);
  const ctx = { dir: pkiDir, sm };
  await initPki(ctx);
  await issueParty(ctx, { role: 'gateway', name: GATEWAY });
  await issueParty(ctx, { role: 'gwa', name: ADMIN });
  for (const [i, emt] of EMTS.entries()) await issueParty(ctx, { role: 'emt', name: emt, marketPartnerId: `990000000000${i + 1}` });
  const pki = await openPkiDir(pkiDir, sm);
  const encSha: Record<string, string> = {};
  for (const emt of EMTS) encSha[emt] = certSha256(new Uint8Array((await pki.party(emt)).enc.cert.rawData));
  const adminSigPemFile = join(root, 'admin-sig.pem');
  writeFileSync(adminSigPemFile, certToPem((await pki.party(ADMIN)).sig.cert));
  // The data-key pair is made now, so a child process only ever reads the key store.
  await openMeterKeyVault(sm);
  const config = (over: Partial<GatewayConfigInput> = {}): GatewayConfigInput => ({
    name: GATEWAY,
    dataDir,
    securityModule: { kind: 'software', path: keyStore, passphrase: PASSPHRASE },
    pki: { dir: pkiDir, party: GATEWAY },
    headEnd: { url: 'https://127.0.0.1:1', adminSigCertPem: adminSigPemFile },
    ...over,
  });
  return {
    root,
    pkiDir,
    keyStore,
    dataDir,
    sm,
    pki,
    encSha,
    adminSigPemFile,
    config,
    writeConfig(over) {
      const path = join(root, `config-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, JSON.stringify(config(over), null, 2));
      return path;
    },
  };
}

export interface SeedMeter {
  readonly meterId: string;
  readonly key?: Uint8Array;
  readonly consumerId?: string;
  readonly protocol?: 'wmbus' | 'dlms' | 'dsmr' | 'sml';
}

/**
 * Registers meters, EMT certificates and contracts in the fixture's store (as applied commands would). A
 * contract the privacy policy binds to consent gets it from its validFrom on (as if the consumer had granted
 * it on the portal), unless `grantConsent: false`; no log record is written for it.
 */
export async function seedGateway(fx: GatewayFixture, meters: readonly SeedMeter[], contracts: readonly ContractInput[], opts: { grantConsent?: boolean } = {}): Promise<void> {
  const db = await openGatewayStore(fx.dataDir);
  const vault = await openMeterKeyVault(fx.sm);
  const now = new Date().toISOString();
  try {
    for (const m of meters) {
      await registerMeter(db, vault, { meterId: m.meterId, protocol: m.protocol ?? 'wmbus', consumerId: m.consumerId ?? `consumer-${m.meterId}`, ...(m.key === undefined ? {} : { key: m.key }) }, now);
    }
    for (const emt of EMTS) {
      const p = await fx.pki.party(emt);
      await setEmtCertificates(db, { emt, encPem: certToPem(p.enc.cert), sigPem: certToPem(p.sig.cert) }, fx.encSha[emt]!);
    }
    for (const c of contracts) {
      const added = await addContract(db, c, now);
      if (added.requiresConsent && opts.grantConsent !== false) {
        await db.run('INSERT INTO gw_consents (contract_id, n, consumer_id, granted_at, withdrawn_at) VALUES ($1, 1, $2, $3, NULL)', [
          added.id,
          meters.find((m) => normaliseMeterId(m.meterId) === added.meterId)?.consumerId ?? `consumer-${added.meterId}`,
          new Date(added.validFrom).toISOString(),
        ]);
      }
    }
  } finally {
    await db.close();
  }
}

/** A TAF 7 (15-minute load curve of A+) or TAF 1 (daily billing of A+) contract for a meter. */
export function contractFor(fx: GatewayFixture, o: { id: string; meterId: string; taf: 1 | 7; emt?: string; from?: string; to?: string }): ContractInput {
  const emt = o.emt ?? 'emt1';
  const common = {
    id: o.id,
    meterId: o.meterId,
    consumerId: `consumer-${o.meterId}`,
    recipient: { name: emt, encCertSha256: fx.encSha[emt]! },
    validFrom: o.from ?? '2026-01-01T00:00:00Z',
    validTo: o.to ?? '2027-01-01T00:00:00Z',
    timeZone: 'UTC',
  };
  return o.taf === 7
    ? { ...common, taf: 7, intervalMinutes: 15, registers: ['1-0:1.8.0'] }
    : { ...common, taf: 1, billing: { kind: 'days', every: 1 }, registers: ['1-0:1.8.0'] };
}
