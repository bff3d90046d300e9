import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { X509Certificate } from '@peculiar/x509';
import { SecurityModuleError } from '../crypto/errors.js';
import type { Curve, SecurityModule } from '../crypto/security-module.js';
import { STATE_FILE, type CaId, type PkiState, caOf, readState, readText, rootId, writeAtomic, writeState } from './_state.js';
import { type CertificateKind, type SubjectFields, addYears, buildCertificate, serialFrom } from './certificates.js';
import { type RevocationReason, buildCrl } from './crl.js';
import { withPkiLock } from './_lock.js';
import { PkiError } from './errors.js';
import { moduleSigningKey, securityModuleCrypto } from './module-signer.js';
import { certToPem, crlToPem, parseCertificate } from './pem.js';
import { ISSUING_SUB_CA, PROFILE, type Role, SUB_CAS, type SubCaId, TRIPLET_USAGES, type TripletUsage } from './profile.js';

/** Where an operation works: the PKI folder, the security module holding the CA and party keys, the clock. */
export interface PkiContext {
  readonly dir: string;
  readonly sm: SecurityModule;
  /** The time the operation stamps into certificates and CRLs; now when absent. */
  readonly now?: Date;
}

/** Folder layout (DESIGN.md "The command line"); every path is relative to the PKI folder. */
export const PKI_FILES = {
  root: 'root.pem',
  rootOf: (generation: number) => `roots/root-g${generation}.pem`,
  subCa: (id: SubCaId) => `${id}.pem`,
  subCaOf: (id: SubCaId, generation: number) => `subcas/${id}-g${generation}.pem`,
  link: (subjectGeneration: number, issuerGeneration: number) => `links/root-g${subjectGeneration}-by-g${issuerGeneration}.pem`,
  crl: (ca: string) => `crl/${ca}.pem`,
  party: (name: string, usage: TripletUsage) => `${name}/${usage}.pem`,
} as const;

/** Key labels in the security module. */
export const KEY_LABELS = {
  root: (generation: number) => (generation === 1 ? 'ca/root' : `ca/root-g${generation}`),
  subCa: (id: SubCaId) => `ca/${id}`,
  party: (name: string, usage: TripletUsage) => `${name}/${usage}`,
} as const;

const RESERVED_NAMES = new Set(['ca', 'crl', 'roots', 'subcas', 'links']);
const PARTY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkPartyName(name: string): void {
  if (!PARTY_NAME.test(name) || RESERVED_NAMES.has(name.toLowerCase())) {
    throw new PkiError('PKI_BAD_INPUT', `party name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '_' or '-' and not a folder name of the PKI`);
  }
}

const rootSubject = (org: string, generation: number): SubjectFields => ({ commonName: `${org} SM-Root CA ${generation}`, org, orgUnit: '', country: 'DE' });
const subCaSubject = (org: string, id: SubCaId): SubjectFields => ({ commonName: `${org} Sub-CA ${id.slice('subca-'.length).toUpperCase()}`, org, orgUnit: '', country: 'DE' });

async function newKey(sm: SecurityModule, label: string, curve: Curve): Promise<Uint8Array> {
  try {
    await sm.generateKeyPair(label, curve);
  } catch (e) {
    if (e instanceof SecurityModuleError && e.code === 'SM_KEY_EXISTS') throw new PkiError('PKI_EXISTS', `the security module holds a key labelled ${JSON.stringify(label)} already`);
    throw e;
  }
  return (await moduleSigningKey(sm, label)).spki;
}

/** The CA certificate a CA id currently signs under. */
function caCert(ctx: PkiContext, state: PkiState, id: string): X509Certificate {
  return parseCertificate(readText(ctx.dir, caOf(state, id).cert), id);
}

const crlUri = (state: PkiState, ca: string): string => `${state.crlBase}${ca}.pem`;

