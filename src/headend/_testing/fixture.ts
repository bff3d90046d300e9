/**
 * A head-end world for tests and the bench: a PKI made with initPki/issueParty in a temp folder (all keys in
 * one memory security module), a message builder, and the gateway's side of docs/wire.md (protect as a
 * gateway, a WAN client presenting the gateway's TLS certificate).
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { X509Certificate } from '@peculiar/x509';
import { protect } from '../../cms/index.js';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import { KEY_LABELS, type PartyCredentials, type Role, initPki, issueParty, openPkiDir } from '../../pki/index.js';
import { type WanClient, createWanClient, partyTlsFromPkiDir } from '../../wan/index.js';

export const GWA = 'gwa-1';
export const EMT_A = 'supplier-a';
export const EMT_B = 'supplier-b';
export const GRID = 'grid-op';
export const GW_1 = 'gw-1';
export const GW_2 = 'gw-2';

export interface HeadendWorld {
  readonly dir: string;
  readonly sm: MemorySecurityModule;
  party(name: string): Promise<PartyCredentials>;
  /** The gateway's side: encrypt for `to`, sign as `from` (its SIG key and sub-CA). */
  protectAs(from: string, to: string, content: Uint8Array | object): Promise<Uint8Array>;
  /** A WAN client presenting `name`'s TLS certificate and expecting the administrator as server. */
  client(name: string): Promise<WanClient>;
  cleanup(): void;
}

export async function createHeadendWorld(extra: ReadonlyArray<{ name: string; role: Role }> = []): Promise<HeadendWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-headend-'));
  const sm = new MemorySecurityModule();
  const ctx = { dir, sm };
  await initPki(ctx, { org: 'Headend Test' });
  const parties: ReadonlyArray<{ name: string; role: Role }> = [
    { name: GWA, role: 'gwa' },
    { name: EMT_A, role: 'emt' },
    { name: EMT_B, role: 'emt' },
    { name: GRID, role: 'emt' },
    { name: GW_1, role: 'gateway' },
    { name: GW_2, role: 'gateway' },
    ...extra,
  ];
  for (const p of parties) await issueParty(ctx, p);
  const pki = await openPkiDir(dir, sm);
  const clients: WanClient[] = [];
  return {
    dir,
    sm,
    party: (name) => pki.party(name),
    async protectAs(from, to, content) {
      const [sender, recipient] = [await pki.party(from), await pki.party(to)];
      const bytes = content instanceof Uint8Array ? content : new TextEncoder().encode(JSON.stringify(content));
      return protect(bytes, { sm, signer: { keyLabel: KEY_LABELS.party(from, 'sig'), cert: sender.sig.cert }, recipients: [recipient.enc.cert], includeCerts: sender.sig.chain });
    },
    async client(name) {
      const tls = await partyTlsFromPkiDir(dir, name, sm);
      const c = createWanClient({ tls: { variant: 'wan', credentials: tls.credentials, trust: tls.trust }, expect: { roles: ['gwa'] } });
      clients.push(c);
      return c;
    },
    cleanup() {
      for (const c of clients) c.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MessageOptions {
  readonly contractId?: string;
  readonly taf?: number;
  readonly gatewayId?: string;
  readonly meterId?: string;
  readonly from?: string;
  readonly values?: ReadonlyArray<{ obis: string; value: number; unit: string }>;
}

/** A meter data message as docs/wire.md shows it; the id is a hash of contract id and period, like the TAF engine's. */
export function meterMessage(o: MessageOptions = {}): Record<string, unknown> {
  const from = o.from ?? '2026-11-23T10:00:00.000Z';
  const to = new Date(Date.parse(from) + 15 * 60_000).toISOString();
  const contractId = o.contractId ?? 'c-7';
  const taf = o.taf ?? 7;
  const messageId = createHash('sha256').update(`${contractId}|${from}|${to}`).digest('hex').slice(0, 32);
  const values = (o.values ?? [{ obis: '1-0:1.8.0', value: 1234.5, unit: 'kWh' }]).map((v) => ({ ...v, at: to, quality: 'measured' }));
  return {
    v: 1,
    messageId,
    contractId,
    taf,
    ...(taf === 10 ? {} : { gatewayId: o.gatewayId ?? GW_1, meterId: o.meterId ?? '12345678' }),
    ...(taf === 10 && o.gatewayId !== undefined ? { gatewayId: o.gatewayId } : {}),
    period: { from, to },
    values,
  };
}

export const certOf = async (w: HeadendWorld, name: string, usage: 'sig' | 'enc'): Promise<X509Certificate> => (await w.party(name))[usage].cert;
