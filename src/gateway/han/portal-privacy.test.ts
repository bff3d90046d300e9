import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentInForce } from '../privacy/consent.js';
import { ALICE, BOB, type Home, makeHome } from './_testing/home.js';
import { createHanApp } from './portal-app.js';

let home: Home;
let app: FastifyInstance;
let alice: string;
let bob: string;

async function signIn(user: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: user.username, password: user.password } });
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

beforeAll(async () => {
  home = await makeHome();
  app = await createHanApp({ db: home.db, clock: home.clock, logs: home.logs });
  alice = await signIn(ALICE);
  bob = await signIn(BOB);
});
afterAll(async () => {
  await app.close();
  await home.db.close();
});

type Method = 'GET' | 'POST' | 'DELETE';
const call = (method: Method, url: string, cookie?: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, headers: { ...(cookie === undefined ? {} : { cookie }), ...headers } });
const errorCode = (res: LightMyRequestResponse): unknown => (res.json() as { error?: { code?: unknown } }).error?.code;

interface ConsentsAnswer {
  contracts: Array<{ contractId: string; legalBasis: string; state: string; grantedAt: string | null; withdrawnAt: string | null; recipient: string | null; taf: number | null }>;
  history: Array<{ contractId: string; grantedAt: string; withdrawnAt: string | null }>;
}
const consents = async (cookie: string): Promise<ConsentsAnswer> => (await call('GET', '/api/consents', cookie)).json() as ConsentsAnswer;
const stateOf = async (cookie: string, contractId: string) => (await consents(cookie)).contracts.find((c) => c.contractId === contractId);

const consumerEvents = async (consumerId: string): Promise<string[]> =>
  (await home.db.query<{ event: string }>("SELECT event FROM gw_log_records WHERE log = 'consumer' AND consumer_id = $1 ORDER BY seq", [consumerId])).map((r) => r.event);