interface IssueArgs {
  readonly ctx: PkiContext;
  readonly state: PkiState;
  readonly profile: CertificateKind;
  readonly subject: SubjectFields | X509Certificate['subjectName'];
  readonly subjectSpki: Uint8Array;
  /** The issuing CA's id; its certificate and key sign. For a self-signed root: its own id and subject. */
  readonly issuer: string;
  readonly issuerName?: SubjectFields;
  readonly notAfter: Date;
}

async function issue(a: IssueArgs): Promise<X509Certificate> {
  const { ctx, state } = a;
  const signer = await moduleSigningKey(ctx.sm, caOf(state, a.issuer).label);
  const notBefore = ctx.now ?? new Date();
  return buildCertificate(
    {
      profile: a.profile,
      subject: a.subject,
      subjectSpki: a.subjectSpki,
      issuerName: a.issuerName ?? caCert(ctx, state, a.issuer).subjectName,
      signer,
      serialNumber: serialFrom(await ctx.sm.randomBytes(16)),
      notBefore,
      notAfter: a.notAfter,
      ...(a.profile.kind === 'root' ? {} : { crlUri: crlUri(state, a.issuer) }),
    },
    securityModuleCrypto(ctx.sm),
  );
}

export interface CrlSummary {
  readonly ca: string;
  readonly file: string;
  readonly crlNumber: number;
  readonly revoked: number;
  readonly nextUpdate: string;
}

async function writeCrl(ctx: PkiContext, state: PkiState, id: string, days: number): Promise<CrlSummary> {
  const ca = caOf(state, id);
  const thisUpdate = ctx.now ?? new Date();
  const nextUpdate = new Date(thisUpdate.getTime() + days * 86_400_000);
  ca.crlNumber += 1;
  const crl = await buildCrl(
    {
      issuerName: caCert(ctx, state, id).subjectName,
      signer: await moduleSigningKey(ctx.sm, ca.label),
      crlNumber: ca.crlNumber,
      thisUpdate,
      nextUpdate,
      entries: ca.revoked.map((r) => ({ serialNumber: r.serialNumber, revocationDate: new Date(r.revocationDate), reason: r.reason as RevocationReason })),
    },
    securityModuleCrypto(ctx.sm),
  );
  writeAtomic(ctx.dir, PKI_FILES.crl(id), crlToPem(crl));
  return { ca: id, file: PKI_FILES.crl(id), crlNumber: ca.crlNumber, revoked: ca.revoked.length, nextUpdate: nextUpdate.toISOString() };
}

export interface InitOptions {
  /** Organisation named in the CA subjects; "gridwarden" when absent. */
  readonly org?: string;
  /** Prefix of the CRL distribution points (`<base><ca>.pem`); the folder's crl/ as a file: URI when absent. */
  readonly crlBase?: string;
}

export interface InitSummary {
  readonly root: { readonly subject: string; readonly file: string; readonly keyLabel: string };
  readonly subCas: ReadonlyArray<{ readonly id: SubCaId; readonly subject: string; readonly file: string; readonly keyLabel: string }>;
  readonly crls: readonly CrlSummary[];
}

/** Creates the root CA (generation 1), the three sub-CAs and their first CRLs in an empty PKI folder. */
export function initPki(ctx: PkiContext, opts: InitOptions = {}): Promise<InitSummary> {
  return withPkiLock(ctx.dir, () => initPkiLocked(ctx, opts));
}

