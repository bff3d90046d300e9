export { type GatewayConfig, type GatewayConfigInput, type LmnInputConfig, LMN_DEFAULT_HOST, gatewayConfigSchema, loadGatewayConfig, parseGatewayConfig } from './config.js';
export { GATEWAY_MIGRATIONS, GATEWAY_SCHEMA_SCOPE } from './schema.js';
export { METER_KEY_LABELS, type MeterKeyVault, openMeterKeyVault } from './meter-keys.js';
export {
  type EmtCertificates,
  type MeterRecord,
  type MeterRegistration,
  type StoredContract,
  activeContracts,
  addContract,
  certSha256,
  findMeter,
  registerMeter,
  removeContract,
  removeMeter,
  setEmtCertificates,
} from './registry.js';
export { type MeterDecode, decodeForMeter, senderOf } from './meter-frames.js';
export { type FrameInput, type IngestContext, type IngestOutcome, type IngestStats, Ingestor, type ProtectFor, loadPosition, refusalFor } from './ingest.js';
export { ROUTES, type UplinkMessage, WIRE_VERSION, uplinkMessage } from './uplink-message.js';
export { type Backoff, retryDelay } from './backoff.js';
export { type DrainResult, type OutboxCounts, type OutboxOptions, OutboxSender } from './outbox.js';
export { COMMAND_TYPES, type CommandContext, type CommandResult, type CommandType, applyCommand, pollCommands } from './commands.js';
export { type GatewayIdentity, loadAdminCertificate, loadIdentity } from './identity.js';
export { type FrameSink, type InputDeps, type LmnInput, inputName, startInput } from './lmn/inputs.js';
export { DB_FILE, type GatewayRuntime, type RuntimeEvent, type RuntimeOptions, openGatewayStore, startGateway } from './runtime.js';
