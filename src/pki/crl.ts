import { AuthorityKeyIdentifierExtension, Extension, type Name, X509CrlGenerator, X509CrlReason, type X509Crl } from '@peculiar/x509';
import { keyIdentifier } from './certificates.js';
import { PkiError } from './errors.js';
import type { ModuleSigningKey, X509Crypto } from './module-signer.js';
import { EXT_OID } from './profile.js';

/** RFC 5280 5.3.1 reason codes by name (`certificateHold` is left out: the profile has no suspension). */
export const REVOCATION_REASONS = {
  unspecified: X509CrlReason.unspecified, // 0
  keyCompromise: X509CrlReason.keyCompromise, // 1
  cACompromise: X509CrlReason.cACompromise, // 2
  affiliationChanged: X509CrlReason.affiliationChanged, // 3
  superseded: X509CrlReason.superseded, // 4
  cessationOfOperation: X509CrlReason.cessationOfOperation, // 5
  privilegeWithdrawn: X509CrlReason.privilegeWithdrawn, // 9
} as const;

export type RevocationReason = keyof typeof REVOCATION_REASONS;

export const isRevocationReason = (s: string): s is RevocationReason => Object.hasOwn(REVOCATION_REASONS, s);

export interface RevokedEntry {
  /** Hex serial number of the revoked certificate. */
  readonly serialNumber: string;
  readonly revocationDate: Date;
  readonly reason: RevocationReason;
}

export interface CrlSpec {
  /** The issuing CA's name exactly as its certificate's subject. */
  readonly issuerName: Name;
  readonly signer: ModuleSigningKey;
  /** RFC 5280 5.2.3: increases with every CRL the CA issues. */
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly RevokedEntry[];
}

/** DER INTEGER of a non-negative safe integer (X.690 8.3: two's complement, minimal length). */
function derInteger(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new PkiError('PKI_BAD_INPUT', `CRL number ${n} is not a non-negative integer`);
  const bytes: number[] = [];
  do {
    bytes.unshift(n % 256);
    n = Math.floor(n / 256);
  } while (n > 0);
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return Uint8Array.from([0x02, bytes.length, ...bytes]);
}

/** Builds and signs a CRL v2 with CRL number and AKI, one entry per revoked certificate with its reason. */
export async function buildCrl(spec: CrlSpec, crypto: X509Crypto): Promise<X509Crl> {
  return X509CrlGenerator.create(
    {
      issuer: spec.issuerName,
      thisUpdate: spec.thisUpdate,
      nextUpdate: spec.nextUpdate,
      signingKey: spec.signer.key,
      signingAlgorithm: spec.signer.algorithm,
      extensions: [new Extension(EXT_OID.crlNumber, false, derInteger(spec.crlNumber)), new AuthorityKeyIdentifierExtension(keyIdentifier(spec.signer.spki), false)],
      entries: spec.entries.map((e) => ({ serialNumber: e.serialNumber, revocationDate: e.revocationDate, reason: REVOCATION_REASONS[e.reason] })),
    },
    crypto,
  );
}

/** The CRL number of a CRL (RFC 5280 5.2.3), or -1 when it carries none. */
export function crlNumberOf(crl: X509Crl): number {
  const ext = crl.getExtension(EXT_OID.crlNumber);
  if (ext === null) return -1;
  const v = new Uint8Array(ext.value);
  if (v[0] !== 0x02 || v.length < 3 || v.length > 9) return -1;
  let n = 0;
  for (const b of v.subarray(2)) n = n * 256 + b;
  return n;
}
