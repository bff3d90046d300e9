export { type ConsumerExport, type ExportedMessage, type ExportedValue, type RecipientData, exportConsumer } from './export.js';
export { CSV_COLUMNS, type CsvCell, type CsvColumn, csvCell, csvLine, exportToCsv } from './csv.js';
export { type ErasedContract, eraseEndedContracts } from './erasure.js';
export {
  type PrivacyJobReport,
  type PrivacyPolicy,
  type PrivacySchedule,
  type ScheduleOptions,
  recordJobFailure,
  runPrivacyJob,
  schedulePrivacyJob,
} from './job.js';
export { PRIVACY_EVENT_KINDS, type PrivacyCounts, type PrivacyEvent, type PrivacyEventKind, listPrivacyEvents, recordPrivacyEvent } from './log.js';
export { pseudonymLookup } from './pseudonyms.js';
export {
  type ContractFacts,
  type ContractRecord,
  type IssuedCommand,
  type MeterRegistration,
  consumerContracts,
  contractsEndedBefore,
  meterRegistrations,
  recordIssuedCommand,
  settleRemovals,
} from './registry.js';
export { type PurgeCounts, type RetentionPolicy, purgeExpired, retentionCutoff } from './retention.js';
