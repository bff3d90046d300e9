import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import type { LogName } from '../logs/events.js';
import { GatewayLogs } from '../logs/gateway-logs.js';
import { verifyLog } from '../logs/verify-log.js';
import { gatewayBackends } from './_testing/stores.js';
import { type RetentionPolicy, purgeExpired, retentionCutoffs } from './retention.js';

const LABEL = 'gw1-sig';
const NOW = Date.parse('2027-06-01T00:00:00.000Z');
const DAY = 24 * 3600_000;
const ago = (days: number): string => new Date(NOW - days * DAY).toISOString();
const RETENTION: RetentionPolicy = { readingsDays: 10, consumerLogDays: 20, systemLogDays: 30, outboxDays: 5 };

const backends = gatewayBackends('ret');
beforeAll(() => backends.start());
afterAll(() => backends.stop());

interface Store {
  readonly db: Db;
  readonly logs: GatewayLogs;
  /** Moves the logs' clock. */
  at(iso: string): void;
}

async function store(open: () => Promise<Db>): Promise<Store> {
  const db = await open();
  const sm = new MemorySecurityModule();
  await sm.generateKeyPair(LABEL, 'brainpoolP256r1');
  let clock = new Date(NOW - 400 * DAY);
  // A small checkpoint interval, so that purges cut through signed interval checkpoints as well.
  const logs = await GatewayLogs.open({ db, sm, keyLabel: LABEL, clock: () => clock, checkpointEvery: 3 });
  return { db, logs, at: (iso) => (clock = new Date(iso)) };
}

/** Readings by (meter, label): the received time decides, the meter's `at` is deliberately misleading. */
const READINGS = [
  { meter: 'm1', label: 'fresh', receivedDaysAgo: 1, at: ago(1) },
  { meter: 'm1', label: 'young-but-old-at', receivedDaysAgo: 9, at: ago(900) },
  { meter: 'm1', label: 'expired', receivedDaysAgo: 11, at: ago(11) },
  { meter: 'm2', label: 'expired-future-at', receivedDaysAgo: 40, at: '2099-01-01T00:00:00.000Z' },
  { meter: 'm2', label: 'fresh', receivedDaysAgo: 3, at: ago(3) },
] as const;

/** Outbox rows: [message id, created, delivered, parked] in days ago (null: not yet). */
const OUTBOX: ReadonlyArray<readonly [string, number, number | null, number | null]> = [
  ['pending-ancient', 60, null, null],
  ['delivered-expired', 8, 6, null],
  ['delivered-young', 8, 4, null],
  ['parked-expired', 9, null, 6],
  ['parked-young', 9, null, 1],
  ['late-delivery', 60, 1, null],
];

async function fill(s: Store): Promise<void> {
  const { db, logs } = s;
  for (const [m, c] of [
    ['m1', 'c1'],
    ['m2', 'c2'],
  ] as const) {
    await db.run('INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ($1, $2, NULL, NULL, $3, 1, $4)', [m, 'dsmr', c, ago(500)]);
  }
  for (const [i, r] of READINGS.entries()) {
    const hash = new Uint8Array(32).fill(i + 1);
    await db.run('INSERT INTO gw_frames (meter_id, frame_hash, received_at) VALUES ($1, $2, $3)', [r.meter, hash, ago(r.receivedDaysAgo)]);
    await db.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      r.meter,
      '1-0:1.8.0',
      r.label,
      'kWh',
      r.at,
      ago(r.receivedDaysAgo),
      hash,
    ]);
  }
  for (const [id, created, delivered, parked] of OUTBOX) {
    await db.run(
      `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at, parked_at, last_error)
       VALUES ($1, 'emt1', 'emt/emt1', 'k1', 'c1', $2, $3, 1, 0, $4, $5, NULL)`,
      [id, new Uint8Array([0x30, 0x00]), ago(created), delivered === null ? null : ago(delivered), parked === null ? null : ago(parked)],
    );
  }
  for (const d of [40, 25, 21, 19, 2]) {
    s.at(ago(d));
    await logs.append('consumer', { consumerId: 'c1', level: 'info', event: 'data-sent', text: `sent ${d} days ago`, outcome: 'success', details: { daysAgo: d } });
  }
  for (const d of [45, 31, 29]) {
    s.at(ago(d));
    await logs.append('system', { level: 'info', event: 'self-test', text: `self-test ${d} days ago`, outcome: 'success', details: { daysAgo: d } });
  }
  for (const d of [800, 400]) {
    s.at(ago(d));
    await logs.append('calibration', { level: 'notice', event: 'meter-added', text: `meter added ${d} days ago`, outcome: 'success', details: { daysAgo: d } });
  }
  s.at(new Date(NOW).toISOString());
}

const daysOf = async (db: Db, log: LogName): Promise<unknown[]> => {
  const rows = await db.query<{ details: string }>('SELECT details FROM gw_log_records WHERE log = $1 ORDER BY seq', [log]);
  return rows.map((r) => (JSON.parse(r.details) as { daysAgo?: unknown }).daysAgo);
};

