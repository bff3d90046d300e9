import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
  type X509Crl,
} from '@peculiar/x509';
import { type Result, err, ok } from '../result.js';
import { ECDSA_ALGORITHM_HASH, splitSigned } from './_der.js';
import { crlNumberOf } from './crl.js';
import { PkiError } from './errors.js';
import { assertDecodable } from './pem.js';
import { type CertUsage, EKU_OID } from './profile.js';

export interface ChainInput {
  readonly leaf: X509Certificate;
  readonly intermediates: readonly X509Certificate[];
  /** Trust anchors: every root generation the relying party accepts. */
  readonly roots: readonly X509Certificate[];
  /** One CRL per CA of the chain; a CA without one fails the chain (PKI_NO_CRL). */
  readonly crls: readonly X509Crl[];
  /** Validation time; now when absent. */
  readonly at?: Date;
  readonly usage: CertUsage;
}

const MAX_DEPTH = 8;

/**
 * Builds the paths from `leaf` to a trusted root (by issuer name and AKI/SKI, through link certificates) and
 * validates them per RFC 5280 6.1 with revocation from each issuer's CRL. Returns the first valid path, leaf
 * first and root last; else the error of the first path found (or why no path exists).
 */
export async function validateChain(input: ChainInput): Promise<Result<readonly X509Certificate[], PkiError>> {
  try {
    const at = input.at ?? new Date();
    if (Number.isNaN(at.getTime())) return err(new PkiError('PKI_BAD_INPUT', 'validation time is not a date'));
    for (const c of [input.leaf, ...input.intermediates, ...input.roots, ...input.crls]) assertDecodable(c);
    const ctx = new Context(input.roots, input.crls);
    const dead: DeadEnd[] = [];
    const paths = buildPaths(input.leaf, [...input.intermediates, ...input.roots], ctx, [], dead);
    if (paths.length === 0) {
      const untrusted = dead.find((d) => d.kind === 'untrusted');
      const where = untrusted ?? dead[0];
      return err(
        untrusted !== undefined
          ? new PkiError('PKI_UNTRUSTED', 'the chain ends at a self-signed certificate that is not a trusted root', untrusted.cert.subject)
          : new PkiError('PKI_NO_ISSUER', 'no issuer certificate found among the intermediates and roots', where?.cert.subject),
      );
    }
    let first: PkiError | undefined;
    for (const path of paths) {
      const problem = checkPath(path, at, input.usage, ctx);
      if (problem === undefined) return ok(path);
      first ??= problem;
    }
    return err(first!);
  } catch (e) {
    if (e instanceof PkiError) return err(e);
    throw e;
  }
}

interface DeadEnd {
  readonly kind: 'untrusted' | 'no-issuer';
  readonly cert: X509Certificate;
}

/** Per-call caches: parsed keys and the root set by DER. */
class Context {
  private readonly keys = new Map<X509Certificate, KeyObject>();
  private readonly rootDer: Set<string>;

  constructor(
    roots: readonly X509Certificate[],
    readonly crls: readonly X509Crl[],
  ) {
    this.rootDer = new Set(roots.map((r) => Buffer.from(r.rawData).toString('base64')));
  }

  isRoot(cert: X509Certificate): boolean {
    return this.rootDer.has(Buffer.from(cert.rawData).toString('base64'));
  }

  keyOf(cert: X509Certificate): KeyObject {
    let k = this.keys.get(cert);
    if (k === undefined) {
      try {
        k = createPublicKey({ key: Buffer.from(cert.publicKey.rawData), format: 'der', type: 'spki' });
      } catch {
        throw new PkiError('PKI_UNSUPPORTED_ALGORITHM', 'the public key is not one this system can use', cert.subject);
      }
      if (k.asymmetricKeyType !== 'ec') throw new PkiError('PKI_UNSUPPORTED_ALGORITHM', `public key type ${String(k.asymmetricKeyType)} is outside the profile`, cert.subject);
      this.keys.set(cert, k);
    }
    return k;
  }
}

const ski = (c: X509Certificate): string | undefined => c.getExtension(SubjectKeyIdentifierExtension)?.keyId;
const akiOf = (o: X509Certificate | X509Crl): string | undefined => o.getExtension(AuthorityKeyIdentifierExtension)?.keyId;

