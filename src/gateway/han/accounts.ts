import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { migrate } from '../../store/migrations.js';
import { GatewayError } from '../errors.js';
import { type PasswordHash, hashPassword, parseParams, passwordMatches } from './password.js';
import { HAN_MIGRATIONS, HAN_SCHEMA_SCOPE } from './schema.js';

/** How logins and sessions behave; the defaults are the portal's. */
export interface HanAuthPolicy {
  /** Failed attempts in a row that lock an account. */
  readonly maxFailures: number;
  readonly lockoutMs: number;
  /** A session ends this long after login, used or not. */
  readonly sessionTtlMs: number;
}

export const DEFAULT_AUTH_POLICY: HanAuthPolicy = { maxFailures: 5, lockoutMs: 15 * 60_000, sessionTtlMs: 60 * 60_000 };

/** 256-bit session tokens. */
export const SESSION_TOKEN_BYTES = 32;

export interface NewConsumerAccount {
  readonly consumerId: string;
  readonly username: string;
  readonly password: string;
}

export interface HanSession {
  /** The cookie value; handed out once at login and never stored. */
  readonly token: string;
  readonly username: string;
  readonly consumerId: string;
  readonly expiresAt: number;
}

export interface SessionView {
  readonly username: string;
  readonly consumerId: string;
  readonly expiresAt: number;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;
const MAX_CONSUMER_ID = 128;

/** Creates the HAN tables if needed (scope `gateway-han`). */
export async function migrateHan(db: Db): Promise<void> {
  await migrate(db, HAN_MIGRATIONS, HAN_SCHEMA_SCOPE);
}

/** Adds a login for a consumer. GW_HAN_BAD_ACCOUNT names the field at fault; GW_HAN_ACCOUNT_EXISTS for a taken name. */
export async function addConsumerAccount(db: Db, a: NewConsumerAccount, now: () => Date = () => new Date()): Promise<void> {
  if (typeof a.consumerId !== 'string' || a.consumerId.trim() === '' || a.consumerId.length > MAX_CONSUMER_ID) {
    throw new GatewayError('GW_HAN_BAD_ACCOUNT', `consumerId: a non-empty string of at most ${MAX_CONSUMER_ID} characters`);
  }
  if (typeof a.username !== 'string' || !USERNAME.test(a.username)) {
    throw new GatewayError('GW_HAN_BAD_ACCOUNT', 'username: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit');
  }
  if (typeof a.password !== 'string' || a.password.length < MIN_PASSWORD || a.password.length > MAX_PASSWORD) {
    throw new GatewayError('GW_HAN_BAD_ACCOUNT', `password: ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
  }
  await migrateHan(db);
  const h = await hashPassword(a.password);
  const changed = await db.run(
    'INSERT INTO han_accounts (username, consumer_id, password_hash, password_salt, password_params, failed_attempts, locked_until, created_at) VALUES ($1, $2, $3, $4, $5, 0, NULL, $6) ON CONFLICT (username) DO NOTHING',
    [a.username, a.consumerId, h.hash, h.salt, JSON.stringify(h.params), now().toISOString()],
  );
  if (changed === 0) throw new GatewayError('GW_HAN_ACCOUNT_EXISTS', `an account named ${JSON.stringify(a.username)} exists already`);
}

interface AccountRow {
  readonly username: string;
  readonly consumer_id: string;
  readonly password_hash: Uint8Array;
  readonly password_salt: Uint8Array;
  readonly password_params: string;
  readonly failed_attempts: number;
  readonly locked_until: number | bigint | null;
}

// Verified against when the user name is unknown, so that a miss costs as long as a wrong password.
let decoy: Promise<PasswordHash> | undefined;

/**
 * Checks a user name and password at `now`. Success resets the failure counter and opens a session.
 * GW_HAN_LOGIN_FAILED for an unknown name or a wrong password (the same answer for both); GW_HAN_LOCKED
 * while the account is locked, and for the failure that locks it.
 */
export async function login(db: Db, username: string, password: string, now: number, policy: HanAuthPolicy = DEFAULT_AUTH_POLICY): Promise<HanSession> {
  if (typeof username !== 'string' || typeof password !== 'string' || username.length > 64 || password.length > MAX_PASSWORD) {
    throw new GatewayError('GW_HAN_LOGIN_FAILED', 'unknown user name or wrong password');
  }
  const [row] = await db.query<AccountRow & Record<string, unknown>>(
    'SELECT username, consumer_id, password_hash, password_salt, password_params, failed_attempts, locked_until FROM han_accounts WHERE username = $1',
    [username],
  );
  if (row === undefined) {
    decoy ??= hashPassword('decoy password');
    await passwordMatches(password, await decoy);
    throw new GatewayError('GW_HAN_LOGIN_FAILED', 'unknown user name or wrong password');
  }
  const lockedUntil = row.locked_until === null ? undefined : Number(row.locked_until);
  if (lockedUntil !== undefined && lockedUntil > now) {
    throw new GatewayError('GW_HAN_LOCKED', `the account is locked until ${new Date(lockedUntil).toISOString()}`);
  }
  const params = parseParams(row.password_params);
  const ok = params !== undefined && (await passwordMatches(password, { hash: new Uint8Array(row.password_hash), salt: new Uint8Array(row.password_salt), params }));
  if (!ok) {
    // A lock that has run out starts a fresh count.
    const before = lockedUntil === undefined ? Number(row.failed_attempts) : 0;
    const failures = before + 1;
    if (failures >= policy.maxFailures) {
      const until = now + policy.lockoutMs;
      await db.run('UPDATE han_accounts SET failed_attempts = $1, locked_until = $2 WHERE username = $3', [failures, until, username]);
      throw new GatewayError('GW_HAN_LOCKED', `too many failed attempts: the account is locked until ${new Date(until).toISOString()}`);
    }
    await db.run('UPDATE han_accounts SET failed_attempts = $1, locked_until = NULL WHERE username = $2', [failures, username]);
    throw new GatewayError('GW_HAN_LOGIN_FAILED', 'unknown user name or wrong password');
  }
  const token = randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
  const expiresAt = now + policy.sessionTtlMs;
  await db.transaction(async (tx) => {
    await tx.run('UPDATE han_accounts SET failed_attempts = 0, locked_until = NULL WHERE username = $1', [username]);
    await tx.run('DELETE FROM han_sessions WHERE expires_at <= $1', [now]);
    await tx.run('INSERT INTO han_sessions (token_hash, username, consumer_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      tokenHash(token),
      row.username,
      row.consumer_id,
      now,
      expiresAt,
    ]);
  });
  return { token, username: row.username, consumerId: row.consumer_id, expiresAt };
}

/** The session a cookie token stands for at `now`; GW_HAN_NO_SESSION when there is none or it has expired. */
export async function resolveSession(db: Db, token: string | undefined, now: number): Promise<SessionView> {
  if (token === undefined || token === '' || token.length > 128) throw new GatewayError('GW_HAN_NO_SESSION', 'not logged in');
  const [row] = await db.query<{ username: string; consumer_id: string; expires_at: number | bigint }>(
    'SELECT username, consumer_id, expires_at FROM han_sessions WHERE token_hash = $1',
    [tokenHash(token)],
  );
  if (row === undefined) throw new GatewayError('GW_HAN_NO_SESSION', 'not logged in');
  const expiresAt = Number(row.expires_at);
  if (expiresAt <= now) {
    await db.run('DELETE FROM han_sessions WHERE token_hash = $1', [tokenHash(token)]);
    throw new GatewayError('GW_HAN_NO_SESSION', 'the session has expired');
  }
  return { username: row.username, consumerId: row.consumer_id, expiresAt };
}

/** Ends a session (logout); true when there was one. */
export async function endSession(db: Db, token: string | undefined): Promise<boolean> {
  if (token === undefined || token === '') return false;
  return (await db.run('DELETE FROM han_sessions WHERE token_hash = $1', [tokenHash(token)])) > 0;
}

/** Until when (ms) an account is locked at `now`, if it is. */
export async function lockedUntil(db: Db, username: string, now: number): Promise<number | undefined> {
  const [row] = await db.query<{ locked_until: number | bigint | null }>('SELECT locked_until FROM han_accounts WHERE username = $1', [username]);
  const until = row?.locked_until == null ? undefined : Number(row.locked_until);
  return until !== undefined && until > now ? until : undefined;
}

const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
