import type { SecureContextOptions } from 'node:tls';
import type { TlsKeyOptions } from '../../crypto/security-module.js';
import { secureContextKeyOptions } from '../../crypto/tls-key-options.js';
import { certificateFacts, pemToDerList } from '../../wan/certificate-facts.js';
import { PROFILE_SECURE_OPTIONS, SESSION_LIFETIME_S, TLS_SIGALGS, certificateViolations, cipherList, groupList } from '../../wan/tls-profile.js';
import { TlsProfileError } from '../../wan/errors.js';
import { GatewayError } from '../errors.js';

export interface PortalTlsCredentials {
  readonly certPem: string;
  readonly key: TlsKeyOptions;
}

/**
 * node:tls server options of the HAN variant of the TLS profile for the portal: TLS 1.2 and 1.3, the profile's
 * suites, groups and signature algorithms, tickets off, 48 h session lifetime. Consumers log in with a password,
 * so no client certificate is asked for (client-certificate login would add the SM-PKI trust here).
 */
export function portalTlsOptions(c: PortalTlsCredentials): SecureContextOptions & { readonly sessionTimeout: number } {
  const leaf = pemToDerList(c.certPem)[0];
  if (leaf === undefined) throw new GatewayError('GW_HAN_CERTIFICATE', 'no certificate in the portal credentials');
  let violations: string[];
  try {
    violations = certificateViolations(certificateFacts(leaf, 'WAN_BAD_CERTIFICATE'), { curves: ['prime256v1'], purpose: 'serverAuth' });
  } catch (e) {
    if (e instanceof TlsProfileError) throw new GatewayError('GW_HAN_CERTIFICATE', 'the portal certificate cannot be read', { cause: e });
    throw e;
  }
  if (violations.length > 0) throw new GatewayError('GW_HAN_CERTIFICATE', `the portal certificate does not fit: ${violations.join('; ')}`);
  return {
    ...secureContextKeyOptions(c.key),
    cert: c.certPem,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: cipherList('han'),
    ecdhCurve: groupList(),
    sigalgs: TLS_SIGALGS,
    secureOptions: PROFILE_SECURE_OPTIONS,
    sessionTimeout: SESSION_LIFETIME_S.han,
  };
}
