import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { SecurityModuleError } from './errors.js';

/** OpenSSL's engine id of libengine-pkcs11-openssl (libp11). */
export const PKCS11_ENGINE_ID = 'pkcs11';

/** Where distributions install OpenSSL 3 engines (Debian multiarch first). */
const ENGINE_DIRECTORIES = [
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/engines-3`,
  '/usr/lib64/engines-3',
  '/usr/lib/engines-3',
  '/usr/local/lib/engines-3',
];

/** RFC 7512 clause 2.3: anything outside the unreserved set is percent-encoded (UTF-8 bytes). */
function pk11Encode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** The PKCS#11 URI (RFC 7512) of a private key object, with the PIN as pin-value so the engine can log in. */
export function privateKeyUri(tokenLabel: string, objectLabel: string, pin: string): string {
  return `pkcs11:token=${pk11Encode(tokenLabel)};object=${pk11Encode(objectLabel)};type=private;pin-value=${pk11Encode(pin)}`;
}

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
};

/**
 * Points the engine at our library. libp11 reads PKCS11_MODULE_PATH when OpenSSL loads it (else it takes
 * p11-kit-proxy, which may list other tokens or none); OpenSSL finds engine "pkcs11" in OPENSSL_ENGINES (Node's
 * bundled OpenSSL has its own, empty, engines directory). Values the operator set are kept.
 */
export function prepareEngineEnvironment(library: string): void {
  const modulePath = process.env.PKCS11_MODULE_PATH;
  if (modulePath === undefined || modulePath === '') process.env.PKCS11_MODULE_PATH = library;
  else if (!samePath(modulePath, library)) {
    throw new SecurityModuleError('SM_TOKEN', `PKCS11_MODULE_PATH names ${modulePath}, not this module's library ${library}: the TLS engine would look for the key there`);
  }
  if (process.env.OPENSSL_ENGINES === undefined) {
    const dir = ENGINE_DIRECTORIES.find((d) => existsSync(join(d, `${PKCS11_ENGINE_ID}.so`)));
    if (dir !== undefined) process.env.OPENSSL_ENGINES = dir;
  }
}