describe.each(backends.list)('retention purge on %s', (_name, open) => {
  it('removes exactly the expired rows of each class, keeps the calibration log, and the logs still verify', async () => {
    const s = await store(open);
    await fill(s);
    const { db } = s;
    const result = await purgeExpired(db, s.logs, RETENTION, new Date(NOW).toISOString());

    const readings = await db.query<{ meter_id: string; value: string }>('SELECT meter_id, value FROM gw_readings ORDER BY meter_id, value');
    expect(readings.map((r) => `${r.meter_id}/${r.value}`)).toEqual(['m1/fresh', 'm1/young-but-old-at', 'm2/fresh']);
    const frames = await db.query<{ received_at: string }>('SELECT received_at FROM gw_frames ORDER BY received_at');
    expect(frames.map((f) => f.received_at)).toEqual([ago(9), ago(3), ago(1)]);
    const outbox = await db.query<{ message_id: string }>('SELECT message_id FROM gw_outbox ORDER BY message_id');
    expect(outbox.map((o) => o.message_id)).toEqual(['delivered-young', 'late-delivery', 'parked-young', 'pending-ancient']);

    // Consumer log: 40 and 25 and 21 days are past 20 days; system log: 45 and 31 past 30 days.
    expect(await daysOf(db, 'consumer')).toEqual([19, 2]);
    expect((await daysOf(db, 'system')).filter((d) => d !== undefined)).toEqual([29]);
    expect(await daysOf(db, 'calibration')).toEqual([800, 400]);
    expect(result.purged).toEqual({ readings: 2, frames: 2, outbox: 2, consumerLog: 3, systemLog: 2 });
    expect(result.refused).toEqual([]);

    for (const log of ['consumer', 'system', 'calibration'] as const) expect(await verifyLog(db, log)).toMatchObject({ ok: true });
    const [summary] = await db.query<{ details: string; outcome: string }>("SELECT details, outcome FROM gw_log_records WHERE log = 'system' AND event = 'retention-purged'");
    expect(summary?.outcome).toBe('success');
    expect(JSON.parse(summary?.details ?? '{}')).toMatchObject({ purged: { readings: 2, frames: 2, outbox: 2, consumerLog: 3, systemLog: 2 } });
    const purges = await db.query<{ details: string }>("SELECT details FROM gw_log_records WHERE log = 'system' AND event = 'log-purged' ORDER BY seq");
    expect(purges.map((p) => (JSON.parse(p.details) as { log: string }).log)).toEqual(['consumer', 'system']);

    // Run again at the same instant: nothing more is expired, the chains still verify after further appends.
    const again = await purgeExpired(db, s.logs, RETENTION, new Date(NOW).toISOString());
    expect(again.purged).toEqual({ readings: 0, frames: 0, outbox: 0, consumerLog: 0, systemLog: 0 });
    await s.logs.append('consumer', { consumerId: 'c2', level: 'info', event: 'data-sent', text: 'after the purge', outcome: 'success' });
    expect(await verifyLog(db, 'consumer')).toMatchObject({ ok: true });
    await db.close();
  });

  it('purges a log whose every record has expired down to a signed anchor that later records chain on from', async () => {
    const s = await store(open);
    await fill(s);
    const later = NOW + 365 * DAY;
    s.at(new Date(later).toISOString());
    const result = await purgeExpired(s.db, s.logs, RETENTION, new Date(later).toISOString());
    expect(result.purged.consumerLog).toBe(5);
    expect(await daysOf(s.db, 'consumer')).toEqual([]);
    // Undelivered messages stay whatever their age.
    expect((await s.db.query<{ message_id: string }>('SELECT message_id FROM gw_outbox')).map((o) => o.message_id)).toEqual(['pending-ancient']);
    expect(await s.db.query('SELECT meter_id FROM gw_readings')).toEqual([]);
    expect(await daysOf(s.db, 'calibration')).toEqual([800, 400]);
    await s.logs.append('consumer', { consumerId: 'c1', level: 'info', event: 'data-sent', text: 'after the anchor', outcome: 'success' });
    for (const log of ['consumer', 'system', 'calibration'] as const) expect(await verifyLog(s.db, log)).toMatchObject({ ok: true });
    await s.db.close();
  });

  it('commits the data deletes with their summary record: when the summary cannot be written, no data row goes', async () => {
    const s = await store(open);
    await fill(s);
    const count = async (table: string): Promise<number> => (await s.db.query(`SELECT 1 FROM ${table}`)).length;
    const before = { readings: await count('gw_readings'), frames: await count('gw_frames'), outbox: await count('gw_outbox') };
    const failing = Object.create(s.logs) as GatewayLogs;
    failing.appendWithin = async () => {
      throw new Error('log store unavailable');
    };
    await expect(purgeExpired(s.db, failing, RETENTION, new Date(NOW).toISOString())).rejects.toThrow('log store unavailable');
    expect({ readings: await count('gw_readings'), frames: await count('gw_frames'), outbox: await count('gw_outbox') }).toEqual(before);
    expect(await s.db.query("SELECT 1 FROM gw_log_records WHERE event = 'retention-purged'")).toEqual([]);
    // The next round, with the log working again, purges and records it.
    expect((await purgeExpired(s.db, s.logs, RETENTION, new Date(NOW).toISOString())).purged).toMatchObject({ readings: 2, frames: 2, outbox: 2 });
    expect(await s.db.query("SELECT 1 FROM gw_log_records WHERE event = 'retention-purged'")).toHaveLength(1);
    await s.db.close();
  });

  it('leaves a tampered log unpurged (GW_LOG_BROKEN), still purges the rest and logs the failure', async () => {
    const s = await store(open);
    await fill(s);
    await s.db.run("UPDATE gw_log_records SET text = 'edited' WHERE log = 'consumer' AND seq = 1");
    const result = await purgeExpired(s.db, s.logs, RETENTION, new Date(NOW).toISOString());
    expect(result.refused).toEqual([{ log: 'consumer', code: 'GW_LOG_BROKEN' }]);
    expect(result.purged).toMatchObject({ readings: 2, consumerLog: 0, systemLog: 2 });
    expect(await daysOf(s.db, 'consumer')).toEqual([40, 25, 21, 19, 2]);
    const [summary] = await s.db.query<{ outcome: string }>("SELECT outcome FROM gw_log_records WHERE log = 'system' AND event = 'retention-purged'");
    expect(summary?.outcome).toBe('failure');
    await s.db.close();
  });
});