async function initPkiLocked(ctx: PkiContext, opts: InitOptions = {}): Promise<InitSummary> {
  // One instant for the whole operation: notBefore and notAfter of every certificate agree.
  ctx = { ...ctx, now: ctx.now ?? new Date() };
  if (existsSync(join(ctx.dir, STATE_FILE))) throw new PkiError('PKI_EXISTS', `${ctx.dir} holds a PKI already`);
  const org = opts.org ?? 'gridwarden';
  const now = ctx.now ?? new Date();
  const state: PkiState = {
    version: 1,
    org,
    crlBase: opts.crlBase ?? `${pathToFileURL(resolve(ctx.dir, 'crl')).href}/`,
    rootGeneration: 1,
    cas: {},
    parties: {},
  };
  const rid = rootId(1);
  const rootLabel = KEY_LABELS.root(1);
  state.cas[rid] = { label: rootLabel, cert: PKI_FILES.rootOf(1), crlNumber: 0, revoked: [] };
  const rootSpki = await newKey(ctx.sm, rootLabel, PROFILE.rootCurve);
  const subject = rootSubject(org, 1);
  const root = await issue({ ctx, state, profile: { kind: 'root' }, subject, subjectSpki: rootSpki, issuer: rid, issuerName: subject, notAfter: addYears(now, PROFILE.rootYears) });
  writeAtomic(ctx.dir, PKI_FILES.rootOf(1), certToPem(root));
  writeAtomic(ctx.dir, PKI_FILES.root, certToPem(root));
  const subCas: Array<InitSummary['subCas'][number]> = [];
  for (const id of SUB_CAS) {
    const label = KEY_LABELS.subCa(id);
    const spki = await newKey(ctx.sm, label, PROFILE.subCaCurve);
    const cert = await issue({ ctx, state, profile: { kind: 'sub-ca' }, subject: subCaSubject(org, id), subjectSpki: spki, issuer: rid, notAfter: addYears(now, PROFILE.subCaYears) });
    writeAtomic(ctx.dir, PKI_FILES.subCaOf(id, 1), certToPem(cert));
    writeAtomic(ctx.dir, PKI_FILES.subCa(id), certToPem(cert));
    state.cas[id] = { label, cert: PKI_FILES.subCaOf(id, 1), crlNumber: 0, revoked: [] };
    subCas.push({ id, subject: cert.subject, file: PKI_FILES.subCa(id), keyLabel: label });
  }
  const crls: CrlSummary[] = [];
  for (const id of Object.keys(state.cas)) crls.push(await writeCrl(ctx, state, id, PROFILE.crlDays));
  writeState(ctx.dir, state);
  return { root: { subject: root.subject, file: PKI_FILES.root, keyLabel: rootLabel }, subCas, crls };
}

export interface IssueOptions {
  readonly role: Role;
  readonly name: string;
  /** Organisation (O); the PKI's organisation when absent. */
  readonly org?: string;
  /** Market partner id (OU); left out of the name when absent. */
  readonly marketPartnerId?: string;
}

export interface IssuedCert {
  readonly usage: TripletUsage;
  readonly file: string;
  readonly keyLabel: string;
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  readonly notAfter: string;
}

/** Issues a party's TLS/SIG/ENC triplet with fresh brainpoolP256r1 keys in the module (DESIGN.md profiles). */
export function issueParty(ctx: PkiContext, opts: IssueOptions): Promise<{ readonly name: string; readonly role: Role; readonly certs: readonly IssuedCert[] }> {
  return withPkiLock(ctx.dir, () => issuePartyLocked(ctx, opts));
}

