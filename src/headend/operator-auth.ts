/**
 * The operator token: every operator API route that reads or changes data asks for `Authorization: Bearer
 * <token>`. Only what holds no data is open: the dashboard's page and assets (the page then sends the token
 * itself) and the OpenAPI document. The token is compared in constant time (as digests, so its length leaks
 * nothing either).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { HeadendError } from './errors.js';

/** 32 random bytes, base64url: what the head-end makes when the configuration names no token file. */
export const newOperatorToken = (): string => randomBytes(32).toString('base64url');

/**
 * The dashboard's address with the token in its fragment (`#token=`, what the page's api.js takes over): browsers
 * never send a fragment, so the token reaches no server log.
 */
export const dashboardAddress = (hostPort: string, token: string): string => `http://${hostPort}/#token=${token}`;

/** A token short enough to guess is refused: at least 128 bits in base64url or hex. */
const MIN_TOKEN_LENGTH = 32;
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

/** Reads the token from its file (trailing newline ignored); HE_CONFIG when missing, short or not a bearer token. */
export async function readOperatorToken(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new HeadendError('HE_CONFIG', `cannot read the operator token file ${file}`, { cause: e });
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || !TOKEN_CHARS.test(token)) {
    throw new HeadendError('HE_CONFIG', `the operator token in ${file} must be at least ${MIN_TOKEN_LENGTH} characters of base64url, base64 or hex`);
  }
  return token;
}

/** Routes open without the token: nothing they send comes from the store. */
const OPEN_ROUTES: ReadonlySet<string> = new Set(['/', '/dashboard/:file', '/openapi.json']);

/** Asks every other route (and unknown paths) for the token. */
export function requireOperatorToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (request.method === 'GET' && route !== undefined && OPEN_ROUTES.has(route)) return;
    const given = bearerOf(request.headers.authorization);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    reply.header('www-authenticate', 'Bearer realm="gridwarden operator"');
    throw new HeadendError('HE_UNAUTHORIZED', given === undefined ? 'this route needs the operator token (Authorization: Bearer)' : 'the operator token is not valid');
  });
}

// --- internal ---

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function bearerOf(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return m?.[1];
}
