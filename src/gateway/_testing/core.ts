/** The gateway's working parts in-process (no timers, no inputs), over the fixture's store and keys. */
import { protect } from '../../cms/protect.js';
import type { Db } from '../../store/db.js';
import { type WanClient, createWanClient } from '../../wan/client.js';
import type { CommandContext } from '../commands.js';
import { type GatewayConfigInput, parseGatewayConfig } from '../config.js';
import type { SecurityModule } from '../../crypto/security-module.js';
import { type GatewayIdentity, loadAdminCertificate, loadIdentity } from '../identity.js';
import { Ingestor } from '../ingest.js';
import { GatewayLogs } from '../logs/gateway-logs.js';
import { type MeterKeyVault, openMeterKeyVault } from '../meter-keys.js';
import { OutboxSender } from '../outbox.js';
import { openGatewayStore } from '../runtime.js';
import type { GatewayFixture } from './fixture.js';

export interface Core {
  readonly db: Db;
  readonly identity: GatewayIdentity;
  readonly vault: MeterKeyVault;
  readonly logs: GatewayLogs;
  readonly ingestor: Ingestor;
  readonly outbox: OutboxSender;
  readonly commands: CommandContext;
  readonly client: WanClient;
  close(): Promise<void>;
}

/** A settable clock: tests move time on explicitly. */
export class TestClock {
  constructor(public ms: number) {}
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export async function openCore(fx: GatewayFixture, opts: { headEndUrl?: string; clock: TestClock; random?: () => number }): Promise<Core> {
  const config = fx.config(opts.headEndUrl === undefined ? {} : { headEnd: { url: opts.headEndUrl, adminSigCertPem: fx.adminSigPemFile } });
  return openCoreWith(config, fx.sm, opts);
}

/** The same from a configuration and an open security module (what a child process has). */
export async function openCoreWith(input: GatewayConfigInput, sm: SecurityModule, opts: { clock: TestClock; random?: () => number }): Promise<Core> {
  const config = parseGatewayConfig(input);
  const db = await openGatewayStore(config.dataDir);
  const identity = await loadIdentity(config, sm);
  const logs = await GatewayLogs.open({ db, sm, keyLabel: identity.sig.keyLabel, clock: opts.clock.now });
  const vault = await openMeterKeyVault(sm);
  const protectFor = (content: Uint8Array, enc: Parameters<typeof protect>[1]['recipients'][number]) =>
    protect(content, { sm, signer: identity.sig, recipients: [enc], includeCerts: identity.chain });
  const client = createWanClient({ tls: { variant: 'wan', credentials: identity.tls, trust: identity.tlsTrust }, expect: { roles: ['gwa'] }, timeoutMs: 5000 });
  const ingestor = new Ingestor({ db, vault, gatewayId: config.name, protectFor, clock: opts.clock.now, logs });
  const outbox = new OutboxSender({
    db,
    client,
    headEndUrl: config.headEnd.url,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    clock: opts.clock.now,
    logs,
    ...(opts.random === undefined ? {} : { random: opts.random }),
  });
  const commands: CommandContext = { db, sm, identity, admin: loadAdminCertificate(config), vault, logs, clock: opts.clock.now, privacy: config.privacy };
  return {
    db,
    identity,
    vault,
    logs,
    ingestor,
    outbox,
    commands,
    client,
    async close() {
      client.close();
      await db.close();
    },
  };
}

/** Row counts of every runtime table and the contracts' states: "nothing changed" is this staying equal. */
export async function storeSnapshot(db: Db): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of ['gw_meters', 'gw_frames', 'gw_readings', 'gw_counters', 'gw_outbox']) {
    const [r] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`);
    out[t] = Number(r?.n);
  }
  out.counters = await db.query('SELECT meter_id, state FROM gw_counters ORDER BY meter_id');
  out.states = await db.query('SELECT contract_id, state FROM gw_contracts ORDER BY contract_id');
  return out;
}
