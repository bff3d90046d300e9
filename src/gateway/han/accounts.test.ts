import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../store/db.js';
import type { GatewayErrorCode } from '../errors.js';
import { openGatewayStore } from '../runtime.js';
import { DEFAULT_AUTH_POLICY, addConsumerAccount, endSession, login, resolveSession } from './accounts.js';
import { makeHome } from './_testing/home.js';
import { parseParams } from './password.js';
import { gatewayCodeOf } from '../_testing/error-code.js';

const T = Date.parse('2026-11-21T12:00:00Z');
const MIN = 60_000;

describe('consumer accounts', () => {
  let db: Db;
  beforeEach(async () => {
    db = (await makeHome({ accounts: false })).db;
  });
  afterEach(async () => {
    await db.close();
  });

  it('stores the password as a salted scrypt hash with its parameters, never in the clear', async () => {
    await addConsumerAccount(db, { consumerId: 'c1', username: 'ann', password: 'correct horse' });
    await addConsumerAccount(db, { consumerId: 'c2', username: 'ben', password: 'correct horse' });
    const rows = await db.query<{ password_hash: Uint8Array; password_salt: Uint8Array; password_params: string }>('SELECT * FROM han_accounts ORDER BY username');
    expect(rows).toHaveLength(2);
    const [a, b] = rows;
    expect(parseParams(a!.password_params)?.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(a!.password_salt.length).toBeGreaterThanOrEqual(16);
    // same password, different salt -> different hash
    expect(Buffer.from(a!.password_salt).equals(Buffer.from(b!.password_salt))).toBe(false);
    expect(Buffer.from(a!.password_hash).equals(Buffer.from(b!.password_hash))).toBe(false);
    expect(JSON.stringify(rows)).not.toContain('correct horse');
    expect(Buffer.from(a!.password_hash).toString('latin1')).not.toContain('correct horse');
  });

  it.each([
    ['an empty consumer id', { consumerId: '', username: 'ann', password: 'long enough' }],
    ['a user name with a space', { consumerId: 'c1', username: 'ann b', password: 'long enough' }],
    ['a user name of 65 characters', { consumerId: 'c1', username: 'a'.repeat(65), password: 'long enough' }],
    ['a short password', { consumerId: 'c1', username: 'ann', password: 'short' }],
  ])('refuses %s with GW_HAN_BAD_ACCOUNT', async (_what, account) => {
    expect(await gatewayCodeOf(addConsumerAccount(db, account))).toBe('GW_HAN_BAD_ACCOUNT');
  });

  it('refuses a second account of the same name with GW_HAN_ACCOUNT_EXISTS', async () => {
    await addConsumerAccount(db, { consumerId: 'c1', username: 'ann', password: 'long enough' });
    expect(await gatewayCodeOf(addConsumerAccount(db, { consumerId: 'c2', username: 'ann', password: 'other password' }))).toBe('GW_HAN_ACCOUNT_EXISTS');
  });

  it('works on a fresh gateway store (creates its own tables)', async () => {
    const fresh = await openGatewayStore(mkdtempSync(join(tmpdir(), 'gridwarden-han-fresh-')));
    await addConsumerAccount(fresh, { consumerId: 'c1', username: 'ann', password: 'long enough' });
    expect((await login(fresh, 'ann', 'long enough', T)).consumerId).toBe('c1');
    await fresh.close();
  });
});

describe('login, lockout and sessions', () => {
  let db: Db;
  beforeEach(async () => {
    db = (await makeHome({ accounts: false })).db;
    await addConsumerAccount(db, { consumerId: 'c1', username: 'ann', password: 'the right one' });
  });
  afterEach(async () => {
    await db.close();
  });

  it('opens a session with a 256-bit token kept only as its hash', async () => {
    const s = await login(db, 'ann', 'the right one', T);
    expect(Buffer.from(s.token, 'base64url')).toHaveLength(32);
    expect(s).toMatchObject({ username: 'ann', consumerId: 'c1', expiresAt: T + DEFAULT_AUTH_POLICY.sessionTtlMs });
    const stored = await db.query('SELECT * FROM han_sessions');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(s.token);
    expect(await resolveSession(db, s.token, T + MIN)).toMatchObject({ username: 'ann', consumerId: 'c1' });
  });

  it.each([
    ['a wrong password', 'ann', 'the wrong one'],
    ['an unknown user', 'nobody', 'the right one'],
    ['an empty user name', '', ''],
  ])('answers %s with GW_HAN_LOGIN_FAILED', async (_what, user, password) => {
    expect(await gatewayCodeOf(login(db, user, password, T))).toBe('GW_HAN_LOGIN_FAILED');
  });

  it('locks the account after 5 failures, refuses even the right password while locked, and unlocks after 15 minutes', async () => {
    const codes: Array<GatewayErrorCode | undefined> = [];
    for (let i = 0; i < 5; i++) codes.push(await gatewayCodeOf(login(db, 'ann', `wrong ${i}`, T + i)));
    expect(codes).toEqual(['GW_HAN_LOGIN_FAILED', 'GW_HAN_LOGIN_FAILED', 'GW_HAN_LOGIN_FAILED', 'GW_HAN_LOGIN_FAILED', 'GW_HAN_LOCKED']);
    expect(await gatewayCodeOf(login(db, 'ann', 'the right one', T + 14 * MIN))).toBe('GW_HAN_LOCKED');
    expect((await login(db, 'ann', 'the right one', T + 4 + 15 * MIN)).username).toBe('ann');
  });

  it('counts failures afresh after a success and after a lock ran out', async () => {
    for (let i = 0; i < 4; i++) await gatewayCodeOf(login(db, 'ann', 'wrong', T));
    await login(db, 'ann', 'the right one', T);
    for (let i = 0; i < 4; i++) expect(await gatewayCodeOf(login(db, 'ann', 'wrong', T))).toBe('GW_HAN_LOGIN_FAILED');
    expect(await gatewayCodeOf(login(db, 'ann', 'wrong', T))).toBe('GW_HAN_LOCKED');
    const later = T + 16 * MIN;
    expect(await gatewayCodeOf(login(db, 'ann', 'wrong', later))).toBe('GW_HAN_LOGIN_FAILED');
  });

  it('ends a session at its expiry and at logout', async () => {
    const s = await login(db, 'ann', 'the right one', T);
    expect(await gatewayCodeOf(resolveSession(db, s.token, s.expiresAt - 1))).toBeUndefined();
    expect(await gatewayCodeOf(resolveSession(db, s.token, s.expiresAt))).toBe('GW_HAN_NO_SESSION');
    const t = await login(db, 'ann', 'the right one', T);
    expect(await endSession(db, t.token)).toBe(true);
    expect(await gatewayCodeOf(resolveSession(db, t.token, T + 1))).toBe('GW_HAN_NO_SESSION');
    expect(await gatewayCodeOf(resolveSession(db, undefined, T))).toBe('GW_HAN_NO_SESSION');
    expect(await gatewayCodeOf(resolveSession(db, 'made-up-token', T))).toBe('GW_HAN_NO_SESSION');
  });
});
