import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import { type PkiContext, initPki, issueParty } from '../ca.js';
import { type PkiDir, openPkiDir } from '../pki-dir.js';

export interface PkiFixture {
  readonly ctx: PkiContext & { readonly sm: MemorySecurityModule };
  readonly dir: string;
  readonly pki: PkiDir;
}

/** A fresh PKI folder in a temp dir with keys in memory: gateway gw1 (GWA sub-CA) and market participant emt1. */
export async function makePki(now?: Date): Promise<PkiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-pki-'));
  const sm = new MemorySecurityModule();
  const ctx = { dir, sm, ...(now === undefined ? {} : { now }) };
  await initPki(ctx);
  await issueParty(ctx, { role: 'gateway', name: 'gw1' });
  await issueParty(ctx, { role: 'emt', name: 'emt1', org: 'Lieferant AG', marketPartnerId: '9900000000001' });
  return { ctx, dir, pki: await openPkiDir(dir, sm) };
}

export const DAY = 86_400_000;
