/**
 * One head-end process: opens the store (migrations, scope 'headend'), the security module and the PKI folder,
 * then serves the WAN listener (mutual TLS, the administrator's TLS certificate) and the operator API.
 * Everything it keeps lives in the store, so several processes may run against one PostgreSQL.
 */
import type { AddressInfo } from 'node:net';
import { openSecurityModule } from '../crypto/open-module.js';
import type { SecurityModule } from '../crypto/security-module.js';
import { type Db, migrate, openPostgres, openSqlite } from '../store/index.js';
import { type HeadEndServer, type WakeUpTarget, createHeadEndServer, partyTlsFromPkiDir, sendWakeUp } from '../wan/index.js';
import type { HeadendConfig } from './config.js';
import { type HeadendContext, createHeadendContext } from './context.js';
import { METRIC } from './metrics.js';
import { type OperatorApi, createOperatorApi } from './operator-api.js';
import { newOperatorToken, readOperatorToken } from './operator-auth.js';
import { type PrivacySchedule, recordJobFailure, schedulePrivacyJob } from './privacy/job.js';
import { pseudonymSecret } from './pseudonymiser.js';
import { recordSecurityEvent, upsertGateway } from './repository.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from './schema.js';
import { registerWanRoutes } from './wan-routes.js';

/** Runs of the privacy job in this process, by outcome (ran, failed); skipped rounds are not counted. */
const PRIVACY_JOB_RUNS = 'gridwarden_headend_privacy_job_runs_total';

export interface RunningHeadend {
  readonly ctx: HeadendContext;
  readonly wan: AddressInfo;
  readonly operator: AddressInfo;
  readonly wanServer: HeadEndServer;
  readonly operatorApi: OperatorApi;
  /** The operator API's bearer token: the configured file's, else made for this run. */
  readonly operatorToken: string;
  /** The scheduled retention and erasure job (`runNow()` for an operator or a test). */
  readonly privacyJob: PrivacySchedule;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A security module already open (tests, the demo); otherwise the configuration's is opened and closed with us. */
  readonly sm?: SecurityModule;
  /** Replaces the UDP wake-up sender (tests). */
  readonly wakeUp?: (gateway: string, target: WakeUpTarget) => Promise<void>;
  readonly now?: () => Date;
}

export async function openHeadendStore(store: HeadendConfig['store']): Promise<Db> {
  const db = store.kind === 'sqlite' ? openSqlite(store.path) : await openPostgres(store.url, store.poolSize);
  await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
  return db;
}

export async function startHeadend(config: HeadendConfig, o: StartOptions = {}): Promise<RunningHeadend> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  const customWakeUp = o.wakeUp;
  try {
    const db = await openHeadendStore(config.store);
    cleanups.push(() => db.close());
    const sm = o.sm ?? (await openSecurityModule(config.securityModule));
    if (o.sm === undefined) cleanups.push(() => sm.close());

    const ctx = await createHeadendContext({
      db,
      sm,
      pkiDir: config.pkiDir,
      gwa: config.gwa,
      emts: config.emts,
      ...(o.now === undefined ? {} : { now: o.now }),
      wakeUp:
        customWakeUp === undefined
          ? async (base, gateway, target) => {
              await sendWakeUp({ sm: base.sm, keyLabel: base.gwa.sig.keyLabel, now: () => base.now().getTime() }, gateway, target);
            }
          : (_base, gateway, target) => customWakeUp(gateway, target),
    });
    for (const g of config.gateways) await upsertGateway(db, { name: g.name, wakeUp: g.wakeUp }, ctx.now());
    await pseudonymSecret(ctx);

    const tls = await partyTlsFromPkiDir(config.pkiDir, config.gwa, sm);
    const wanServer = createHeadEndServer({
      tls: { variant: 'wan', credentials: tls.credentials, trust: tls.trust },
      roles: ['gateway', 'emt'],
      onRefused: (error, info) => {
        ctx.metrics.inc(METRIC.handshakeFailures, { code: error.code });
        // Kept as a security event too; a store failure here must not take the listener down.
        void recordSecurityEvent(db, { kind: error.code, peer: info.remoteAddress ?? null, emt: null, detail: `TLS connection refused: ${info.reason}` }, ctx.now()).catch(
          () => undefined,
        );
      },
    });
    registerWanRoutes(wanServer, ctx);
    cleanups.push(() => wanServer.close());
    const wan = await wanServer.listen(config.wan.port, config.wan.host);

    const operatorToken = config.operator.tokenFile === undefined ? newOperatorToken() : await readOperatorToken(config.operator.tokenFile);
    const operatorApi = createOperatorApi(ctx, { token: operatorToken });
    cleanups.push(() => operatorApi.close());
    const operator = await operatorApi.listen(config.operator.port, config.operator.host);

    // Retention and erasure at contract end; stopped (and awaited) before the store closes.
    const privacyJob = schedulePrivacyJob({
      db,
      policy: config.privacy,
      now: ctx.now,
      onReport: (r) => {
        if (r.kind === 'ran') ctx.metrics.inc(PRIVACY_JOB_RUNS, { outcome: 'ran' });
      },
      onError: (e) => {
        ctx.metrics.inc(PRIVACY_JOB_RUNS, { outcome: 'failed' });
        void recordJobFailure(db, e, ctx.now());
      },
    });
    cleanups.push(() => privacyJob.stop());
    return { ctx, wan, operator, wanServer, operatorApi, operatorToken, privacyJob, close };
  } catch (e) {
    await close();
    throw e;
  }
}
