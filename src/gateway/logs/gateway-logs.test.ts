import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointFromPublicKey } from '../../crypto/ec-keys.js';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { Db } from '../../store/db.js';
import { openSqlite } from '../../store/sqlite.js';
import { fillLogs } from './_testing/fill.js';
import * as tamper from './_testing/tamper.js';
import type { LogName } from './events.js';
import { GatewayLogs } from './gateway-logs.js';
import { verifyKeyFromPoint } from './log-key.js';
import { readConsumerLog, readRecords } from './read-records.js';
import { verifyLog } from './verify-log.js';
import { storeBackends } from '../../store/_testing/backends.js';

const LABEL = 'gw1/sig';
const stores = storeBackends('g');
const backends = stores.list;

beforeAll(() => stores.start());
afterAll(() => stores.stop());

/** A clock that moves one second per call from a fixed start. */
function steppingClock(start = Date.UTC(2026, 0, 1)): () => Date {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

interface Setup {
  readonly db: Db;
  readonly sm: MemorySecurityModule;
  readonly logs: GatewayLogs;
}

async function setup(open: () => Promise<Db>, checkpointEvery = 100): Promise<Setup> {
  const db = await open();
  const sm = new MemorySecurityModule();
  await sm.generateKeyPair(LABEL, 'brainpoolP256r1');
  const logs = await GatewayLogs.open({ db, sm, keyLabel: LABEL, clock: steppingClock(), checkpointEvery });
  return { db, sm, logs };
}

const trueKey = async (sm: MemorySecurityModule) => {
  const info = await sm.publicKey(LABEL);
  return verifyKeyFromPoint(info.curve, info.publicKey);
};

/** An attacker's own key pair on the gateway's curve. */
function attackerKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
  return { privateKey, point: pointFromPublicKey(publicKey) };
}

type Attack = (db: Db, log: LogName) => Promise<void>;

// 250 records, checkpoints at 100 and 200: each attack and the first broken seq and reason it must give.
const ATTACKS: ReadonlyArray<[string, Attack, number, string]> = [
  ['edit the text of a record', (db, log) => tamper.setField(db, log, 57, 'text', 'nothing happened'), 57, 'GW_LOG_HASH_MISMATCH'],
  ['edit the outcome of a record', (db, log) => tamper.setField(db, log, 120, 'outcome', 'failure'), 120, 'GW_LOG_HASH_MISMATCH'],
  ['edit the timestamp of a record', (db, log) => tamper.setField(db, log, 1, 'time', '2025-12-31T23:59:59.000Z'), 1, 'GW_LOG_HASH_MISMATCH'],
  ['delete a middle record', (db, log) => tamper.deleteRecord(db, log, 42), 42, 'GW_LOG_GAP'],
  ['swap two neighbouring records', (db, log) => tamper.swap(db, log, 10, 11), 10, 'GW_LOG_ORDER'],
  ['swap two distant records', (db, log) => tamper.swap(db, log, 30, 90), 30, 'GW_LOG_ORDER'],
  ['cut the end back before the last checkpoint', (db, log) => tamper.cutFrom(db, log, 150), 150, 'GW_LOG_TRUNCATED'],
  ['cut the end back before the last checkpoint, head rewritten', (db, log) => tamper.cutFrom(db, log, 150, { head: true }), 150, 'GW_LOG_TRUNCATED'],
  ['cut after the last checkpoint, head left', (db, log) => tamper.cutFrom(db, log, 230), 230, 'GW_LOG_TRUNCATED'],
  ['forge a checkpoint signature', (db, log) => tamper.flipSignatureBit(db, log, 200), 200, 'GW_LOG_BAD_SIGNATURE'],
  [
    'edit a record and recompute its hash',
    async (db, log) => {
      await tamper.setField(db, log, 57, 'text', 'nothing happened');
      await tamper.rehashFrom(db, log, 57, { onlyOne: true });
    },
    58,
    'GW_LOG_LINK_MISMATCH',
  ],
  [
    'edit a record and rehash the rest of the chain',
    async (db, log) => {
      await tamper.setField(db, log, 150, 'outcome', 'refused');
      await tamper.rehashFrom(db, log, 150, { head: true });
    },
    200,
    'GW_LOG_CHECKPOINT_MISMATCH',
  ],
  [
    'append a record outside the gateway',
    async (db, log) => {
      await db.run(
        "INSERT INTO gw_log_records (log, seq, time, level, event, text, outcome, details, consumer_id, prev_hash, hash) SELECT log, 251, time, level, event, text, outcome, details, consumer_id, hash, hash FROM gw_log_records WHERE log = $1 AND seq = 250",
        [log],
      );
      await tamper.rehashFrom(db, log, 251);
    },
    251,
    'GW_LOG_HEAD_MISMATCH',
  ],
  ['write a level no writer uses, rehashed', async (db, log) => {
    await tamper.setField(db, log, 230, 'level', 'loud');
    await tamper.rehashFrom(db, log, 230, { head: true });
  }, 230, 'GW_LOG_MALFORMED'],
];

