/**
 * The privacy job on SQLite and PostgreSQL: retention removes exactly the rows older than their class's limit
 * (a row one second inside stays), erasure at contract end removes exactly the rows an EMT holds under the
 * ended contract, and both are logged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, migrate, openPostgres } from '../../store/index.js';
import { parseHeadendConfig } from '../config.js';
import { HeadendError } from '../errors.js';
import { PSEUDONYM_SECRET, derivePseudonym } from '../pseudonymiser.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from '../schema.js';
import { completeCommand, ensureSecret, insertCommand, recordSecurityEvent, upsertGateway } from '../repository.js';
import { BACKENDS, storeMessage, testStores } from './_testing/stores.js';
import { PG_PRIVACY_LOCK, runPrivacyJob, schedulePrivacyJob } from './job.js';
import { listPrivacyEvents } from './log.js';
import { type ContractFacts, consumerContracts, meterRegistrations, recordIssuedCommand } from './registry.js';

const stores = testStores();
afterAll(() => stores.close());

const NOW = new Date('2026-11-23T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const SECOND = 1000;
const LONG = { valuesDays: 3650, securityEventsDays: 3650, commandsDays: 3650, afterContractEndDays: 0 };

/** Every row of the tables the job may touch, by table, as sorted ids. */
async function snapshot(db: Db) {
  const ids = async (sql: string) => (await db.query<{ id: string }>(sql)).map((r) => r.id).sort();
  return {
    messages: await ids('SELECT message_id AS id FROM he_messages'),
    values: await ids("SELECT m.message_id || '#' || v.seq AS id FROM he_values v JOIN he_messages m ON m.id = v.message"),
    events: await ids('SELECT id FROM he_security_events'),
    commands: await ids('SELECT id FROM he_commands'),
  };
}
const without = (all: readonly string[], gone: readonly string[]) => all.filter((x) => !gone.includes(x));
const valueIds = (messageId: string, n: number) => Array.from({ length: n }, (_, i) => `${messageId}#${i}`);

let commandSeq = 0;
async function command(db: Db, gateway: string, c: Parameters<typeof recordIssuedCommand>[3], at: Date, result?: { ok: boolean; at: Date }): Promise<string> {
  const id = `cmd-${commandSeq++}`;
  await insertCommand(db, { id, gateway, type: c.type, cmsBase64: 'AA==' }, at);
  await recordIssuedCommand(db, gateway, id, c, at);
  if (result !== undefined) await completeCommand(db, { id, gateway, ok: result.ok, code: result.ok ? null : 'GW_X', message: null }, result.at);
  return id;
}

const contract = (o: Partial<ContractFacts> & { id: string }): ContractFacts => ({
  meterId: 'm-1',
  consumerId: 'consumer-1',
  recipient: { name: 'supplier-a' },
  taf: 7,
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-12-31T23:00:00+01:00',
  ...o,
});

