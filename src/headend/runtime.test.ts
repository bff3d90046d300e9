/**
 * End to end over real mutual TLS on loopback: a PKI from initPki/issueParty, the head-end as `startHeadend`
 * runs it, and gateways speaking docs/wire.md through src/wan's client and src/cms's protect. The same tests
 * run on SQLite and on PostgreSQL.
 */
import 'reflect-metadata';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, signContent, unprotect } from '../cms/index.js';
import { KEY_LABELS, openPkiDir, partyOf } from '../pki/index.js';
import { type TestPostgres, startPostgres } from '../store/_testing/postgres.js';
import { type WanClient, decodeWakeUp } from '../wan/index.js';
import { EMT_A, EMT_B, GRID, GWA, GW_1, GW_2, type HeadendWorld, createHeadendWorld, meterMessage } from './_testing/fixture.js';
import { parseHeadendConfig } from './config.js';
import { createHeadendContext } from './context.js';
import { acceptMessage } from './intake.js';
import { type RunningHeadend, openHeadendStore, startHeadend } from './runtime.js';

type Backend = 'sqlite' | 'postgres';

let pg: TestPostgres | undefined;
let dbCounter = 0;
afterAll(() => pg?.stop());

async function storeFor(backend: Backend, dir: string) {
  if (backend === 'sqlite') return { kind: 'sqlite' as const, path: join(dir, 'headend.db') };
  pg ??= await startPostgres();
  return { kind: 'postgres' as const, url: await pg.createDatabase(`headend_${dbCounter++}`) };
}

