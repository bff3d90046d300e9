import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, DAY_START, type Home, QUARTER, aliceRegister, logSent, makeHome, quarterUse } from './_testing/home.js';
import { createHanApp } from './portal-app.js';
import { SESSION_COOKIE } from './session-cookie.js';

let home: Home;
let app: FastifyInstance;

beforeAll(async () => {
  home = await makeHome();
  app = await createHanApp({ db: home.db, clock: home.clock, logs: home.logs });
});
afterAll(async () => {
  await app.close();
  await home.db.close();
});

async function signIn(user: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: user.username, password: user.password } });
  expect(res.statusCode).toBe(200);
  const cookie = String(res.headers['set-cookie']);
  return cookie.split(';')[0]!;
}

const get = (url: string, cookie?: string): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url, ...(cookie === undefined ? {} : { headers: { cookie } }) });
const errorCode = (res: LightMyRequestResponse): unknown => (res.json() as { error?: { code?: unknown } }).error?.code;

describe('HAN portal API: login and sessions', () => {
  it('sets an HttpOnly, Secure, SameSite=Strict session cookie and answers /api/me', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: ALICE.username, password: ALICE.password } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'alice', consumerId: ALICE.consumerId });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) expect(cookie).toContain(flag);
    const me = await get('/api/me', cookie.split(';')[0]);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'alice', consumerId: ALICE.consumerId });
  });

  it('refuses a wrong password with 401 GW_HAN_LOGIN_FAILED and sets no cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: BOB.username, password: 'not it at all' } });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('GW_HAN_LOGIN_FAILED');
    expect(res.headers['set-cookie']).toBeUndefined();
    // a good login clears the count again
    await signIn(BOB);
  });

  it('refuses a body that is not JSON with 400 GW_HAN_BAD_QUERY', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('GW_HAN_BAD_QUERY');
  });

  it.each(['/api/me', '/api/meters', `/api/meters/${ALICE.meters[0]}/readings`, '/api/consumer-log', '/api/contracts'])('refuses %s without a session (401 GW_HAN_NO_SESSION)', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('GW_HAN_NO_SESSION');
    const forged = await get(url, `${SESSION_COOKIE}=${'A'.repeat(43)}`);
    expect(forged.statusCode).toBe(401);
  });

  it('ends the session at logout and at its expiry', async () => {
    const cookie = await signIn(ALICE);
    const out = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await get('/api/me', cookie)).statusCode).toBe(401);

    const fresh = await signIn(ALICE);
    expect((await get('/api/me', fresh)).statusCode).toBe(200);
    const saved = home.now;
    home.now = new Date(saved.getTime() + 61 * 60_000);
    try {
      const late = await get('/api/me', fresh);
      expect(late.statusCode).toBe(401);
      expect(errorCode(late)).toBe('GW_HAN_NO_SESSION');
    } finally {
      home.now = saved;
    }
  });

  it('locks an account after 5 failed logins (423 GW_HAN_LOCKED with the time) and lets it in after 15 minutes', async () => {
    await app.close();
    const fresh = await makeHome();
    const own = await createHanApp({ db: fresh.db, clock: fresh.clock });
    try {
      const attempt = (password: string) => own.inject({ method: 'POST', url: '/api/login', payload: { username: ALICE.username, password } });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await attempt(`guess ${i}`)).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 423]);
      const locked = await attempt(ALICE.password);
      expect(locked.statusCode).toBe(423);
      expect(errorCode(locked)).toBe('GW_HAN_LOCKED');
      expect((locked.json() as { error: { lockedUntil: string } }).error.lockedUntil).toBe(new Date(fresh.now.getTime() + 15 * 60_000).toISOString());
      fresh.now = new Date(fresh.now.getTime() + 15 * 60_000 + 1);
      expect((await attempt(ALICE.password)).statusCode).toBe(200);
    } finally {
      await own.close();
      await fresh.db.close();
      app = await createHanApp({ db: home.db, clock: home.clock, logs: home.logs });
    }
  });
});

