/**
 * The software key store file: pure encoding, decoding and sealing, no I/O.
 *
 * One JSON document; every private key is PKCS#8 DER sealed with AES-256-GCM under a key that scrypt derives
 * from the passphrase. A GCM "check" over the header tells a wrong passphrase from a damaged key entry, and a
 * SHA-256 digest over the canonical document tells accidental damage (any flipped byte) from a wrong passphrase.
 */
import { type KeyObject, createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { curveOfKey, pointFromPublicKey } from './ec-keys.js';
import { SecurityModuleError } from './errors.js';
import { CURVE_FIELD_BYTES, type Curve } from './security-module.js';

export const KEYSTORE_FORMAT = 'gridwarden-keystore';
export const KEYSTORE_VERSION = 1;

/** scrypt cost for new stores (RFC 7914): N = 2^15 is the floor the brief sets; r = 8, p = 1 as in the RFC's examples. */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
/** Bounds accepted when reading a store: a crafted file must not make us spend gigabytes or skip the work. */
const SCRYPT_LIMITS = { minLog2N: 15, maxLog2N: 20, maxR: 16, maxP: 4 } as const;

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const SALT_BYTES = 32;
const AES256_KEY_BYTES = 32;

const hex = (bytes: number) => z.string().regex(new RegExp(`^(?:[0-9a-f]{2}){${bytes}}$`));
const hexAny = z.string().regex(/^(?:[0-9a-f]{2})+$/);

const kdfSchema = z.strictObject({
  name: z.literal('scrypt'),
  salt: hex(SALT_BYTES),
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
});

const curveSchema = z.enum(Object.keys(CURVE_FIELD_BYTES) as [Curve, ...Curve[]]);

const sealedKeySchema = z.strictObject({
  label: z.string().min(1),
  curve: curveSchema,
  publicKey: hexAny,
  iv: hex(GCM_IV_BYTES),
  sealed: hexAny,
  tag: hex(GCM_TAG_BYTES),
});

const storeSchema = z.strictObject({
  format: z.literal(KEYSTORE_FORMAT),
  version: z.literal(KEYSTORE_VERSION),
  kdf: kdfSchema,
  check: z.strictObject({ iv: hex(GCM_IV_BYTES), tag: hex(GCM_TAG_BYTES) }),
  keys: z.array(sealedKeySchema),
  digest: hex(32),
});

export type KdfParams = z.infer<typeof kdfSchema>;
export type SealedKey = z.infer<typeof sealedKeySchema>;
export type StoreDocument = z.infer<typeof storeSchema>;

const corrupt = (why: string) => new SecurityModuleError('SM_STORE_CORRUPT', `key store is damaged: ${why}`);

/** New scrypt parameters with a fresh salt. */
export function newKdfParams(): KdfParams {
  return { name: 'scrypt', salt: randomBytes(SALT_BYTES).toString('hex'), ...SCRYPT_DEFAULTS };
}

/** The arguments for node:crypto scrypt, after checking the stored parameters are within sane bounds. */
export function scryptArguments(kdf: KdfParams): { salt: Buffer; keyLength: number; options: { N: number; r: number; p: number; maxmem: number } } {
  const log2N = Math.log2(kdf.N);
  if (!Number.isInteger(log2N) || log2N < SCRYPT_LIMITS.minLog2N || log2N > SCRYPT_LIMITS.maxLog2N) throw corrupt('scrypt N out of range');
  if (kdf.r < 1 || kdf.r > SCRYPT_LIMITS.maxR || kdf.p < 1 || kdf.p > SCRYPT_LIMITS.maxP) throw corrupt('scrypt r or p out of range');
  // scrypt needs 128 * N * r bytes (RFC 7914 clause 6); a little room on top for OpenSSL's own bookkeeping.
  const maxmem = 128 * kdf.N * kdf.r * kdf.p + (1 << 20);
  return { salt: Buffer.from(kdf.salt, 'hex'), keyLength: AES256_KEY_BYTES, options: { N: kdf.N, r: kdf.r, p: kdf.p, maxmem } };
}

/** The document's fields in a fixed order, digest left out: what the digest covers. */
function canonicalBody(doc: Omit<StoreDocument, 'digest'>): string {
  return JSON.stringify({
    format: doc.format,
    version: doc.version,
    kdf: { name: doc.kdf.name, salt: doc.kdf.salt, N: doc.kdf.N, r: doc.kdf.r, p: doc.kdf.p },
    check: { iv: doc.check.iv, tag: doc.check.tag },
    keys: doc.keys.map((k) => ({ label: k.label, curve: k.curve, publicKey: k.publicKey, iv: k.iv, sealed: k.sealed, tag: k.tag })),
  });
}

const digestOf = (body: string) => createHash('sha256').update(body).digest('hex');

/** Binds the check value to the header, so a changed KDF parameter fails like a wrong passphrase would. */
const checkAad = (kdf: KdfParams) => Buffer.from(JSON.stringify([KEYSTORE_FORMAT, KEYSTORE_VERSION, 'check', kdf.name, kdf.salt, kdf.N, kdf.r, kdf.p]));
/** Binds each sealed key to its label, curve and public key, so entries cannot be swapped or relabelled. */
const keyAad = (label: string, curve: Curve, publicKey: string) => Buffer.from(JSON.stringify([KEYSTORE_FORMAT, KEYSTORE_VERSION, 'key', label, curve, publicKey]));

function gcmSeal(key: Uint8Array, aad: Buffer, plaintext: Uint8Array): { iv: string; sealed: string; tag: string } {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('hex'), sealed: sealed.toString('hex'), tag: cipher.getAuthTag().toString('hex') };
}

