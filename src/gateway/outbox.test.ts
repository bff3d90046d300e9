import 'reflect-metadata';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core, TestClock, openCore } from './_testing/core.js';
import { ADMIN, GATEWAY, type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from './_testing/fixture.js';
import { type HeadEndPeer, type ReceivedMessage, startHeadEndPeer } from './_testing/head-end-peer.js';
import { meterTelegram } from './_testing/telegrams.js';
import { retryDelay } from './backoff.js';

const KEY = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
const T0 = Date.parse('2026-11-23T00:01:00Z');
const MIN = 60_000;

let fx: GatewayFixture;

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(fx, [{ meterId: '12345678', key: KEY }], [contractFor(fx, { id: 'c-7', meterId: '12345678', taf: 7 })]);
}, 60_000);

/** Feeds one reading a minute from `fromMinute` and returns how many messages were queued. */
async function feed(core: Core, clock: TestClock, fromMinute: number, minutes: number): Promise<number> {
  let queued = 0;
  for (let m = fromMinute; m < fromMinute + minutes; m++) {
    clock.ms = T0 + m * MIN;
    const out = await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('12345678', KEY, 1000 + m, m) });
    expect(out.kind).toBe('accepted');
    if (out.kind === 'accepted') queued += out.messages;
  }
  return queued;
}

describe('outbox sender', () => {
  let core: Core;
  let peer: HeadEndPeer | undefined;
  const clock = new TestClock(T0);
  const received = new Map<string, ReceivedMessage>();
  let port = 0;
  let status: number | undefined;
  const startPeer = async () => {
    peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY, port, received, forceStatus: () => status });
    port = peer.port;
  };

  beforeAll(async () => {
    await startPeer();
    core = await openCore(fx, { headEndUrl: peer!.url, clock, random: () => 0.5 });
  }, 60_000);
  afterAll(async () => {
    await core?.close();
    await peer?.close();
  });

  it('delivers each message once with its Idempotency-Key and marks it delivered', async () => {
    const queued = await feed(core, clock, 0, 46); // periods 00:00, 00:15, 00:30 closed
    expect(queued).toBe(3);
    expect(await core.outbox.drain()).toEqual({ delivered: 3, retrying: 0, parked: 0 });
    expect(received.size).toBe(3);
    for (const [id, m] of received) {
      expect(m.content.messageId).toBe(id);
      expect(m.posts).toBe(1);
    }
    expect(await core.outbox.counts()).toEqual({ pending: 0, delivered: 3, parked: 0 });
    expect(await core.outbox.drain()).toEqual({ delivered: 0, retrying: 0, parked: 0 });
  });

  it('re-sends a message whose acknowledgement was lost; the peer keeps it once', async () => {
    const [row] = await core.db.query<{ message_id: string }>('SELECT message_id FROM gw_outbox ORDER BY seq LIMIT 1');
    await core.db.run('UPDATE gw_outbox SET delivered_at = NULL WHERE message_id = $1', [row!.message_id]);
    expect(await core.outbox.drain()).toMatchObject({ delivered: 1 });
    expect(received.get(row!.message_id)?.posts).toBe(2);
    expect(received.size).toBe(3);
  });

  it('keeps messages while the head-end is down, backs off, and drains once it is back (outage)', async () => {
    await peer!.close();
    peer = undefined;
    const queued = await feed(core, clock, 46, 45); // 3 more periods while the peer is down
    expect(queued).toBe(3);
    const first = await core.outbox.drain();
    expect(first).toMatchObject({ delivered: 0, retrying: 1 });
    const [r] = await core.db.query<{ attempts: number; next_attempt_at: number }>('SELECT attempts, next_attempt_at FROM gw_outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT 1');
    expect(Number(r!.attempts)).toBe(1);
    expect(Number(r!.next_attempt_at)).toBeGreaterThan(clock.ms);
    // Not due yet: nothing is tried.
    expect(await core.outbox.drain()).toEqual({ delivered: 0, retrying: 0, parked: 0 });
    await startPeer();
    clock.advance(120_000);
    expect(await core.outbox.drain()).toMatchObject({ delivered: 3 });
    expect(received.size).toBe(6);
    expect([...received.values()].every((m) => m.posts === 1 || m.posts === 2)).toBe(true);
    expect(await core.outbox.counts()).toMatchObject({ pending: 0 });
  }, 30_000);

  it('retries on 5xx and parks a 4xx refusal with GW_DELIVERY_REFUSED in the system log', async () => {
    status = 503;
    expect(await feed(core, clock, 91, 15)).toBe(1);
    expect(await core.outbox.drain()).toMatchObject({ delivered: 0, retrying: 1 });
    status = 400;
    clock.advance(120_000);
    expect(await core.outbox.drain()).toMatchObject({ delivered: 0, parked: 1 });
    status = undefined;
    clock.advance(3_600_000);
    expect(await core.outbox.drain()).toEqual({ delivered: 0, retrying: 0, parked: 0 });
    expect(await core.outbox.counts()).toMatchObject({ parked: 1 });
    const logs = await core.db.query<{ details: string }>("SELECT details FROM gw_log_records WHERE log = 'system' AND event = 'security-alert'");
    expect(logs.map((l) => JSON.parse(l.details).code)).toContain('GW_DELIVERY_REFUSED');
  }, 30_000);
});

describe('retry delay', () => {
  it('grows exponentially, is capped and jittered within [bound/2, bound]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, noNaN: true }), (base, extra, attempts, r) => {
        const b = { baseMs: base, maxMs: base + extra };
        const bound = Math.min(b.maxMs, base * 2 ** (attempts - 1));
        const d = retryDelay(b, attempts, r);
        expect(d).toBeGreaterThanOrEqual(Math.floor(bound / 2));
        expect(d).toBeLessThanOrEqual(Math.ceil(bound));
      }),
    );
    expect(retryDelay({ baseMs: 1000, maxMs: 60_000 }, 1, 1)).toBe(1000);
    expect(retryDelay({ baseMs: 1000, maxMs: 60_000 }, 4, 1)).toBe(8000);
    expect(retryDelay({ baseMs: 1000, maxMs: 60_000 }, 40, 1)).toBe(60_000);
  });
});