describe('HAN portal API: a consumer sees their own data only', () => {
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    alice = await signIn(ALICE);
    bob = await signIn(BOB);
  });

  it('lists the consumer\'s meters with current values', async () => {
    const res = await get('/api/meters', alice);
    expect(res.statusCode).toBe(200);
    const { meters } = res.json() as { meters: Array<{ meterId: string; current: Array<{ obis: string; value: string }> }> };
    expect(meters.map((m) => m.meterId)).toEqual([...ALICE.meters]);
    expect(meters[0]?.current).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ obis: '1-0:1.8.0', value: aliceRegister(95), unit: 'kWh' }),
        expect.objectContaining({ obis: '1-0:1.7.0', value: '0.412' }),
      ]),
    );
  });

  it('draws the load curve from register deltas per quarter hour', async () => {
    const from = new Date(DAY_START).toISOString();
    const to = new Date(DAY_START + 96 * QUARTER).toISOString();
    const res = await get(`/api/meters/${ALICE.meters[0]}/readings?from=${from}&to=${to}&step=15m`, alice);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { curves: Array<{ obis: string; points: Array<{ delta: number | null }> }> };
    expect(body.curves.map((c) => c.obis)).toEqual(['1-0:1.8.0']);
    const deltas = body.curves[0]!.points.map((p) => p.delta);
    expect(deltas).toHaveLength(96);
    for (const [q, d] of deltas.entries()) expect(d).toBeCloseTo(quarterUse(q), 6);
    const hourly = await get(`/api/meters/${ALICE.meters[0]}/readings?from=${from}&to=${to}&step=1h`, alice);
    expect((hourly.json() as typeof body).curves[0]!.points).toHaveLength(24);
  });

  it.each([
    ['step=5m', 'step=5m'],
    ['a date without time', 'from=2026-11-20'],
    ['a local time without zone', 'from=2026-11-20T00:00'],
    ['to before from', 'from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z'],
    ['more than 31 days', 'from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z'],
  ])('refuses %s with 400 GW_HAN_BAD_QUERY', async (_what, query) => {
    const res = await get(`/api/meters/${ALICE.meters[0]}/readings?${query}`, alice);
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('GW_HAN_BAD_QUERY');
  });

  it("answers another consumer's meter with 404 GW_HAN_NOT_FOUND, the same as a meter that does not exist", async () => {
    const theirs = await get(`/api/meters/${BOB.meters[0]}/readings?step=1h`, alice);
    const none = await get('/api/meters/NOSUCHMETER/readings?step=1h', alice);
    expect(theirs.statusCode).toBe(404);
    expect(errorCode(theirs)).toBe('GW_HAN_NOT_FOUND');
    expect(theirs.body).toBe(none.body);
    expect(theirs.body).not.toContain('77');
    // and bob does see it
    expect((await get(`/api/meters/${BOB.meters[0]}/readings?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z&step=1h`, bob)).statusCode).toBe(200);
  });

  it('shows the consumer log: what was sent to whom under which TAF, only their own records', async () => {
    const res = await get('/api/consumer-log', alice);
    const { entries } = res.json() as { entries: Array<{ event: string; recipient: string | null; taf: number | null; contractId: string | null }> };
    const sent = entries.filter((e) => e.event === 'data-sent');
    expect(sent).toEqual([expect.objectContaining({ recipient: 'emt-stadtwerk', taf: 7, contractId: 'k-alice-7' })]);
    // logins are in the log too (consumer-login)
    expect(entries.some((e) => e.event === 'consumer-login')).toBe(true);
    await logSent(home, ALICE.consumerId, ALICE.meters[0], 'k-alice-7', 'emt-stadtwerk');
    const after = (await get('/api/consumer-log', alice)).json() as { entries: Array<{ event: string }> };
    expect(after.entries.filter((e) => e.event === 'data-sent')).toHaveLength(2);
  });

  it('lists the contracts in force for the consumer\'s meters only', async () => {
    const res = await get('/api/contracts', alice);
    expect(res.json()).toEqual({
      contracts: [
        {
          contractId: 'k-alice-7',
          meterId: ALICE.meters[0],
          taf: 7,
          recipient: 'emt-stadtwerk',
          validFrom: '2026-11-01T00:00:00Z',
          validTo: '2027-11-01T00:00:00Z',
          intervalMinutes: 15,
        },
        {
          contractId: 'k-alice-1',
          meterId: ALICE.meters[1],
          taf: 1,
          recipient: 'emt-netzbetreiber',
          validFrom: '2026-11-01T00:00:00Z',
          validTo: '2027-11-01T00:00:00Z',
          intervalMinutes: null,
        },
      ],
    });
  });

  it("puts nothing of another consumer in any of alice's answers", async () => {
    const urls = ['/api/me', '/api/meters', '/api/consumer-log', '/api/contracts', ...ALICE.meters.map((m) => `/api/meters/${m}/readings?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z&step=15m`)];
    const secrets = [BOB.consumerId, BOB.username, BOB.meters[0], 'emt-bobs-supplier', 'k-bob-7', '77700'];
    for (const url of urls) {
      const res = await get(url, alice);
      expect(res.statusCode, url).toBe(200);
      for (const s of secrets) expect(res.body, `${url} leaks ${s}`).not.toContain(s);
    }
  });
});

describe('HAN portal: page and headers', () => {
  it.each(['/', '/app.js', '/chart.js', '/api.js', '/style.css', '/api/me', '/api/nothing-here', '/api/meters/%zz/readings'])('sends the security headers on %s', async (url) => {
    const res = await get(url);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    if (url.startsWith('/api/')) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('serves the page with no inline script or style', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toMatch(/<script type="module" src="\/app\.js"><\/script>/);
    expect(res.body).not.toMatch(/<script>|<script type="module">|\sstyle="|<style|\son[a-z]+="/);
  });

  it('answers unknown paths (and file-system tricks) with 404', async () => {
    for (const url of ['/../package.json', '/index.html/../../package.json', '/app.test.ts', '/api/meters/x/../../me']) {
      const res = await get(url);
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('"dependencies"');
    }
  });
});
