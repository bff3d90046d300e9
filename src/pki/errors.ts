/**
 * The one error class of the PKI: certificate profiles, CA operations, CRLs and chain validation.
 * A published code is never renamed or reused: retired codes are listed below and stay retired.
 */
import { CodedError } from '../coded-error.js';


export const PKI_ERROR_CODES = {
  // --- input and files ---
  PKI_BAD_INPUT: 'an argument is not valid (party name, role, usage, revocation reason, date)',
  PKI_PARSE: 'a certificate or CRL is not valid PEM/DER X.509',
  PKI_DIR: 'the PKI folder is missing, incomplete or its state file is damaged',
  PKI_EXISTS: 'the PKI folder, the party or a key label in the security module exists already',
  PKI_BUSY: 'another operation holds the PKI folder\'s lock (pki.lock) longer than the wait allows',
  PKI_NO_PARTY: 'no party of that name (or no certificate of that usage) in the PKI folder',
  PKI_NO_KEY: 'the security module holds no key (or a different key) under the label the CA or party needs',
  PKI_UNSUPPORTED_ALGORITHM: 'a key or signature algorithm outside the profile (EC on brainpool or NIST curves, ECDSA)',
  // --- chain building ---
  PKI_NO_ISSUER: 'no issuer certificate for a certificate of the chain among the intermediates and roots',
  PKI_UNTRUSTED: 'the chain ends at a self-signed certificate that is not one of the trusted roots',
  // --- chain validation (security failures, each its own code) ---
  PKI_BAD_SIGNATURE: 'a certificate signature does not verify with its issuer key: forged or altered',
  PKI_EXPIRED: 'a certificate of the chain has expired at the validation time',
  PKI_NOT_YET_VALID: 'a certificate of the chain is not yet valid at the validation time',
  PKI_NOT_CA: 'an issuer certificate is not a CA (BasicConstraints CA:FALSE or no keyCertSign)',
  PKI_PATH_LENGTH: 'a CA path length constraint is exceeded',
  PKI_WRONG_USAGE: 'the key usage or extended key usage of the end certificate does not allow the use asked for',
  PKI_REVOKED: 'a certificate of the chain is listed on its issuer CRL',
  PKI_NO_CRL: 'no CRL of an issuer in the chain: the chain cannot be checked for revocation',
  PKI_CRL_BAD_SIGNATURE: 'a CRL signature does not verify with its issuer key: forged or altered',
  PKI_CRL_EXPIRED: 'a CRL is not current at the validation time (nextUpdate passed or thisUpdate ahead)',
} as const;

export type PkiErrorCode = keyof typeof PKI_ERROR_CODES;

/** Codes that were published once and must not be used again. */
export const RETIRED_PKI_ERROR_CODES: readonly string[] = [];

export class PkiError extends CodedError<PkiErrorCode> {
  override readonly name = 'PkiError';
  /** Subject of the certificate (or issuer of the CRL) the error is about, when there is one. */
  readonly subject: string | undefined;

  constructor(code: PkiErrorCode, message: string, subject?: string) {
    super(code, message);
    this.subject = subject;
  }

  override toJSON(): { code: PkiErrorCode; message: string; subject?: string } {
    return this.subject === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, subject: this.subject };
  }
}

export const isPkiError = (e: unknown): e is PkiError => e instanceof PkiError;