describe.each(BACKENDS)('privacy job on %s', (backend) => {
  it('retention purges exactly the rows older than their class limit, logs it, and a second run finds nothing', async () => {
    const db = await stores.open(backend);
    await upsertGateway(db, { name: 'gw-1' }, ago(400 * DAY));
    const policy = { valuesDays: 30, securityEventsDays: 10, commandsDays: 5, afterContractEndDays: 0 };
    const old = await storeMessage(db, { emt: 'supplier-a', contractId: 'k-1', receivedAt: ago(30 * DAY + SECOND), values: 2 });
    const inside = await storeMessage(db, { emt: 'supplier-a', contractId: 'k-1', receivedAt: ago(30 * DAY - SECOND), values: 2 });
    await storeMessage(db, { emt: 'supplier-a', contractId: 'k-1', receivedAt: ago(30 * DAY) });
    await storeMessage(db, { emt: 'supplier-b', contractId: 'k-2', receivedAt: ago(DAY) });
    const oldGrid = await storeMessage(db, { emt: 'grid-op', contractId: 'k-g', receivedAt: ago(31 * DAY), pseudonym: 'ps-x', values: 3 });
    await recordSecurityEvent(db, { kind: 'HE_REPLAY', peer: 'gw-1', emt: 'supplier-a', detail: 'old' }, ago(10 * DAY + SECOND));
    await recordSecurityEvent(db, { kind: 'HE_REPLAY', peer: 'gw-1', emt: 'supplier-a', detail: 'inside' }, ago(10 * DAY - SECOND));
    const doneOld = await command(db, 'gw-1', { type: 'remove-meter', payload: { meterId: 'm-9' } }, ago(9 * DAY), { ok: true, at: ago(5 * DAY + SECOND) });
    await command(db, 'gw-1', { type: 'remove-meter', payload: { meterId: 'm-9' } }, ago(9 * DAY), { ok: false, at: ago(5 * DAY - SECOND) });
    await command(db, 'gw-1', { type: 'remove-meter', payload: { meterId: 'm-9' } }, ago(100 * DAY)); // pending: never purged
    const [oldEvent] = (await db.query<{ id: string }>("SELECT id FROM he_security_events WHERE detail = 'old'")).map((r) => r.id);
    const before = await snapshot(db);

    const report = await runPrivacyJob(db, policy, NOW);

    expect(report).toMatchObject({ kind: 'ran', purged: { messages: 2, values: 5, securityEvents: 1, commands: 1 }, erased: [] });
    expect(await snapshot(db)).toEqual({
      messages: without(before.messages, [old, oldGrid]),
      values: without(before.values, [...valueIds(old, 2), ...valueIds(oldGrid, 3)]),
      events: without(before.events, [oldEvent!]),
      commands: without(before.commands, [doneOld]),
    });
    expect(before.messages).toContain(inside);
    const log = await listPrivacyEvents(db);
    expect(log).toMatchObject([{ kind: 'retention-purge', emt: null, contractId: null, counts: { messages: 2, values: 5, securityEvents: 1, commands: 1 }, at: NOW.toISOString() }]);

    const again = await runPrivacyJob(db, policy, NOW);
    expect(again).toMatchObject({ kind: 'ran', purged: { messages: 0, values: 0, securityEvents: 0, commands: 0 } });
    expect(await listPrivacyEvents(db)).toHaveLength(1);
  });

  it('erases what an EMT holds under an ended contract, direct and pseudonymised, and nothing of other contracts or EMTs', async () => {
    const db = await stores.open(backend);
    for (const g of ['gw-1', 'gw-2']) await upsertGateway(db, { name: g }, ago(400 * DAY));
    const secret = await ensureSecret(db, PSEUDONYM_SECRET, async () => 'ab'.repeat(32));
    const [ps1, ps2] = [derivePseudonym(secret, 'gw-1'), derivePseudonym(secret, 'gw-2')];
    const afterDays = 2;

    // gw-1: k-a removed (confirmed 3 days ago), k-g (TAF 10) ran out 2 days and a second ago: both erased.
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-a' }) } }, ago(100 * DAY));
    await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-a' } }, ago(4 * DAY), { ok: true, at: ago(3 * DAY) });
    const gridEnd = new Date(ago(afterDays * DAY + SECOND).getTime()).toISOString();
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-g', taf: 10, recipient: { name: 'grid-op' }, validTo: gridEnd }) } }, ago(100 * DAY));
    // Kept: k-b (another EMT, same meter), k-recent (ended one day ago), k-refused (the gateway refused the removal),
    // k-edge (ran out 2 days less a second ago), and gw-2's own k-a and k-g.
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-b', recipient: { name: 'supplier-b' } }) } }, ago(100 * DAY));
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-recent' }) } }, ago(100 * DAY));
    await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-recent' } }, ago(2 * DAY), { ok: true, at: ago(DAY) });
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-refused' }) } }, ago(100 * DAY));
    await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-refused' } }, ago(5 * DAY), { ok: false, at: ago(4 * DAY) });
    const edgeEnd = ago(afterDays * DAY - SECOND).toISOString();
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-edge', validTo: edgeEnd }) } }, ago(100 * DAY));
    await command(db, 'gw-2', { type: 'add-contract', payload: { contract: contract({ id: 'k-a', meterId: 'm-2', consumerId: 'consumer-2' }) } }, ago(100 * DAY));
    await command(db, 'gw-2', { type: 'add-contract', payload: { contract: contract({ id: 'k-g', taf: 10, meterId: 'm-2', consumerId: 'consumer-2', recipient: { name: 'grid-op' } }) } }, ago(100 * DAY));

    const t = ago(10 * DAY);
    const gone = [
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-1', receivedAt: t, values: 2 }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-1', receivedAt: ago(DAY) }),
      await storeMessage(db, { emt: 'grid-op', contractId: 'k-g', pseudonym: ps1, receivedAt: t, values: 3 }),
    ];
    const kept = [
      await storeMessage(db, { emt: 'supplier-b', contractId: 'k-b', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-b', contractId: 'k-a', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-recent', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-refused', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-edge', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-2', meter: 'm-2', receivedAt: t }),
      await storeMessage(db, { emt: 'grid-op', contractId: 'k-g', pseudonym: ps2, receivedAt: t }),
    ];
    const before = await snapshot(db);

    const report = await runPrivacyJob(db, { ...LONG, afterContractEndDays: afterDays }, NOW);

    expect(report.kind === 'ran' ? [...report.erased].sort((a, b) => a.contractId.localeCompare(b.contractId)) : []).toEqual([
      { gateway: 'gw-1', contractId: 'k-a', emt: 'supplier-a', messages: 2, values: 3 },
      { gateway: 'gw-1', contractId: 'k-g', emt: 'grid-op', messages: 1, values: 3 },
    ]);
    const after = await snapshot(db);
    expect(after.messages).toEqual(without(before.messages, gone));
    expect(after.messages).toEqual(expect.arrayContaining(kept));
    expect(after.values).toEqual(before.values.filter((v) => !gone.some((g) => v.startsWith(`${g}#`))));
    const log = (await listPrivacyEvents(db)).filter((e) => e.kind === 'contract-erasure');
    expect(log.map((e) => [e.emt, e.contractId, e.counts.messages, e.counts.values]).sort()).toEqual([
      ['grid-op', 'k-g', 1, 3],
      ['supplier-a', 'k-a', 2, 3],
    ]);
    // Data arriving late under an ended contract goes at the next run.
    const late = await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-1', receivedAt: NOW });
    await runPrivacyJob(db, { ...LONG, afterContractEndDays: afterDays }, NOW);
    expect((await snapshot(db)).messages).not.toContain(late);
  });

  it('keeps a confirmed removal when the command itself is purged', async () => {
    const db = await stores.open(backend);
    await upsertGateway(db, { name: 'gw-1' }, ago(400 * DAY));
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-1' }) } }, ago(100 * DAY));
    const removal = await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-1' } }, ago(50 * DAY), { ok: true, at: ago(40 * DAY) });
    const before = await consumerContracts(db, 'consumer-1', NOW);
    expect(before).toMatchObject([{ contractId: 'k-1', removedAt: ago(40 * DAY).toISOString(), endedAt: ago(40 * DAY).toISOString() }]);
    await runPrivacyJob(db, { ...LONG, commandsDays: 30 }, NOW);
    expect(await db.query('SELECT id FROM he_commands WHERE id = $1', [removal])).toEqual([]);
    expect(await consumerContracts(db, 'consumer-1', NOW)).toEqual(before);
  });

  it('the first confirmed removal ends a contract; a removal of an earlier contract of the same id does not end a re-added one', async () => {
    const db = await stores.open(backend);
    await upsertGateway(db, { name: 'gw-1' }, ago(400 * DAY));
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-1' }) } }, ago(100 * DAY));
    const first = await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-1' } }, ago(50 * DAY));
    await command(db, 'gw-1', { type: 'remove-contract', payload: { contractId: 'k-1' } }, ago(49 * DAY), { ok: false, at: ago(48 * DAY) });
    await completeCommand(db, { id: first, gateway: 'gw-1', ok: true, code: null, message: null }, ago(47 * DAY));
    expect(await consumerContracts(db, 'consumer-1', NOW)).toMatchObject([{ contractId: 'k-1', removedAt: ago(47 * DAY).toISOString() }]);
    await runPrivacyJob(db, LONG, NOW);
    expect(await consumerContracts(db, 'consumer-1', NOW)).toMatchObject([{ contractId: 'k-1', endedAt: ago(47 * DAY).toISOString() }]);
    // Added again later: running, although the old removal stays on record.
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-1' }) } }, ago(10 * DAY));
    await runPrivacyJob(db, LONG, NOW);
    expect(await consumerContracts(db, 'consumer-1', NOW)).toMatchObject([{ contractId: 'k-1', removedAt: null, endedAt: null }]);
  });

  it('a confirmed remove-meter ends every contract of that meter on that gateway, marks the registration removed, and the data goes', async () => {
    const db = await stores.open(backend);
    for (const g of ['gw-1', 'gw-2']) await upsertGateway(db, { name: g }, ago(400 * DAY));
    const register = (gateway: string, meterId: string, consumerId: string, at: Date) =>
      command(db, gateway, { type: 'register-meter', payload: { meterId, protocol: 'wmbus', consumerId } }, at);
    await register('gw-1', 'm-1', 'consumer-1', ago(200 * DAY));
    await register('gw-1', 'm-2', 'consumer-2', ago(200 * DAY));
    await register('gw-2', 'm-1', 'consumer-3', ago(200 * DAY));
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-a' }) } }, ago(100 * DAY));
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-b', recipient: { name: 'supplier-b' } }) } }, ago(100 * DAY));
    // Kept: another meter of gw-1, the same meter id behind gw-2.
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-other', meterId: 'm-2', consumerId: 'consumer-2' }) } }, ago(100 * DAY));
    await command(db, 'gw-2', { type: 'add-contract', payload: { contract: contract({ id: 'k-a', consumerId: 'consumer-3' }) } }, ago(100 * DAY));
    // A refused removal ends nothing; the confirmed one, three days ago, ends both contracts of m-1 on gw-1.
    await command(db, 'gw-1', { type: 'remove-meter', payload: { meterId: 'm-1' } }, ago(6 * DAY), { ok: false, at: ago(5 * DAY) });
    await command(db, 'gw-1', { type: 'remove-meter', payload: { meterId: 'm-1' } }, ago(4 * DAY), { ok: true, at: ago(3 * DAY) });
    // A contract for the meter added after the removal was issued runs on.
    await command(db, 'gw-1', { type: 'add-contract', payload: { contract: contract({ id: 'k-new' }) } }, ago(2 * DAY));
    const removedAt = ago(3 * DAY).toISOString();
    const t = ago(10 * DAY);
    const gone = [
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-b', contractId: 'k-b', gateway: 'gw-1', receivedAt: t, values: 2 }),
    ];
    const kept = [
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-other', gateway: 'gw-1', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-a', gateway: 'gw-2', receivedAt: t }),
      await storeMessage(db, { emt: 'supplier-a', contractId: 'k-new', gateway: 'gw-1', receivedAt: ago(DAY) }),
    ];

    // Before the job settles it, the confirmed removal already counts.
    expect(await consumerContracts(db, 'consumer-1', NOW)).toMatchObject([
      { contractId: 'k-a', removedAt, endedAt: removedAt },
      { contractId: 'k-b', removedAt, endedAt: removedAt },
      { contractId: 'k-new', removedAt: null, endedAt: null },
    ]);
    const report = await runPrivacyJob(db, { ...LONG, afterContractEndDays: 2 }, NOW);
    expect(report.kind === 'ran' && report.erased.map((e) => e.contractId).sort()).toEqual(['k-a', 'k-b']);
    const messages = (await snapshot(db)).messages;
    for (const id of gone) expect(messages).not.toContain(id);
    for (const id of kept) expect(messages).toContain(id);
    expect(await consumerContracts(db, 'consumer-3', NOW)).toMatchObject([{ gateway: 'gw-2', contractId: 'k-a', removedAt: null, endedAt: null }]);
    expect(await meterRegistrations(db, 'consumer-1')).toMatchObject([{ gateway: 'gw-1', meterId: 'm-1', supersededAt: null, removedAt }]);
    expect(await meterRegistrations(db, 'consumer-2')).toMatchObject([{ meterId: 'm-2', removedAt: null }]);
    expect(await meterRegistrations(db, 'consumer-3')).toMatchObject([{ gateway: 'gw-2', meterId: 'm-1', removedAt: null }]);
    // The end survives the retention of the command; the registration keeps its mark.
    await runPrivacyJob(db, { ...LONG, commandsDays: 1 }, NOW);
    // The next run drops the removals whose command is gone (settling comes before the purge in a run).
    await runPrivacyJob(db, LONG, NOW);
    expect(await db.query('SELECT command_id FROM he_privacy_meter_removals')).toEqual([]);
    expect(await meterRegistrations(db, 'consumer-1')).toMatchObject([{ removedAt }]);
    expect(await consumerContracts(db, 'consumer-1', NOW)).toMatchObject([{ contractId: 'k-a', endedAt: removedAt }, { contractId: 'k-b', endedAt: removedAt }, { contractId: 'k-new', endedAt: null }]);
  });

  it('the schedule runs once at start, never twice at once, and stops cleanly', async () => {
    const db = await stores.open(backend);
    await storeMessage(db, { emt: 'supplier-a', contractId: 'k-1', receivedAt: ago(40 * DAY) });
    const reports: string[] = [];
    const job = schedulePrivacyJob({ db, policy: { ...LONG, valuesDays: 30, purgeEveryMs: 60_000 }, now: () => NOW, onReport: (r) => reports.push(r.kind) });
    const manual = await Promise.all([job.runNow(), job.runNow()]);
    expect(manual.map((r) => r.kind)).toEqual(['ran', 'ran']);
    await job.stop();
    expect(reports).toEqual(['ran']);
    expect((await listPrivacyEvents(db)).map((e) => e.counts.messages)).toEqual([1]);
  });
});

