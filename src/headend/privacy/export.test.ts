/**
 * `GET /consumers/:consumerId/export` on SQLite and PostgreSQL: two consumers on two gateways, two suppliers and
 * a grid operator with pseudonymised TAF 10 data, everything through the real paths (operator API commands,
 * intake, pseudonymiser). The export holds every row the store holds for the consumer and none of the other's.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMT_A, EMT_B, GRID, GWA, GW_1, GW_2, type HeadendWorld, createHeadendWorld, meterMessage } from '../_testing/fixture.js';
import { type HeadendContext, createHeadendContext } from '../context.js';
import { acceptMessage } from '../intake.js';
import { OPENAPI_DOCUMENT } from '../openapi.js';
import { type OperatorApi, createOperatorApi } from '../operator-api.js';
import { derivePseudonym, pseudonymSecret, pseudonymise } from '../pseudonymiser.js';
import { completeCommand, upsertGateway } from '../repository.js';
import { BACKENDS, testStores } from './_testing/stores.js';
import { CSV_COLUMNS } from './csv.js';
import type { ConsumerExport } from './export.js';
import { runPrivacyJob } from './job.js';

const stores = testStores();
let world: HeadendWorld;
beforeAll(async () => {
  world = await createHeadendWorld();
}, 120_000);
afterAll(async () => {
  await stores.close();
  world?.cleanup();
});

const TOKEN = 'export-test-operator-token-0123456789abcdef';
const METER_1 = '11111111';
const METER_2 = '22222222';
const METER_4 = '44444444';

/** RFC 4180 reader for the test: quoted fields, doubled quotes, CRLF records. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

describe.each(BACKENDS)('consumer export on %s', (backend) => {
  let ctx: HeadendContext;
  let api: OperatorApi;
  let clock = new Date('2026-11-23T08:00:00.000Z');
  /** message ids sent per consumer, as `emt/messageId`. */
  const sent: Record<string, string[]> = { 'consumer-1': [], 'consumer-2': [], 'consumer-3': [], 'consumer-4': [] };
  let removal = '';

  const tick = (ms = 60_000) => {
    clock = new Date(clock.getTime() + ms);
  };
  const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    api.app.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const issue = async (gateway: string, body: unknown): Promise<string> => {
    const r = await inject('POST', `/gateways/${gateway}/commands`, body);
    expect(r.statusCode).toBe(201);
    tick();
    return (r.json() as { id: string }).id;
  };
  const contract = (id: string, meterId: string, consumerId: string, recipient: string, taf: number) => ({
    type: 'add-contract',
    payload: { contract: { id, meterId, consumerId, taf, recipient: { name: recipient, encCertSha256: 'ab'.repeat(32) }, validFrom: '2026-01-01T00:00:00+01:00', validTo: '2027-01-01T00:00:00+01:00' } },
  });
  let period = Date.parse('2026-11-23T00:00:00.000Z');
  const direct = async (consumer: string, gateway: string, meterId: string, emt: string, contractId: string, unit = 'kWh') => {
    period += 15 * 60_000;
    const m = meterMessage({
      contractId,
      gatewayId: gateway,
      meterId,
      from: new Date(period).toISOString(),
      values: [
        { obis: '1-0:1.8.0', value: 10.5, unit },
        { obis: '1-0:2.8.0', value: -0.25, unit: 'kWh' },
      ],
    });
    await acceptMessage(ctx, { emt, peer: gateway, der: await world.protectAs(gateway, emt, m), idempotencyKey: String(m.messageId), provenance: 'direct' });
    sent[consumer]!.push(`${emt}/${String(m.messageId)}`);
    tick();
  };
  const grid = async (consumer: string, gateway: string, contractId: string) => {
    period += 15 * 60_000;
    const m = meterMessage({ taf: 10, contractId, from: new Date(period).toISOString(), values: [{ obis: '1-0:32.7.0', value: 230.1, unit: 'V' }] });
    await pseudonymise(ctx, { caller: gateway, recipient: GRID, idempotencyKey: String(m.messageId), der: await world.protectAs(gateway, GRID, m) });
    sent[consumer]!.push(`${GRID}/${String(m.messageId)}`);
    tick();
  };
  const exportOf = async (consumer: string): Promise<ConsumerExport> => {
    const r = await inject('GET', `/consumers/${consumer}/export?format=json`);
    expect(r.statusCode).toBe(200);
    return r.json() as ConsumerExport;
  };
  const heldIds = (x: ConsumerExport) => x.recipients.flatMap((d) => d.messages.map((m) => `${d.emt}/${m.messageId}`)).sort();
  /** The store's values of these messages, independent of the export code. */
  const storedValues = async (ids: readonly string[]) => {
    const rows = await ctx.db.query<{ emt: string; message_id: string; seq: number; obis: string; value: number; unit: string; at: string; quality: string | null }>(
      'SELECT m.emt, m.message_id, v.seq, v.obis, v.value, v.unit, v.at, v.quality FROM he_values v JOIN he_messages m ON m.id = v.message',
    );
    return rows
      .filter((r) => ids.includes(`${r.emt}/${r.message_id}`))
      .map((r) => `${r.emt}/${r.message_id}/${Number(r.seq)}/${r.obis}/${Number(r.value)}/${r.unit}/${r.at}/${r.quality}`)
      .sort();
  };
  const exportedValues = (x: ConsumerExport) =>
    x.recipients.flatMap((d) => d.values.map((v) => `${d.emt}/${v.messageId}/${v.seq}/${v.obis}/${v.value}/${v.unit}/${v.at}/${v.quality}`)).sort();

  beforeAll(async () => {
    const db = await stores.open(backend);
    ctx = await createHeadendContext({ db, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A, EMT_B, GRID], now: () => clock, wakeUp: async () => undefined });
    for (const g of [GW_1, GW_2]) await upsertGateway(db, { name: g }, clock);
    await pseudonymSecret(ctx);
    api = createOperatorApi(ctx, { token: TOKEN });

    await issue(GW_1, { type: 'register-meter', payload: { meterId: METER_1, protocol: 'wmbus', consumerId: 'consumer-1' } });
    await issue(GW_2, { type: 'register-meter', payload: { meterId: METER_2, protocol: 'dlms', consumerId: 'consumer-2' } });
    await issue(GW_1, contract('k1-a', METER_1, 'consumer-1', EMT_A, 7));
    await issue(GW_1, contract('k1-b', METER_1, 'consumer-1', EMT_B, 1));
    await issue(GW_1, contract('k1-g', METER_1, 'consumer-1', GRID, 10));
    await issue(GW_2, contract('k2-a', METER_2, 'consumer-2', EMT_A, 7));
    await issue(GW_2, contract('k2-g', METER_2, 'consumer-2', GRID, 10));
    // A neighbour behind the same gateway: same pseudonym, its own contract.
    await issue(GW_1, { type: 'register-meter', payload: { meterId: METER_4, protocol: 'wmbus', consumerId: 'consumer-4' } });
    await issue(GW_1, contract('k4-g', METER_4, 'consumer-4', GRID, 10));

    await direct('consumer-1', GW_1, METER_1, EMT_A, 'k1-a', '@SUM(A1)');
    await direct('consumer-1', GW_1, METER_1, EMT_A, 'k1-a');
    await direct('consumer-1', GW_1, METER_1, EMT_B, 'k1-b');
    await grid('consumer-1', GW_1, 'k1-g');
    await direct('consumer-2', GW_2, METER_2, EMT_A, 'k2-a');
    await grid('consumer-2', GW_2, 'k2-g');
    await grid('consumer-2', GW_2, 'k2-g');
    await grid('consumer-4', GW_1, 'k4-g');
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('holds every message and value the store holds for the consumer, per EMT, and none of the other consumer', async () => {
    const all = (await ctx.db.query<{ emt: string; message_id: string }>('SELECT emt, message_id FROM he_messages')).map((r) => `${r.emt}/${r.message_id}`).sort();
    expect(all).toEqual([...sent['consumer-1']!, ...sent['consumer-2']!, ...sent['consumer-4']!].sort());
    for (const consumer of ['consumer-1', 'consumer-2', 'consumer-4']) {
      const x = await exportOf(consumer);
      expect(heldIds(x)).toEqual([...sent[consumer]!].sort());
      expect(exportedValues(x)).toEqual(await storedValues(sent[consumer]!));
      const text = JSON.stringify(x);
      for (const other of Object.keys(sent).filter((c) => c !== consumer)) {
        for (const id of sent[other]!) expect(text).not.toContain(id.split('/')[1]);
      }
      expect(x.consumerId).toBe(consumer);
    }
    const one = await exportOf('consumer-1');
    const secret = (await ctx.db.query<{ value: string }>("SELECT value FROM he_secrets WHERE name = 'pseudonym-hmac'"))[0]!.value;
    expect(one.recipients.map((d) => [d.emt, d.messages.length])).toEqual([
      [GRID, 1],
      [EMT_A, 2],
      [EMT_B, 1],
    ].sort());
    expect(one.recipients.find((d) => d.emt === GRID)?.messages).toMatchObject([{ provenance: 'pseudonymised', pseudonym: derivePseudonym(secret, GW_1), gateway: null, meter: null, contractId: 'k1-g' }]);
    expect(one.registrations).toMatchObject([{ gateway: GW_1, meterId: METER_1, protocol: 'wmbus', supersededAt: null }]);
    expect(one.contracts.map((k) => [k.contractId, k.recipient, k.taf, k.validTo, k.endedAt])).toEqual([
      ['k1-a', EMT_A, 7, '2026-12-31T23:00:00.000Z', null],
      ['k1-b', EMT_B, 1, '2026-12-31T23:00:00.000Z', null],
      ['k1-g', GRID, 10, '2026-12-31T23:00:00.000Z', null],
    ]);
    const text = JSON.stringify(one);
    for (const foreign of [GW_2, METER_2, METER_4, derivePseudonym(secret, GW_2), 'k2-a', 'k2-g', 'k4-g', 'consumer-2', 'consumer-4']) expect(text).not.toContain(foreign);
  });

  it('serves the same rows as RFC 4180 CSV with formula-like cells neutralised', async () => {
    const r = await inject('GET', '/consumers/consumer-1/export?format=csv');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/csv/);
    expect(r.headers['content-disposition']).toBe('attachment; filename="consumer-consumer-1.csv"');
    const [header, ...rows] = readCsv(r.body);
    expect(header).toEqual([...CSV_COLUMNS]);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const of = (record: string) => rows.filter((row) => row[col('record')] === record);
    const json = await exportOf('consumer-1');
    expect(of('message').map((row) => `${row[col('emt')]}/${row[col('message_id')]}`).sort()).toEqual(heldIds(json));
    expect(of('value')).toHaveLength(json.recipients.reduce((n, d) => n + d.values.length, 0));
    expect(of('registration')).toHaveLength(1);
    expect(of('contract').map((row) => row[col('contract_id')])).toEqual(['k1-a', 'k1-b', 'k1-g']);
    const units = of('value').map((row) => row[col('unit')]);
    expect(units).toContain("'@SUM(A1)");
    expect(units).not.toContain('@SUM(A1)');
    // Numbers stay numbers, negative ones too.
    expect(of('value').map((row) => row[col('value')])).toContain('-0.25');
  });

  it.each<[string, string, number, string]>([
    ['an unknown consumer', '/consumers/nobody/export', 404, 'HE_UNKNOWN_CONSUMER'],
    ['an unknown format', '/consumers/consumer-1/export?format=xml', 400, 'HE_BAD_REQUEST'],
  ])('refuses %s', async (_name, url, status, code) => {
    const r = await inject('GET', url);
    expect(r.statusCode).toBe(status);
    expect(r.json()).toMatchObject({ error: { code } });
  });

  it('refuses a contract that does not say whose data it is, and records nothing', async () => {
    const before = await ctx.db.query('SELECT contract_id FROM he_privacy_contracts');
    const bad = contract('k-x', METER_1, 'consumer-1', EMT_A, 7);
    const { consumerId: _dropped, ...withoutConsumer } = bad.payload.contract;
    const r = await inject('POST', `/gateways/${GW_1}/commands`, { type: 'add-contract', payload: { contract: withoutConsumer } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: { code: 'HE_BAD_REQUEST' } });
    expect(await ctx.db.query('SELECT contract_id FROM he_privacy_contracts')).toEqual(before);
  });

  it('a new tenant of the same meter sees only what came after its registration', async () => {
    await issue(GW_1, { type: 'register-meter', payload: { meterId: METER_1, protocol: 'wmbus', consumerId: 'consumer-3' } });
    await issue(GW_1, contract('k3-a', METER_1, 'consumer-3', EMT_A, 7));
    await direct('consumer-3', GW_1, METER_1, EMT_A, 'k3-a');
    expect(heldIds(await exportOf('consumer-3'))).toEqual(sent['consumer-3']);
    const one = await exportOf('consumer-1');
    expect(heldIds(one)).toEqual([...sent['consumer-1']!].sort());
    expect(one.registrations[0]?.supersededAt).not.toBeNull();
  });

  it('after remove-contract completes, the job erases that EMT data; the export shows the end and the rest', async () => {
    removal = await issue(GW_1, { type: 'remove-contract', payload: { contractId: 'k1-a' } });
    expect(await completeCommand(ctx.db, { id: removal, gateway: GW_1, ok: true, code: null, message: null }, clock)).toBe(true);
    tick();
    await runPrivacyJob(ctx.db, { valuesDays: 3650, securityEventsDays: 3650, commandsDays: 3650, afterContractEndDays: 0 }, clock);
    const one = await exportOf('consumer-1');
    expect(one.contracts.find((k) => k.contractId === 'k1-a')?.endedAt).not.toBeNull();
    expect(heldIds(one)).toEqual(sent['consumer-1']!.filter((id) => !id.startsWith(`${EMT_A}/`)).sort());
    const events = (await inject('GET', '/privacy/events')).json() as { events: Array<{ kind: string; emt: string; contractId: string; counts: { messages: number } }> };
    expect(events.events).toMatchObject([{ kind: 'contract-erasure', emt: EMT_A, contractId: 'k1-a', counts: { messages: 2 } }]);
  });

  it('is listed in the OpenAPI document', () => {
    expect(Object.keys(OPENAPI_DOCUMENT.paths)).toEqual(expect.arrayContaining(['/consumers/{consumerId}/export', '/privacy/events']));
  });
});
