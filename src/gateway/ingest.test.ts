import 'reflect-metadata';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protect, unprotect } from '../cms/protect.js';
import { type Core, TestClock, openCore, storeSnapshot } from './_testing/core.js';
import { type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from './_testing/fixture.js';
import { meterTelegram, meterTelegramMode7 } from './_testing/telegrams.js';
import type { GatewayError } from './errors.js';
import { Ingestor } from './ingest.js';
import type { GatewayLogs } from './logs/gateway-logs.js';
import { grantConsent } from './privacy/consent.js';
import { addContract } from './registry.js';

const KEY_A = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
const KEY_B = Buffer.from('F0E0D0C0B0A090807060504030201000', 'hex');
const WRONG = Buffer.alloc(16, 0x55);
const T0 = Date.parse('2026-11-23T10:01:00Z');
const MIN = 60_000;

let fx: GatewayFixture;
let core: Core;
const clock = new TestClock(T0);

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [
      { meterId: '11111111', key: KEY_A },
      { meterId: '22222222', key: KEY_B },
      { meterId: '33333333' },
      { meterId: '44444444', key: KEY_A },
      { meterId: '55555555', key: KEY_B },
    ],
    [
      contractFor(fx, { id: 'c-a7', meterId: '11111111', taf: 7 }),
      // A recipient whose ENC certificate the gateway was never given.
      { ...contractFor(fx, { id: 'c-lost', meterId: '55555555', taf: 7 }), recipient: { name: 'emt9', encCertSha256: 'ab'.repeat(32) } },
    ],
  );
  core = await openCore(fx, { clock });
}, 60_000);

afterAll(async () => {
  await core?.close();
});

async function outboxRows() {
  return core.db.query<{ message_id: string; recipient: string; route: string; cms: Uint8Array; contract_id: string }>(
    'SELECT message_id, recipient, route, cms, contract_id FROM gw_outbox ORDER BY seq',
  );
}

