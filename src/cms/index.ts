export { CmsError, type CmsErrorCode, CMS_ERROR_CODES, RETIRED_CMS_ERROR_CODES } from './errors.js';
export { type KeyAndCert, type ProtectOptions, type ResignOptions, type Unprotected, type UnprotectOptions, protect, resign, unprotect } from './protect.js';
export { type Trust, type TrustCheck, type TrustFailure, type TrustStore, type Verified, verifySigned } from './verify.js';
export { type ContentEncryption, type ContentEncryptionRead, type Envelope, type Opened, envelope, openEnvelope } from './envelope.js';
export { type SignOptions, type SignerKey, signContent } from './sign.js';
export type { RecipientKey } from './key-agree.js';
export { unwrapContentInfo, wrapContentInfo } from './der.js';
export { ATTRIBUTE, CONTENT_TYPE } from './oids.js';
