/**
 * The portal's TLS certificate. Browsers refuse brainpool server certificates, so unlike every WAN endpoint the
 * portal serves a secp256r1 key. The gateway issues it to itself (self-signed with that key in its security
 * module): the consumer's browser cannot know the SM-PKI anyway, and the consumer pins it on first visit.
 */
import 'reflect-metadata';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { isIP } from 'node:net';
import { SecurityModuleError } from '../../crypto/errors.js';
import type { SecurityModule } from '../../crypto/security-module.js';
import { keyIdentifier } from '../../pki/certificates.js';
import { moduleSigningKey, securityModuleCrypto } from '../../pki/module-signer.js';
import { GatewayError } from '../errors.js';

export const PORTAL_CURVE = 'secp256r1';
/** serverAuth (RFC 5280 4.2.1.12, 1.3.6.1.5.5.7.3.1). */
const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
/** Browsers accept at most 398 days for a server certificate. */
export const PORTAL_CERT_DAYS = 397;

export interface PortalCertificateSpec {
  /** Label of the portal's key in the security module; made (secp256r1) when missing. */
  readonly keyLabel: string;
  /** Subject CN, usually the gateway's name. */
  readonly commonName: string;
  /** DNS names and IP addresses the portal is reached under (subjectAltName; browsers ignore the CN). */
  readonly hosts: readonly string[];
  readonly now?: Date;
}

export interface PortalCertificate {
  readonly certPem: string;
  readonly keyLabel: string;
  readonly notAfter: Date;
}

/** Makes (or reuses) the secp256r1 key and issues the portal's certificate with it. GW_HAN_CERTIFICATE on a wrong key. */
export async function issuePortalCertificate(sm: SecurityModule, spec: PortalCertificateSpec): Promise<PortalCertificate> {
  if (spec.hosts.length === 0) throw new GatewayError('GW_HAN_CERTIFICATE', 'the portal certificate needs at least one host name or address');
  let curve: string;
  try {
    curve = (await sm.publicKey(spec.keyLabel)).curve;
  } catch (e) {
    if (!(e instanceof SecurityModuleError && e.code === 'SM_NO_SUCH_KEY')) throw e;
    curve = (await sm.generateKeyPair(spec.keyLabel, PORTAL_CURVE)).curve;
  }
  if (curve !== PORTAL_CURVE) throw new GatewayError('GW_HAN_CERTIFICATE', `the key labelled ${JSON.stringify(spec.keyLabel)} is on ${curve}; browsers need ${PORTAL_CURVE}`);
  const signer = await moduleSigningKey(sm, spec.keyLabel);
  const now = spec.now ?? new Date();
  const serial = Buffer.from(await sm.randomBytes(16));
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01;
  const name: Array<Record<string, string[]>> = [{ CN: [spec.commonName] }, { O: ['gridwarden gateway'] }];
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject: name,
      issuer: name,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + PORTAL_CERT_DAYS * 86_400_000),
      publicKey: signer.spki,
      signingKey: signer.key,
      signingAlgorithm: signer.algorithm,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([EKU_SERVER_AUTH], false),
        new SubjectAlternativeNameExtension(
          spec.hosts.map((h) => (isIP(h) === 0 ? { type: 'dns' as const, value: h } : { type: 'ip' as const, value: h })),
          false,
        ),
        new SubjectKeyIdentifierExtension(keyIdentifier(signer.spki), false),
      ],
    },
    securityModuleCrypto(sm),
  );
  return { certPem: `${cert.toString('pem')}\n`, keyLabel: spec.keyLabel, notAfter: cert.notAfter };
}
