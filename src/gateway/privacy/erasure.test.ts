import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore } from '../_testing/core.js';
import { type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from '../_testing/fixture.js';
import { meterTelegram } from '../_testing/telegrams.js';
import { readConsumerLog, readRecords } from '../logs/read-records.js';
import { addContract, findEmtBySha } from '../registry.js';
import { consentsOf } from './consent.js';
import { eraseEndedContracts } from './erasure.js';

const KEY_A = Buffer.from('A0A1A2A3A4A5A6A7A8A9AAABACADAEAF', 'hex');
const KEY_B = Buffer.from('B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF', 'hex');
const MA = '41410000';
const MB = '42420000';
const T0 = Date.parse('2026-11-23T08:01:00Z');
const END = '2026-11-23T09:00:00Z';
const MIN = 60_000;

let fx: GatewayFixture;
let core: Core;
const clock = new TestClock(T0);

/** Row counts per contract of the tables erasure touches, and the meters' readings. */
async function holdings(contractId: string) {
  const q = async (sql: string, p: readonly string[]) => Number((await core.db.query<{ n: number }>(sql, p))[0]?.n);
  return {
    delivered: await q('SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NOT NULL', [contractId]),
    pending: await q('SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = $1 AND delivered_at IS NULL', [contractId]),
    consents: await q('SELECT COUNT(*) AS n FROM gw_consents WHERE contract_id = $1', [contractId]),
    state: await q('SELECT COUNT(*) AS n FROM gw_contracts WHERE contract_id = $1 AND state IS NOT NULL', [contractId]),
  };
}
const readings = async () => core.db.query('SELECT meter_id, obis, value, at FROM gw_readings ORDER BY meter_id, at');

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [
      { meterId: MA, key: KEY_A },
      { meterId: MB, key: KEY_B },
    ],
    [
      // Ends at 09:00; the only contract naming emt2.
      contractFor(fx, { id: 'x-old', meterId: MA, taf: 7, emt: 'emt2', to: END }),
      contractFor(fx, { id: 'x-keep', meterId: MB, taf: 7, emt: 'emt1' }),
      contractFor(fx, { id: 'x-bill', meterId: MA, taf: 1, emt: 'emt1' }),
    ],
  );
  core = await openCore(fx, { clock });
  // An hour of readings of both meters every 5 minutes: load-curve messages for x-old and x-keep.
  for (let i = 0; i < 12; i++) {
    clock.ms = T0 + i * 5 * MIN;
    await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(MA, KEY_A, 100 + i, i) });
    await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(MB, KEY_B, 900 + i, i) });
  }
  // All but the newest message of each contract delivered.
  await core.db.run(
    `UPDATE gw_outbox SET delivered_at = created_at WHERE seq NOT IN (SELECT MAX(seq) FROM gw_outbox GROUP BY contract_id)`,
  );
}, 60_000);

afterAll(async () => {
  await core?.close();
});

describe('erasure at contract end', () => {
  it('has messages of both load-curve contracts to erase from', async () => {
    expect((await holdings('x-old')).delivered).toBeGreaterThanOrEqual(2);
    expect((await holdings('x-keep')).delivered).toBeGreaterThanOrEqual(2);
  });

  it('erases nothing while no contract has ended', async () => {
    clock.ms = Date.parse(END) - MIN;
    expect(await eraseEndedContracts(core.db, core.logs, new Date(clock.ms).toISOString())).toEqual([]);
  });

  it("removes exactly the ended contract's state, delivered copies, consents and sole certificates, and nothing of another", async () => {
    clock.ms = Date.parse(END) + MIN;
    // Its final period (08:45-09:00) is not made yet: nothing is erased before it is.
    expect(await eraseEndedContracts(core.db, core.logs, new Date(clock.ms).toISOString())).toEqual([]);
    expect(await core.ingestor.tick()).toBeGreaterThanOrEqual(1);
    const keepBefore = await holdings('x-keep');
    const billBefore = await holdings('x-bill');
    const oldBefore = await holdings('x-old');
    expect(oldBefore.pending).toBe(2);
    const readingsBefore = await readings();
    const erased = await eraseEndedContracts(core.db, core.logs, new Date(clock.ms).toISOString());
    expect(erased).toEqual([
      expect.objectContaining({ contractId: 'x-old', consumerId: `consumer-${MA}`, recipient: 'emt2', deliveredErased: oldBefore.delivered, pendingKept: 2, consentsErased: 1, certificatesErased: true }),
    ]);
    expect(await holdings('x-old')).toEqual({ delivered: 0, pending: 2, consents: 0, state: 0 });
    expect(await holdings('x-keep')).toEqual(keepBefore);
    expect(await holdings('x-bill')).toEqual(billBefore);
    expect(await readings()).toEqual(readingsBefore);
    expect(await findEmtBySha(core.db, fx.encSha.emt2!)).toBeUndefined();
    expect(await findEmtBySha(core.db, fx.encSha.emt1!)).toMatchObject({ emt: 'emt1' });
    expect(await consentsOf(core.db, `consumer-${MB}`)).toHaveLength(1);
    const [row] = await core.db.query<{ active: number; ended_at: string; sent_summary: string }>("SELECT active, ended_at, sent_summary FROM gw_contracts WHERE contract_id = 'x-old'");
    expect(Number(row!.active)).toBe(0);
    expect(JSON.parse(row!.sent_summary)).toMatchObject({ messages: oldBefore.delivered });
  });

  it("writes the erasure into that consumer's log and the system log only", async () => {
    expect((await readConsumerLog(core.db, `consumer-${MA}`, { limit: 1000 })).filter((r) => r.event === 'contract-erased').map((r) => r.details)).toEqual([
      expect.objectContaining({ contractId: 'x-old', recipient: 'emt2' }),
    ]);
    expect((await readConsumerLog(core.db, `consumer-${MB}`, { limit: 1000 })).filter((r) => r.event === 'contract-erased')).toEqual([]);
    expect((await readRecords(core.db, 'system')).filter((r) => r.event === 'contract-erased')).toHaveLength(1);
  });

  it('lets the pending messages go out, then sweeps their delivered copies and counts them', async () => {
    const late = (await holdings('x-old')).pending;
    await core.db.run("UPDATE gw_outbox SET delivered_at = $1 WHERE contract_id = 'x-old'", [new Date(clock.ms).toISOString()]);
    const [before] = await core.db.query<{ sent_summary: string }>("SELECT sent_summary FROM gw_contracts WHERE contract_id = 'x-old'");
    expect(await eraseEndedContracts(core.db, core.logs, new Date(clock.ms).toISOString())).toEqual([]);
    expect(await holdings('x-old')).toEqual({ delivered: 0, pending: 0, consents: 0, state: 0 });
    const [after] = await core.db.query<{ sent_summary: string }>("SELECT sent_summary FROM gw_contracts WHERE contract_id = 'x-old'");
    expect(JSON.parse(after!.sent_summary).messages).toBe(JSON.parse(before!.sent_summary).messages + late);
  });

  it('starts an erased contract afresh when it is added again, dormant until consent', async () => {
    await addContract(core.db, contractFor(fx, { id: 'x-old', meterId: MA, taf: 7, emt: 'emt1', to: '2027-01-01T00:00:00Z' }), new Date(clock.ms).toISOString());
    expect(await holdings('x-old')).toEqual({ delivered: 0, pending: 0, consents: 0, state: 1 });
    clock.advance(20 * MIN);
    await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(MA, KEY_A, 500, 99) });
    expect((await holdings('x-old')).pending).toBe(0);
  });
});