async function issuePartyLocked(ctx: PkiContext, opts: IssueOptions): Promise<{ readonly name: string; readonly role: Role; readonly certs: readonly IssuedCert[] }> {
  // One instant for the whole operation: notBefore and notAfter of every certificate agree.
  ctx = { ...ctx, now: ctx.now ?? new Date() };
  checkPartyName(opts.name);
  const state = readState(ctx.dir);
  if (state.parties[opts.name] !== undefined) throw new PkiError('PKI_EXISTS', `party ${opts.name} exists already`);
  const issuer = ISSUING_SUB_CA[opts.role];
  if (issuer === undefined) throw new PkiError('PKI_BAD_INPUT', `role ${String(opts.role)} is not one of gateway, gwa, emt, gwh`);
  const subject: SubjectFields = { commonName: opts.name, org: opts.org ?? state.org, orgUnit: opts.marketPartnerId ?? '', country: 'DE' };
  const notAfter = addYears(ctx.now ?? new Date(), PROFILE.partyYears);
  const certs: IssuedCert[] = [];
  // Filled for all three usages below before it is stored.
  const serials = {} as Record<TripletUsage, string>;
  for (const usage of TRIPLET_USAGES) {
    const keyLabel = KEY_LABELS.party(opts.name, usage);
    const spki = await newKey(ctx.sm, keyLabel, PROFILE.partyCurve);
    const cert = await issue({ ctx, state, profile: { kind: 'party', usage, role: opts.role }, subject, subjectSpki: spki, issuer, notAfter });
    const file = PKI_FILES.party(opts.name, usage);
    writeAtomic(ctx.dir, file, certToPem(cert));
    serials[usage] = cert.serialNumber;
    certs.push({ usage, file, keyLabel, serialNumber: cert.serialNumber, subject: cert.subject, issuer: cert.issuer, notAfter: cert.notAfter.toISOString() });
  }
  state.parties[opts.name] = { role: opts.role, issuer, serials };
  writeState(ctx.dir, state);
  return { name: opts.name, role: opts.role, certs };
}

export interface RevokeOptions {
  readonly name: string;
  /** One certificate of the triplet; all three when absent. */
  readonly usage?: TripletUsage;
  readonly reason?: RevocationReason;
}

/** Puts a party's certificates on its sub-CA's CRL and publishes that CRL at once. */
export function revoke(ctx: PkiContext, opts: RevokeOptions): Promise<{ readonly revoked: ReadonlyArray<{ usage: TripletUsage; serialNumber: string }>; readonly crl: CrlSummary }> {
  return withPkiLock(ctx.dir, () => revokeLocked(ctx, opts));
}

async function revokeLocked(ctx: PkiContext, opts: RevokeOptions): Promise<{ readonly revoked: ReadonlyArray<{ usage: TripletUsage; serialNumber: string }>; readonly crl: CrlSummary }> {
  const state = readState(ctx.dir);
  const party = state.parties[opts.name];
  if (party === undefined) throw new PkiError('PKI_NO_PARTY', `no party ${JSON.stringify(opts.name)} in the PKI folder`);
  const ca = caOf(state, party.issuer);
  const revokedNow: Array<{ usage: TripletUsage; serialNumber: string }> = [];
  for (const usage of opts.usage === undefined ? TRIPLET_USAGES : [opts.usage]) {
    const serialNumber = party.serials[usage];
    if (serialNumber === undefined) throw new PkiError('PKI_NO_PARTY', `party ${opts.name} has no ${usage} certificate`);
    if (!ca.revoked.some((r) => r.serialNumber === serialNumber)) {
      ca.revoked.push({ serialNumber, revocationDate: (ctx.now ?? new Date()).toISOString(), reason: opts.reason ?? 'unspecified' });
    }
    revokedNow.push({ usage, serialNumber });
  }
  const crl = await writeCrl(ctx, state, party.issuer, PROFILE.crlDays);
  writeState(ctx.dir, state);
  return { revoked: revokedNow, crl };
}

/** Publishes a fresh CRL for every CA, each root generation included, valid `days` days. */
export function issueCrl(ctx: PkiContext, days: number = PROFILE.crlDays): Promise<readonly CrlSummary[]> {
  return withPkiLock(ctx.dir, () => issueCrlLocked(ctx, days));
}

async function issueCrlLocked(ctx: PkiContext, days: number = PROFILE.crlDays): Promise<readonly CrlSummary[]> {
  if (!Number.isFinite(days) || days <= 0) throw new PkiError('PKI_BAD_INPUT', 'CRL validity must be a positive number of days');
  const state = readState(ctx.dir);
  const out: CrlSummary[] = [];
  for (const id of Object.keys(state.cas)) out.push(await writeCrl(ctx, state, id, days));
  writeState(ctx.dir, state);
  return out;
}

