export {
  type Curve,
  type HashName,
  type KeyInfo,
  type SecurityModule,
  type TlsKeyOptions,
  CURVE_FIELD_BYTES,
  CURVE_OPENSSL_NAME,
  DIGEST_BYTES,
} from './security-module.js';
export { SecurityModuleError, type SecurityModuleErrorCode, SECURITY_MODULE_ERROR_CODES } from './errors.js';
export { MemorySecurityModule } from './memory-module.js';
export { SoftwareSecurityModule } from './software-module.js';
export { Pkcs11SecurityModule, type Pkcs11Options } from './pkcs11-module.js';
export { SOFTHSM2_LIBRARY } from './_pkcs11-library.js';
export { openSecurityModule, securityModuleConfigSchema, type SecurityModuleConfig } from './open-module.js';
export { secureContextKeyOptions } from './tls-key-options.js';
export { CURVE_OID_DER, curveOfKey, ecdsaDerFromRaw, pointFromPublicKey, publicKeyFromPoint } from './ec-keys.js';
