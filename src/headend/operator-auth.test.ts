import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { HeadendError } from './errors.js';
import { newOperatorToken, readOperatorToken, requireOperatorToken } from './operator-auth.js';
import { sendError } from './wan-routes.js';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => {
      if (e instanceof HeadendError) return e.code;
      throw e;
    },
  );

describe('operator token file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-op-token-'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };

  it('reads the token, without its trailing newline', async () => {
    const token = newOperatorToken();
    expect(await readOperatorToken(file('ok', `${token}\n`))).toBe(token);
  });

  it.each([
    ['missing', join(dir, 'absent')],
    ['too short to be unguessable', 'short'],
    ['empty', 'empty'],
    ['two words', 'two'],
  ])('refuses a token file that is %s (HE_CONFIG)', async (what, name) => {
    const texts: Record<string, string> = { short: 'a'.repeat(31), empty: '\n', two: `${'a'.repeat(20)} ${'b'.repeat(20)}` };
    const path = what === 'missing' ? name : file(name, texts[name] ?? '');
    expect(await codeOf(readOperatorToken(path))).toBe('HE_CONFIG');
  });

  it('makes a new 256-bit token each time', () => {
    const a = newOperatorToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newOperatorToken()).not.toBe(a);
  });
});

describe('requireOperatorToken', () => {
  const token = newOperatorToken();
  const app = Fastify({ logger: false });
  app.setErrorHandler((e, _request, reply) => sendError(reply, e));
  requireOperatorToken(app, token);
  app.get('/', async () => 'page');
  app.get('/openapi.json', async () => ({ openapi: '3.1.0' }));
  app.get('/data', async () => ({ secret: 'meter values' }));
  app.post('/', async () => ({ changed: true }));

  it.each<[string, 'GET' | 'POST', string, string | undefined, number]>([
    ['the data with the token', 'GET', '/data', `Bearer ${token}`, 200],
    ['the data with the scheme in other case', 'GET', '/data', `bearer ${token}`, 200],
    ['the data without a token', 'GET', '/data', undefined, 401],
    ['the data with a wrong token', 'GET', '/data', `Bearer ${newOperatorToken()}`, 401],
    ['the data with the token as basic credentials', 'GET', '/data', `Basic ${token}`, 401],
    ['the data with the token and more', 'GET', '/data', `Bearer ${token} ${token}`, 401],
    ['the open page', 'GET', '/', undefined, 200],
    ['the open document', 'GET', '/openapi.json', undefined, 200],
    ['a POST to an open GET route', 'POST', '/', undefined, 401],
    ['an unknown route', 'GET', '/nothing', undefined, 401],
  ])('%s: %i', async (_what, method, url, authorization, status) => {
    const r = await app.inject({ method, url, headers: authorization === undefined ? {} : { authorization } });
    expect(r.statusCode).toBe(status);
    if (status === 401) {
      expect(r.json()).toMatchObject({ error: { code: 'HE_UNAUTHORIZED' } });
      expect(r.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(r.body).not.toContain('meter values');
    }
  });
});