describe.each(backends)('gateway logs on %s', (_name, open) => {
  it('an intact log verifies, with the last checkpoint and the unprotected tail', async () => {
    const { db, sm, logs } = await setup(open);
    await fillLogs(logs, { system: 250, consumer: 30 });
    for (const key of [undefined, await trueKey(sm)]) {
      const v = await verifyLog(db, 'system', key);
      expect(v).toMatchObject({ ok: true, records: 250, checkpoints: 2, firstSeq: 1, lastSeq: 250, unprotected: 50, keySource: key === undefined ? 'pinned' : 'given' });
      expect(v.lastCheckpoint).toMatchObject({ seq: 200, kind: 'interval' });
    }
    expect(await verifyLog(db, 'consumer', await trueKey(sm))).toMatchObject({ ok: true, records: 30, checkpoints: 0, lastCheckpoint: null });
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: true, records: 0 });
    await db.close();
  });

  it.each(ATTACKS)('detects: %s', async (_what, attack, seq, code) => {
    const { db, sm, logs } = await setup(open);
    await fillLogs(logs, { calibration: 250 });
    await attack(db, 'calibration');
    for (const key of [undefined, await trueKey(sm)]) {
      const v = await verifyLog(db, 'calibration', key);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.broken).toMatchObject({ seq, code });
    }
    await db.close();
  });

  it('detects a replaced pinned key: by the checkpoints under the pinned key, by the key itself with the true key', async () => {
    const { db, sm, logs } = await setup(open);
    await fillLogs(logs, { calibration: 120 });
    const attacker = attackerKey();
    await tamper.replacePinnedKey(db, 'calibration', attacker.point);
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: false, keySource: 'pinned', broken: { seq: 100, code: 'GW_LOG_BAD_SIGNATURE' } });
    expect(await verifyLog(db, 'calibration', await trueKey(sm))).toMatchObject({ ok: false, keySource: 'given', broken: { seq: null, code: 'GW_LOG_KEY_MISMATCH' } });
    // The attacker also re-signs the checkpoints: the pinned key cannot tell, only the true key can.
    await tamper.setField(db, 'calibration', 50, 'text', 'meter 50 never added');
    await tamper.rehashFrom(db, 'calibration', 50, { head: true });
    await tamper.resignCheckpoints(db, 'calibration', attacker.privateKey, 'brainpoolP256r1');
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: true });
    expect(await verifyLog(db, 'calibration', await trueKey(sm))).toMatchObject({ ok: false, broken: { seq: 100, code: 'GW_LOG_BAD_SIGNATURE' } });
    // A pinned key that is not even a point.
    await tamper.replacePinnedKey(db, 'calibration', Uint8Array.from([4, 1, 2, 3]));
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: false, broken: { seq: null, code: 'GW_LOG_BAD_KEY' } });
    await db.close();
  });

  it('the documented limit: a cut after the last checkpoint with the head rewritten passes, unless an external anchor is known', async () => {
    const { db, logs } = await setup(open);
    await fillLogs(logs, { system: 130 });
    const [kept] = await readRecords(db, 'system', { limit: 1 });
    expect(kept?.seq).toBe(130);
    await tamper.cutFrom(db, 'system', 111, { head: true });
    expect(await verifyLog(db, 'system')).toMatchObject({ ok: true, lastSeq: 110 });
    const known = { seq: 130, hash: Buffer.from(kept?.hash ?? '', 'hex') };
    expect(await verifyLog(db, 'system', undefined, { known })).toMatchObject({ ok: false, broken: { seq: 111, code: 'GW_LOG_TRUNCATED' } });
    await db.close();
  });

  it('keeps one valid chain under concurrent appends', async () => {
    const { db, logs } = await setup(open, 10);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => logs.append('consumer', { level: 'info', event: 'data-sent', text: `send ${i}`, outcome: 'success', consumerId: `c${i % 4}` })),
    );
    const v = await verifyLog(db, 'consumer');
    expect(v).toMatchObject({ ok: true, records: 60, firstSeq: 1, lastSeq: 60, checkpoints: 6 });
    await db.close();
  });

  it('verifies without false alarms while appends go on', async () => {
    const { db, logs } = await setup(open, 5);
    await fillLogs(logs, { system: 12 });
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 60; i++) await logs.append('system', { level: 'info', event: 'self-test', text: `t${i}`, outcome: 'success' });
      writing = false;
    })();
    const verdicts = [];
    while (writing) verdicts.push(await verifyLog(db, 'system'));
    await writer;
    verdicts.push(await verifyLog(db, 'system'));
    expect(verdicts.length).toBeGreaterThan(2);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
    expect(verdicts.at(-1)).toMatchObject({ ok: true, records: 72 });
    await db.close();
  });

  it('checkpoints on demand once per head, and an empty log too', async () => {
    const { db, logs } = await setup(open);
    await fillLogs(logs, { system: 7 });
    const a = await logs.checkpoint('system');
    const b = await logs.checkpoint('system');
    expect(a).toMatchObject({ seq: 7, kind: 'on-demand' });
    expect(b).toEqual(a);
    const all = await logs.checkpointAll();
    expect(all.map((c) => [c.log, c.seq])).toEqual([
      ['system', 7],
      ['calibration', 0],
      ['consumer', 0],
    ]);
    for (const log of ['system', 'calibration', 'consumer'] as const) expect(await verifyLog(db, log)).toMatchObject({ ok: true, unprotected: 0 });
    await tamper.flipSignatureBit(db, 'calibration', 0);
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: false, broken: { seq: 0, code: 'GW_LOG_BAD_SIGNATURE' } });
    await db.close();
  });

  it('purges old records behind a signed anchor, logs the purge, and stays verifiable', async () => {
    const { db, sm, logs } = await setup(open);
    await fillLogs(logs, { calibration: 250, system: 3 });
    const r = await logs.purgeBefore('calibration', 151);
    expect(r).toMatchObject({ log: 'calibration', purged: 150, anchor: { seq: 150, kind: 'anchor' } });
    const v = await verifyLog(db, 'calibration', await trueKey(sm));
    expect(v).toMatchObject({ ok: true, records: 100, firstSeq: 151, lastSeq: 250, checkpoints: 2 });
    expect(v.lastCheckpoint).toMatchObject({ seq: 200, kind: 'interval' });
    const [purgeRecord] = await readRecords(db, 'system', { limit: 1 });
    expect(purgeRecord).toMatchObject({ seq: 4, event: 'log-purged', details: { log: 'calibration', purged: 150, anchorSeq: 150 } });
    expect(await verifyLog(db, 'system')).toMatchObject({ ok: true });
    // Appends go on; a second purge moves the anchor; nothing older is left to purge after it.
    await fillLogs(logs, { calibration: 10 });
    expect(await logs.purgeBefore('calibration', 261)).toMatchObject({ purged: 110, anchor: { seq: 260 } });
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: true, records: 0, lastCheckpoint: { seq: 260, kind: 'anchor' } });
    expect(await logs.purgeBefore('calibration', 100)).toEqual({ log: 'calibration', purged: 0, anchor: null });
    await fillLogs(logs, { calibration: 2 });
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: true, firstSeq: 261, lastSeq: 262 });
    await db.close();
  });

  it('a purge keeps the checkpoint schedule', async () => {
    const { db, logs } = await setup(open, 10);
    await fillLogs(logs, { calibration: 25 });
    await logs.purgeBefore('calibration', 16);
    await fillLogs(logs, { calibration: 5 });
    const seqs = (await db.query<{ seq: number; kind: string }>('SELECT seq, kind FROM gw_log_checkpoints WHERE log = $1 ORDER BY seq', ['calibration'])).map((r) => [Number(r.seq), r.kind]);
    expect(seqs).toEqual([
      [15, 'anchor'],
      [20, 'interval'],
      [30, 'interval'],
    ]);
    await db.close();
  });

  it('after a purge, removing the anchor or more records is detected', async () => {
    const { db, logs } = await setup(open);
    await fillLogs(logs, { calibration: 120 });
    await logs.purgeBefore('calibration', 51);
    await tamper.deleteRecord(db, 'calibration', 51);
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: false, broken: { seq: 51, code: 'GW_LOG_GAP' } });
    await db.run('DELETE FROM gw_log_checkpoints WHERE log = $1 AND seq = $2', ['calibration', 50]);
    expect(await verifyLog(db, 'calibration')).toMatchObject({ ok: false, broken: { seq: 1, code: 'GW_LOG_GAP' } });
    await db.close();
  });

  it('refuses to purge a broken chain and changes nothing', async () => {
    const { db, logs } = await setup(open);
    await fillLogs(logs, { calibration: 20 });
    await tamper.setField(db, 'calibration', 5, 'text', 'x');
    await expect(logs.purgeBefore('calibration', 10)).rejects.toMatchObject({ code: 'GW_LOG_BROKEN' });
    expect(await verifyLog(db, 'calibration')).toMatchObject({ records: 20, broken: { seq: 5, code: 'GW_LOG_HASH_MISMATCH' } });
    await expect(logs.purgeBefore('calibration', 22)).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await expect(logs.purgeBefore('calibration', 0)).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await db.close();
  });

  it('gives a consumer only their own consumer log records', async () => {
    const { db, logs } = await setup(open);
    await fillLogs(logs, { consumer: 12, system: 2 });
    const mine = await readConsumerLog(db, 'c1');
    expect(mine.map((r) => r.seq)).toEqual([1, 4, 7, 10]);
    expect(mine.every((r) => r.consumerId === 'c1' && r.log === 'consumer')).toBe(true);
    expect(mine[0]).toMatchObject({ event: 'data-sent', outcome: 'success', details: { taf: 7, recipient: 'emt1', values: 96 } });
    expect((await readConsumerLog(db, 'c1', { limit: 2 })).map((r) => r.seq)).toEqual([7, 10]);
    expect(await readConsumerLog(db, 'nobody')).toEqual([]);
    await expect(readConsumerLog(db, '')).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await db.close();
  });

  it('pins the signing key: another key under the label is refused, as is a missing key', async () => {
    const { db } = await setup(open);
    const other = new MemorySecurityModule();
    await other.generateKeyPair(LABEL, 'brainpoolP256r1');
    await expect(GatewayLogs.open({ db, sm: other, keyLabel: LABEL })).rejects.toMatchObject({ code: 'GW_LOG_KEY_MISMATCH' });
    await expect(GatewayLogs.open({ db, sm: other, keyLabel: 'no/such' })).rejects.toMatchObject({ code: 'GW_NO_SIGNING_KEY' });
    await db.close();
  });
});

