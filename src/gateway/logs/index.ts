export {
  CHECKPOINT_KINDS,
  type CheckpointKind,
  type JsonValue,
  LOG_EVENTS,
  LOG_LEVELS,
  LOG_NAMES,
  LOG_OUTCOMES,
  type LogEntry,
  type LogEvent,
  type LogLevel,
  type LogName,
  type LogOutcome,
  isLogName,
} from './events.js';
export { canonicalJson } from './canonical-json.js';
export { GENESIS_HASH, checkpointPayload, encodeRecord, recordHash } from './record-hash.js';
export { type LogVerifyKey, checkpointHash, verifyKeyFromKeyObject, verifyKeyFromPem, verifyKeyFromPoint } from './log-key.js';
export { LOG_MIGRATIONS, LOG_SCHEMA_SCOPE } from './schema.js';
export type { LogMeta, StoredCheckpoint, StoredRecord } from './rows.js';
export { type ChainBreak, type ChainBreakCode, type ChainInput, type ChainSummary, type ChainVerdict, type CheckpointSummary, verifyChain } from './verify-chain.js';
export { type KeySource, type LogVerdict, type VerifyLogOptions, verifyLog } from './verify-log.js';
export { DEFAULT_READ_LIMIT, type LogRecordView, type ReadOptions, readConsumerLog, readRecords } from './read-records.js';
export {
  type AppendedRecord,
  type CheckpointInfo,
  DEFAULT_CHECKPOINT_EVERY,
  GatewayLogs,
  type GatewayLogsOptions,
  type PurgeResult,
} from './gateway-logs.js';