/** The plaintext, or undefined when the tag does not verify. */
function gcmOpen(key: Uint8Array, aad: Buffer, iv: string, sealed: string, tag: string): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'hex')).setAAD(aad).setAuthTag(Buffer.from(tag, 'hex'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'hex')), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The check value of a new store: GCM over nothing, authenticated header only. */
export function newCheck(key: Uint8Array, kdf: KdfParams): StoreDocument['check'] {
  const { iv, tag } = gcmSeal(key, checkAad(kdf), new Uint8Array(0));
  return { iv, tag };
}

/** Whether `key` is the one this store was sealed with. */
export function checkMatches(key: Uint8Array, doc: StoreDocument): boolean {
  return gcmOpen(key, checkAad(doc.kdf), doc.check.iv, '', doc.check.tag) !== undefined;
}

/** A private key sealed for the file. */
export function sealKey(key: Uint8Array, label: string, curve: Curve, priv: KeyObject): SealedKey {
  const publicKey = Buffer.from(pointFromPublicKey(createPublicKey(priv))).toString('hex');
  const der = priv.export({ format: 'der', type: 'pkcs8' });
  try {
    return { label, curve, publicKey, ...gcmSeal(key, keyAad(label, curve, publicKey), der) };
  } finally {
    der.fill(0);
  }
}

/** The private key of a sealed entry, checked against its stated curve and public key. */
export function unsealKey(key: Uint8Array, entry: SealedKey): KeyObject {
  const der = gcmOpen(key, keyAad(entry.label, entry.curve, entry.publicKey), entry.iv, entry.sealed, entry.tag);
  if (der === undefined) throw corrupt(`the entry of ${JSON.stringify(entry.label)} fails its authentication tag`);
  try {
    let priv: KeyObject;
    try {
      priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      throw corrupt(`the entry of ${JSON.stringify(entry.label)} is not a PKCS#8 key`);
    }
    let curve: Curve;
    try {
      curve = curveOfKey(priv);
    } catch {
      throw corrupt(`the entry of ${JSON.stringify(entry.label)} is not an EC key on a supported curve`);
    }
    const point = Buffer.from(pointFromPublicKey(createPublicKey(priv))).toString('hex');
    if (curve !== entry.curve || point !== entry.publicKey) throw corrupt(`the entry of ${JSON.stringify(entry.label)} does not match its public key`);
    return priv;
  } finally {
    der.fill(0);
  }
}

/** The file text of a store. */
export function encodeStore(kdf: KdfParams, check: StoreDocument['check'], keys: readonly SealedKey[]): string {
  const body: Omit<StoreDocument, 'digest'> = { format: KEYSTORE_FORMAT, version: KEYSTORE_VERSION, kdf, check, keys: [...keys] };
  const canonical = canonicalBody(body);
  return `${canonical.slice(0, -1)},"digest":"${digestOf(canonical)}"}\n`;
}

/** A store document from file text: SM_STORE_CORRUPT for anything but an intact document of a known version. */
export function decodeStore(text: string): StoreDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw corrupt('not JSON (truncated or overwritten?)');
  }
  if (typeof json === 'object' && json !== null && 'version' in json && json.version !== KEYSTORE_VERSION) {
    throw corrupt(`format version ${String(json.version)} is not ${KEYSTORE_VERSION}`);
  }
  const parsed = storeSchema.safeParse(json);
  if (!parsed.success) throw corrupt('fields missing or malformed');
  const doc = parsed.data;
  if (digestOf(canonicalBody(doc)) !== doc.digest) throw corrupt('digest mismatch (a byte was changed)');
  const labels = new Set<string>();
  for (const k of doc.keys) {
    if (labels.has(k.label)) throw corrupt(`label ${JSON.stringify(k.label)} appears twice`);
    labels.add(k.label);
  }
  return doc;
}
