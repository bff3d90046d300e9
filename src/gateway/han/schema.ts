import type { Migration } from '../../store/migrations.js';

/** Migration scope of the HAN portal's tables (consumer accounts and their sessions). */
export const HAN_SCHEMA_SCOPE = 'gateway-han';

/**
 * han_accounts: one login of a consumer (a consumer may have several). The password is kept as its scrypt
 * hash with the salt and the parameters it was made with (JSON), so parameters can be raised later without
 * locking anyone out. failed_attempts counts failures since the last success; locked_until (ms since epoch)
 * is set when they reach the limit.
 * han_sessions: the SHA-256 of each session token (the token itself exists only in the browser's cookie).
 */
export const HAN_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'han portal accounts',
    sql: `
CREATE TABLE han_accounts (
  username TEXT PRIMARY KEY,
  consumer_id TEXT NOT NULL,
  password_hash BYTEA NOT NULL,
  password_salt BYTEA NOT NULL,
  password_params TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT,
  created_at TEXT NOT NULL
);
CREATE INDEX han_accounts_consumer ON han_accounts (consumer_id);
CREATE TABLE han_sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES han_accounts (username) ON DELETE CASCADE,
  consumer_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX han_sessions_expiry ON han_sessions (expires_at);
`,
  },
];
