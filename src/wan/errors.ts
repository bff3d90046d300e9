/**
 * The one error class of the WAN: the TLS profile, the HTTPS glue and the wake-up path.
 * A published code is never renamed or reused: retired codes are listed below and stay retired.
 */
import { CodedError } from '../coded-error.js';

export const TLS_PROFILE_ERROR_CODES = {
  // --- profile and own credentials ---
  WAN_BAD_OPTIONS: 'the profile or endpoint options are not valid (missing trust anchors, CRLs, certificate or key)',
  WAN_BAD_CERTIFICATE: 'our own certificate does not fit the profile (key type, curve, signature hash, key usage)',
  // --- peers ---
  WAN_PEER_UNTRUSTED: 'the peer certificate chain did not validate (unknown CA, revoked, expired, no certificate)',
  WAN_PEER_POLICY: 'the peer certificate validated but is not a TLS certificate of the profile (key usage, curve)',
  WAN_PEER_UNKNOWN: 'the peer certificate names no party of a known role',
  WAN_PEER_UNEXPECTED: 'the server is not the party the client expected (role or name)',
  WAN_FORBIDDEN: 'the caller role may not use this route',
  WAN_CONNECT: 'no TLS connection could be set up with the peer (refused, handshake failure, timeout)',
  // --- wake-up ---
  WAN_WAKEUP_MALFORMED: 'a wake-up datagram is truncated, too long or has a field the layout does not allow',
  WAN_WAKEUP_VERSION: 'a wake-up datagram carries a layout version this gateway does not know',
  WAN_WAKEUP_OTHER_GATEWAY: 'a wake-up datagram names another gateway',
  WAN_WAKEUP_STALE: 'a wake-up timestamp is more than the allowed skew in the past',
  WAN_WAKEUP_FUTURE: 'a wake-up timestamp is more than the allowed skew in the future',
  WAN_WAKEUP_REPLAY: 'a wake-up timestamp is not newer than the last accepted one',
  WAN_WAKEUP_BAD_SIGNATURE: 'a wake-up signature does not verify against the pinned administrator certificate',
  WAN_WAKEUP_RATE_LIMITED: 'a valid wake-up came sooner than the minimum interval after the last connection',
  WAN_WAKEUP_SIGNER: 'the security module returned a signature that is not a DER ECDSA signature of the key size',
  // --- tls-check ---
  WAN_PROBE_FAILED: 'the endpoint could not be probed at all (no TCP connection, openssl missing)',
} as const;

export type TlsProfileErrorCode = keyof typeof TLS_PROFILE_ERROR_CODES;

/** Codes that were published once and must not be used again. */
export const RETIRED_TLS_PROFILE_ERROR_CODES: readonly string[] = [];

export class TlsProfileError extends CodedError<TlsProfileErrorCode> {
  override readonly name = 'TlsProfileError';
}

export const isTlsProfileError = (e: unknown): e is TlsProfileError => e instanceof TlsProfileError;
