import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_subjectAltName,
} from '@peculiar/asn1-x509';
import { publicKeyFromPoint } from '../ec-keys.js';
import type { HashName, SecurityModule } from '../security-module.js';

/** ecdsa-with-SHA256/384/512 (RFC 5758 clause 3.2). */
const ECDSA_WITH: Readonly<Record<HashName, string>> = {
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};
const ID_AT_COMMON_NAME = '2.5.4.3';

/**
 * A self-signed certificate for `host` whose signature the security module makes with the key under `label`:
 * for TLS tests of every back end without any key leaving the module. The PKI proper lives in src/pki.
 */
export async function selfSignedCertificate(sm: SecurityModule, label: string, host: string, hash: HashName = 'sha256'): Promise<string> {
  const info = await sm.publicKey(label);
  const spki = publicKeyFromPoint(info.curve, info.publicKey).export({ format: 'der', type: 'spki' });
  const name = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: ID_AT_COMMON_NAME, value: new AttributeValue({ utf8String: host }) })])]);
  const signature = new AlgorithmIdentifier({ algorithm: ECDSA_WITH[hash] });
  const now = Date.now();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array([0x01, ...(await sm.randomBytes(8))]).buffer,
    signature,
    issuer: name,
    validity: new Validity({ notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    extensions: new Extensions([
      new Extension({
        extnID: id_ce_subjectAltName,
        critical: false,
        extnValue: new OctetString(AsnConvert.serialize(new SubjectAlternativeName([new GeneralName({ dNSName: host })]))),
      }),
    ]),
  });
  const sig = await sm.sign(label, new Uint8Array(AsnConvert.serialize(tbs)), hash);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: signature, signatureValue: new Uint8Array(sig).buffer });
  const b64 = Buffer.from(AsnConvert.serialize(cert)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}
