/**
 * The one error class of the meter simulator (`src/sim`). Codes are never renamed or reused; a retired code
 * moves to RETIRED_SIM_ERROR_CODES.
 */
import { CodedError } from '../coded-error.js';

export const SIM_ERROR_CODES = {
  SIM_BAD_OPTION: 'a simulator option is not valid (seed, meter count, time before the profile origin, id, key length, feed interval or bound)',
  SIM_NOT_LOOPBACK: 'a feed was asked to send to an address that is not loopback (the simulator sends to 127.0.0.1 / ::1 only)',
  SIM_FEED_FAILED: 'the feed socket failed (connection refused or reset, send error)',
} as const;

export type SimErrorCode = keyof typeof SIM_ERROR_CODES;

/** Codes that were published once and must not be used again. */
export const RETIRED_SIM_ERROR_CODES: readonly string[] = [];

export class SimError extends CodedError<SimErrorCode> {
  override readonly name = 'SimError';
}
