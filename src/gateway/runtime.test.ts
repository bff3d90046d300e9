import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../store/sqlite.js';
import { sendWakeUp } from '../wan/wakeup-sender.js';
import { ADMIN, GATEWAY, type GatewayFixture, makeGatewayFixture } from './_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from './_testing/head-end-peer.js';
import { parseGatewayConfig } from './config.js';
import { type RuntimeEvent, startGateway } from './runtime.js';

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
});
