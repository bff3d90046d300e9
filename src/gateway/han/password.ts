import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters, stored beside each hash. N = 2^15 is the floor (RFC 7914 interactive logins). */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
}

export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 };
export const SALT_BYTES = 16;

export interface PasswordHash {
  readonly hash: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: ScryptParams;
}

function derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  // 128 * N * r bytes of working memory plus headroom; node's default maxmem (32 MiB) is exactly too small.
  const maxmem = 256 * params.N * params.r;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err === null) resolve(new Uint8Array(key));
      else reject(err);
    });
  });
}

export async function hashPassword(password: string, params: ScryptParams = SCRYPT_PARAMS): Promise<PasswordHash> {
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  return { hash: await derive(password, salt, params), salt, params };
}

/** Constant-time comparison of the stored hash with the password's, under the stored parameters. */
export async function passwordMatches(password: string, stored: PasswordHash): Promise<boolean> {
  const candidate = await derive(password, stored.salt, stored.params);
  return candidate.length === stored.hash.length && timingSafeEqual(candidate, stored.hash);
}

/** Parameters read back from the store; undefined when the stored JSON is not a usable scrypt parameter set. */
export function parseParams(json: string): ScryptParams | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { N, r, p, keyLength } = o;
  const ints = [N, r, p, keyLength].every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0);
  if (!ints) return undefined;
  return { N: N as number, r: r as number, p: p as number, keyLength: keyLength as number };
}