describe('appending', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(async () => openSqlite(':memory:'));
  });

  const BAD: ReadonlyArray<[string, LogName, Record<string, unknown>]> = [
    ['an event of another log', 'system', { level: 'info', event: 'meter-added', text: 't', outcome: 'success' }],
    ['an unknown level', 'system', { level: 'loud', event: 'self-test', text: 't', outcome: 'success' }],
    ['an unknown outcome', 'system', { level: 'info', event: 'self-test', text: 't', outcome: 'maybe' }],
    ['text that is not a string', 'system', { level: 'info', event: 'self-test', text: 5, outcome: 'success' }],
    ['text too long', 'system', { level: 'info', event: 'self-test', text: 'x'.repeat(4097), outcome: 'success' }],
    ['a consumer record without consumer', 'consumer', { level: 'info', event: 'data-sent', text: 't', outcome: 'success' }],
    ['an empty consumer id', 'consumer', { level: 'info', event: 'data-sent', text: 't', outcome: 'success', consumerId: '' }],
    ['details JSON cannot carry', 'system', { level: 'info', event: 'self-test', text: 't', outcome: 'success', details: { n: Number.NaN } }],
  ];

  it.each(BAD)('refuses %s with GW_BAD_INPUT and writes nothing', async (_what, log, entry) => {
    await expect(s.logs.append(log, entry as never)).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    expect(await verifyLog(s.db, log)).toMatchObject({ ok: true, records: 0 });
  });

  it('refuses an unknown log name and a bad checkpoint interval', async () => {
    await expect(s.logs.append('audit' as never, { level: 'info', event: 'self-test', text: 't', outcome: 'success' } as never)).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await expect(GatewayLogs.open({ db: s.db, sm: s.sm, keyLabel: LABEL, checkpointEvery: 0 })).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await expect(verifyLog(s.db, 'audit' as never)).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
  });

  it('names a database without logs', async () => {
    const empty = openSqlite(':memory:');
    await expect(verifyLog(empty, 'system')).rejects.toMatchObject({ code: 'GW_LOG_NOT_FOUND' });
    await expect(readRecords(empty, 'system')).rejects.toMatchObject({ code: 'GW_LOG_NOT_FOUND' });
    await empty.close();
  });

  it('writes a record and its checkpoint together or not at all', async () => {
    const t = await setup(async () => openSqlite(':memory:'), 3);
    await fillLogs(t.logs, { system: 2 });
    await t.sm.close(); // the third append needs a checkpoint signature, which now fails
    await expect(fillLogs(t.logs, { system: 1 })).rejects.toMatchObject({ code: 'SM_CLOSED' });
    expect(await verifyLog(t.db, 'system')).toMatchObject({ ok: true, records: 2, lastSeq: 2, checkpoints: 0 });
    await t.db.close();
  });

  it('stamps records with the injected clock and chains them', async () => {
    const db = openSqlite(':memory:');
    const logs = await GatewayLogs.open({ db, sm: s.sm, keyLabel: LABEL, clock: () => new Date(Date.UTC(2026, 4, 1, 12)) });
    const a = await logs.append('calibration', { level: 'notice', event: 'time-set', text: 'clock set', outcome: 'success', details: { b: 1, a: [true, null] } });
    const b = await logs.append('calibration', { level: 'notice', event: 'meter-key-changed', text: 'key changed', outcome: 'success' });
    const rows = await readRecords(db, 'calibration');
    expect(rows.map((r) => r.time)).toEqual(['2026-05-01T12:00:00.000Z', '2026-05-01T12:00:00.000Z']);
    expect(rows[1]?.prevHash).toBe(a.hash);
    expect(rows[1]?.hash).toBe(b.hash);
    expect(rows[0]?.details).toEqual({ a: [true, null], b: 1 });
    await expect(GatewayLogs.open({ db, sm: s.sm, keyLabel: LABEL, clock: () => new Date(Number.NaN) })).rejects.toMatchObject({ code: 'GW_BAD_INPUT' });
    await db.close();
  });
});
