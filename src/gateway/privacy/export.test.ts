import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import { addConsumerAccount } from '../han/accounts.js';
import { GatewayLogs } from '../logs/gateway-logs.js';
import { CONTRACT_INPUTS } from '../taf/_testing/builders.js';
import { contractOrThrow } from '../taf/contract.js';
import { gatewayBackends } from './_testing/stores.js';
import { grantConsent, withdrawConsent } from './consent.js';
import { type ConsumerExport, csvCell, csvRecord, exportConsumerData, exportCsv } from './export.js';

const backends = gatewayBackends('exp');
beforeAll(() => backends.start());
afterAll(() => backends.stop());

/** Two households whose every identifier is recognisable: nothing of bob's may show up in alice's export. */
const PEOPLE = {
  alice: { consumerId: 'c-alice', meters: ['ALICE-M1', 'ALICE-M2'], contracts: ['k-alice-load', 'k-alice-bill'], recipient: 'emt-alice-supplier' },
  bob: { consumerId: 'c-bob', meters: ['BOB-M1'], contracts: ['k-bob-load'], recipient: 'emt-bob-supplier' },
} as const;
type Person = keyof typeof PEOPLE;

const T0 = Date.parse('2026-11-20T00:00:00Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

interface Built {
  readonly db: Db;
  readonly logs: GatewayLogs;
  /** What the test put in per person: ids and counts, to compare the export against. */
  readonly put: Record<Person, { readings: string[]; messages: string[]; logTexts: string[]; systemTexts: string[] }>;
}

async function build(open: () => Promise<Db>): Promise<Built> {
  const db = await open();
  const sm = new MemorySecurityModule();
  await sm.generateKeyPair('gw-sig', 'brainpoolP256r1');
  const logs = await GatewayLogs.open({ db, sm, keyLabel: 'gw-sig', clock: () => new Date(T0 + 3 * 86_400_000) });
  const put = { alice: { readings: [], messages: [], logTexts: [], systemTexts: [] }, bob: { readings: [], messages: [], logTexts: [], systemTexts: [] } } as Built['put'];
  for (const who of ['alice', 'bob'] as const) {
    const p = PEOPLE[who];
    for (const [mi, m] of p.meters.entries()) {
      await db.run('INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ($1, $2, $3, $4, $5, 1, $6)', [
        m,
        mi === 0 ? 'wmbus' : 'dsmr',
        mi === 0 ? 'meter-keys' : null,
        mi === 0 ? new Uint8Array([9, 9, 9, 9]) : null,
        p.consumerId,
        at(-1000),
      ]);
      for (let q = 0; q < 4; q++) {
        const hash = Buffer.alloc(32, `${m}/${q}`);
        // A negative value (feed-in correction) exercises the formula guard of the CSV.
        const value = q === 3 ? '-1.25' : `${who === 'alice' ? 100 + q : 900 + q}.5`;
        await db.run('INSERT INTO gw_frames (meter_id, frame_hash, received_at) VALUES ($1, $2, $3)', [m, hash, at(q * 15 + 1)]);
        await db.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          m,
          '1-0:1.8.0',
          value,
          'kWh',
          at(q * 15),
          at(q * 15 + 1),
          hash,
        ]);
        put[who].readings.push(`${m}|${at(q * 15)}|${value}`);
      }
    }
    const terms = [
      contractOrThrow({ ...CONTRACT_INPUTS[7], id: p.contracts[0], meterId: p.meters[0], consumerId: p.consumerId, recipient: { name: p.recipient, encCertSha256: 'ab'.repeat(32) }, validFrom: at(-2000), validTo: at(600_000) }),
      ...(p.contracts[1] === undefined
        ? []
        : [contractOrThrow({ ...CONTRACT_INPUTS[1], id: p.contracts[1], meterId: p.meters[1] ?? p.meters[0], consumerId: p.consumerId, recipient: { name: p.recipient, encCertSha256: 'ab'.repeat(32) }, validFrom: at(-2000), validTo: at(600_000) })]),
    ];
    for (const c of terms) {
      await db.run('INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at) VALUES ($1, $2, $3, NULL, 1, $4)', [c.id, c.meterId, JSON.stringify(c), at(-1500)]);
    }
    await grantConsent(db, logs, { consumerId: p.consumerId, contractId: p.contracts[0] }, at(10));
    await withdrawConsent(db, logs, { consumerId: p.consumerId, contractId: p.contracts[0] }, at(20));
    await grantConsent(db, logs, { consumerId: p.consumerId, contractId: p.contracts[0] }, at(30));
    put[who].logTexts.push('consent-granted', 'consent-withdrawn', 'consent-granted');
    for (const [i, state] of (['queued', 'delivered', 'parked'] as const).entries()) {
      const id = `msg-${who}-${state}`;
      await db.run(
        `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at, parked_at, last_error)
         VALUES ($1, $2, 'emt', $3, $4, $5, $6, $7, 0, $8, $9, $10)`,
        [id, p.recipient, p.contracts[0], p.consumerId, new Uint8Array(100 + i), at(40), i, state === 'delivered' ? at(41) : null, state === 'parked' ? at(42) : null, state === 'parked' ? '400 HE_BAD' : null],
      );
      put[who].messages.push(id);
      await logs.append('consumer', { consumerId: p.consumerId, level: 'info', event: 'data-sent', text: `sent ${id} to ${p.recipient}`, outcome: 'success', details: { messageId: id, contractId: p.contracts[0] } });
      put[who].logTexts.push('data-sent');
    }
    await logs.append('system', { consumerId: p.consumerId, level: 'notice', event: 'security-alert', text: `=HYPERLINK("x") for ${who}`, outcome: 'refused' });
    put[who].systemTexts.push(`=HYPERLINK("x") for ${who}`);
    await addConsumerAccount(db, { consumerId: p.consumerId, username: `${who}-login`, password: `${who}-password-long-enough` });
  }
  // A system record naming nobody: it belongs to no consumer's export.
  await logs.append('system', { level: 'notice', event: 'self-test', text: 'self-test ok', outcome: 'success' });
  return { db, logs, put };
}

