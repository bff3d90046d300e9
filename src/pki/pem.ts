import { X509Certificate, X509Crl } from '@peculiar/x509';
import { PkiError } from './errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** PEM of a certificate, with the trailing newline that OpenSSL and concatenated bundles expect. */
export const certToPem = (cert: X509Certificate): string => pem('CERTIFICATE', cert.rawData);

/** PEM of a CRL as OpenSSL reads it: label `X509 CRL`, trailing newline. */
export const crlToPem = (crl: X509Crl): string => pem('X509 CRL', crl.rawData);

/** The DER blocks of a PEM text with one of `labels`, or the input itself when it is DER. */
function derBlocks(input: string | Uint8Array, labels: readonly string[], what: string): Uint8Array[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (!text.includes('-----BEGIN ')) {
    if (typeof input === 'string' || input.length === 0 || input[0] !== 0x30) throw new PkiError('PKI_PARSE', `${what}: neither PEM nor DER`);
    return [input];
  }
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(BLOCK)) {
    if (labels.includes(m[1] ?? '')) out.push(new Uint8Array(Buffer.from((m[2] ?? '').replace(/\s+/g, ''), 'base64')));
  }
  if (out.length === 0) throw new PkiError('PKI_PARSE', `${what}: no ${labels.join(' or ')} PEM block`);
  return out;
}

function parseOne<T extends X509Certificate | X509Crl>(make: (der: Uint8Array) => T, der: Uint8Array, what: string): T {
  let obj: T;
  try {
    obj = make(der);
  } catch {
    throw new PkiError('PKI_PARSE', `${what} is not valid X.509 DER`);
  }
  assertDecodable(obj, what);
  return obj;
}

/**
 * @peculiar/x509 decodes names, keys and extensions lazily, on first access: touch every field once so a
 * broken one surfaces here as PKI_PARSE, not later as a bare error from a getter.
 */
export function assertDecodable(obj: X509Certificate | X509Crl, what = obj instanceof X509Crl ? 'CRL' : 'certificate'): void {
  try {
    if (obj instanceof X509Crl) {
      void [obj.issuer, obj.thisUpdate, obj.nextUpdate, obj.signatureAlgorithm, obj.extensions];
      for (const e of obj.entries) void [e.serialNumber, e.revocationDate, e.reason, e.extensions];
    } else {
      void [obj.subject, obj.issuer, obj.serialNumber, obj.notBefore, obj.notAfter, obj.signatureAlgorithm, obj.publicKey.algorithm, obj.extensions];
    }
  } catch {
    throw new PkiError('PKI_PARSE', `${what} has a field that does not decode`);
  }
}

/** Every certificate of a PEM bundle (or one DER certificate). PKI_PARSE when there is none or one is broken. */
export function parseCertificates(input: string | Uint8Array, what = 'certificate'): X509Certificate[] {
  return derBlocks(input, ['CERTIFICATE'], what).map((d) => parseOne((b) => new X509Certificate(b), d, what));
}

export function parseCertificate(input: string | Uint8Array, what = 'certificate'): X509Certificate {
  const [first, ...rest] = parseCertificates(input, what);
  if (first === undefined || rest.length > 0) throw new PkiError('PKI_PARSE', `${what}: expected exactly one certificate`);
  return first;
}

/** Every CRL of a PEM text (labels `X509 CRL` or `CRL`) or one DER CRL. */
export function parseCrls(input: string | Uint8Array, what = 'CRL'): X509Crl[] {
  return derBlocks(input, ['X509 CRL', 'CRL'], what).map((d) => parseOne((b) => new X509Crl(b), d, what));
}
