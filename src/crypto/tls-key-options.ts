import type { SecureContextOptions } from 'node:tls';
import type { TlsKeyOptions } from './security-module.js';

/**
 * The private-key fields of node:tls SecureContextOptions for a module's TlsKeyOptions. node:tls takes no
 * KeyObject, so an in-process key is handed over as PKCS#8 PEM here, at the edge, and nowhere else; a token key
 * goes as an OpenSSL engine reference and never enters the process.
 */
export function secureContextKeyOptions(options: TlsKeyOptions): Pick<SecureContextOptions, 'key' | 'privateKeyEngine' | 'privateKeyIdentifier'> {
  switch (options.kind) {
    case 'key-object':
      return { key: options.key.export({ format: 'pem', type: 'pkcs8' }) };
    case 'engine':
      return { privateKeyEngine: options.privateKeyEngine, privateKeyIdentifier: options.privateKeyIdentifier };
  }
}
