/**
 * The head-end's tables (migration scope 'headend'), one SQL text for SQLite and PostgreSQL. All state lives
 * here, so several head-end processes can share one PostgreSQL: idempotency comes from UNIQUE (emt, message_id),
 * never from memory. Ids are TEXT (UUIDs) and times ISO-8601 TEXT, which both dialects store alike.
 */
import type { Migration } from '../store/index.js';

export const HEADEND_SCOPE = 'headend';

export const HEADEND_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'head-end core tables',
    sql: `
CREATE TABLE he_gateways (
  name TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  wakeup_host TEXT,
  wakeup_port INTEGER,
  created_at TEXT NOT NULL,
  last_contact TEXT
);
CREATE TABLE he_messages (
  id TEXT PRIMARY KEY,
  emt TEXT NOT NULL,
  message_id TEXT NOT NULL,
  provenance TEXT NOT NULL,
  gateway TEXT,
  pseudonym TEXT,
  meter TEXT,
  contract_id TEXT NOT NULL,
  taf INTEGER NOT NULL,
  period_from TEXT NOT NULL,
  period_to TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  signature TEXT NOT NULL,
  signer TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (emt, message_id),
  CHECK ((provenance = 'direct' AND gateway IS NOT NULL AND pseudonym IS NULL)
      OR (provenance = 'pseudonymised' AND gateway IS NULL AND meter IS NULL AND pseudonym IS NOT NULL))
);
CREATE INDEX he_messages_by_meter ON he_messages (emt, meter);
CREATE INDEX he_messages_by_pseudonym ON he_messages (emt, pseudonym);
CREATE TABLE he_values (
  message TEXT NOT NULL REFERENCES he_messages (id),
  seq INTEGER NOT NULL,
  obis TEXT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  unit TEXT NOT NULL,
  at TEXT NOT NULL,
  quality TEXT,
  PRIMARY KEY (message, seq)
);
CREATE TABLE he_commands (
  id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL REFERENCES he_gateways (name),
  type TEXT NOT NULL,
  cms TEXT NOT NULL,
  created_at TEXT NOT NULL,
  delivered_at TEXT,
  completed_at TEXT,
  result_ok INTEGER,
  result_code TEXT,
  result_message TEXT
);
CREATE INDEX he_commands_pending ON he_commands (gateway, completed_at);
CREATE TABLE he_security_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  peer TEXT,
  emt TEXT,
  detail TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX he_security_events_by_kind ON he_security_events (kind);
CREATE TABLE he_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
  {
    id: 2,
    name: 'privacy registry and log',
    // Who a consumer is, as the administrator's commands said it (src/headend/privacy/registry.ts), and the log
    // of what the privacy job removed (src/headend/privacy/log.ts). A meter registration stays, superseded by
    // the next registration of the same meter, so a new tenant never sees the previous one's data.
    sql: `
CREATE TABLE he_privacy_meters (
  id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  meter_id TEXT NOT NULL,
  consumer_id TEXT NOT NULL,
  protocol TEXT NOT NULL,
  command_id TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  superseded_at TEXT
);
CREATE INDEX he_privacy_meters_by_consumer ON he_privacy_meters (consumer_id);
CREATE INDEX he_privacy_meters_by_meter ON he_privacy_meters (gateway, meter_id);
CREATE TABLE he_privacy_contracts (
  gateway TEXT NOT NULL,
  contract_id TEXT NOT NULL,
  meter_id TEXT NOT NULL,
  consumer_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  taf INTEGER NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  command_id TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  ended_at TEXT,
  PRIMARY KEY (gateway, contract_id)
);
CREATE INDEX he_privacy_contracts_by_consumer ON he_privacy_contracts (consumer_id);
CREATE TABLE he_privacy_removals (
  command_id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  contract_id TEXT NOT NULL,
  issued_at TEXT NOT NULL
);
CREATE INDEX he_privacy_removals_by_contract ON he_privacy_removals (gateway, contract_id);
CREATE TABLE he_privacy_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  emt TEXT,
  contract_id TEXT,
  counts TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX he_privacy_events_by_at ON he_privacy_events (at);
-- The job's look-ups: retention by age, erasure by (recipient, contract); without them each run scans he_messages.
CREATE INDEX he_messages_by_received ON he_messages (received_at);
CREATE INDEX he_messages_by_contract ON he_messages (emt, contract_id);
`,
  },
  {
    id: 3,
    name: 'privacy: meter removals',
    // A remove-meter its gateway confirms ends the meter's contracts there (the gateway deactivates them too) and
    // marks the registration removed (src/headend/privacy/registry.ts).
    sql: `
CREATE TABLE he_privacy_meter_removals (
  command_id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  meter_id TEXT NOT NULL,
  issued_at TEXT NOT NULL
);
CREATE INDEX he_privacy_meter_removals_by_meter ON he_privacy_meter_removals (gateway, meter_id);
ALTER TABLE he_privacy_meters ADD COLUMN removed_at TEXT;
`,
  },
];
