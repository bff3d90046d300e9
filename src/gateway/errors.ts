/**
 * Errors of the gateway runtime (`src/gateway`): one class for all of it, codes grouped by area below.
 * Codes are never renamed or reused; a retired code moves to RETIRED_GATEWAY_ERROR_CODES.
 */
import { CodedError } from '../coded-error.js';
export const GATEWAY_ERROR_CODES = {
  // --- general ---
  GW_BAD_INPUT: 'an argument is not valid (log name, event type for that log, level, outcome, text, details, consumer id, sequence number)',
  GW_NO_SIGNING_KEY: 'the security module holds no key under the gateway log-signing label',
  // --- logs: setup and keys ---
  GW_LOG_NOT_FOUND: 'the database holds no gateway log of that name (no log tables, or the log was never created)',
  GW_LOG_KEY_MISMATCH: 'the public key pinned for the log is not the verification key given, or not the signing key of the security module',
  GW_LOG_BAD_KEY: 'the verification key (given, or pinned in the database) is not a usable EC public key',
  GW_LOG_BROKEN: 'an operation that needs an intact chain (purge) found it broken; nothing was changed',
  // --- logs: verification verdicts (the first broken record) ---
  GW_LOG_HASH_MISMATCH: "a record's hash does not match its fields: the record was edited",
  GW_LOG_LINK_MISMATCH: "a record's previous hash is not the hash of the record before it: that record was rewritten with a recomputed hash",
  GW_LOG_GAP: 'a sequence number is missing: records were deleted',
  GW_LOG_ORDER: 'records are out of order: a sequence number repeats or goes back, or a record chains to another record than the one before it',
  GW_LOG_BAD_SIGNATURE: 'a checkpoint signature does not verify with the verification key: forged, altered or signed by another key',
  GW_LOG_CHECKPOINT_MISMATCH: 'a validly signed checkpoint names a hash that the chain does not have at that sequence number',
  GW_LOG_TRUNCATED: 'records are missing from the end: a checkpoint or the log head covers records that are gone',
  GW_LOG_HEAD_MISMATCH: 'the log head kept beside the chain disagrees with its last record: records were appended outside the gateway',
  GW_LOG_MALFORMED: 'a record or checkpoint holds a value no writer produces (hash length, unknown event, timestamp, details not JSON)',
  // --- TAF and contracts ---
  GW_TAF_BAD_CONTRACT: 'a contract fails validation (the field is named: stages overlapping or leaving hours uncovered, interval not allowed, value not allowed for the TAF, TAF 10 without pseudonymisation ...)',
  GW_TAF_BAD_STATE: 'the TAF engine state given is malformed or belongs to another contract or TAF (persisted state damaged or mixed up)',
  GW_TAF_BAD_TIME: 'the time given to the TAF engine ("now") is not a valid ISO 8601 instant',
  GW_TAF_WRONG_TAF: 'an operation of one TAF was asked of a contract of another TAF (an on-demand reading of a contract that is not TAF 6)',
  // --- runtime ---
  GW_CONFIG: 'the gateway configuration file cannot be read or is not valid (the message names the field path)',
  GW_UNKNOWN_METER: 'a frame came from a meter that is not registered, or is registered inactive',
  GW_FRAME_REFUSED: 'a frame could not be decoded (corrupt, truncated, unsupported); the codec code is named',
  GW_METER_NO_KEY: 'the meter sent an encrypted frame and the gateway holds no key for it',
  GW_METER_WRONG_KEY: "the meter's frame does not decrypt or authenticate with the key registered for it",
  GW_REPLAY: 'a frame repeats one already accepted, or its message/invocation counter did not increase',
  GW_METER_KEYS: 'the sealed meter-key store cannot be opened: the data-key pair is missing from the security module, or a sealed key does not authenticate under it',
  GW_NO_RECIPIENT: "a contract's recipient has no encryption certificate registered whose SHA-256 matches the contract",
  GW_COMMAND_REFUSED: 'an administration command was refused: not for this gateway, already applied, older than the last applied, unknown type or bad payload',
  GW_DELIVERY_REFUSED: 'the head-end refused an outbox message with 4xx: the message is parked, not retried',
  // --- privacy: consent, sampling policy, erasure ---
  GW_CONSENT_UNKNOWN_CONTRACT: "a consent was asked for a contract that is not known, has ended, or is not this consumer's (not told apart)",
  GW_CONSENT_NOT_NEEDED: 'a consent was asked for a contract that the privacy policy lets run without consent (billing, coarse sampling)',
  GW_CONSENT_ALREADY_GRANTED: 'consent for the contract is in force already: nothing granted twice',
  GW_CONSENT_NOT_GRANTED: 'consent for the contract is not in force: there is nothing to withdraw',
  GW_PRIVACY_POLICY: 'a contract samples finer than the privacy policy allows at all (finestIntervalSeconds): refused, nothing stored',
  // --- HAN portal ---
  GW_HAN_BAD_ACCOUNT: 'a consumer account cannot be created: consumer id, user name or password not acceptable (the field is named)',
  GW_HAN_ACCOUNT_EXISTS: 'a consumer account of that user name exists already',
  GW_HAN_LOGIN_FAILED: 'HAN login refused: unknown user name or wrong password (not told apart)',
  GW_HAN_LOCKED: 'HAN login refused: the account is locked after too many failed attempts until the time given',
  GW_HAN_NO_SESSION: 'a HAN request without a valid session: no cookie, unknown token, expired or logged out',
  GW_HAN_NOT_FOUND: "a HAN request for a meter (or page) that is not the consumer's own: answered 404 like one that does not exist",
  GW_HAN_BAD_QUERY: 'a HAN request with a malformed parameter or body (from/to not ISO 8601, unknown step, range too long, body not JSON)',
  GW_HAN_CERTIFICATE: "the portal's TLS certificate cannot be made or used (no key under the label, not secp256r1)",
  GW_HAN_CROSS_ORIGIN: 'a state-changing HAN request (login, consent) that a browser marks as coming from another site or origin (CSRF): refused with 403',
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

export const RETIRED_GATEWAY_ERROR_CODES: readonly string[] = [];

export class GatewayError extends CodedError<GatewayErrorCode> {
  override readonly name = 'GatewayError';
}