/** Could `cand` have issued an object naming `issuer` with authority key id `aki`? */
function mayHaveIssued(cand: X509Certificate, issuer: string, aki: string | undefined): boolean {
  if (cand.subject !== issuer) return false;
  const s = ski(cand);
  return aki === undefined || s === undefined || s === aki;
}

function buildPaths(cert: X509Certificate, pool: readonly X509Certificate[], ctx: Context, below: readonly X509Certificate[], dead: DeadEnd[]): X509Certificate[][] {
  const path = [...below, cert];
  if (ctx.isRoot(cert)) return [path];
  if (path.length >= MAX_DEPTH) return [];
  if (cert.subject === cert.issuer && (ski(cert) === undefined || ski(cert) === akiOf(cert))) {
    dead.push({ kind: 'untrusted', cert });
    return [];
  }
  const aki = akiOf(cert);
  // Candidates that are roots first, so the shortest way to an anchor is tried first.
  const candidates = pool
    .filter((c) => c !== cert && !path.some((p) => sameCert(p, c)) && mayHaveIssued(c, cert.issuer, aki))
    .sort((a, b) => Number(ctx.isRoot(b)) - Number(ctx.isRoot(a)));
  if (candidates.length === 0) dead.push({ kind: 'no-issuer', cert });
  const out: X509Certificate[][] = [];
  for (const c of candidates) out.push(...buildPaths(c, pool, ctx, path, dead));
  return out;
}

const sameCert = (a: X509Certificate, b: X509Certificate): boolean => a === b || Buffer.from(a.rawData).equals(Buffer.from(b.rawData));

/** ECDSA verification of a certificate or CRL over its exact tbs bytes with the issuer's key. */
function signatureValid(obj: X509Certificate | X509Crl, issuerKey: KeyObject): boolean {
  const { tbs, algorithm, signature } = splitSigned(new Uint8Array(obj.rawData));
  const hash = ECDSA_ALGORITHM_HASH[Buffer.from(algorithm).toString('hex')];
  if (hash === undefined) throw new PkiError('PKI_UNSUPPORTED_ALGORITHM', 'signature algorithm is outside the profile (ECDSA with SHA-2)');
  return verify(hash, tbs, { key: issuerKey, dsaEncoding: 'der' }, signature);
}

function checkValidity(c: X509Certificate, at: Date): PkiError | undefined {
  if (at < c.notBefore) return new PkiError('PKI_NOT_YET_VALID', `certificate is valid from ${c.notBefore.toISOString()}`, c.subject);
  if (at > c.notAfter) return new PkiError('PKI_EXPIRED', `certificate expired ${c.notAfter.toISOString()}`, c.subject);
  return undefined;
}

function checkIssuerIsCa(issuer: X509Certificate, casBelow: number): PkiError | undefined {
  const bc = issuer.getExtension(BasicConstraintsExtension);
  const ku = issuer.getExtension(KeyUsagesExtension);
  if (bc?.ca !== true || (ku !== null && (ku.usages & KeyUsageFlags.keyCertSign) === 0)) {
    return new PkiError('PKI_NOT_CA', 'issuer is not a CA (BasicConstraints or keyCertSign missing)', issuer.subject);
  }
  if (bc.pathLength !== undefined && casBelow > bc.pathLength) {
    return new PkiError('PKI_PATH_LENGTH', `issuer allows ${bc.pathLength} CA certificates below it, the chain has ${casBelow}`, issuer.subject);
  }
  return undefined;
}