it('two head-end processes on one PostgreSQL: while one holds the job, the other skips that round', async () => {
  const cfg = await stores.storeConfig('postgres');
  if (cfg.kind !== 'postgres') throw new Error('a PostgreSQL store was expected');
  const [a, b] = [await openPostgres(cfg.url), await openPostgres(cfg.url)];
  try {
    await migrate(a, HEADEND_MIGRATIONS, HEADEND_SCOPE);
    let release!: () => void;
    let entered!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const first = a.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PG_PRIVACY_LOCK]);
      entered();
      await held;
    });
    await inside;
    expect(await runPrivacyJob(b, LONG, NOW)).toEqual({ kind: 'skipped', at: NOW.toISOString() });
    release();
    await first;
    expect((await runPrivacyJob(b, LONG, NOW)).kind).toBe('ran');
  } finally {
    await a.close();
    await b.close();
  }
});

describe('privacy configuration', () => {
  const minimal = { store: { kind: 'sqlite', path: '/tmp/x.db' }, securityModule: { kind: 'memory' }, pkiDir: '/srv/pki', gwa: 'gwa-1', emts: ['supplier-a'] };

  it('defaults: two years of meter data, one year of the rest, erasure at contract end, hourly', () => {
    expect(parseHeadendConfig(minimal).privacy).toEqual({ valuesDays: 730, securityEventsDays: 365, commandsDays: 365, afterContractEndDays: 0, purgeEveryMs: 3_600_000 });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['zero days of meter data', { valuesDays: 0 }, 'privacy.valuesDays'],
    ['a misspelt class', { readingsDays: 5 }, 'privacy'],
    ['a negative delay after contract end', { afterContractEndDays: -1 }, 'privacy.afterContractEndDays'],
  ])('HE_CONFIG names the field: %s', (_name, privacy, field) => {
    try {
      parseHeadendConfig({ ...minimal, privacy });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HeadendError);
      expect((e as HeadendError).code).toBe('HE_CONFIG');
      expect((e as HeadendError).message).toContain(field);
    }
  });
});
