import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_ERROR_CODES } from '../errors.js';
import { ALICE, BOB, type Home, makeHome } from './_testing/home.js';
import { createHanApp } from './portal-app.js';
import { SESSION_COOKIE } from './session-cookie.js';

/** What the portal may answer to anything: typed refusals, never a 500 or an untyped error. */
const TYPED = new Set(Object.keys(GATEWAY_ERROR_CODES).filter((c) => c.startsWith('GW_HAN_')));
const ALLOWED_STATUS = new Set([200, 400, 401, 404, 423]);

let home: Home;
let app: FastifyInstance;
let cookie: string;

beforeAll(async () => {
  home = await makeHome();
  app = await createHanApp({ db: home.db, clock: home.clock });
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: ALICE.username, password: ALICE.password } });
  cookie = String(res.headers['set-cookie']).split(';')[0]!;
});
afterAll(async () => {
  await app.close();
  await home.db.close();
});

function checkAnswer(status: number, body: string): void {
  expect(ALLOWED_STATUS.has(status), `status ${status}: ${body.slice(0, 200)}`).toBe(true);
  if (status !== 200) expect(TYPED.has(String((JSON.parse(body) as { error?: { code?: unknown } }).error?.code))).toBe(true);
}

/** A real request string with bytes flipped, cut or repeated. */
const mutated = (real: string) =>
  fc.oneof(
    fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => real.slice(0, i) + String.fromCharCode(real.charCodeAt(i) ^ x) + real.slice(i + 1)),
    fc.nat(real.length).map((n) => real.slice(0, n)),
    fc.tuple(fc.nat(real.length), fc.string({ maxLength: 20 })).map(([i, s]) => real.slice(0, i) + s + real.slice(i)),
  );

describe('HAN portal under mutated input (property)', () => {
  it('answers mutated load-curve queries with data or a typed refusal, and never another consumer\'s curve', async () => {
    const real = `/api/meters/${ALICE.meters[0]}/readings?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z&step=15m`;
    await fc.assert(
      fc.asyncProperty(mutated(real), async (url) => {
        let res: Awaited<ReturnType<FastifyInstance['inject']>>;
        try {
          res = await app.inject({ method: 'GET', url, headers: { cookie } });
        } catch {
          return; // light-my-request refuses URLs no HTTP client could send
        }
        checkAnswer(res.statusCode, res.body);
        expect(res.body).not.toContain(BOB.meters[0]);
        expect(res.body).not.toContain('77700');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses mutated session cookies with GW_HAN_NO_SESSION unless the token is intact', async () => {
    const token = cookie.slice(SESSION_COOKIE.length + 1);
    await fc.assert(
      fc.asyncProperty(mutated(token), async (t) => {
        const res = await app.inject({ method: 'GET', url: '/api/meters', headers: { cookie: `${SESSION_COOKIE}=${t}` } });
        checkAnswer(res.statusCode, res.body);
        expect(res.statusCode).toBe(t.trim() === token ? 200 : 401);
      }),
      { numRuns: 200 },
    );
  });

  it('answers mutated login bodies with a typed refusal', async () => {
    const real = JSON.stringify({ username: BOB.username, password: BOB.password });
    await fc.assert(
      fc.asyncProperty(mutated(real), async (body) => {
        const res = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json' }, payload: body });
        checkAnswer(res.statusCode, res.body);
      }),
      { numRuns: 25 },
    );
  });
});