describe('ingest', () => {
  it('stores the readings of a meter without contract and queues nothing', async () => {
    const out = await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('22222222', KEY_B, 500, 1) });
    expect(out).toEqual({ kind: 'accepted', meterId: '22222222', readings: 1, messages: 0 });
    const rows = await core.db.query<{ obis: string; value: string; unit: string }>('SELECT obis, value, unit FROM gw_readings WHERE meter_id = $1', ['22222222']);
    expect(rows).toEqual([{ obis: '1-0:1.8.0', value: '500', unit: 'kWh' }]);
    expect((await outboxRows()).filter((r) => r.contract_id !== 'c-a7')).toEqual([]);
  });

  it('runs the contract and queues one protected message per closed period, readable only by its recipient', async () => {
    clock.ms = T0;
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('11111111', KEY_A, 1000, 1) })).toMatchObject({ kind: 'accepted', messages: 0 });
    clock.ms = T0 + 16 * MIN; // 10:17, after the end of 10:00-10:15
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('11111111', KEY_A, 1002, 2) })).toMatchObject({ kind: 'accepted', messages: 1 });
    const [row] = await outboxRows();
    expect(row).toMatchObject({ recipient: 'emt1', route: '/v1/emt/emt1/messages', contract_id: 'c-a7' });
    const emt1 = await fx.pki.party('emt1');
    const opened = await unprotect(new Uint8Array(row!.cms), { sm: fx.sm, recipient: { keyLabel: emt1.enc.keyLabel, cert: emt1.enc.cert }, trust: fx.pki });
    expect(opened.signer.subjectName.getField('2.5.4.3')[0]).toBe('gw1');
    const content = JSON.parse(Buffer.from(opened.content).toString('utf8'));
    expect(content).toMatchObject({
      v: 1,
      messageId: row!.message_id,
      contractId: 'c-a7',
      taf: 7,
      gatewayId: 'gw1',
      meterId: '11111111',
      period: { from: '2026-11-23T10:00:00.000Z', to: '2026-11-23T10:15:00.000Z' },
      values: [{ obis: '1-0:1.8.0', value: 1000, unit: 'kWh', at: new Date(T0).toISOString() }],
    });
    const emt2 = await fx.pki.party('emt2');
    await expect(unprotect(new Uint8Array(row!.cms), { sm: fx.sm, recipient: { keyLabel: emt2.enc.keyLabel, cert: emt2.enc.cert }, trust: fx.pki })).rejects.toThrow();
  });

  const refusals: Array<[string, () => { protocol: 'wmbus'; text: string }, string]> = [
    ['an unknown meter', () => ({ protocol: 'wmbus', text: meterTelegram('99999999', KEY_A, 1, 1) }), 'GW_UNKNOWN_METER'],
    ['a frame under another key', () => ({ protocol: 'wmbus', text: meterTelegram('11111111', WRONG, 1003, 3) }), 'GW_METER_WRONG_KEY'],
    ['an encrypted frame of a meter without key', () => ({ protocol: 'wmbus', text: meterTelegram('33333333', KEY_A, 5, 1) }), 'GW_METER_NO_KEY'],
    ['a frame accepted before (mode 5 replay)', () => ({ protocol: 'wmbus', text: meterTelegram('11111111', KEY_A, 1000, 1) }), 'GW_REPLAY'],
    ['a truncated frame', () => ({ protocol: 'wmbus', text: meterTelegram('11111111', KEY_A, 1004, 4).slice(0, 30) }), 'GW_FRAME_REFUSED'],
    ['text that is not hex', () => ({ protocol: 'wmbus', text: 'not a telegram' }), 'GW_FRAME_REFUSED'],
  ];

  it.each(refusals)('refuses %s with its code and leaves the store unchanged', async (_name, frame, code) => {
    const before = await storeSnapshot(core.db);
    const out = await core.ingestor.ingest(frame());
    expect(out).toMatchObject({ kind: 'refused', code });
    expect(await storeSnapshot(core.db)).toEqual(before);
  });

  it("refuses a mode 7 counter that does not increase with 'GW_REPLAY', after accepting the first", async () => {
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegramMode7('44444444', KEY_A, 10, 5) })).toMatchObject({ kind: 'accepted' });
    const before = await storeSnapshot(core.db);
    // A new frame (other value) with an old counter: not a byte-for-byte repeat, still a replay.
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegramMode7('44444444', KEY_A, 11, 5) })).toMatchObject({ kind: 'refused', code: 'GW_REPLAY' });
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegramMode7('44444444', KEY_A, 11, 4) })).toMatchObject({ kind: 'refused', code: 'GW_REPLAY' });
    expect(await storeSnapshot(core.db)).toEqual(before);
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegramMode7('44444444', KEY_A, 11, 6) })).toMatchObject({ kind: 'accepted' });
  });

  it("refuses a frame whose message has no registered recipient certificate with 'GW_NO_RECIPIENT', losing no period", async () => {
    clock.ms = T0 + 30 * MIN;
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('55555555', KEY_B, 1, 1) })).toMatchObject({ kind: 'accepted', messages: 0 });
    clock.ms = T0 + 50 * MIN;
    const before = await storeSnapshot(core.db);
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('55555555', KEY_B, 2, 2) })).toMatchObject({ kind: 'refused', code: 'GW_NO_RECIPIENT' });
    expect(await storeSnapshot(core.db)).toEqual(before);
  });

  it('sends a period that ended without a later frame when the clock passes its end (tick)', async () => {
    await addContract(core.db, contractFor(fx, { id: 'c-tick', meterId: '22222222', taf: 7 }), new Date(clock.ms).toISOString());
    // A 15-minute load curve runs only with the consumer's consent (privacy/consent.ts).
    await grantConsent(core.db, core.logs, { consumerId: 'consumer-22222222', contractId: 'c-tick' }, new Date(clock.ms).toISOString());
    clock.ms = Date.parse('2026-11-23T11:02:00Z');
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('22222222', KEY_B, 600, 2) })).toMatchObject({ kind: 'accepted', messages: 0 });
    const tickRows = async () => (await core.db.query("SELECT message_id FROM gw_outbox WHERE contract_id = 'c-tick'")).length;
    await core.ingestor.tick();
    expect(await tickRows()).toBe(0);
    clock.ms = Date.parse('2026-11-23T11:16:00Z');
    expect(await core.ingestor.tick()).toBe(1);
    expect(await tickRows()).toBe(1);
    expect(await core.ingestor.tick()).toBe(0);
  });

  it('a queued message commits with its consumer-log record: when the log cannot be written, the frame is not taken', async () => {
    const failing = Object.create(core.logs) as GatewayLogs;
    failing.appendWithin = async () => {
      throw new Error('log store unavailable');
    };
    const protectFor = (content: Uint8Array, enc: Parameters<typeof protect>[1]['recipients'][number]) =>
      protect(content, { sm: fx.sm, signer: core.identity.sig, recipients: [enc], includeCerts: core.identity.chain });
    const broken = new Ingestor({ db: core.db, vault: core.vault, gatewayId: 'gw1', protectFor, clock: clock.now, logs: failing });
    clock.ms = Date.parse('2026-11-23T12:01:00Z');
    expect(await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram('11111111', KEY_A, 1010, 10) })).toMatchObject({ kind: 'accepted', messages: 0 });
    clock.ms = Date.parse('2026-11-23T12:16:00Z'); // closes 12:00-12:15: one message is due
    const frame = { protocol: 'wmbus' as const, text: meterTelegram('11111111', KEY_A, 1011, 11) };
    const before = await storeSnapshot(core.db);
    await expect(broken.ingest(frame)).rejects.toThrow('log store unavailable');
    expect(await storeSnapshot(core.db)).toEqual(before);
    // The same frame later, with a working log: taken, with one data-sent record per queued message.
    const out = await core.ingestor.ingest(frame);
    expect(out).toMatchObject({ kind: 'accepted', messages: 1 });
    const [message] = await core.db.query<{ message_id: string }>("SELECT message_id FROM gw_outbox WHERE contract_id = 'c-a7' ORDER BY seq DESC LIMIT 1");
    const logged = await core.db.query<{ details: string }>("SELECT details FROM gw_log_records WHERE log = 'consumer' AND event = 'data-sent'");
    expect(logged.filter((r) => JSON.parse(r.details).messageId === message!.message_id)).toHaveLength(1);
  });

  it('counts refusals and writes them to the system log', async () => {
    expect(core.ingestor.stats.refused.GW_REPLAY).toBeGreaterThanOrEqual(1);
    const rows = await core.db.query<{ details: string }>("SELECT details FROM gw_log_records WHERE log = 'system' AND event = 'security-alert'");
    expect(rows.map((r) => JSON.parse(r.details).code)).toEqual(expect.arrayContaining(['GW_UNKNOWN_METER', 'GW_METER_WRONG_KEY', 'GW_REPLAY']));
  });

  it('only typed refusals come out of mutated real telegrams (bit flips, truncation, length lies)', async () => {
    const base = Buffer.from(meterTelegram('11111111', KEY_A, 2000, 9), 'hex');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(base.length - 1), bit: fc.nat(7) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(base.length - 1), bit: fc.constant(0) }),
          fc.record({ kind: fc.constant('length' as const), at: fc.nat(255), bit: fc.constant(0) }),
        ),
        async (m) => {
          const b = Buffer.from(base);
          let bytes: Buffer = b;
          if (m.kind === 'flip') b[m.at] = b[m.at]! ^ (1 << m.bit);
          else if (m.kind === 'cut') bytes = b.subarray(0, m.at);
          else b[0] = m.at;
          const before = await storeSnapshot(core.db);
          let out: Awaited<ReturnType<typeof core.ingestor.ingest>>;
          try {
            out = await core.ingestor.ingest({ protocol: 'wmbus', text: bytes.toString('hex') });
          } catch (e) {
            // Anything thrown is a bug: bad input must come out as a refusal.
            expect.fail(`threw ${e instanceof Error ? `${e.name} ${(e as GatewayError).code ?? ''}` : String(e)}`);
          }
          if (out.kind === 'refused') expect(await storeSnapshot(core.db)).toEqual(before);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});

describe('meter keys at rest', () => {
  it('stores no meter key in the clear, and a sealed key moved to another meter does not open', async () => {
    const rows = await core.db.query<{ meter_id: string; key_sealed: Uint8Array }>('SELECT meter_id, key_sealed FROM gw_meters WHERE key_sealed IS NOT NULL');
    for (const r of rows) expect(Buffer.from(r.key_sealed).includes(KEY_A) || Buffer.from(r.key_sealed).includes(KEY_B)).toBe(false);
    const a = rows.find((r) => r.meter_id === '11111111')!;
    expect(Buffer.from(core.vault.open('11111111', new Uint8Array(a.key_sealed)))).toEqual(KEY_A);
    expect(() => core.vault.open('22222222', new Uint8Array(a.key_sealed))).toThrow(expect.objectContaining({ code: 'GW_METER_KEYS' }));
  });
});
