/**
 * The gateway process: opens the security module, the store and the logs, derives the meter-key data key,
 * starts the LMN inputs (each frame through ingest), the outbox sender, the command poll, the wake-up
 * receiver and the privacy job (retention purge at start and every privacy.purgeEveryMs), and stops them cleanly (inputs first, then a last drain, logs checkpointed, store closed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { protect } from '../cms/protect.js';
import { openSecurityModule } from '../crypto/open-module.js';
import type { SecurityModule } from '../crypto/security-module.js';
import type { Db } from '../store/db.js';
import { migrate } from '../store/migrations.js';
import { openSqlite } from '../store/sqlite.js';
import { createWanClient } from '../wan/client.js';
import { type WakeUpReceiver, startWakeUpReceiver } from '../wan/wakeup-receiver.js';
import { type CommandContext, pollCommands } from './commands.js';
import type { GatewayConfig } from './config.js';
import { type GatewayIdentity, loadAdminCertificate, loadIdentity } from './identity.js';
import { Ingestor, type IngestStats, type ProtectFor, loadPosition } from './ingest.js';
import { type LmnInput, startInput } from './lmn/inputs.js';
import { GatewayLogs } from './logs/gateway-logs.js';
import { type MeterKeyVault, openMeterKeyVault } from './meter-keys.js';
import { OutboxSender } from './outbox.js';
import { eraseEndedContracts } from './privacy/erasure.js';
import { type PurgeCounts, purgeExpired } from './privacy/retention.js';
import { GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE } from './schema.js';

export const DB_FILE = 'gateway.db';

/** What the runtime reports (the CLI prints these as JSON lines on stderr). */
export type RuntimeEvent =
  | { readonly kind: 'started'; readonly inputs: readonly string[]; readonly wakeUpPort?: number }
  | { readonly kind: 'inputs-ended' }
  | { readonly kind: 'error'; readonly where: string; readonly code: string }
  | { readonly kind: 'contracts-erased'; readonly contracts: readonly string[] }
  | { readonly kind: 'retention-purged'; readonly purged: PurgeCounts; readonly refused: readonly string[] }
  | { readonly kind: 'stopped'; readonly stats: IngestStats };

export interface RuntimeOptions {
  readonly stdin?: Readable;
  readonly clock?: () => Date;
  readonly onEvent?: (e: RuntimeEvent) => void;
}

export interface GatewayRuntime {
  readonly db: Db;
  readonly sm: SecurityModule;
  readonly identity: GatewayIdentity;
  readonly vault: MeterKeyVault;
  readonly ingestor: Ingestor;
  readonly outbox: OutboxSender;
  readonly logs: GatewayLogs;
  /** Settles when every input has ended (stdin/file read through); listening inputs never end on their own. */
  readonly inputsDone: Promise<void>;
  /** Fetches and applies pending commands now. */
  pollCommands(): Promise<number>;
  /** Runs the privacy job now (as the timer does; a run already under way is joined, not doubled). */
  runPrivacyJob(): Promise<void>;
  stop(): Promise<void>;
}

/** Opens the store and migrates it; what tools and tests use to prepare a gateway's database. */
export async function openGatewayStore(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const db = openSqlite(join(dataDir, DB_FILE));
  await migrate(db, GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE);
  return db;
}

