/**
 * The one error class of CMS content protection (src/cms), with its closed set of codes.
 * A published code is never renamed or reused: retired codes are listed below and stay retired.
 */
import { CodedError } from '../coded-error.js';

export const CMS_ERROR_CODES = {
  // --- structure ---
  CMS_MALFORMED: 'the DER is not a CMS structure of the expected shape (truncated, wrong tags, missing fields)',
  CMS_UNSUPPORTED_ALGORITHM: 'a well-formed message uses an algorithm, curve or content type this implementation does not offer',
  CMS_BAD_ARGUMENT: 'an argument to protect or resign is not usable (no recipients, empty pseudonym, signer certificate without SKI)',
  // --- signature layer ---
  CMS_NO_SIGNER_CERT: 'no certificate in the message matches the signer identifier',
  CMS_BAD_SIGNATURE: 'the message digest or the signature over the signed attributes does not verify',
  CMS_UNTRUSTED_SIGNER: 'the signer certificate does not chain to a trusted root or may not sign',
  CMS_SIGNER_REVOKED: 'the signer certificate or one of its CAs is revoked',
  // --- encryption layer ---
  CMS_WRONG_RECIPIENT: 'the message has no RecipientInfo for our certificate',
  CMS_NO_KEY: 'the security module holds no key under the recipient or signer label',
  CMS_WRONG_KEY: 'the content-encryption key does not unwrap with our key agreement (our key does not match the certificate)',
  CMS_TAMPERED_CIPHERTEXT: 'the GCM tag (or CBC padding) of the content does not verify: the ciphertext was altered',
} as const;

export type CmsErrorCode = keyof typeof CMS_ERROR_CODES;

/** Codes that were published once and must not be used again. */
export const RETIRED_CMS_ERROR_CODES: readonly string[] = [];

export class CmsError extends CodedError<CmsErrorCode> {
  override readonly name = 'CmsError';
}
