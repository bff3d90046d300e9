import { X509Certificate as NodeX509 } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, ExtendedKeyUsage, KeyUsage, type KeyUsageType, id_ce_basicConstraints, id_ce_extKeyUsage, id_ce_keyUsage } from '@peculiar/asn1-x509';
import { TlsProfileError, type TlsProfileErrorCode } from './errors.js';

/** Signature algorithm OIDs (RFC 5758 3.2, RFC 3279 2.2.3, RFC 4055 5) by the names OpenSSL prints. */
export const SIGNATURE_ALGORITHM_NAME: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.3.101.112': 'ED25519',
};

/** RFC 5280 4.2.1.12 key purposes we name. */
export const KEY_PURPOSE_NAME: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** What the TLS profile looks at in a certificate: plain data, so checks stay pure. */
export interface CertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly keyType: string;
  /** OpenSSL's curve name (brainpoolP256r1, prime256v1, ...); undefined for non-EC keys. */
  readonly curve: string | undefined;
  readonly keyBits: number | undefined;
  readonly signatureAlgorithm: string;
  readonly keyUsage: readonly KeyUsageType[];
  /** Key purposes by name where known, else the OID; empty when the certificate has no EKU extension. */
  readonly extKeyUsage: readonly string[];
  readonly isCa: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Reads the facts from a DER certificate; anything unreadable is `code` (a peer's or our own fault). */
export function certificateFacts(der: Uint8Array, code: TlsProfileErrorCode = 'WAN_PEER_POLICY'): CertificateFacts {
  try {
    return readFacts(der);
  } catch (e) {
    throw new TlsProfileError(code, 'certificate is not a readable X.509 certificate', { cause: e });
  }
}

function readFacts(der: Uint8Array): CertificateFacts {
  const parsed = AsnConvert.parse(der, Certificate);
  const node = new NodeX509(der);
  const ext = (oid: string) => parsed.tbsCertificate.extensions?.find((x) => x.extnID === oid);
  const kuExt = ext(id_ce_keyUsage);
  const ekuExt = ext(id_ce_extKeyUsage);
  const bcExt = ext(id_ce_basicConstraints);
  const sigOid = parsed.signatureAlgorithm.algorithm;
  const key = node.publicKey;
  return {
    subject: node.subject,
    issuer: node.issuer,
    keyType: key.asymmetricKeyType ?? 'unknown',
    curve: key.asymmetricKeyDetails?.namedCurve,
    keyBits: key.asymmetricKeyDetails?.modulusLength ?? curveBits(key.asymmetricKeyDetails?.namedCurve),
    signatureAlgorithm: SIGNATURE_ALGORITHM_NAME[sigOid] ?? sigOid,
    keyUsage: kuExt === undefined ? [] : AsnConvert.parse(kuExt.extnValue, KeyUsage).toJSON(),
    extKeyUsage: ekuExt === undefined ? [] : [...AsnConvert.parse(ekuExt.extnValue, ExtendedKeyUsage)].map((o) => KEY_PURPOSE_NAME[o] ?? o),
    isCa: bcExt === undefined ? false : AsnConvert.parse(bcExt.extnValue, BasicConstraints).cA,
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
  };
}

const curveBits = (curve: string | undefined): number | undefined => {
  const m = curve === undefined ? null : /(\d{3})/.exec(curve);
  return m === null ? undefined : Number(m[1]);
};

/** DER certificates from PEM text (one or many CERTIFICATE blocks). */
export function pemToDerList(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}
