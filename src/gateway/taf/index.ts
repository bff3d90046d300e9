export {
  FEED_IN,
  GRID_VALUES,
  MAX_STAGES,
  REGISTERS,
  TAF_NUMBERS,
  type TafNumber,
  isInstantaneous,
  normaliseObis,
  stageRegister,
  tafCarries,
} from './allowed.js';
export {
  type BillingPeriod,
  type Contract,
  type ContractId,
  type ContractInput,
  type ContractIssue,
  type ContractOf,
  type ContractRejection,
  DEFAULT_INTERVAL_MINUTES,
  DEFAULT_TIME_ZONE,
  INTERVAL_MINUTES,
  type StageWindow,
  TAF14_INTERVAL_SECONDS,
  contractOrThrow,
  needsConsent,
  parseContract,
  samplingSeconds,
} from './contract.js';
export { type OnDemandReading, type TafStep, applyContract, requestReading } from './engine.js';
export { type IgnoreReason, type Period, type TafMessage, type TafNotice, type TafRecipient, type TafValue, type ValueSource, messageId } from './message.js';
export { type MeterReading, stampReadings } from './meter-reading.js';
export { type HeldValue, type OnDemandState, type SnapshotState, type StagesState, type TafState, initialState, parseTafState } from './state.js';
