export { TlsProfileError, type TlsProfileErrorCode, TLS_PROFILE_ERROR_CODES, RETIRED_TLS_PROFILE_ERROR_CODES, isTlsProfileError } from './errors.js';
export {
  type CertificatePolicy,
  type OptionalGroup,
  type ProfileTlsOptions,
  type TlsCredentials,
  type TlsGroupName,
  type TlsProfileOptions,
  type TlsSide,
  type TlsTrust,
  type TlsVariant,
  CERTIFICATE_CURVES,
  PROFILE_SECURE_OPTIONS,
  SESSION_LIFETIME_S,
  TLS12_SUITES,
  TLS13_SUITES,
  TLS_GROUPS,
  certificateViolations,
  profileSecureContext,
  profileTlsOptions,
} from './tls-profile.js';
export { type CertificateFacts, certificateFacts } from './certificate-facts.js';
export { type IdentifyParty, type WanCaller, identifyByPki, peerParty } from './peer-party.js';
export { type HeadEndServer, type HeadEndServerOptions, type RefusalInfo, type RoleRoute, createHeadEndServer } from './server.js';
export { type ExpectedServer, type WanClient, type WanClientOptions, type WanRequest, type WanResponse, createWanClient } from './client.js';
export { type PartyTls, partyTlsFromPkiDir } from './pki-credentials.js';
export { type WakeUp, WAKEUP_MAX_BYTES, WAKEUP_VERSION, decodeWakeUp, encodeWakeUp, encodeWakeUpBody } from './wakeup.js';
export { type WakeUpSenderOptions, type WakeUpTarget, sendWakeUp, signWakeUp } from './wakeup-sender.js';
export {
  type WakeUpLogEvent,
  type WakeUpPolicy,
  type WakeUpReceiver,
  type WakeUpReceiverOptions,
  type WakeUpRefusal,
  type WakeUpVerdict,
  createWakeUpJudge,
  startWakeUpReceiver,
} from './wakeup-receiver.js';
export { type CheckLine, type TlsObservations, evaluateTls, isCompliant } from './tls-compliance.js';
export { type TlsCheckOptions, type TlsCheckReport, checkTls, formatReport } from './tls-check.js';