/** The issuer's current CRL, verified with the issuer's key, or why there is none. */
function checkRevocation(c: X509Certificate, issuer: X509Certificate, at: Date, ctx: Context): PkiError | undefined {
  const named = ctx.crls.filter((crl) => crl.issuer === issuer.subject && (akiOf(crl) === undefined || ski(issuer) === undefined || akiOf(crl) === ski(issuer)));
  if (named.length === 0) return new PkiError('PKI_NO_CRL', 'no CRL of the issuer: revocation cannot be checked', issuer.subject);
  const key = ctx.keyOf(issuer);
  const genuine = named.filter((crl) => signatureValid(crl, key));
  if (genuine.length === 0) return new PkiError('PKI_CRL_BAD_SIGNATURE', 'the CRL signature does not verify with the issuer key', issuer.subject);
  const crl = genuine.reduce((a, b) => (crlNumberOf(b) > crlNumberOf(a) || (crlNumberOf(b) === crlNumberOf(a) && b.thisUpdate > a.thisUpdate) ? b : a));
  if (crl.thisUpdate > at || (crl.nextUpdate !== undefined && crl.nextUpdate < at)) {
    return new PkiError('PKI_CRL_EXPIRED', `the issuer CRL is current from ${crl.thisUpdate.toISOString()} to ${crl.nextUpdate?.toISOString() ?? 'open'}`, issuer.subject);
  }
  const entry = crl.findRevoked(c);
  if (entry !== null) return new PkiError('PKI_REVOKED', `certificate ${c.serialNumber} was revoked ${entry.revocationDate.toISOString()}`, c.subject);
  return undefined;
}

/** The usage check of RFC 5280 4.2.1.3 / 4.2.1.12 for the end certificate. */
function checkUsage(leaf: X509Certificate, usage: CertUsage): PkiError | undefined {
  const ku = leaf.getExtension(KeyUsagesExtension)?.usages;
  const eku = leaf.getExtension(ExtendedKeyUsageExtension)?.usages.map(String);
  const has = (bits: number) => ku === undefined || (ku & bits) !== 0;
  const ekuAllows = (oid: string) => eku?.includes(oid) === true || eku?.includes(EKU_OID.anyExtendedKeyUsage) === true;
  let fine: boolean;
  switch (usage) {
    // TLS certificates of the profile always name their purpose: a missing EKU is no TLS certificate.
    case 'tls-client':
      fine = has(KeyUsageFlags.digitalSignature) && ekuAllows(EKU_OID.clientAuth);
      break;
    case 'tls-server':
      fine = has(KeyUsageFlags.digitalSignature) && ekuAllows(EKU_OID.serverAuth);
      break;
    // Content signing and encryption: no EKU, or one that allows e-mail/CMS protection (as OpenSSL's S/MIME purposes).
    case 'signature':
      fine = has(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation) && (eku === undefined || ekuAllows(EKU_OID.emailProtection));
      break;
    case 'encryption':
      fine = has(KeyUsageFlags.keyAgreement | KeyUsageFlags.keyEncipherment) && (eku === undefined || ekuAllows(EKU_OID.emailProtection));
      break;
  }
  return fine ? undefined : new PkiError('PKI_WRONG_USAGE', `key usage or EKU does not allow ${usage}`, leaf.subject);
}

/**
 * RFC 5280 6.1.3/6.1.4 from the anchor down in two passes: first the chain itself (CA flags, path length,
 * signatures, validity) and the end certificate's usage, then revocation, so a forged or expired chain is
 * reported as such rather than as a CRL problem.
 */
function checkPath(path: readonly X509Certificate[], at: Date, usage: CertUsage, ctx: Context): PkiError | undefined {
  const top = path[path.length - 1]!;
  const anchorProblem = checkValidity(top, at);
  if (anchorProblem !== undefined) return anchorProblem;
  for (let i = path.length - 2; i >= 0; i--) {
    const c = path[i]!;
    const issuer = path[i + 1]!;
    // CA certificates between the issuer and the end certificate, without self-issued ones (6.1.4 (l)).
    const casBelow = path.slice(1, i + 1).filter((x) => x.subject !== x.issuer).length;
    const problem =
      checkIssuerIsCa(issuer, casBelow) ??
      (signatureValid(c, ctx.keyOf(issuer)) ? undefined : new PkiError('PKI_BAD_SIGNATURE', 'signature does not verify with the issuer key', c.subject)) ??
      checkValidity(c, at);
    if (problem !== undefined) return problem;
  }
  const usageProblem = checkUsage(path[0]!, usage);
  if (usageProblem !== undefined) return usageProblem;
  for (let i = path.length - 2; i >= 0; i--) {
    const problem = checkRevocation(path[i]!, path[i + 1]!, at, ctx);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
