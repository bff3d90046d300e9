/** Errors of the security module back ends; codes are never renamed or reused. */
import { CodedError } from '../coded-error.js';

export const SECURITY_MODULE_ERROR_CODES = {
  SM_NO_SUCH_KEY: 'no key pair under that label',
  SM_KEY_EXISTS: 'a key pair under that label exists already',
  SM_UNSUPPORTED_CURVE: 'the curve is not one the module offers',
  SM_WRONG_PASSPHRASE: 'the key store cannot be opened with that passphrase',
  SM_STORE_CORRUPT: 'the key store file is damaged or was altered',
  SM_TOKEN: 'the PKCS#11 token or library reported an error',
  SM_BAD_INPUT: 'an argument is not valid (digest length, peer public key)',
  SM_STORE_EXISTS: 'a key store file exists already at that path',
  SM_STORE_NOT_FOUND: 'no key store file at that path',
  SM_STORE_IO: 'the key store file or its directory cannot be read or written',
  SM_NO_TOKEN: 'the PKCS#11 library has no token with that label',
  SM_WRONG_PIN: 'the token refused the user PIN',
  SM_CLOSED: 'the security module was closed and takes no more calls',
} as const;

export type SecurityModuleErrorCode = keyof typeof SECURITY_MODULE_ERROR_CODES;

export const RETIRED_SECURITY_MODULE_ERROR_CODES: readonly string[] = [];

export class SecurityModuleError extends CodedError<SecurityModuleErrorCode> {
  override readonly name = 'SecurityModuleError';
}
