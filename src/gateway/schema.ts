import type { Migration } from '../store/migrations.js';

/** Migration scope of the gateway runtime's tables (the logs have their own scope). */
export const GATEWAY_SCHEMA_SCOPE = 'gateway';

/**
 * gw_meters: the meter registry. A meter's AES key is sealed (AES-256-GCM, see meter-keys.ts) under the data
 * key named by key_label; NULL for meters that send in the clear (DSMR P1, SML).
 * gw_frames: the hash of every accepted frame per meter: a frame seen twice is a replay even for protocols
 * without counters (wM-Bus mode 5). gw_readings: what meters said. gw_counters: the last accepted message /
 * invocation counters of a meter (JSON of the codec's snapshot).
 * gw_contracts: contracts (JSON as validated by taf/contract.ts) with the TAF engine's state.
 * gw_emt_certs: market participants' certificates, found by the SHA-256 of the ENC certificate a contract names.
 * gw_outbox: protected messages until the head-end acknowledges them; message_id is the idempotency key.
 * gw_commands: applied administration commands (id once only, issued_at never older than the last).
 * gw_input_offsets: how far a file input was ingested, advanced in the frame's own transaction.
 *
 * Migration 2 (privacy, issue 9): gw_consents keeps the consumer's consents per contract, one row per grant
 * (n counts them), withdrawn_at set on withdrawal: grant, withdraw, grant again is two rows. On gw_contracts,
 * consent_required is the privacy policy's verdict when the contract was added (NULL on rows of migration 1:
 * the contract's own requiresConsent then); ended_at marks a contract whose recipient's data was erased;
 * sent_summary keeps what the privacy report needs of its delivered messages after the copies are gone
 * (JSON {"messages","firstAt","lastAt"}).
 */
export const GATEWAY_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'gateway runtime',
    sql: `
CREATE TABLE gw_meters (
  meter_id TEXT PRIMARY KEY,
  protocol TEXT NOT NULL,
  key_label TEXT,
  key_sealed BYTEA,
  consumer_id TEXT NOT NULL,
  active INTEGER NOT NULL,
  registered_at TEXT NOT NULL
);
CREATE TABLE gw_frames (
  meter_id TEXT NOT NULL REFERENCES gw_meters (meter_id) ON DELETE CASCADE,
  frame_hash BYTEA NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (meter_id, frame_hash)
);
CREATE TABLE gw_readings (
  meter_id TEXT NOT NULL,
  obis TEXT NOT NULL,
  value TEXT NOT NULL,
  unit TEXT,
  at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  frame_hash BYTEA NOT NULL
);
CREATE INDEX gw_readings_meter ON gw_readings (meter_id, at);
CREATE TABLE gw_counters (
  meter_id TEXT PRIMARY KEY REFERENCES gw_meters (meter_id) ON DELETE CASCADE,
  state TEXT NOT NULL
);
CREATE TABLE gw_contracts (
  contract_id TEXT PRIMARY KEY,
  meter_id TEXT NOT NULL,
  contract TEXT NOT NULL,
  state TEXT,
  active INTEGER NOT NULL,
  added_at TEXT NOT NULL
);
CREATE INDEX gw_contracts_meter ON gw_contracts (meter_id, active);
CREATE TABLE gw_emt_certs (
  enc_sha256 TEXT PRIMARY KEY,
  emt TEXT NOT NULL,
  enc_pem TEXT NOT NULL,
  sig_pem TEXT NOT NULL
);
CREATE TABLE gw_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL UNIQUE,
  recipient TEXT NOT NULL,
  route TEXT NOT NULL,
  contract_id TEXT NOT NULL,
  consumer_id TEXT NOT NULL,
  cms BYTEA NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  delivered_at TEXT,
  parked_at TEXT,
  last_error TEXT
);
CREATE INDEX gw_outbox_due ON gw_outbox (delivered_at, parked_at, next_attempt_at);
CREATE TABLE gw_commands (
  command_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  ok INTEGER NOT NULL,
  result TEXT NOT NULL,
  reported INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE gw_input_offsets (
  input TEXT PRIMARY KEY,
  position BIGINT NOT NULL
);
`,
  },
  {
    id: 2,
    name: 'privacy: consents and erasure',
    sql: `
CREATE TABLE gw_consents (
  contract_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  consumer_id TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  withdrawn_at TEXT,
  PRIMARY KEY (contract_id, n)
);
CREATE INDEX gw_consents_consumer ON gw_consents (consumer_id);
ALTER TABLE gw_contracts ADD COLUMN consent_required INTEGER;
ALTER TABLE gw_contracts ADD COLUMN ended_at TEXT;
ALTER TABLE gw_contracts ADD COLUMN sent_summary TEXT;
`,
  },
];
