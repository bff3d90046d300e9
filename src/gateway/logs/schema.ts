import type { Migration } from '../../store/migrations.js';

/** Migration scope of the gateway logs in the gateway's store. */
export const LOG_SCHEMA_SCOPE = 'gateway-logs';

/**
 * gw_logs: one row per log: the signing key pinned when the log was created (label, curve, uncompressed
 * point), and the head (last seq and hash, seq of the last checkpoint) that appends lock and advance.
 * gw_log_records: the chain. gw_log_checkpoints: signed (seq, hash) pairs; `anchor` rows start the chain
 * after a purge. BYTEA is a BLOB-affinity type name for SQLite, so one text serves both back ends.
 */
export const LOG_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'hash-chained logs',
    sql: `
CREATE TABLE gw_logs (
  log TEXT PRIMARY KEY,
  key_label TEXT NOT NULL,
  curve TEXT NOT NULL,
  public_key BYTEA NOT NULL,
  created_at TEXT NOT NULL,
  head_seq BIGINT NOT NULL,
  head_hash BYTEA NOT NULL,
  checkpoint_seq BIGINT NOT NULL
);
CREATE TABLE gw_log_records (
  log TEXT NOT NULL,
  seq BIGINT NOT NULL,
  time TEXT NOT NULL,
  level TEXT NOT NULL,
  event TEXT NOT NULL,
  text TEXT NOT NULL,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  consumer_id TEXT,
  prev_hash BYTEA NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (log, seq)
);
CREATE INDEX gw_log_records_consumer ON gw_log_records (consumer_id, seq);
CREATE TABLE gw_log_checkpoints (
  log TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  hash BYTEA NOT NULL,
  time TEXT NOT NULL,
  signature BYTEA NOT NULL,
  PRIMARY KEY (log, seq)
);
`,
  },
];
