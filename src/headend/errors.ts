/**
 * The one error class of the head-end runtime (`src/headend`): intake, pseudonymiser, administration, operator
 * API and configuration. Codes are never renamed or reused; a retired code moves to RETIRED_HEADEND_ERROR_CODES.
 * Security failures (signature, signer, recipient, tampering, keys, replay) each have their own code.
 */
import { CodedError } from '../coded-error.js';

export const HEADEND_ERROR_CODES = {
  // --- configuration and lookup ---
  HE_CONFIG: 'the head-end configuration is not valid (the field is named) or names a party the PKI folder lacks',
  HE_UNKNOWN_EMT: 'the market participant named in the route is not hosted by this head-end',
  HE_UNKNOWN_GATEWAY: 'the gateway is not in the administrator inventory or has no certificates in the PKI folder',
  HE_UNKNOWN_COMMAND: 'no command of that id belongs to the calling gateway',
  HE_BAD_REQUEST: 'an operator API request body or parameter is not valid (the field is named)',
  HE_UNAUTHORIZED: 'an operator API request without the operator token (Authorization: Bearer), or with a wrong one',
  // --- intake: message shape ---
  HE_MALFORMED: 'the body is not a CMS message of the expected shape, or its content is not a valid meter data message',
  HE_ID_MISMATCH: 'the Idempotency-Key header is missing or differs from the messageId inside the protected content',
  HE_PRIVACY: 'a TAF 10 message bypassed the pseudonymiser, or a pseudonymised message carries a gateway or meter identity',
  // --- intake: security verdicts ---
  HE_BAD_SIGNATURE: 'the CMS signature does not verify or names no certificate in the message (forged or altered)',
  HE_UNTRUSTED_SIGNER: 'the CMS signer certificate does not chain to the PKI, may not sign, or is revoked',
  HE_SIGNER_NOT_CALLER: 'the CMS signer is not the calling gateway (or, for pseudonymised data, not this administrator)',
  HE_WRONG_RECIPIENT: 'the message is not encrypted for the market participant it was posted to',
  HE_TAMPERED: 'the encrypted content fails its authentication tag: the ciphertext was altered before signing',
  HE_NO_KEY: "the security module holds no key under the market participant's encryption label",
  HE_WRONG_KEY: "the market participant's key does not match its encryption certificate",
  HE_REPLAY: 'a message id already stored came again with other content or from another sender: refused as a replay',
  HE_INTERNAL: 'an unexpected failure inside the head-end (store unreachable, security module fault): the sender should retry later',
  // --- administration ---
  HE_WAKEUP: 'the gateway has no wake-up address configured, or the wake-up datagram could not be sent',
  // --- privacy: access and erasure ---
  HE_UNKNOWN_CONSUMER: 'no meter or contract of that consumer was ever registered through this administrator',
} as const;

export type HeadendErrorCode = keyof typeof HEADEND_ERROR_CODES;

export const RETIRED_HEADEND_ERROR_CODES: readonly string[] = [];

/** HTTP status of each code: 4xx refuse for good, 5xx tell the gateway's outbox to retry later. */
export const HEADEND_HTTP_STATUS: Readonly<Record<HeadendErrorCode, number>> = {
  HE_CONFIG: 500,
  HE_UNKNOWN_EMT: 404,
  HE_UNKNOWN_GATEWAY: 404,
  HE_UNKNOWN_COMMAND: 404,
  HE_BAD_REQUEST: 400,
  HE_UNAUTHORIZED: 401,
  HE_MALFORMED: 400,
  HE_ID_MISMATCH: 400,
  HE_PRIVACY: 400,
  HE_BAD_SIGNATURE: 403,
  HE_UNTRUSTED_SIGNER: 403,
  HE_SIGNER_NOT_CALLER: 403,
  HE_WRONG_RECIPIENT: 422,
  HE_TAMPERED: 422,
  HE_NO_KEY: 500,
  HE_WRONG_KEY: 500,
  HE_REPLAY: 409,
  HE_INTERNAL: 500,
  HE_WAKEUP: 502,
  HE_UNKNOWN_CONSUMER: 404,
};

export class HeadendError extends CodedError<HeadendErrorCode> {
  override readonly name = 'HeadendError';

  /** The HTTP status an API answers this error with. */
  get status(): number {
    return HEADEND_HTTP_STATUS[this.code];
  }
}

export const isHeadendError = (e: unknown): e is HeadendError => e instanceof HeadendError;