const BOB_MARKERS = ['c-bob', 'BOB-M1', 'k-bob-load', 'emt-bob-supplier', 'msg-bob', 'bob-login', 'for bob', '900.5'];

describe.each(backends.list)('consumer export on %s', (_name, open) => {
  let b: Built;
  let alice: ConsumerExport;
  beforeAll(async () => {
    b = await build(open);
    alice = await exportConsumerData(b.db, PEOPLE.alice.consumerId, { now: at(100) });
  });
  afterAll(() => b?.db.close());

  it('holds every row of alice and nothing of bob', async () => {
    const p = PEOPLE.alice;
    expect(alice).toMatchObject({ kind: 'gridwarden-consumer-export', version: 1, consumerId: p.consumerId, exportedAt: at(100) });
    expect(alice.meters.map((m) => [m.meterId, m.encrypted])).toEqual([
      [p.meters[0], true],
      [p.meters[1], false],
    ]);
    expect(alice.readings.map((r) => `${r.meterId}|${r.at}|${r.value}`).sort()).toEqual([...b.put.alice.readings].sort());
    expect(alice.contracts.map((c) => [c.contractId, c.legalBasis]).sort()).toEqual([
      ['k-alice-bill', 'contract'],
      ['k-alice-load', 'consent'],
    ]);
    expect(alice.contracts.find((c) => c.contractId === 'k-alice-load')?.terms).toMatchObject({ taf: 7, recipient: { name: p.recipient } });
    expect(alice.consents).toEqual([
      { consumerId: p.consumerId, contractId: 'k-alice-load', grantedAt: at(30), withdrawnAt: null },
      { consumerId: p.consumerId, contractId: 'k-alice-load', grantedAt: at(10), withdrawnAt: at(20) },
    ]);
    expect(alice.consumerLog.map((r) => r.event)).toEqual(b.put.alice.logTexts);
    expect(alice.systemLog.map((r) => r.text)).toEqual(b.put.alice.systemTexts);
    expect(alice.outbox.map((o) => [o.messageId, o.state, o.cmsBytes])).toEqual([
      ['msg-alice-queued', 'queued', 100],
      ['msg-alice-delivered', 'delivered', 101],
      ['msg-alice-parked', 'parked', 102],
    ]);
    expect(alice.accounts.map((a) => a.username)).toEqual(['alice-login']);

    // The same counts straight from the store, by consumer.
    const [n] = await b.db.query<{ n: unknown }>("SELECT COUNT(*) AS n FROM gw_readings r JOIN gw_meters m ON m.meter_id = r.meter_id WHERE m.consumer_id = 'c-alice'");
    expect(alice.readings.length).toBe(Number(n?.n));
    const [l] = await b.db.query<{ n: unknown }>("SELECT COUNT(*) AS n FROM gw_log_records WHERE consumer_id = 'c-alice'");
    expect(alice.consumerLog.length + alice.systemLog.length).toBe(Number(l?.n));

    const text = JSON.stringify(alice) + exportCsv(alice);
    for (const marker of BOB_MARKERS) expect(text).not.toContain(marker);
  });

  it('exports no key material, ciphertext or password hash', () => {
    const text = JSON.stringify(alice);
    expect(text).not.toContain('meter-keys');
    expect(text).not.toMatch(/password|cms"|sealed|salt/i);
    expect(Object.keys(alice.outbox[0] ?? {})).not.toContain('cms');
  });

  it('gives bob his own and an unknown consumer an empty export', async () => {
    const bob = await exportConsumerData(b.db, PEOPLE.bob.consumerId);
    expect(bob.meters.map((m) => m.meterId)).toEqual([...PEOPLE.bob.meters]);
    expect(bob.outbox.map((o) => o.messageId).sort()).toEqual([...b.put.bob.messages].sort());
    expect(JSON.stringify(bob)).not.toContain('alice');
    const nobody = await exportConsumerData(b.db, 'c-nobody');
    expect([nobody.meters, nobody.readings, nobody.contracts, nobody.consents, nobody.consumerLog, nobody.systemLog, nobody.outbox, nobody.accounts]).toEqual([[], [], [], [], [], [], [], []]);
  });

  it('writes the CSV as titled sections whose rows match the JSON, formulas neutralised', () => {
    const sections = csvSections(exportCsv(alice));
    expect([...sections.keys()]).toEqual(['export', 'meters', 'readings', 'contracts', 'consents', 'consumer_log', 'system_log', 'outbox', 'accounts']);
    const rows = (name: string) => sections.get(name)?.slice(1) ?? [];
    expect(rows('readings')).toHaveLength(alice.readings.length);
    expect(rows('consumer_log')).toHaveLength(alice.consumerLog.length);
    expect(rows('outbox')).toHaveLength(3);
    expect(sections.get('readings')?.[0]).toEqual(['meterId', 'obis', 'value', 'unit', 'at', 'receivedAt', 'frameSha256']);
    expect(rows('readings').map((r) => r[2])).toContain("'-1.25");
    expect(rows('system_log')[0]?.[4]).toBe('\'=HYPERLINK("x") for alice');
    const terms = rows('contracts').find((r) => r[0] === 'k-alice-load')?.[6];
    expect(JSON.parse(terms ?? 'null')).toMatchObject({ taf: 7 });
  });
});

describe('export input', () => {
  it.each(['', 'x'.repeat(129)])('refuses consumer id %j with GW_BAD_INPUT', async (id) => {
    const db = { dialect: 'sqlite' } as unknown as Db;
    const e = await exportConsumerData(db, id).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).code).toBe('GW_BAD_INPUT');
  });
});

