export { DEFAULT_AUTH_POLICY, type HanAuthPolicy, type HanSession, type NewConsumerAccount, type SessionView, SESSION_TOKEN_BYTES, addConsumerAccount, endSession, login, migrateHan, resolveSession } from './accounts.js';
export {
  type ConsentState,
  type ConsumerConsents,
  type ConsumerContract,
  type ConsumerLogEntry,
  type ConsumerMeter,
  type ContractConsent,
  type CurrentValue,
  consumerConsents,
  consumerContracts,
  consumerLog,
  consumerMeters,
  meterLoadCurves,
} from './consumer-data.js';
export { checkSameOrigin } from './same-origin.js';
export { CURVE_STEPS, type CurvePoint, type CurveRange, type CurveStep, type LoadCurve, type RegisterReading, loadCurves } from './load-curve.js';
export { SCRYPT_PARAMS, type ScryptParams } from './password.js';
export { PORTAL_CURVE, type PortalCertificate, type PortalCertificateSpec, issuePortalCertificate } from './portal-certificate.js';
export { DEFAULT_STATIC_DIR, type HanAppOptions, createHanApp } from './portal-app.js';
export { HAN_MIGRATIONS, HAN_SCHEMA_SCOPE } from './schema.js';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers.js';
export { SESSION_COOKIE } from './session-cookie.js';
export { DEFAULT_HAN_PORT, DEFAULT_PORTAL_KEY_LABEL, type GatewayPortalOptions, type HanPortal, type HanPortalOptions, startGatewayPortal, startHanPortal } from './start-portal.js';
export { type PortalTlsCredentials, portalTlsOptions } from './tls-options.js';
export { type ConsumerAddOptions, PASSWORD_ENV, addConsumerFromConfig, readConsumerPassword } from './consumer-command.js';
