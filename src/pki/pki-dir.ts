import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { X509Certificate, X509Crl } from '@peculiar/x509';
import type { SecurityModule } from '../crypto/security-module.js';
import type { Result } from '../result.js';
import { caOf, readState, readText, rootId } from './_state.js';
import { KEY_LABELS, PKI_FILES } from './ca.js';
import { PkiError } from './errors.js';
import { moduleSigningKey } from './module-signer.js';
import { keyIdentifier } from './certificates.js';
import { parseCertificate, parseCertificates, parseCrls } from './pem.js';
import { type CertUsage, type Role, SUB_CAS, TRIPLET_USAGES, type TripletUsage } from './profile.js';
import { validateChain } from './validate.js';

/** One certificate of a party's triplet and the label of its private key in the security module. */
export interface PartyCertificate {
  readonly cert: X509Certificate;
  readonly keyLabel: string;
  /** Issuing sub-CA certificate(s), newest first: what a TLS peer or CMS signer sends along. */
  readonly chain: readonly X509Certificate[];
}

export interface PartyCredentials {
  readonly name: string;
  readonly role: Role;
  readonly tls: PartyCertificate;
  readonly sig: PartyCertificate;
  readonly enc: PartyCertificate;
}

/** The trust material of a PKI folder, loaded once: what CMS and TLS code need. */
export interface PkiDir {
  readonly dir: string;
  /** Every root generation, the current one first: the trust anchors. */
  readonly roots: readonly X509Certificate[];
  /** Every sub-CA certificate of every generation, the current ones first. */
  readonly subCas: readonly X509Certificate[];
  /** Link certificates between root generations. */
  readonly links: readonly X509Certificate[];
  /** subCas and links: everything a chain may pass through. */
  readonly intermediates: readonly X509Certificate[];
  /** The current CRL of every CA, each root generation included. */
  readonly crls: readonly X509Crl[];
  readonly parties: readonly string[];
  /** A party's triplet; PKI_NO_PARTY when unknown, PKI_NO_KEY when the module lacks one of its keys. */
  party(name: string): Promise<PartyCredentials>;
  /** validateChain against this folder's roots, intermediates and CRLs. */
  validate(leaf: X509Certificate, usage: CertUsage, at?: Date): Promise<Result<readonly X509Certificate[], PkiError>>;
}

function pemFiles(dir: string, sub: string): string[] {
  const p = join(dir, sub);
  return existsSync(p)
    ? readdirSync(p)
        .filter((f) => f.endsWith('.pem'))
        .sort()
        .map((f) => `${sub}/${f}`)
    : [];
}

/**
 * Opens a PKI folder. With a security module, `party()` also checks that the module holds each key and
 * that it matches the certificate; without one, only the certificates are read.
 */
export async function openPkiDir(dir: string, sm?: SecurityModule): Promise<PkiDir> {
  const state = readState(dir);
  const load = (rel: string): X509Certificate => parseCertificate(readText(dir, rel), rel);
  const current = caOf(state, rootId(state.rootGeneration)).cert;
  const roots = [load(current), ...pemFiles(dir, 'roots').filter((f) => f !== current).reverse().map(load)];
  const currentSubCas = SUB_CAS.map((id) => caOf(state, id).cert);
  const subCas = [...currentSubCas.map(load), ...pemFiles(dir, 'subcas').filter((f) => !currentSubCas.includes(f)).reverse().map(load)];
  const links = pemFiles(dir, 'links').map(load);
  const crls = Object.keys(state.cas).flatMap((id) => parseCrls(readText(dir, PKI_FILES.crl(id)), id));
  const intermediates = [...subCas, ...links];

  async function party(name: string): Promise<PartyCredentials> {
    const p = state.parties[name];
    if (p === undefined) throw new PkiError('PKI_NO_PARTY', `no party ${JSON.stringify(name)} in the PKI folder`);
    const issuerCerts = subCas.filter((c) => c.subject === load(caOf(state, p.issuer).cert).subject);
    const one = async (usage: TripletUsage): Promise<PartyCertificate> => {
      const cert = load(PKI_FILES.party(name, usage));
      const keyLabel = KEY_LABELS.party(name, usage);
      if (sm !== undefined) {
        const key = await moduleSigningKey(sm, keyLabel);
        if (keyIdentifier(key.spki) !== keyIdentifier(new Uint8Array(cert.publicKey.rawData))) {
          throw new PkiError('PKI_NO_KEY', `the key labelled ${JSON.stringify(keyLabel)} does not belong to ${name}'s ${usage} certificate`);
        }
      }
      return { cert, keyLabel, chain: issuerCerts };
    };
    const [tls, sig, enc] = await Promise.all(TRIPLET_USAGES.map(one));
    return { name, role: p.role, tls: tls!, sig: sig!, enc: enc! };
  }

  return {
    dir,
    roots,
    subCas,
    links,
    intermediates,
    crls,
    parties: Object.keys(state.parties).sort(),
    party,
    validate: (leaf, usage, at) => validateChain({ leaf, intermediates, roots, crls, usage, ...(at === undefined ? {} : { at }) }),
  };
}

/** Every certificate in a PEM bundle file of the folder (for tools that take a CA bundle). */
export const readBundle = (dir: string, rel: string): X509Certificate[] => parseCertificates(readText(dir, rel), rel);