describe('CSV cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    ['=1+1', "'=1+1"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-5', "'-5"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['\tTAB', "'\tTAB"],
    ['a=b', 'a=b'],
  ])('%j is written as %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('writes null empty, numbers and booleans as text', () => {
    expect(csvRecord([null, 3, true, false])).toBe(',3,true,false\r\n');
  });

  it('reads back (RFC 4180) as the cells given, with only formula starters prefixed', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (cells) => {
        const parsed = parseCsv(csvRecord(cells));
        expect(parsed).toEqual([cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c))]);
      }),
    );
  });
});

// --- a strict RFC 4180 reader for the tests (independent of the writer) ---

function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error('unterminated quote');
          cell += text.slice(i, q);
          if (text[q + 1] === '"') {
            cell += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      } else {
        const end = text.slice(i).search(/,|\r\n/);
        const stop = end < 0 ? text.length : i + end;
        cell = text.slice(i, stop);
        if (cell.includes('"') || cell.includes('\n')) throw new Error(`bare quote or line feed in ${JSON.stringify(cell)}`);
        i = stop;
      }
      record.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      }
      throw new Error(`record not ended by CRLF at ${i}`);
    }
    records.push(record);
  }
  return records;
}

/** Sections by name: the records between a `section,<name>` title and the empty line before the next one. */
function csvSections(text: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const block of text.split('\r\n\r\n')) {
    const [title, ...rest] = parseCsv(block.endsWith('\r\n') ? block : `${block}\r\n`);
    if (title?.[0] !== 'section' || title[1] === undefined) throw new Error('a section without its title');
    out.set(title[1], rest);
  }
  return out;
}
