import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../store/sqlite.js';
import { sendWakeUp } from '../wan/wakeup-sender.js';
import { ADMIN, GATEWAY, type GatewayFixture, makeGatewayFixture } from './_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from './_testing/head-end-peer.js';
import { parseGatewayConfig } from './config.js';
import { CONTRACT_INPUTS } from './taf/_testing/builders.js';
import { type RuntimeEvent, openGatewayStore, startGateway } from './runtime.js';

let fx: GatewayFixture;
let peer: HeadEndPeer;

beforeAll(async () => {
  fx = await makeGatewayFixture();
  peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY });
}, 60_000);

afterAll(async () => {
  await peer?.close();
});

describe('gateway runtime', () => {
  it('fetches and applies commands after a valid wake-up, refuses a forged one, and stops cleanly with signed checkpoints', async () => {
    const events: RuntimeEvent[] = [];
    const config = parseGatewayConfig(
      fx.config({
        headEnd: { url: peer.url, adminSigCertPem: fx.adminSigPemFile },
        wakeUp: { host: '127.0.0.1', port: 0 },
        // Long poll interval: only the wake-up can make it fetch commands within the test.
        timing: { commandPollMs: 3_600_000 },
      }),
    );
    const gw = await startGateway(config, { onEvent: (e) => events.push(e) });
    const started = events.find((e) => e.kind === 'started');
    expect(started).toMatchObject({ kind: 'started', inputs: [] });
    const port = started?.kind === 'started' ? started.wakeUpPort! : 0;

    await peer.queueCommand({ v: 1, id: 'wake-1', gatewayId: GATEWAY, issuedAt: new Date().toISOString(), type: 'register-meter', payload: { meterId: '31313131', protocol: 'wmbus', consumerId: 'c-31' } });
    // Signed by a market participant's key, not the administrator's: refused, nothing fetched.
    const emt = await fx.pki.party('emt1');
    await sendWakeUp({ sm: fx.sm, keyLabel: emt.sig.keyLabel }, GATEWAY, { host: '127.0.0.1', port });
    await new Promise((r) => setTimeout(r, 500));
    expect(peer.results.has('wake-1')).toBe(false);

    const admin = await fx.pki.party(ADMIN);
    await sendWakeUp({ sm: fx.sm, keyLabel: admin.sig.keyLabel }, GATEWAY, { host: '127.0.0.1', port });
    const t0 = Date.now();
    while (!peer.results.has('wake-1') && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    expect(peer.results.get('wake-1')).toEqual({ ok: true });

    await gw.stop();
    expect(events.at(-1)?.kind).toBe('stopped');
    const db = openSqlite(`${config.dataDir}/gateway.db`);
    try {
      const system = await db.query<{ event: string }>("SELECT event FROM gw_log_records WHERE log = 'system' ORDER BY seq");
      expect(system.map((r) => r.event)).toEqual(expect.arrayContaining(['gateway-started', 'wakeup-rejected', 'wakeup-accepted', 'administrator-access', 'gateway-stopped']));
      const [meter] = await db.query('SELECT meter_id FROM gw_meters WHERE meter_id = $1', ['31313131']);
      expect(meter).toBeDefined();
      const checkpoints = await db.query<{ log: string }>("SELECT log FROM gw_log_checkpoints WHERE kind = 'on-demand'");
      expect(new Set(checkpoints.map((c) => c.log))).toEqual(new Set(['system', 'calibration', 'consumer']));
    } finally {
      await db.close();
    }
  }, 60_000);

  it('runs the privacy job (erasure of ended contracts, retention purge) at start and on demand, and reports what it did', async () => {
    const config = parseGatewayConfig(
      fx.config({ headEnd: { url: peer.url, adminSigCertPem: fx.adminSigPemFile }, privacy: { retention: { readingsDays: 30, outboxDays: 7 }, purgeEveryMs: 3_600_000 } }),
    );
    const day = 24 * 3600_000;
    const ago = (d: number) => new Date(Date.now() - d * day).toISOString();
    const prep = await openGatewayStore(config.dataDir);
    await prep.run('INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ($1, $2, NULL, NULL, $3, 1, $4)', ['RET-1', 'dsmr', 'c-ret', ago(900)]);
    for (const [d, value] of [
      [400, 'expired'],
      [2, 'fresh'],
    ] as const) {
      await prep.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, NULL, $4, $4, $5)', ['RET-1', '1-0:1.8.0', value, ago(d), new Uint8Array(32)]);
    }
    for (const [id, delivered] of [
      ['ret-delivered-old', ago(8)],
      ['ret-pending-old', null],
    ] as const) {
      await prep.run(
        `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at)
         VALUES ($1, 'emt1', 'emt', 'k-live', 'c-ret', $2, $3, 0, $4, $5)`,
        [id, new Uint8Array(4), ago(9), Date.now() + 3_600_000, delivered],
      );
    }
    // A contract removed earlier (inactive, not yet erased): the job erases it first.
    const ended = { ...CONTRACT_INPUTS[1], id: 'k-ret', meterId: 'RET-1', consumerId: 'c-ret', validFrom: ago(300), validTo: ago(-300) };
    await prep.run('INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at) VALUES ($1, $2, $3, NULL, 0, $4)', ['k-ret', 'RET-1', JSON.stringify(ended), ago(300)]);
    await prep.close();

    const events: RuntimeEvent[] = [];
    const gw = await startGateway(config, { onEvent: (e) => events.push(e) });
    await gw.runPrivacyJob();
    expect(events.filter((e) => e.kind === 'contracts-erased')).toEqual([{ kind: 'contracts-erased', contracts: ['k-ret'] }]);
    const purges = events.filter((e) => e.kind === 'retention-purged');
    expect(purges[0]).toMatchObject({ kind: 'retention-purged', purged: { readings: 1, outbox: 1 }, refused: [] });
    expect(await gw.db.query('SELECT value FROM gw_readings WHERE meter_id = $1', ['RET-1'])).toEqual([{ value: 'fresh' }]);
    expect((await gw.db.query<{ message_id: string }>("SELECT message_id FROM gw_outbox WHERE consumer_id = 'c-ret'")).map((r) => r.message_id)).toEqual(['ret-pending-old']);
    await gw.runPrivacyJob();
    expect(events.filter((e) => e.kind === 'retention-purged').at(-1)).toMatchObject({ purged: { readings: 0, outbox: 0 } });
    expect(events.some((e) => e.kind === 'error')).toBe(false);
    await gw.stop();
  }, 60_000);
});
