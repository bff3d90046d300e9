/**
 * `gridwarden demo`: the whole system in one process on loopback, on embedded defaults. A PKI, a head-end
 * (administrator, two suppliers, a grid operator) on SQLite, a gateway with simulated meters (wM-Bus modes 5
 * and 7, DSMR P1, DLMS) sending encrypted data, contracts for TAF 1, 7 and 10 set up through the real
 * administration path (signed commands after a wake-up), the consumer portal and the operator dashboard.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import { type GatewayRuntime, parseGatewayConfig, startGateway } from '../../gateway/index.js';
import type { ContractInput } from '../../gateway/taf/contract.js';
import { queueCommand } from '../../headend/admin.js';
import { parseHeadendConfig } from '../../headend/config.js';
import { dashboardAddress } from '../../headend/operator-auth.js';
import { type RunningHeadend, startHeadend } from '../../headend/runtime.js';
import { initPki, issueParty, parseCertificate } from '../../pki/index.js';
import { type Feed, MAX_FEED_MS, type SimMeter, createFleet, frameAt, startFeed } from '../../sim/index.js';
import { grantConsent } from '../../gateway/privacy/consent.js';
import { CliError } from '../errors.js';
import { type DemoPortal, startDemoPortal } from './portal.js';
import { type VirtualClock, catchUpClock } from './virtual-clock.js';

export interface DemoOptions {
  readonly dir: string;
  /** Stop after this many seconds; run until stopped when absent. */
  readonly durationS?: number;
  /** How much faster than real time the meters and tariff periods run while the simulated day catches up. */
  readonly speed: number;
  /** Human-readable progress (stderr). */
  readonly say: (line: string) => void;
  /** Machine-readable events (stdout, one JSON object a line). */
  readonly emit: (event: Record<string, unknown>) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  readonly stopSignal: Promise<void>;
  /** The head-end's store: SQLite in the data folder unless a PostgreSQL URL is given. */
  readonly headendPostgresUrl?: string;
  /**
   * Stop before the duration is up once this holds for what the market participants hold so far (asked every
   * second): a test then waits as long as the deliveries it checks take, not a fixed time.
   */
  readonly stopWhen?: (soFar: DemoSummary) => boolean;
}

export interface DemoSummary {
  readonly messagesByRecipient: Readonly<Record<string, number>>;
  /** Per recipient, how its messages arrived: from the gateway by name, or pseudonymised by the administrator. */
  readonly provenance: Readonly<Record<string, { readonly direct: number; readonly pseudonymised: number; readonly senders: readonly string[] }>>;
}

