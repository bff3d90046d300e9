export { PkiError, type PkiErrorCode, PKI_ERROR_CODES, RETIRED_PKI_ERROR_CODES, isPkiError } from './errors.js';
export {
  type CertUsage,
  type Party,
  type Role,
  type SubCaId,
  type TripletUsage,
  EKU_OID,
  GRIDWARDEN_OID_ARC,
  ISSUING_SUB_CA,
  PROFILE,
  ROLES,
  ROLE_POLICY_OID,
  SUB_CAS,
  TRIPLET_USAGES,
  partyOf,
} from './profile.js';
export { type ChainInput, validateChain } from './validate.js';
export { type ModuleSigningKey, SecurityModuleKey, type X509Crypto, moduleSigningKey, securityModuleCrypto } from './module-signer.js';
export { type CertificateKind, type CertificateSpec, type SubjectFields, buildCertificate, keyIdentifier } from './certificates.js';
export { type CrlSpec, type RevocationReason, type RevokedEntry, REVOCATION_REASONS, buildCrl, crlNumberOf, isRevocationReason } from './crl.js';
export { certToPem, crlToPem, parseCertificate, parseCertificates, parseCrls } from './pem.js';
export {
  type CrlSummary,
  type InitOptions,
  type InitSummary,
  type IssueOptions,
  type IssuedCert,
  type PkiContext,
  type RevokeOptions,
  type RolloverSummary,
  KEY_LABELS,
  PKI_FILES,
  checkPartyName,
  initPki,
  issueCrl,
  issueParty,
  revoke,
  rollover,
} from './ca.js';
export { type PartyCertificate, type PartyCredentials, type PkiDir, openPkiDir, readBundle } from './pki-dir.js';
