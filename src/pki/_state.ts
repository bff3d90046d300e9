import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { isRevocationReason } from './crl.js';
import { PkiError } from './errors.js';
import { ROLES, type Role, type SubCaId, TRIPLET_USAGES, type TripletUsage } from './profile.js';

/**
 * The PKI folder's bookkeeping (`pki.json`): which CA key signs what, CRL numbers, revocations, parties.
 * Certificates and CRLs themselves are the PEM files beside it.
 */

export const STATE_FILE = 'pki.json';

/** `root-g<n>` for each root generation, or a sub-CA. */
export type CaId = `root-g${number}` | SubCaId;

const revokedSchema = z.object({
  serialNumber: z.string().regex(/^[0-9a-f]+$/),
  revocationDate: z.iso.datetime(),
  reason: z.string().refine(isRevocationReason),
});

const caSchema = z.object({
  /** Key label in the security module. */
  label: z.string().min(1),
  /** The CA's current certificate, relative to the folder. */
  cert: z.string().min(1),
  crlNumber: z.number().int().nonnegative(),
  revoked: z.array(revokedSchema),
});

const partySchema = z.object({
  role: z.enum(ROLES as [Role, ...Role[]]),
  issuer: z.string(),
  serials: z.record(z.enum(TRIPLET_USAGES as [TripletUsage, ...TripletUsage[]]), z.string()),
});

const stateSchema = z.object({
  version: z.literal(1),
  org: z.string().min(1),
  /** CRL distribution point prefix: `<crlBase><ca id>.pem`. */
  crlBase: z.string().min(1),
  rootGeneration: z.number().int().positive(),
  cas: z.record(z.string(), caSchema),
  parties: z.record(z.string(), partySchema),
});

export type PkiState = z.infer<typeof stateSchema>;
export type CaState = z.infer<typeof caSchema>;

export const rootId = (generation: number): CaId => `root-g${generation}`;

export function readState(dir: string): PkiState {
  const path = join(dir, STATE_FILE);
  if (!existsSync(path)) throw new PkiError('PKI_DIR', `${dir} holds no PKI (no ${STATE_FILE}); run \`pki init\` first`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new PkiError('PKI_DIR', `${path} is not JSON`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new PkiError('PKI_DIR', `${path} is damaged: ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
  if (parsed.data.cas[rootId(parsed.data.rootGeneration)] === undefined) throw new PkiError('PKI_DIR', `${path} names no current root`);
  return parsed.data;
}

export function caOf(state: PkiState, id: string): CaState {
  const ca = state.cas[id];
  if (ca === undefined) throw new PkiError('PKI_DIR', `the PKI folder has no CA ${id}`);
  return ca;
}

/** Writes a file of the folder atomically (temp file + rename), making its parent folder. */
export function writeAtomic(dir: string, rel: string, text: string): void {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, path);
}

export function writeState(dir: string, state: PkiState): void {
  writeAtomic(dir, STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

export function readText(dir: string, rel: string): string {
  try {
    return readFileSync(join(dir, rel), 'utf8');
  } catch {
    throw new PkiError('PKI_DIR', `${rel} is missing from the PKI folder`);
  }
}
