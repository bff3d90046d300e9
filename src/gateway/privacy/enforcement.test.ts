import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore } from '../_testing/core.js';
import { type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from '../_testing/fixture.js';
import { meterTelegram } from '../_testing/telegrams.js';
import { readConsumerLog } from '../logs/read-records.js';
import { grantConsent, withdrawConsent } from './consent.js';

/**
 * No load-curve value leaves without consent: a day of 15-minute readings with a TAF 7 contract that was never
 * consented to queues nothing for it; after a grant the next readings are sent, from the grant on only; a
 * withdrawal stops the very next message and drops what was not delivered. The billing contract of the same
 * meter runs throughout.
 */

const KEY = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const METER = '31310000';
const CONSUMER = `consumer-${METER}`;
const START = Date.parse('2026-11-23T00:05:00Z');
const QUARTER = 15 * 60_000;
const DAY = 86_400_000;

let fx: GatewayFixture;
let core: Core;
const clock = new TestClock(START);
let n = 0;

/** One reading now, its register going up by one per frame. */
async function read(): Promise<number> {
  n++;
  const out = await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(METER, KEY, 5000 + n, n) });
  expect(out).toMatchObject({ kind: 'accepted' });
  return out.kind === 'accepted' ? out.messages : -1;
}

const rowsOf = (contractId: string) =>
  core.db.query<{ message_id: string; delivered_at: string | null }>('SELECT message_id, delivered_at FROM gw_outbox WHERE contract_id = $1 ORDER BY seq', [contractId]);

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [{ meterId: METER, key: KEY }],
    [contractFor(fx, { id: 'p-bill', meterId: METER, taf: 1, emt: 'emt1' }), contractFor(fx, { id: 'p-curve', meterId: METER, taf: 7, emt: 'emt2' })],
    { grantConsent: false },
  );
  core = await openCore(fx, { clock });
}, 60_000);

afterAll(async () => {
  await core?.close();
});

describe('consent enforcement on the ingest path', () => {
  it('queues no load-curve message during a day of 15-minute readings without consent, and keeps no state for it', async () => {
    const [before] = await core.db.query<{ state: string }>("SELECT state FROM gw_contracts WHERE contract_id = 'p-curve'");
    for (clock.ms = START; clock.ms < START + DAY + QUARTER; clock.advance(QUARTER)) await read();
    await core.ingestor.tick();
    expect(await rowsOf('p-curve')).toEqual([]);
    // The billing contract ran: the day ending at midnight was sent.
    expect(await rowsOf('p-bill')).toHaveLength(1);
    const [after] = await core.db.query<{ state: string }>("SELECT state FROM gw_contracts WHERE contract_id = 'p-curve'");
    expect(after!.state).toBe(before!.state);
    expect((await readConsumerLog(core.db, CONSUMER, { limit: 1000 })).filter((r) => (r.details as { contractId?: string }).contractId === 'p-curve')).toEqual([]);
  });

  it('sends after a grant, from the grant time on only (no back-fill of the day without consent)', async () => {
    const grantAt = clock.ms + 2 * 60_000;
    clock.ms = grantAt;
    await grantConsent(core.db, core.logs, { consumerId: CONSUMER, contractId: 'p-curve' }, new Date(grantAt).toISOString());
    // Readings every 5 minutes for 40 minutes: the periods after the grant close and are queued.
    for (let i = 0; i < 8; i++) {
      clock.advance(5 * 60_000);
      await read();
    }
    const rows = await rowsOf('p-curve');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const log = (await readConsumerLog(core.db, CONSUMER, { limit: 1000 })).filter((r) => r.event === 'data-sent' && (r.details as { contractId: string }).contractId === 'p-curve');
    expect(log).toHaveLength(rows.length);
    for (const r of log) {
      const from = Date.parse(/for (\S+)\.\./.exec(r.text)![1]!);
      expect(from).toBeGreaterThanOrEqual(grantAt);
    }
  });

  it('stops the very next message on withdrawal and drops the undelivered ones; billing goes on', async () => {
    const [first] = await rowsOf('p-curve');
    await core.db.run('UPDATE gw_outbox SET delivered_at = $2 WHERE message_id = $1', [first!.message_id, new Date(clock.ms).toISOString()]);
    const billBefore = (await rowsOf('p-bill')).length;
    await withdrawConsent(core.db, core.logs, { consumerId: CONSUMER, contractId: 'p-curve' }, new Date(clock.ms).toISOString());
    expect((await rowsOf('p-curve')).map((r) => r.message_id)).toEqual([first!.message_id]);
    // Past the end of the open period, and on for the rest of the day past midnight: nothing more for the curve.
    clock.advance(QUARTER);
    expect(await read()).toBe(0);
    await core.ingestor.tick();
    expect((await rowsOf('p-curve')).map((r) => r.message_id)).toEqual([first!.message_id]);
    const midnight = Math.ceil(clock.ms / DAY) * DAY;
    clock.ms = midnight + 60_000;
    await read();
    expect((await rowsOf('p-curve')).map((r) => r.message_id)).toEqual([first!.message_id]);
    expect((await rowsOf('p-bill')).length).toBe(billBefore + 1);
  });
});