describe('HAN portal: consents', () => {
  it.each<[Method, string]>([
    ['GET', '/api/consents'],
    ['POST', '/api/consents/k-alice-7'],
    ['DELETE', '/api/consents/k-alice-7'],
    ['GET', '/api/export.json'],
    ['GET', '/api/export.csv'],
  ])('refuses %s %s without a session (401 GW_HAN_NO_SESSION)', async (method, url) => {
    const res = await call(method, url);
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('GW_HAN_NO_SESSION');
  });

  it("lists each of the consumer's contracts with its legal basis and consent state", async () => {
    const answer = await consents(alice);
    expect(answer.contracts.map((c) => [c.contractId, c.taf, c.recipient, c.legalBasis, c.state])).toEqual([
      ['k-alice-7', 7, 'emt-stadtwerk', 'consent', 'none'],
      ['k-alice-1', 1, 'emt-netzbetreiber', 'contract', 'not-needed'],
    ]);
    expect(answer.history).toEqual([]);
    expect(JSON.stringify(answer)).not.toContain('bob');
  });

  it('grants, refuses a second grant, withdraws, refuses a second withdrawal; each change is in the consumer log', async () => {
    home.now = new Date('2026-11-21T12:00:00.000Z');
    const granted = await call('POST', '/api/consents/k-alice-7', alice);
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toEqual({ consent: { consumerId: ALICE.consumerId, contractId: 'k-alice-7', grantedAt: '2026-11-21T12:00:00.000Z', withdrawnAt: null } });
    expect(await stateOf(alice, 'k-alice-7')).toMatchObject({ state: 'granted', grantedAt: '2026-11-21T12:00:00.000Z', withdrawnAt: null });
    expect(await consentInForce(home.db, 'k-alice-7')).toBe(true);

    const twice = await call('POST', '/api/consents/k-alice-7', alice);
    expect(twice.statusCode).toBe(409);
    expect(errorCode(twice)).toBe('GW_CONSENT_ALREADY_GRANTED');

    home.now = new Date('2026-11-21T12:01:00.000Z');
    const withdrawn = await call('DELETE', '/api/consents/k-alice-7', alice);
    expect(withdrawn.statusCode).toBe(200);
    expect(withdrawn.json()).toMatchObject({ consent: { grantedAt: '2026-11-21T12:00:00.000Z', withdrawnAt: '2026-11-21T12:01:00.000Z' } });
    expect(await stateOf(alice, 'k-alice-7')).toMatchObject({ state: 'withdrawn', withdrawnAt: '2026-11-21T12:01:00.000Z' });
    expect(await consentInForce(home.db, 'k-alice-7')).toBe(false);

    const again = await call('DELETE', '/api/consents/k-alice-7', alice);
    expect(again.statusCode).toBe(409);
    expect(errorCode(again)).toBe('GW_CONSENT_NOT_GRANTED');

    const events = await consumerEvents(ALICE.consumerId);
    expect(events.filter((e) => e.startsWith('consent-'))).toEqual(['consent-granted', 'consent-withdrawn']);
    expect((await consents(alice)).history).toHaveLength(1);
  });

  it('refuses a contract that runs on its contract alone (409 GW_CONSENT_NOT_NEEDED)', async () => {
    const res = await call('POST', '/api/consents/k-alice-1', alice);
    expect(res.statusCode).toBe(409);
    expect(errorCode(res)).toBe('GW_CONSENT_NOT_NEEDED');
  });

  it("answers another consumer's contract exactly like one that does not exist, and changes nothing", async () => {
    const theirs = await call('POST', '/api/consents/k-bob-7', alice);
    const none = await call('POST', '/api/consents/k-nothing', alice);
    expect(theirs.statusCode).toBe(404);
    expect(errorCode(theirs)).toBe('GW_CONSENT_UNKNOWN_CONTRACT');
    expect(none.statusCode).toBe(404);
    expect(errorCode(none)).toBe('GW_CONSENT_UNKNOWN_CONTRACT');
    expect(theirs.body.replaceAll('k-bob-7', 'X')).toBe(none.body.replaceAll('k-nothing', 'X'));
    expect((await call('DELETE', '/api/consents/k-bob-7', alice)).statusCode).toBe(404);
    expect(await consentInForce(home.db, 'k-bob-7')).toBe(false);
    expect(await stateOf(bob, 'k-bob-7')).toMatchObject({ state: 'none' });
  });

  it.each<[string, Record<string, string>]>([
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['another host on the home network', { origin: 'https://192.168.1.66:8443', host: '192.168.1.10:8443' }],
    ['a same-site page of another origin', { 'sec-fetch-site': 'same-site' }],
    ['an opaque origin', { origin: 'null' }],
  ])('refuses a consent change from %s (403 GW_HAN_CROSS_ORIGIN)', async (_what, headers) => {
    const res = await call('POST', '/api/consents/k-alice-7', alice, headers);
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('GW_HAN_CROSS_ORIGIN');
    expect(await consentInForce(home.db, 'k-alice-7')).toBe(false);
  });

  it('accepts a consent change from the portal page itself (same origin) and refuses a cross-site login', async () => {
    const ok = await call('POST', '/api/consents/k-alice-7', alice, { origin: 'https://gw.local:8443', host: 'gw.local:8443', 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode).toBe(200);
    expect((await call('DELETE', '/api/consents/k-alice-7', alice, { origin: 'https://gw.local:8443', host: 'gw.local:8443' })).statusCode).toBe(200);
    const login = await app.inject({ method: 'POST', url: '/api/login', headers: { origin: 'https://evil.example' }, payload: { username: ALICE.username, password: ALICE.password } });
    expect(login.statusCode).toBe(403);
    expect(login.headers['set-cookie']).toBeUndefined();
  });

  it('has no consent-changing routes when the portal runs without the logs (every change must be logged)', async () => {
    const bare = await createHanApp({ db: home.db, clock: home.clock });
    try {
      const login = await bare.inject({ method: 'POST', url: '/api/login', payload: { username: ALICE.username, password: ALICE.password } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const res = await bare.inject({ method: 'POST', url: '/api/consents/k-alice-7', headers: { cookie } });
      expect(res.statusCode).toBe(404);
      expect(await consentInForce(home.db, 'k-alice-7')).toBe(false);
    } finally {
      await bare.close();
    }
  });
});

describe('HAN portal: mutated consent requests', () => {
  it("answer with a typed refusal, never a server error, and never touch another consumer's contract", async () => {
    const known = ['k-alice-7', 'k-alice-1', 'k-bob-7', 'k-alice-old'];
    const ids = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom(...known).chain((k) => fc.tuple(fc.constant(k), fc.nat(k.length), fc.string({ maxLength: 3 })).map(([id, at, s]) => id.slice(0, at) + s + id.slice(at))),
    );
    await fc.assert(
      fc.asyncProperty(ids, fc.constantFrom<Method>('POST', 'DELETE'), async (id, method) => {
        const res = await call(method, `/api/consents/${encodeURIComponent(id)}`, alice);
        expect([200, 400, 404, 409], `${method} ${JSON.stringify(id)}: ${res.body}`).toContain(res.statusCode);
        const code = errorCode(res);
        if (res.statusCode !== 200) expect(code).toMatch(/^GW_(HAN_|CONSENT_|BAD_INPUT$)/);
        expect(await consentInForce(home.db, 'k-bob-7')).toBe(false);
      }),
      { numRuns: 60 },
    );
    // Leave alice's consent as the tests before found it.
    if (await consentInForce(home.db, 'k-alice-7')) await call('DELETE', '/api/consents/k-alice-7', alice);
  });
});

describe('HAN portal: data download', () => {
  it('sends all of the consumer’s data as a JSON attachment, and logs the download', async () => {
    const res = await call('GET', '/api/export.json', alice);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="gridwarden-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const data = res.json() as { consumerId: string; meters: Array<{ meterId: string }>; readings: unknown[]; contracts: Array<{ contractId: string }>; consents: unknown[] };
    expect(data.consumerId).toBe(ALICE.consumerId);
    expect(data.meters.map((m) => m.meterId)).toEqual([...ALICE.meters]);
    const [n] = await home.db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM gw_readings WHERE meter_id IN ($1, $2)', [ALICE.meters[0], ALICE.meters[1]]);
    expect(data.readings).toHaveLength(Number(n?.n));
    expect(data.contracts.map((c) => c.contractId).sort()).toEqual(['k-alice-1', 'k-alice-7', 'k-alice-old']);
    for (const s of [BOB.consumerId, BOB.username, BOB.meters[0], 'emt-bobs-supplier', 'k-bob-7']) expect(res.body).not.toContain(s);
    expect((await consumerEvents(ALICE.consumerId)).at(-1)).toBe('data-exported');
  });

  it('sends the CSV as an attachment in titled sections', async () => {
    const res = await call('GET', '/api/export.csv', bob);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="gridwarden-data-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.body.startsWith('section,export\r\nkind,version,consumerId,exportedAt\r\n')).toBe(true);
    expect(res.body).toContain('\r\nsection,readings\r\n');
    expect(res.body).toContain(BOB.meters[0]);
    for (const s of [ALICE.consumerId, ALICE.meters[0], 'emt-stadtwerk', 'k-alice-7']) expect(res.body).not.toContain(s);
  });
});