export async function startGateway(config: GatewayConfig, options: RuntimeOptions = {}): Promise<GatewayRuntime> {
  const report = options.onEvent ?? (() => undefined);
  const clock = options.clock ?? (() => new Date());
  const sm = await openSecurityModule(config.securityModule);
  const db = await openGatewayStore(config.dataDir);
  const identity = await loadIdentity(config, sm);
  const logs = await GatewayLogs.open({ db, sm, keyLabel: identity.sig.keyLabel, clock });
  const vault = await openMeterKeyVault(sm);
  const admin = loadAdminCertificate(config);
  const client = createWanClient({
    tls: { variant: 'wan', credentials: identity.tls, trust: identity.tlsTrust },
    expect: { roles: ['gwa'], ...(config.headEnd.adminName === undefined ? {} : { names: [config.headEnd.adminName] }) },
  });
  const protectFor: ProtectFor = (content, enc) => protect(content, { sm, signer: identity.sig, recipients: [enc], includeCerts: identity.chain });
  const ingestor = new Ingestor({ db, vault, gatewayId: config.name, protectFor, clock, logs });
  const outbox = new OutboxSender({
    db,
    client,
    headEndUrl: config.headEnd.url,
    backoff: { baseMs: config.timing.retryBaseMs, maxMs: config.timing.retryMaxMs },
    clock,
    logs,
  });
  const commandCtx: CommandContext = { db, sm, identity, admin, vault, logs, clock, privacy: config.privacy };

  const guard = (where: string, job: () => Promise<unknown>): Promise<void> =>
    job().then(
      () => undefined,
      (e: unknown) => report({ kind: 'error', where, code: codeOf(e) }),
    );
  const kickOutbox = (): void => void guard('outbox', () => outbox.drain());

  await logs.append('system', { level: 'notice', event: 'gateway-started', text: `gateway ${config.name} started`, outcome: 'success' });

  // The privacy job: erasure at contract end, then retention. One run at a time; stop() waits for it.
  let privacyRun: Promise<void> | undefined;
  const privacyJob = async (): Promise<void> => {
    const now = clock().toISOString();
    // Erasure at contract end first: what was kept only for an ended contract's recipient goes now, not at expiry.
    // A failed erasure (a damaged contract row) is reported but must not keep retention from running.
    const erased = await eraseEndedContracts(db, logs, now).catch((e: unknown) => {
      report({ kind: 'error', where: 'erasure', code: codeOf(e) });
      return [];
    });
    if (erased.length > 0) report({ kind: 'contracts-erased', contracts: erased.map((e) => e.contractId) });
    const r = await purgeExpired(db, logs, config.privacy.retention, now);
    report({ kind: 'retention-purged', purged: r.purged, refused: r.refused.map((x) => x.log) });
  };
  const runPrivacyJob = (): Promise<void> => {
    privacyRun ??= guard('privacy', privacyJob).finally(() => {
      privacyRun = undefined;
    });
    return privacyRun;
  };
  void runPrivacyJob();

  const inputs: LmnInput[] = [];
  for (const [i, c] of config.lmn.inputs.entries()) {
    inputs.push(
      await startInput(c, i, {
        sink: async (frame) => {
          await ingestor.ingest(frame);
          kickOutbox();
        },
        position: (name) => loadPosition(db, name),
        ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
        onError: (input, code) => report({ kind: 'error', where: input, code }),
      }),
    );
  }
  const inputsDone = Promise.all(inputs.map((i) => i.done.catch((e: unknown) => report({ kind: 'error', where: i.name, code: codeOf(e) })))).then(() =>
    report({ kind: 'inputs-ended' }),
  );

  const doPoll = (): Promise<number> => pollCommands(commandCtx, client, config.headEnd.url);
  let receiver: WakeUpReceiver | undefined;
  if (config.wakeUp !== undefined) {
    receiver = await startWakeUpReceiver({
      host: config.wakeUp.host,
      port: config.wakeUp.port,
      gatewayId: config.name,
      adminCertificatePem: admin.toString('pem'),
      log: (e) =>
        void guard('wakeup-log', () =>
          logs.append('system', {
            level: e.kind === 'wakeup-accepted' ? 'notice' : 'warning',
            event: e.kind === 'wakeup-accepted' ? 'wakeup-accepted' : e.kind === 'wakeup-refused' ? 'wakeup-rejected' : 'wan-connection-failed',
            text: e.kind === 'wakeup-refused' ? `wake-up refused (${e.code})` : e.kind === 'wakeup-accepted' ? 'wake-up accepted' : `connection after wake-up failed (${e.code})`,
            outcome: e.kind === 'wakeup-accepted' ? 'success' : 'refused',
          }),
        ),
      onWakeUp: async () => {
        await doPoll();
        await outbox.expedite();
        await outbox.drain();
      },
    });
  }

  const timers = [
    setInterval(kickOutbox, config.timing.outboxPollMs),
    setInterval(() => void guard('commands', doPoll), config.timing.commandPollMs),
    setInterval(() => void guard('tick', () => ingestor.tick()), config.timing.tickMs),
    setInterval(() => void runPrivacyJob(), config.privacy.purgeEveryMs),
  ];
  for (const t of timers) t.unref();
  report({ kind: 'started', inputs: inputs.map((i) => i.name), ...(receiver === undefined ? {} : { wakeUpPort: receiver.port }) });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const t of timers) clearInterval(t);
      await receiver?.close();
      await Promise.all(inputs.map((i) => i.stop()));
      await guard('outbox', () => outbox.drain());
      await privacyRun;
      await logs.append('system', { level: 'notice', event: 'gateway-stopped', text: `gateway ${config.name} stopped`, outcome: 'success' });
      await logs.checkpointAll();
      client.close();
      await db.close();
      await sm.close();
      report({ kind: 'stopped', stats: ingestor.stats });
    })();
    return stopping;
  };

  return { db, sm, identity, vault, ingestor, outbox, logs, inputsDone, pollCommands: doPoll, runPrivacyJob, stop };
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.name : 'unknown';
}
