/**
 * The gateway's own credentials and trust, from a PKI folder or from explicit PEM files: its SIG key (signs
 * every message), ENC key (opens commands), TLS credentials and trust for the WAN client, and the chain check
 * that CMS uses for signers.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { X509Certificate, X509Crl } from '@peculiar/x509';
import type { KeyAndCert } from '../cms/protect.js';
import type { TrustStore } from '../cms/verify.js';
import type { SecurityModule } from '../crypto/security-module.js';
import type { Result } from '../result.js';
import { type CertUsage, type PkiError, certToPem, crlToPem, openPkiDir, parseCertificate, parseCertificates, parseCrls, validateChain } from '../pki/index.js';
import type { TlsCredentials, TlsTrust } from '../wan/tls-profile.js';
import type { GatewayConfig } from './config.js';
import { GatewayError } from './errors.js';

export interface GatewayIdentity {
  readonly name: string;
  readonly sig: KeyAndCert;
  readonly enc: KeyAndCert;
  /** Sub-CA certificates sent along with our signatures. */
  readonly chain: readonly X509Certificate[];
  readonly tls: TlsCredentials;
  readonly tlsTrust: TlsTrust;
  /** Chain and revocation check of content signers (the administrator) against our anchors. */
  readonly trust: TrustStore;
  /** The same check for any usage (an EMT's ENC certificate before meter data is encrypted to it). */
  readonly validate: (leaf: X509Certificate, usage: CertUsage) => Promise<Result<readonly X509Certificate[], PkiError>>;
}

export async function loadIdentity(config: GatewayConfig, sm: SecurityModule): Promise<GatewayIdentity> {
  const p = config.pki;
  if ('dir' in p) {
    const pki = await openPkiDir(p.dir, sm);
    const party = await pki.party(p.party);
    return {
      name: config.name,
      sig: { keyLabel: party.sig.keyLabel, cert: party.sig.cert },
      enc: { keyLabel: party.enc.keyLabel, cert: party.enc.cert },
      chain: party.sig.chain,
      tls: { certPem: [party.tls.cert, ...party.tls.chain].map(certToPem).join(''), key: await sm.tlsKeyOptions(party.tls.keyLabel) },
      tlsTrust: { rootsPem: pki.roots.map(certToPem).join(''), crlsPem: pki.crls.map(crlToPem), intermediatesPem: pki.intermediates.map(certToPem).join('') },
      trust: { validate: (leaf, usage) => pki.validate(leaf, usage) },
      validate: (leaf, usage) => pki.validate(leaf, usage),
    };
  }
  const one = (path: string, field: string): X509Certificate => parseCertificate(readPem(path, field), path);
  const many = (paths: readonly string[], field: string): X509Certificate[] => paths.flatMap((f, i) => parseCertificates(readPem(f, `${field}[${i}]`), f));
  const roots = many(p.trustAnchorsPem, 'pki.trustAnchorsPem');
  const chain = many(p.chainPem, 'pki.chainPem');
  const intermediates = [...chain, ...many(p.intermediatesPem, 'pki.intermediatesPem')];
  const crls: X509Crl[] = p.crlsPem.flatMap((f, i) => parseCrls(readPem(f, `pki.crlsPem[${i}]`), f));
  const tlsCert = one(p.tls.certPem, 'pki.tls.certPem');
  return {
    name: config.name,
    sig: { keyLabel: p.sig.keyLabel, cert: one(p.sig.certPem, 'pki.sig.certPem') },
    enc: { keyLabel: p.enc.keyLabel, cert: one(p.enc.certPem, 'pki.enc.certPem') },
    chain,
    tls: { certPem: [tlsCert, ...chain].map(certToPem).join(''), key: await sm.tlsKeyOptions(p.tls.keyLabel) },
    tlsTrust: { rootsPem: roots.map(certToPem).join(''), crlsPem: crls.map(crlToPem), intermediatesPem: intermediates.map(certToPem).join('') },
    trust: { validate: (leaf, usage) => validateChain({ leaf, intermediates, roots, crls, usage }) },
    validate: (leaf, usage) => validateChain({ leaf, intermediates, roots, crls, usage }),
  };
}

/** The administrator's pinned SIG certificate. */
export function loadAdminCertificate(config: GatewayConfig): X509Certificate {
  return parseCertificate(readPem(config.headEnd.adminSigCertPem, 'headEnd.adminSigCertPem'), config.headEnd.adminSigCertPem);
}

function readPem(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new GatewayError('GW_CONFIG', `${field}: cannot read ${path}`, { cause: e });
  }
}
