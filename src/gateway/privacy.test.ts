import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore } from './_testing/core.js';
import { ADMIN, GATEWAY, type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from './_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from './_testing/head-end-peer.js';
import { meterTelegram } from './_testing/telegrams.js';
import { readConsumerLog } from './logs/read-records.js';

const KEY_A = Buffer.from('0F0E0D0C0B0A09080706050403020100', 'hex');
const KEY_B = Buffer.from('AABBCCDDEEFF00112233445566778899', 'hex');
const START = Date.parse('2026-11-23T00:01:00Z');
const STEP = 5 * 60_000;
const QUARTER = 15 * 60_000;
const DAY = 86_400_000;

let fx: GatewayFixture;
let core: Core;
let peer: HeadEndPeer;
const clock = new TestClock(START);
/** Readings of meter A as fed: time and register value. */
const fedA: Array<{ at: number; kwh: number }> = [];

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [
      { meterId: '11110000', key: KEY_A },
      { meterId: '22220000', key: KEY_B },
    ],
    [contractFor(fx, { id: 'c-bill', meterId: '11110000', taf: 1, emt: 'emt1' }), contractFor(fx, { id: 'c-curve', meterId: '11110000', taf: 7, emt: 'emt2' })],
  );
  peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY });
  core = await openCore(fx, { headEndUrl: peer.url, clock });
  // 26 hours of readings every 5 minutes from both meters: meter B's register runs in another range.
  for (let i = 0, at = START; at < START + DAY + 2 * 3_600_000; i++, at += STEP) {
    clock.ms = at;
    const kwhA = 1000 + 3 * i;
    fedA.push({ at, kwh: kwhA });
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('11110000', KEY_A, kwhA, i) })).toMatchObject({ kind: 'accepted' });
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('22220000', KEY_B, 70_000 + i, i) })).toMatchObject({ kind: 'accepted', messages: 0 });
  }
  while ((await core.outbox.counts()).pending > 0) await core.outbox.drain();
}, 180_000);

afterAll(async () => {
  await core?.close();
  await peer?.close();
});

/** The last reading of meter A at or before `end`: what a period ending at `end` must carry. */
const lastBefore = (end: number) => fedA.filter((r) => r.at <= end).at(-1)!;

describe('privacy: the head-end receives exactly what the contracts allow', () => {
  it('sends nothing of the meter without contract', () => {
    for (const m of peer.received.values()) {
      expect(m.content.meterId).toBe('11110000');
      expect(JSON.stringify(m.content)).not.toContain('22220000');
      for (const v of m.content.values as Array<{ value: number }>) expect(v.value).toBeLessThan(70_000);
    }
  });

  it('sends the TAF 7 load curve to its recipient only: one message per closed quarter hour, the A+ register at its end', () => {
    const curve = [...peer.received.values()].filter((m) => m.content.contractId === 'c-curve');
    const lastAt = fedA.at(-1)!.at;
    // Quarters closed by a later reading: from the first quarter end after the first reading, before the last reading.
    const ends: number[] = [];
    for (let e = Math.ceil(START / QUARTER) * QUARTER; e < lastAt; e += QUARTER) ends.push(e);
    expect(curve.map((m) => (m.content.period as { to: string }).to).sort()).toEqual(ends.map((e) => new Date(e).toISOString()));
    for (const m of curve) {
      expect(m.emt).toBe('emt2');
      expect(Object.keys(m.content).sort()).toEqual(['contractId', 'gatewayId', 'messageId', 'meterId', 'period', 'taf', 'v', 'values']);
      const end = Date.parse((m.content.period as { to: string }).to);
      const r = lastBefore(end);
      expect(m.content.values).toEqual([{ obis: '1-0:1.8.0', value: r.kwh, unit: 'kWh', at: new Date(r.at).toISOString(), quality: expect.any(String) }]);
    }
  });

  it('sends the TAF 1 billing value once per day to its recipient only', () => {
    const bills = [...peer.received.values()].filter((m) => m.content.contractId === 'c-bill');
    expect(bills).toHaveLength(1);
    const [bill] = bills;
    expect(bill!.emt).toBe('emt1');
    const end = Date.parse('2026-11-24T00:00:00Z');
    expect((bill!.content.period as { to: string }).to).toBe(new Date(end).toISOString());
    const r = lastBefore(end);
    expect(bill!.content.values).toEqual([{ obis: '1-0:1.8.0', value: r.kwh, unit: 'kWh', at: new Date(r.at).toISOString(), quality: expect.any(String) }]);
  });

  it('sends no other contract and every message exactly once', () => {
    expect(new Set([...peer.received.values()].map((m) => m.content.contractId))).toEqual(new Set(['c-bill', 'c-curve']));
    expect([...peer.received.values()].every((m) => m.posts === 1)).toBe(true);
    expect(peer.refusals).toEqual([]);
  });

  it('writes each sending into the consumer log of that meter\'s consumer, and nothing into another\'s', async () => {
    const sent = [...peer.received.values()].map((m) => m.content.messageId as string).sort();
    const log = await readConsumerLog(core.db, 'consumer-11110000', { limit: 100_000 });
    const logged = log.filter((r) => r.event === 'data-sent').map((r) => (r.details as { messageId: string }).messageId).sort();
    expect(logged).toEqual(sent);
    expect(await readConsumerLog(core.db, 'consumer-22220000')).toEqual([]);
  });
});