export interface RolloverSummary {
  readonly generation: number;
  readonly root: { readonly subject: string; readonly file: string; readonly keyLabel: string };
  /** New root signed by the old (NewWithOld) and old root signed by the new (OldWithNew). */
  readonly links: readonly string[];
  readonly subCas: readonly string[];
  readonly crls: readonly CrlSummary[];
}

/**
 * Root key rollover: a new root generation with a fresh key, link certificates both ways so either
 * generation's trust anchor validates the other's certificates, and the sub-CA keys certified anew under the
 * new root. Every earlier root stays (with its CRL) until it expires.
 */
export function rollover(ctx: PkiContext): Promise<RolloverSummary> {
  return withPkiLock(ctx.dir, () => rolloverLocked(ctx));
}

async function rolloverLocked(ctx: PkiContext): Promise<RolloverSummary> {
  ctx = { ...ctx, now: ctx.now ?? new Date() };
  const state = readState(ctx.dir);
  const now = ctx.now ?? new Date();
  const oldGen = state.rootGeneration;
  const gen = oldGen + 1;
  const oldId = rootId(oldGen);
  const newId: CaId = rootId(gen);
  const oldRoot = caCert(ctx, state, oldId);
  const label = KEY_LABELS.root(gen);
  const spki = await newKey(ctx.sm, label, PROFILE.rootCurve);
  const subject = rootSubject(state.org, gen);
  state.cas[newId] = { label, cert: PKI_FILES.rootOf(gen), crlNumber: 0, revoked: [] };
  const root = await issue({ ctx, state, profile: { kind: 'root' }, subject, subjectSpki: spki, issuer: newId, issuerName: subject, notAfter: addYears(now, PROFILE.rootYears) });
  writeAtomic(ctx.dir, PKI_FILES.rootOf(gen), certToPem(root));
  // A link certificate must not outlive the root that signs it or the key it certifies.
  const linkEnd = new Date(Math.min(oldRoot.notAfter.getTime(), root.notAfter.getTime()));
  const newWithOld = await issue({ ctx, state, profile: { kind: 'link' }, subject: root.subjectName, subjectSpki: spki, issuer: oldId, notAfter: linkEnd });
  const oldWithNew = await issue({ ctx, state, profile: { kind: 'link' }, subject: oldRoot.subjectName, subjectSpki: new Uint8Array(oldRoot.publicKey.rawData), issuer: newId, notAfter: linkEnd });
  const links = [PKI_FILES.link(gen, oldGen), PKI_FILES.link(oldGen, gen)];
  writeAtomic(ctx.dir, links[0]!, certToPem(newWithOld));
  writeAtomic(ctx.dir, links[1]!, certToPem(oldWithNew));
  const subCas: string[] = [];
  for (const id of SUB_CAS) {
    const ca = caOf(state, id);
    const previous = caCert(ctx, state, id);
    const cert = await issue({
      ctx,
      state,
      profile: { kind: 'sub-ca' },
      subject: previous.subjectName,
      subjectSpki: (await moduleSigningKey(ctx.sm, ca.label)).spki,
      issuer: newId,
      notAfter: addYears(now, PROFILE.subCaYears),
    });
    writeAtomic(ctx.dir, PKI_FILES.subCaOf(id, gen), certToPem(cert));
    writeAtomic(ctx.dir, PKI_FILES.subCa(id), certToPem(cert));
    ca.cert = PKI_FILES.subCaOf(id, gen);
    subCas.push(PKI_FILES.subCaOf(id, gen));
  }
  writeAtomic(ctx.dir, PKI_FILES.root, certToPem(root));
  state.rootGeneration = gen;
  const crls: CrlSummary[] = [];
  for (const id of Object.keys(state.cas)) crls.push(await writeCrl(ctx, state, id, PROFILE.crlDays));
  writeState(ctx.dir, state);
  return { generation: gen, root: { subject: root.subject, file: PKI_FILES.root, keyLabel: label }, links, subCas, crls };
}