const MARKER = '.gridwarden-demo';
const GATEWAY = 'gw-demo';
const GWA = 'gwa';
const SUPPLIER_A = 'supplier-a';
const SUPPLIER_B = 'supplier-b';
const GRID_OPERATOR = 'grid-operator';
const EMTS = [SUPPLIER_A, SUPPLIER_B, GRID_OPERATOR] as const;
const CONSUMER = 'consumer-1';
const CONSUMER_LOGIN = 'alice';
const LOOPBACK = '127.0.0.1';
/** The simulated day that is replayed fast at start, so that periods close while someone watches. */
const BACKLOG_MS = 24 * 3_600_000;

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const dir = resolve(o.dir);
  prepareDir(dir);
  const passphrase = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'passphrase'), `${passphrase}\n`, { mode: 0o600 });
  const consumerPassword = randomBytes(9).toString('base64url');
  const clock = catchUpClock(BACKLOG_MS, o.speed);
  const keyStore = join(dir, 'pki', 'keys.json');
  const smConfig = { kind: 'software' as const, path: keyStore, passphrase };

  o.say(`gridwarden demo: data folder ${dir}`);
  o.say('creating the PKI (root, sub-CAs, administrator, two suppliers, a grid operator, the gateway) ...');
  await createPki(join(dir, 'pki'), keyStore, passphrase);

  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const wakePort = await freeUdpPort();
    const headend = await startHeadend(
      parseHeadendConfig({
        store: o.headendPostgresUrl === undefined ? { kind: 'sqlite', path: join(dir, 'headend.db') } : { kind: 'postgres', url: o.headendPostgresUrl },
        securityModule: smConfig,
        pkiDir: join(dir, 'pki'),
        gwa: GWA,
        emts: [...EMTS],
        wan: { host: LOOPBACK, port: 0 },
        operator: { host: LOOPBACK, port: 0 },
        gateways: [{ name: GATEWAY, wakeUp: { host: LOOPBACK, port: wakePort } }],
      }),
    );
    stops.push(() => headend.close());

    const fleet = createFleet(20261123, { wmbus: 2, dlms: 1, dsmr: 1 }, { authenticate: false });
    const [elec, gas, dsmr, dlms] = pick(fleet);
    const p1 = await startP1Adapter(dsmr, clock);
    stops.push(() => p1.close());
    const wmbusPort = await freeUdpPort();
    const dlmsPort = await freeUdpPort();

    const gateway = await startGateway(
      parseGatewayConfig({
        name: GATEWAY,
        dataDir: join(dir, 'gateway'),
        securityModule: smConfig,
        pki: { dir: join(dir, 'pki'), party: GATEWAY },
        headEnd: { url: `https://${LOOPBACK}:${headend.wan.port}`, adminSigCertPem: join(dir, 'pki', GWA, 'sig.pem'), adminName: GWA },
        wakeUp: { host: LOOPBACK, port: wakePort },
        lmn: {
          inputs: [
            { kind: 'udp', protocol: 'wmbus', host: LOOPBACK, port: wmbusPort },
            { kind: 'udp', protocol: 'dlms', host: LOOPBACK, port: dlmsPort, meterId: dlms.id },
            { kind: 'p1-tcp', host: LOOPBACK, port: p1.port, meterId: dsmr.id },
          ],
        },
        timing: { commandPollMs: 2_000, outboxPollMs: 1_000, retryBaseMs: 500, retryMaxMs: 10_000, tickMs: 1_000 },
      }),
      { clock: clock.date, onEvent: (e) => (e.kind === 'error' ? o.emit({ event: 'gateway-error', where: e.where, code: e.code }) : undefined) },
    );
    stops.push(() => gateway.stop());

    o.say('administering the gateway: EMT certificates, meters and contracts as signed commands ...');
    await administer(headend, dir, { elec, gas, dsmr, dlms }, clock);
    await waitFor(async () => (await appliedContracts(gateway)) >= 4, 60_000);
    // The demo consumer consents to the load curves (as on the HAN portal): without it they stay dormant.
    for (const id of ['c-taf7-supplier-a', 'c-taf7-gas-supplier-b']) {
      await grantConsent(gateway.db, gateway.logs, { consumerId: CONSUMER, contractId: id }, clock.date().toISOString());
    }

    const portal = await startDemoPortal({ gateway, gatewayName: GATEWAY, consumerId: CONSUMER, username: CONSUMER_LOGIN, password: consumerPassword });
    stops.push(() => portal.close());

    const feeds = startFeeds(clock, [
      { port: wmbusPort, meters: [elec, gas] },
      { port: dlmsPort, meters: [dlms] },
    ]);
    stops.push(() => feeds.stop());

    const dashboard = dashboardAddress(`${LOOPBACK}:${headend.operator.port}`, headend.operatorToken);
    announce(o, { dir, dashboard, portal, consumerPassword, headend, clock });
    const stopped = { now: false };
    const timeout = o.durationS === undefined ? new Promise<void>(() => undefined) : sleepUnless(o.durationS * 1000, stopped);
    const enough = o.stopWhen === undefined ? new Promise<void>(() => undefined) : watchUntil(o.stopWhen, headend, stopped);
    await Promise.race([o.stopSignal, timeout, enough]);
    stopped.now = true;
    o.say('stopping ...');
    await feeds.stop();
    await gateway.outbox.drain().catch(() => undefined);
    const summary = await summarise(headend);
    await stopAll();
    o.emit({ event: 'stopped', ...summary });
    o.say(`stopped; messages received: ${Object.entries(summary.messagesByRecipient).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return summary;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

// --- internal ---

/** A fresh demo each run: an empty folder, or one a previous demo made (it has the marker file). */
function prepareDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, MARKER))) throw new CliError('CLI_DEMO', `${dir} is not empty and was not made by the demo: give --dir an empty or new folder`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, MARKER), 'made by gridwarden demo; removed and made anew by the next run\n');
}

async function createPki(pkiDir: string, keyStore: string, passphrase: string): Promise<void> {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const sm = await SoftwareSecurityModule.create(keyStore, passphrase);
  try {
    const ctx = { dir: pkiDir, sm };
    await initPki(ctx, { org: 'gridwarden demo' });
    await issueParty(ctx, { role: 'gwa', name: GWA, org: 'Demo Gateway Administration', marketPartnerId: '9900000000001' });
    await issueParty(ctx, { role: 'emt', name: SUPPLIER_A, org: 'Supplier A', marketPartnerId: '9900000000002' });
    await issueParty(ctx, { role: 'emt', name: SUPPLIER_B, org: 'Supplier B', marketPartnerId: '9900000000003' });
    await issueParty(ctx, { role: 'emt', name: GRID_OPERATOR, org: 'Grid Operator', marketPartnerId: '9900000000004' });
    await issueParty(ctx, { role: 'gateway', name: GATEWAY, org: 'Demo Household' });
  } finally {
    await sm.close();
  }
}

interface DemoMeters {
  readonly elec: SimMeter;
  readonly gas: SimMeter;
  readonly dsmr: SimMeter;
  readonly dlms: SimMeter;
}

function pick(fleet: readonly SimMeter[]): [SimMeter, SimMeter, SimMeter, SimMeter] {
  const wmbus = fleet.filter((m) => m.kind === 'wmbus');
  const dsmr = fleet.find((m) => m.kind === 'dsmr');
  const dlms = fleet.find((m) => m.kind === 'dlms');
  if (wmbus.length < 2 || dsmr === undefined || dlms === undefined) throw new Error('the demo fleet lacks a meter kind');
  return [wmbus[0]!, wmbus[1]!, dsmr, dlms];
}

/** Everything through the administrator: certificates, meters (keys travel encrypted), contracts. */
async function administer(headend: RunningHeadend, dir: string, m: DemoMeters, clock: VirtualClock): Promise<void> {
  const ctx = headend.ctx;
  for (const emt of EMTS) await queueCommand(ctx, GATEWAY, { type: 'set-emt-certificates', payload: { emt } });
  for (const meter of [m.elec, m.gas, m.dsmr, m.dlms]) {
    await queueCommand(ctx, GATEWAY, {
      type: 'register-meter',
      payload: {
        meterId: meter.id,
        protocol: meter.protocol,
        consumerId: CONSUMER,
        ...(meter.key === undefined ? {} : { keyHex: Buffer.from(meter.key).toString('hex') }),
      },
    });
  }
  const validFrom = new Date(clock.now() - 86_400_000).toISOString();
  const validTo = new Date(clock.now() + 365 * 86_400_000).toISOString();
  const recipient = (emt: string) => ({ name: emt, encCertSha256: encFingerprint(dir, emt) });
  const base = { consumerId: CONSUMER, validFrom, validTo };
  const contracts: ContractInput[] = [
    { ...base, id: 'c-taf7-supplier-a', taf: 7, meterId: m.elec.id, recipient: recipient(SUPPLIER_A), intervalMinutes: 15, registers: ['1-0:1.8.0', '1-0:2.8.0'] },
    { ...base, id: 'c-taf1-supplier-b', taf: 1, meterId: m.elec.id, recipient: recipient(SUPPLIER_B), billing: { kind: 'days', every: 1 }, registers: ['1-0:1.8.0'] },
    { ...base, id: 'c-taf7-gas-supplier-b', taf: 7, meterId: m.gas.id, recipient: recipient(SUPPLIER_B), intervalMinutes: 15, registers: ['7-0:3.0.0'] },
    {
      ...base,
      id: 'c-taf10-grid-operator',
      taf: 10,
      meterId: m.dlms.id,
      recipient: recipient(GRID_OPERATOR),
      intervalMinutes: 15,
      values: ['1-0:32.7.0', '1-0:52.7.0', '1-0:72.7.0', '1-0:31.7.0', '1-0:51.7.0', '1-0:71.7.0', '1-0:1.7.0'],
      pseudonymise: true,
    },
  ];
  for (const c of contracts) await queueCommand(ctx, GATEWAY, { type: 'add-contract', payload: { contract: { ...c } } });
}

function encFingerprint(dir: string, emt: string): string {
  const cert = parseCertificate(readFileSync(join(dir, 'pki', emt, 'enc.pem'), 'utf8'));
  return createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
}

async function appliedContracts(gateway: GatewayRuntime): Promise<number> {
  const rows = await gateway.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM gw_contracts');
  return Number(rows[0]?.n ?? 0);
}

/** A P1-to-LAN adapter: a TCP server that writes the DSMR meter's telegram every second to whoever connects. */
async function startP1Adapter(meter: SimMeter, clock: VirtualClock): Promise<{ port: number; close(): Promise<void> }> {
  const clients = new Set<Socket>();
  const server: Server = createServer((s) => {
    clients.add(s);
    s.on('close', () => clients.delete(s));
    s.on('error', () => clients.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, LOOPBACK, ok));
  const timer = setInterval(() => {
    const text = frameAt(meter, clock.now()).text;
    for (const c of clients) c.write(text, 'latin1');
  }, 1_000);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: async () => {
      clearInterval(timer);
      for (const c of clients) c.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

/**
 * The radio and DLMS feeds: first fast through the simulated backlog (one tick a second, `speed` seconds of
 * meter time each), then, once the clock has caught up, one frame a second in real time.
 */
function startFeeds(clock: VirtualClock, targets: ReadonlyArray<{ port: number; meters: readonly SimMeter[] }>): { stop(): Promise<void> } {
  const everyMs = 1_000;
  let stopped = false;
  const running = new Set<Feed>();
  const feed = (t: { port: number; meters: readonly SimMeter[] }, timeStepMs: number, until: number): Feed => {
    const f = startFeed({ host: LOOPBACK, port: t.port, protocol: 'udp', meters: t.meters, everyMs, timeStepMs, clock: clock.now, until });
    running.add(f);
    void f.done.catch(() => undefined).finally(() => running.delete(f));
    return f;
  };
  for (const t of targets) {
    const fast = feed(t, everyMs * clock.speed, clock.caughtUpAt);
    void fast.done
      .catch(() => undefined)
      .then(() => {
        if (!stopped) feed(t, everyMs, clock.now() + MAX_FEED_MS - 60_000);
      });
  }
  return {
    stop: async () => {
      stopped = true;
      await Promise.all([...running].map((f) => f.stop()));
    },
  };
}

/** What each market participant holds: counts, and who it believes sent them (a gateway name or a pseudonym). */
async function summarise(headend: RunningHeadend): Promise<DemoSummary> {
  const messagesByRecipient: Record<string, number> = {};
  const provenance: Record<string, { direct: number; pseudonymised: number; senders: string[] }> = {};
  for (const emt of EMTS) {
    const rows = await headend.ctx.db.query<{ provenance: string; sender: string | null; n: number }>(
      'SELECT provenance, COALESCE(gateway, pseudonym) AS sender, COUNT(*) AS n FROM he_messages WHERE emt = $1 GROUP BY provenance, COALESCE(gateway, pseudonym)',
      [emt],
    );
    const p = { direct: 0, pseudonymised: 0, senders: [] as string[] };
    for (const r of rows) {
      const n = Number(r.n);
      if (r.provenance === 'pseudonymised') p.pseudonymised += n;
      else p.direct += n;
      if (r.sender !== null) p.senders.push(r.sender);
    }
    messagesByRecipient[emt] = p.direct + p.pseudonymised;
    provenance[emt] = p;
  }
  return { messagesByRecipient, provenance };
}

function announce(
  o: DemoOptions,
  a: { dir: string; dashboard: string; portal: DemoPortal; consumerPassword: string; headend: RunningHeadend; clock: VirtualClock },
): void {
  o.emit({
    event: 'started',
    dir: a.dir,
    dashboard: a.dashboard,
    portal: a.portal.url,
    consumer: { user: CONSUMER_LOGIN, password: a.consumerPassword },
    headEndWan: `https://${LOOPBACK}:${a.headend.wan.port}`,
    passphraseFile: join(a.dir, 'passphrase'),
    speed: a.clock.speed,
  });
  o.say('');
  o.say(`  operator dashboard   ${a.dashboard}`);
  o.say(`  consumer portal      ${a.portal.url}  (user ${CONSUMER_LOGIN}, password ${a.consumerPassword}; the portal's own certificate: accept it)`);
  o.say(`  head-end WAN         https://${LOOPBACK}:${a.headend.wan.port}  (mutual TLS, brainpoolP256r1)`);
  o.say(`  PKI and key store    ${join(a.dir, 'pki')}  (passphrase in ${join(a.dir, 'passphrase')})`);
  o.say(`  the meters replay the last 24 h at ${a.clock.speed}x (a 15-minute period every ${Math.round(900 / a.clock.speed)} s), then run in real time`);
  o.say(`  try: gridwarden log verify --dir ${join(a.dir, 'gateway')} --cert ${join(a.dir, 'pki', GATEWAY, 'sig.pem')}`);
  o.say('Ctrl-C stops the demo.');
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, LOOPBACK, ok));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(500);
  }
  throw new CliError('CLI_DEMO', 'the gateway did not apply its administration commands in time');
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** Resolves after `ms`, or within a second once `stopped.now` is set (no long timer left behind to hold the process). */
async function sleepUnless(ms: number, stopped: { readonly now: boolean }): Promise<void> {
  const until = Date.now() + ms;
  while (!stopped.now && Date.now() < until) await sleep(Math.min(1_000, until - Date.now()));
}

/** Resolves once `done` holds for the head-end's tally; gives up quietly when the demo stops for another reason. */
async function watchUntil(done: (soFar: DemoSummary) => boolean, headend: RunningHeadend, stopped: { readonly now: boolean }): Promise<void> {
  for (;;) {
    await sleep(1_000);
    if (stopped.now) return new Promise<void>(() => undefined);
    if (done(await summarise(headend))) return;
  }
}
