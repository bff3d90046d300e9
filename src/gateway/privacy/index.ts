export { type ConsentRecord, type ConsentSubject, consentInForce, consentsOf, grantConsent, withdrawConsent } from './consent.js';
export { DATA_CLASSES, DEFAULT_PRIVACY_POLICY, type Granularity, type PrivacyPolicy, checkSampling, consentRequiredBy, granularityOf, valuesOf } from './policy.js';
export { type ErasureResult, FINAL_PERIOD_GRACE_MS, type SentSummary, eraseContract, eraseEndedContracts, logErasure } from './erasure.js';
export { type ConsumerPrivacy, type LegalBasis, type PrivacyReport, type RecipientFlow, formatReport, privacyReport } from './report.js';
export { type ConsumerExport, EXPORT_VERSION, type LegalBasisKind, exportConsumerData, exportCsv, legalBasisOf } from './export.js';
export { type PurgeCounts, type RetentionCutoffs, type RetentionPolicy, type RetentionPurge, PURGED_LOGS, purgeExpired, retentionCutoffs } from './retention.js';