describe.each<Backend>(['sqlite', 'postgres'])('head-end on %s', (backend) => {
  let world: HeadendWorld;
  let he: RunningHeadend;
  let gw1: WanClient;
  let gw2: WanClient;
  let base: string;
  let op: string;
  const wakeUps: Buffer[] = [];
  let storeConfig: Awaited<ReturnType<typeof storeFor>>;
  const udp = createSocket('udp4');

  beforeAll(async () => {
    world = await createHeadendWorld();
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    udp.on('message', (m) => wakeUps.push(m));
    storeConfig = await storeFor(backend, world.dir);
    const config = parseHeadendConfig({
      store: storeConfig,
      securityModule: { kind: 'memory' },
      pkiDir: world.dir,
      gwa: GWA,
      emts: [EMT_A, EMT_B, GRID],
      wan: { host: '127.0.0.1', port: 0 },
      operator: { host: '127.0.0.1', port: 0 },
      gateways: [{ name: GW_1, wakeUp: { host: '127.0.0.1', port: (udp.address() as AddressInfo).port } }, { name: GW_2 }],
    });
    he = await startHeadend(config, { sm: world.sm });
    base = `https://127.0.0.1:${he.wan.port}`;
    op = `http://127.0.0.1:${he.operator.port}`;
    gw1 = await world.client(GW_1);
    gw2 = await world.client(GW_2);
  });

  afterAll(async () => {
    await he?.close();
    udp.close();
    world?.cleanup();
  });

  const send = (client: WanClient, path: string, der: Uint8Array, headers: Record<string, string>) =>
    client.request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/cms', ...headers }, body: der });
  const postMessage = (client: WanClient, emt: string, der: Uint8Array, id: string) => send(client, `/v1/emt/${emt}/messages`, der, { 'idempotency-key': id });
  const json = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));
  /** A request with the given token (the run's own by default; null: none). */
  const operator = async (path: string, init?: RequestInit, token: string | null = he.operatorToken) => {
    const auth: Record<string, string> = token === null ? {} : { authorization: `Bearer ${token}` };
    const r = await fetch(`${op}${path}`, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), ...auth } });
    return { status: r.status, body: (r.headers.get('content-type') ?? '').includes('json') ? await r.json() : await r.text() };
  };
  const stored = async () => ({
    messages: await he.ctx.db.query('SELECT * FROM he_messages ORDER BY id'),
    values: await he.ctx.db.query('SELECT * FROM he_values ORDER BY message, seq'),
    commands: await he.ctx.db.query('SELECT * FROM he_commands ORDER BY id'),
  });
  const metrics = async () => String((await operator('/metrics')).body);
  const counter = (text: string, line: string): number => Number(new RegExp(`^${line.replace(/[{}"()[\]]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

  describe('intake', () => {
    const a = meterMessage({ contractId: 'c-a', values: [{ obis: '1-0:1.8.0', value: 100.25, unit: 'kWh' }] });
    const b = meterMessage({ contractId: 'c-b', values: [{ obis: '1-0:2.8.0', value: 7.5, unit: 'kWh' }] });

    it('stores a message for each EMT once; a resend is a duplicate', async () => {
      const r1 = await postMessage(gw1, EMT_A, await world.protectAs(GW_1, EMT_A, a), String(a.messageId));
      expect(r1.status).toBe(201);
      expect(json(r1.body)).toEqual({ messageId: a.messageId, status: 'stored' });
      const r2 = await postMessage(gw1, EMT_B, await world.protectAs(GW_1, EMT_B, b), String(b.messageId));
      expect(r2.status).toBe(201);
      // At-least-once: the outbox re-protects the same content (new CMS bytes).
      const again = await postMessage(gw1, EMT_A, await world.protectAs(GW_1, EMT_A, a), String(a.messageId));
      expect(again.status).toBe(200);
      expect(json(again.body)).toEqual({ messageId: a.messageId, status: 'duplicate' });
    });

    it('each EMT sees only its own values', async () => {
      const va = (await operator(`/emts/${EMT_A}/values`)).body as { values: Array<{ obis: string; value: number; meter: string }> };
      const vb = (await operator(`/emts/${EMT_B}/values`)).body as { values: Array<{ obis: string; value: number }> };
      expect(va.values.map((v) => [v.obis, v.value, v.meter])).toEqual([['1-0:1.8.0', 100.25, '12345678']]);
      expect(vb.values.map((v) => [v.obis, v.value])).toEqual([['1-0:2.8.0', 7.5]]);
      const msgs = (await operator(`/emts/${EMT_A}/messages?meter=12345678`)).body as { messages: Array<{ gateway: string; provenance: string; signer: string }> };
      expect(msgs.messages).toMatchObject([{ gateway: GW_1, provenance: 'direct', signer: GW_1, signature: 'verified' }]);
    });

    it("an EMT reads its own readings over WAN and not another's", async () => {
      const emt = await world.client(EMT_A);
      const own = await emt.request(`${base}/v1/emt/${EMT_A}/readings`);
      expect(own.status).toBe(200);
      expect((json(own.body) as { values: unknown[] }).values).toHaveLength(1);
      const other = await emt.request(`${base}/v1/emt/${EMT_B}/readings`);
      expect(other.status).toBe(404);
      expect(json(other.body)).toMatchObject({ error: { code: 'HE_UNKNOWN_EMT' } });
      const asGateway = await gw1.request(`${base}/v1/emt/${EMT_A}/readings`);
      expect(asGateway.status).toBe(403);
    });
  });

  it('two processes on one store agree: the UNIQUE constraint stores a message once', async () => {
    // A second head-end process: its own connection, context and memory, the same database.
    const db2 = await openHeadendStore(storeConfig);
    try {
      const other = await createHeadendContext({ db: db2, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A], wakeUp: async () => undefined });
      const m = meterMessage({ contractId: 'twice' });
      const [d1, d2] = [await world.protectAs(GW_1, EMT_A, m), await world.protectAs(GW_1, EMT_A, m)];
      const sub = (der: Uint8Array) => ({ emt: EMT_A, peer: GW_1, der, idempotencyKey: String(m.messageId), provenance: 'direct' as const });
      // PostgreSQL: truly concurrent. SQLite (one host, one writer): one after the other, since two better-sqlite3
      // connections in one thread would block each other's synchronous busy wait.
      const results =
        backend === 'postgres'
          ? await Promise.all([acceptMessage(he.ctx, sub(d1)), acceptMessage(other, sub(d2))])
          : [await acceptMessage(he.ctx, sub(d1)), await acceptMessage(other, sub(d2))];
      expect(results.map((r) => r.status).sort()).toEqual(['duplicate', 'stored']);
      expect(await he.ctx.db.query('SELECT id FROM he_messages WHERE message_id = $1', [String(m.messageId)])).toHaveLength(1);
    } finally {
      await db2.close();
    }
  });

  it('schedules the privacy job; a run now removes nothing inside its retention', async () => {
    const before = await stored();
    expect(await he.privacyJob.runNow()).toMatchObject({ kind: 'ran', purged: { messages: 0, values: 0, securityEvents: 0, commands: 0 }, erased: [] });
    expect(await stored()).toEqual(before);
  });

  describe('pseudonymisation (TAF 10)', () => {
    const grid1 = meterMessage({ taf: 10, contractId: 'g-1', values: [{ obis: '1-0:32.7.0', value: 231.2, unit: 'V' }] });
    const grid2 = meterMessage({ taf: 10, contractId: 'g-2', values: [{ obis: '1-0:31.7.0', value: 4.1, unit: 'A' }] });
    const pseudonymise = async (client: WanClient, from: string, content: Record<string, unknown>, recipient = GRID) =>
      send(client, '/v1/gwa/pseudonymise', await world.protectAs(from, GRID, content), { 'idempotency-key': String(content.messageId), 'x-recipient': recipient });

    it('stores grid values under a stable pseudonym, and nothing the grid operator keeps names the gateway', async () => {
      const r = await pseudonymise(gw1, GW_1, grid1);
      expect(r.status).toBe(201);
      expect(json(r.body)).toEqual({ messageId: grid1.messageId, status: 'stored' });
      expect((await pseudonymise(gw1, GW_1, grid1)).status).toBe(200);
      expect((await pseudonymise(gw2, GW_2, grid2)).status).toBe(201);

      const rows = await he.ctx.db.query<{ pseudonym: string; gateway: null; meter: null; provenance: string; signer: string }>(
        'SELECT * FROM he_messages WHERE emt = $1 ORDER BY contract_id',
        [GRID],
      );
      expect(rows.map((m) => [m.provenance, m.gateway, m.meter, m.signer])).toEqual([
        ['pseudonymised', null, null, GWA],
        ['pseudonymised', null, null, GWA],
      ]);
      expect(rows[0]!.pseudonym).toMatch(/^ps-[0-9a-f]{32}$/);
      expect(rows[0]!.pseudonym).not.toBe(rows[1]!.pseudonym);
      const values = await he.ctx.db.query('SELECT v.* FROM he_values v JOIN he_messages m ON m.id = v.message WHERE m.emt = $1', [GRID]);
      expect(values).toHaveLength(2);
      const events = await he.ctx.db.query('SELECT * FROM he_security_events WHERE emt = $1', [GRID]);
      const everything = JSON.stringify({ rows, values, events, api: (await operator(`/emts/${GRID}/messages`)).body });
      for (const name of [GW_1, GW_2, '12345678']) expect(everything).not.toContain(name);
    });

    it('the same gateway keeps its pseudonym', async () => {
      const later = meterMessage({ taf: 10, contractId: 'g-1', from: '2026-11-23T10:15:00.000Z' });
      expect((await pseudonymise(gw1, GW_1, later)).status).toBe(201);
      const rows = await he.ctx.db.query<{ pseudonym: string; contract_id: string }>('SELECT pseudonym, contract_id FROM he_messages WHERE emt = $1', [GRID]);
      const ofG1 = new Set(rows.filter((r) => r.contract_id === 'g-1').map((r) => r.pseudonym));
      expect(ofG1.size).toBe(1);
    });

    it.each<[string, () => Promise<Awaited<ReturnType<WanClient['request']>>>, number, string]>([
      ['signed by another gateway', async () => pseudonymise(gw1, GW_2, meterMessage({ taf: 10, contractId: 'g-x' })), 403, 'HE_SIGNER_NOT_CALLER'],
      ['for a participant this head-end does not host', async () => pseudonymise(gw1, GW_1, meterMessage({ taf: 10, contractId: 'g-y' }), 'nobody'), 404, 'HE_UNKNOWN_EMT'],
      ['TAF 7 data sent for pseudonymisation', async () => pseudonymise(gw1, GW_1, meterMessage({ taf: 7, contractId: 'g-z' })), 400, 'HE_PRIVACY'],
      [
        'grid data naming its gateway',
        async () => pseudonymise(gw1, GW_1, meterMessage({ taf: 10, contractId: 'g-w', gatewayId: GW_1 })),
        400,
        'HE_PRIVACY',
      ],
    ])('refuses %s', async (_name, act, status, code) => {
      const before = await stored();
      const r = await act();
      expect(r.status).toBe(status);
      expect(json(r.body)).toMatchObject({ error: { code } });
      expect(await stored()).toEqual(before);
    });
  });

  describe('refusals change nothing stored and are counted', () => {
    const fresh = (contractId: string, o: Parameters<typeof meterMessage>[0] = {}) => meterMessage({ contractId, ...o });
    const cases: ReadonlyArray<[string, () => Promise<{ der: Uint8Array; id: string; emt: string }>, number, string]> = [
      ['forged: signed by another gateway', async () => ({ der: await world.protectAs(GW_2, EMT_A, fresh('f-1', { gatewayId: GW_2 })), id: String(fresh('f-1').messageId), emt: EMT_A }), 403, 'HE_SIGNER_NOT_CALLER'],
      [
        'replayed: a stored id with other content',
        async () => {
          const m: Record<string, unknown> = { ...meterMessage({ contractId: 'c-a' }), values: [{ obis: '1-0:1.8.0', value: 999, unit: 'kWh', at: '2026-11-23T10:15:00.000Z' }] };
          return { der: await world.protectAs(GW_1, EMT_A, m), id: String(m.messageId), emt: EMT_A };
        },
        409,
        'HE_REPLAY',
      ],
      ['wrongly addressed: encrypted for A, posted to B', async () => ({ der: await world.protectAs(GW_1, EMT_A, fresh('w-1')), id: String(fresh('w-1').messageId), emt: EMT_B }), 422, 'HE_WRONG_RECIPIENT'],
      [
        'tampered: one bit of the signature flipped in transit',
        async () => {
          const der = await world.protectAs(GW_1, EMT_A, fresh('t-1'));
          der[der.length - 1]! ^= 0x04;
          return { der, id: String(fresh('t-1').messageId), emt: EMT_A };
        },
        403,
        'HE_BAD_SIGNATURE',
      ],
      [
        'tampered: ciphertext altered before signing',
        async () => {
          const gw = await world.party(GW_1);
          const enc = await envelope(new TextEncoder().encode(JSON.stringify(fresh('t-2'))), [(await world.party(EMT_A)).enc.cert], 'aes128-gcm', world.sm);
          const inner = enc.der.slice();
          inner[inner.length - 1]! ^= 0x01;
          const der = await signContent({ sm: world.sm, keyLabel: KEY_LABELS.party(GW_1, 'sig'), cert: gw.sig.cert }, { eContentType: enc.contentType, eContent: inner });
          return { der, id: String(fresh('t-2').messageId), emt: EMT_A };
        },
        422,
        'HE_TAMPERED',
      ],
      ['malformed: not CMS at all', async () => ({ der: new TextEncoder().encode('{"hello":"world"}'), id: 'abcdef0123456789', emt: EMT_A }), 400, 'HE_MALFORMED'],
      [
        'malformed: content is not a meter data message',
        async () => ({ der: await world.protectAs(GW_1, EMT_A, { v: 1, messageId: 'abcdef0123456789', values: 'none' }), id: 'abcdef0123456789', emt: EMT_A }),
        400,
        'HE_MALFORMED',
      ],
      ['Idempotency-Key not the content id', async () => ({ der: await world.protectAs(GW_1, EMT_A, fresh('i-1')), id: 'ffffffffffffffff', emt: EMT_A }), 400, 'HE_ID_MISMATCH'],
      ['TAF 10 straight to the grid operator', async () => ({ der: await world.protectAs(GW_1, GRID, fresh('p-1', { taf: 10 })), id: String(fresh('p-1', { taf: 10 }).messageId), emt: GRID }), 400, 'HE_PRIVACY'],
      ['a participant this head-end does not host', async () => ({ der: await world.protectAs(GW_1, EMT_A, fresh('u-1')), id: String(fresh('u-1').messageId), emt: 'nobody' }), 404, 'HE_UNKNOWN_EMT'],
    ];

    it.each(cases)('%s', async (_name, build, status, code) => {
      const { der, id, emt } = await build();
      const before = await stored();
      const m0 = await metrics();
      const events0 = (await he.ctx.db.query('SELECT id FROM he_security_events WHERE kind = $1', [code])).length;
      const r = await postMessage(gw1, emt, der, id);
      expect(r.status).toBe(status);
      expect(json(r.body)).toMatchObject({ error: { code } });
      expect(await stored()).toEqual(before);
      const m1 = await metrics();
      expect(counter(m1, `gridwarden_headend_errors_total{code="${code}"}`)).toBe(counter(m0, `gridwarden_headend_errors_total{code="${code}"}`) + 1);
      expect(counter(m1, `gridwarden_headend_messages_total{emt="${emt}",outcome="refused"}`)).toBe(
        counter(m0, `gridwarden_headend_messages_total{emt="${emt}",outcome="refused"}`) + 1,
      );
      if (code === 'HE_REPLAY') expect(counter(m1, `gridwarden_headend_replay_attempts_total{emt="${EMT_A}"}`)).toBeGreaterThan(0);
      expect((await he.ctx.db.query('SELECT id FROM he_security_events WHERE kind = $1', [code])).length).toBe(events0 + 1);
      expect(counter(m1, `gridwarden_headend_security_events{kind="${code}"}`)).toBe(events0 + 1);
    });

    it('counts a refused TLS handshake (no client certificate)', async () => {
      const m0 = counter(await metrics(), 'gridwarden_headend_handshake_failures_total{code="WAN_PEER_UNTRUSTED"}');
      await new Promise<void>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: he.wan.port, rejectUnauthorized: false, ecdhCurve: 'brainpoolP256r1:prime256v1', maxVersion: 'TLSv1.2' });
        s.on('secureConnect', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(counter(await metrics(), 'gridwarden_headend_handshake_failures_total{code="WAN_PEER_UNTRUSTED"}')).toBe(m0 + 1);
    });
  });

  describe('administration commands', () => {
    let commandId: string;

    it('queues a protected command and wakes the gateway up', async () => {
      const r = await operator(`/gateways/${GW_1}/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'register-meter', payload: { meterId: '12345678', protocol: 'wmbus', keyHex: '000102030405060708090a0b0c0d0e0f', consumerId: 'c-1' } }),
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ type: 'register-meter', wakeUp: 'sent' });
      commandId = (r.body as { id: string }).id;
      await new Promise((res) => setTimeout(res, 50));
      const wake = decodeWakeUp(new Uint8Array(wakeUps.at(-1)!));
      expect(wake.gatewayId).toBe(GW_1);
      // The key travels only inside the encrypted command.
      expect(JSON.stringify(await he.ctx.db.query('SELECT * FROM he_commands'))).not.toContain('000102030405060708090a0b0c0d0e0f');
    });

    it('serves it to its gateway only, readable with that gateway key', async () => {
      const other = await gw2.request(`${base}/v1/gwa/commands`);
      expect(json(other.body)).toEqual({ commands: [] });
      const mine = json((await gw1.request(`${base}/v1/gwa/commands`)).body) as { commands: Array<{ id: string; cms: string }> };
      expect(mine.commands.map((c) => c.id)).toEqual([commandId]);
      const gw = await world.party(GW_1);
      const pki = await openPkiDir(world.dir);
      const opened = await unprotect(Buffer.from(mine.commands[0]!.cms, 'base64'), { sm: world.sm, recipient: { keyLabel: KEY_LABELS.party(GW_1, 'enc'), cert: gw.enc.cert }, trust: pki });
      expect(partyOf(opened.signer)).toMatchObject({ role: 'gwa', name: GWA, usage: 'sig' });
      expect(JSON.parse(new TextDecoder().decode(opened.content))).toMatchObject({
        v: 1,
        id: commandId,
        gatewayId: GW_1,
        type: 'register-meter',
        payload: { meterId: '12345678', keyHex: '000102030405060708090a0b0c0d0e0f' },
      });
      // Not readable by another gateway.
      const gw2Party = await world.party(GW_2);
      await expect(
        unprotect(Buffer.from(mine.commands[0]!.cms, 'base64'), { sm: world.sm, recipient: { keyLabel: KEY_LABELS.party(GW_2, 'enc'), cert: gw2Party.enc.cert }, trust: pki }),
      ).rejects.toMatchObject({ code: 'CMS_WRONG_RECIPIENT' });
    });

    it('records the result from its gateway, refuses it from another', async () => {
      const result = (client: WanClient, body: unknown) =>
        client.request(`${base}/v1/gwa/commands/${commandId}/result`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const foreign = await result(gw2, { ok: true });
      expect(foreign.status).toBe(404);
      expect(json(foreign.body)).toMatchObject({ error: { code: 'HE_UNKNOWN_COMMAND' } });
      expect((await result(gw1, { ok: 'maybe' })).status).toBe(400);
      const r = await result(gw1, { ok: false, error: { code: 'GW_BAD_INPUT', message: 'meter exists' } });
      expect(r.status).toBe(200);
      const list = (await operator(`/commands?gateway=${GW_1}`)).body as { commands: Array<Record<string, unknown>> };
      expect(list.commands).toMatchObject([{ id: commandId, type: 'register-meter', result_ok: false, result_code: 'GW_BAD_INPUT' }]);
      expect(list.commands[0]!.delivered_at).not.toBeNull();
      expect(json((await gw1.request(`${base}/v1/gwa/commands`)).body)).toEqual({ commands: [] });
    });

    it.each<[string, string, RequestInit | undefined, number, string]>([
      ['a command for a gateway not in the inventory', '/gateways/gw-9/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'remove-meter', payload: { meterId: '1' } }) }, 404, 'HE_UNKNOWN_GATEWAY'],
      ['a command of no known type', `/gateways/${GW_1}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'format-disk', payload: {} }) }, 400, 'HE_BAD_REQUEST'],
      ['a wake-up for a gateway without address', `/gateways/${GW_2}/wake-up`, { method: 'POST' }, 502, 'HE_WAKEUP'],
    ])('refuses %s', async (_name, path, init, status, code) => {
      const r = await operator(path, init);
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ error: { code } });
    });

    it('lists the inventory with last contact, and serves its OpenAPI document', async () => {
      const gws = (await operator('/gateways')).body as { gateways: Array<{ name: string; last_contact: string | null }> };
      expect(gws.gateways.map((g) => g.name)).toEqual([GW_1, GW_2]);
      expect(gws.gateways[0]!.last_contact).not.toBeNull();
      const doc = (await operator('/openapi.json')).body as { openapi: string; paths: Record<string, unknown> };
      expect(doc.openapi).toMatch(/^3\./);
      for (const p of ['/gateways', '/gateways/{name}/wake-up', '/emts/{emt}/values', '/security-events', '/metrics']) expect(Object.keys(doc.paths)).toContain(p);
    });

    it.each<[string, string, RequestInit | undefined, string | null]>([
      ['the values without a token', `/emts/${EMT_A}/values`, undefined, null],
      ['the consumer export with a wrong token', '/consumers/consumer-1/export', undefined, 'w'.repeat(43)],
      ['a command with a token one character short', `/gateways/${GW_1}/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'remove-meter', payload: { meterId: '1' } }) }, 'SHORT'],
      ['the metrics without a token', '/metrics', undefined, null],
      ['an unknown path without a token', '/no-such-route', undefined, null],
    ])('refuses %s (HE_UNAUTHORIZED, 401, nothing changed)', async (_name, path, init, token) => {
      const before = await stored();
      const r = await operator(path, init, token === 'SHORT' ? he.operatorToken.slice(0, -1) : token);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: 'HE_UNAUTHORIZED' } });
      expect(await stored()).toEqual(before);
    });

    it('takes the operator token from operator.tokenFile when the configuration names one', async () => {
      const token = `${'t'.repeat(20)}-${backend}-file-token-0123456789`;
      const tokenFile = join(world.dir, `operator-token-${backend}`);
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
      const config = parseHeadendConfig({
        store: { kind: 'sqlite', path: join(world.dir, `second-${backend}.db`) },
        securityModule: { kind: 'memory' },
        pkiDir: world.dir,
        gwa: GWA,
        emts: [EMT_A],
        wan: { host: '127.0.0.1', port: 0 },
        operator: { host: '127.0.0.1', port: 0, tokenFile },
      });
      const second = await startHeadend(config, { sm: world.sm });
      try {
        expect(second.operatorToken).toBe(token);
        const at = `http://127.0.0.1:${second.operator.port}/emts`;
        expect((await fetch(at, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
        expect((await fetch(at, { headers: { authorization: `Bearer ${he.operatorToken}` } })).status).toBe(401);
      } finally {
        await second.close();
      }
    });

    it('serves the dashboard page and the OpenAPI document without the token: they hold no data', async () => {
      for (const path of ['/', '/dashboard/app.js', '/openapi.json']) expect((await operator(path, undefined, null)).status, path).toBe(200);
      expect(he.operatorToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('adds a gateway to the inventory and lists security events', async () => {
      const post = (body: unknown) => operator('/gateways', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const added = await post({ name: 'gw-3', wakeUp: { host: '127.0.0.1', port: 4059 } });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ name: 'gw-3', state: 'active', wakeup_host: '127.0.0.1', wakeup_port: 4059 });
      const bad = await post({ name: 'gw 4' });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: 'HE_BAD_REQUEST', message: expect.stringContaining('name') } });
      const events = (await operator('/security-events')).body as { events: Array<{ kind: string }> };
      expect(new Set(events.events.map((e) => e.kind))).toContain('HE_REPLAY');
    });
  });
});