describe('retention purge over random stores (SQLite)', () => {
  it('keeps exactly the readings received within retention and the outbox rows not delivered or parked before it', async () => {
    const [, open] = backends.list[0]!;
    const s = await store(open);
    await s.db.run("INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ('m1', 'dsmr', NULL, NULL, 'c1', 1, $1)", [ago(900)]);
    // Ages in minutes around the cutoffs (readings 10 days, outbox 5 days), so that the boundary is hit often.
    const age = fc.integer({ min: 0, max: 20 * 1440 });
    const message = fc.record({ created: age, delivered: fc.option(age), parked: fc.option(age) });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(age, { maxLength: 25 }), fc.array(message, { maxLength: 15 }), async (readings, messages) => {
        run++;
        await s.db.run('DELETE FROM gw_readings');
        await s.db.run('DELETE FROM gw_outbox');
        const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString();
        for (const [i, m] of readings.entries()) {
          await s.db.run("INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ('m1', '1-0:1.8.0', $1, NULL, $2, $2, $3)", [String(i), minutesAgo(m), new Uint8Array(32)]);
        }
        for (const [i, m] of messages.entries()) {
          await s.db.run(
            `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at, parked_at)
             VALUES ($1, 'emt1', 'emt', 'k1', 'c1', $2, $3, 0, 0, $4, $5)`,
            [`r${run}-${i}`, new Uint8Array(1), minutesAgo(m.created), m.delivered === null ? null : minutesAgo(m.delivered), m.parked === null ? null : minutesAgo(m.parked)],
          );
        }
        await purgeExpired(s.db, s.logs, RETENTION, new Date(NOW).toISOString());
        const keptReadings = (await s.db.query<{ value: string }>('SELECT value FROM gw_readings')).map((r) => Number(r.value)).sort((a, b) => a - b);
        expect(keptReadings).toEqual(readings.flatMap((m, i) => (m <= 10 * 1440 ? [i] : [])));
        const keptMessages = (await s.db.query<{ message_id: string }>('SELECT message_id FROM gw_outbox')).map((r) => Number(r.message_id.split('-')[1])).sort((a, b) => a - b);
        const done = (m: number | null) => m !== null && m > 5 * 1440;
        expect(keptMessages).toEqual(messages.flatMap((m, i) => (done(m.delivered) || done(m.parked) ? [] : [i])));
      }),
      { numRuns: 25 },
    );
    expect(await verifyLog(s.db, 'system')).toMatchObject({ ok: true });
    await s.db.close();
  });
});

describe('retention cutoffs', () => {
  it('are the retention days before now, frame hashes kept as long as readings', () => {
    expect(retentionCutoffs(RETENTION, '2027-06-01T00:00:00Z')).toEqual({
      readings: '2027-05-22T00:00:00.000Z',
      frames: '2027-05-22T00:00:00.000Z',
      outbox: '2027-05-27T00:00:00.000Z',
      consumerLog: '2027-05-12T00:00:00.000Z',
      systemLog: '2027-05-02T00:00:00.000Z',
    });
  });

  it.each([
    ['not a time', RETENTION],
    ['', RETENTION],
    ['2027-06-01T00:00:00Z', { ...RETENTION, readingsDays: 0 }],
    ['2027-06-01T00:00:00Z', { ...RETENTION, outboxDays: 1.5 }],
    ['0000-01-05T00:00:00Z', RETENTION],
  ])('refuses now=%j with GW_BAD_INPUT', (now, retention) => {
    let caught: unknown;
    try {
      retentionCutoffs(retention, now);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect((caught as GatewayError).code).toBe('GW_BAD_INPUT');
  });
});
