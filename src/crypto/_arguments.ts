import { SecurityModuleError } from './errors.js';
import { CURVE_FIELD_BYTES, type Curve, DIGEST_BYTES, type HashName } from './security-module.js';

/** Longest label a module accepts: PKCS#11 tokens and the store file both keep it as text. */
const MAX_LABEL_CHARS = 128;
/** Most random bytes one call returns (a guard against a caller asking for gigabytes). */
const MAX_RANDOM_BYTES = 1 << 16;

/** Checks shared by every back end, so all three answer bad arguments with the same codes. */
export function checkLabel(label: unknown): asserts label is string {
  if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL_CHARS) {
    throw new SecurityModuleError('SM_BAD_INPUT', `a key label is a string of 1 to ${MAX_LABEL_CHARS} characters`);
  }
}

export function checkCurve(curve: unknown): asserts curve is Curve {
  if (typeof curve !== 'string' || !Object.hasOwn(CURVE_FIELD_BYTES, curve)) {
    throw new SecurityModuleError('SM_UNSUPPORTED_CURVE', `curve ${String(curve)} is not offered`);
  }
}

export function checkHash(hash: unknown): asserts hash is HashName {
  if (typeof hash !== 'string' || !Object.hasOwn(DIGEST_BYTES, hash)) {
    throw new SecurityModuleError('SM_BAD_INPUT', `hash ${String(hash)} is not one of ${Object.keys(DIGEST_BYTES).join(', ')}`);
  }
}

export function checkData(data: unknown): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new SecurityModuleError('SM_BAD_INPUT', 'data to sign must be a Uint8Array');
}

export function checkRandomLength(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > MAX_RANDOM_BYTES) {
    throw new SecurityModuleError('SM_BAD_INPUT', `random byte count must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
  }
}
