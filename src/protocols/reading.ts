/**
 * The reading model shared by every meter protocol: what a meter said, in one shape,
 * whatever the wire format was.
 */

export type Protocol = 'wmbus' | 'dlms' | 'dsmr' | 'sml';

/** How a value was formed over time (EN 13757-3 function field; DLMS/SML equivalents). */
export type ValueFunction = 'instantaneous' | 'maximum' | 'minimum' | 'error';

export type ReadingValue = number | string | boolean | null;

export interface Reading {
  /** OBIS-style id ("1-0:1.8.0", "8-0:1.0.0") where one exists for the quantity. */
  readonly obis?: string;
  /** What is measured, in plain words: "energy", "volume", "power", "flow temperature", "date time" ... */
  readonly quantity: string;
  /** Scaled value: numbers are already multiplied by the scaler; dates are ISO 8601 strings. */
  readonly value: ReadingValue;
  /** SI or customary unit ("kWh", "m3", "W", "°C"), absent for dimensionless values. */
  readonly unit?: string;
  readonly storage?: number;
  readonly tariff?: number;
  readonly subunit?: number;
  readonly function?: ValueFunction;
  /** Time the value belongs to, ISO 8601 UTC, when the frame says. */
  readonly timestamp?: string;
  /** M-Bus channel / sub-device (DSMR 0-n, wM-Bus subunit), when not the main meter. */
  readonly channel?: number;
  /** Raw bytes (hex) of manufacturer-specific or undecodable data, kept rather than dropped. */
  readonly raw?: string;
}

export interface MeterIdentity {
  readonly id?: string;
  readonly manufacturer?: string;
  readonly medium?: string;
  readonly version?: number;
  /** DLMS system title (hex). */
  readonly systemTitle?: string;
}

/** Outcome of the security checks for one frame. */
export type SecurityVerdict =
  | 'plaintext'
  | 'decrypted'
  | 'decrypted-authenticated'
  | 'authenticated';

/** One decoded frame in protocol-independent form, as `gridwarden decode` prints it. */
export interface DecodedFrame {
  readonly protocol: Protocol;
  readonly meter: MeterIdentity;
  /** Security mechanism used on the wire: "none", "mode5", "mode7", "ell-aes-ctr", "suite0", ... */
  readonly security: string;
  readonly verdict: SecurityVerdict;
  readonly readings: readonly Reading[];
  /** Things a user should know that did not stop decoding (for example a key given for a plaintext frame). */
  readonly warnings: readonly string[];
  /** Protocol-specific headers of every layer, for diagnostics. */
  readonly layers?: Readonly<Record<string, unknown>>;
}
