/**
 * The operator dashboard: static files from src/web/dashboard (no build step) served on the operator listener,
 * `/` for the page and `/dashboard/<file>` for its assets. The page reads the operator API's JSON routes from
 * the same origin, so the policy below allows nothing but 'self': no inline script or style, no framing.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HeadendError } from './errors.js';

/** Media type per file extension; files of any other type in the folder are not served. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-cache',
};

export interface DashboardOptions {
  /** The folder holding index.html and its assets; by default src/web/dashboard of this package. */
  readonly dir?: string;
}

interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
}

/** Registers `GET /` and `GET /dashboard/:file` on the operator API's Fastify instance. */
export function registerDashboard(app: FastifyInstance, o: DashboardOptions = {}): void {
  const files = loadFiles(o.dir ?? defaultDir());
  const index = files.get('index.html');
  if (index === undefined) throw new HeadendError('HE_CONFIG', 'the dashboard folder has no index.html');
  const send = (reply: FastifyReply, f: StaticFile) => reply.headers(DASHBOARD_HEADERS).type(f.type).send(f.body);

  app.get('/', async (_request, reply) => send(reply, index));
  app.get('/dashboard/:file', async (request, reply) => {
    // Looked up by name in what was loaded at start: no path from the request ever reaches the file system.
    const f = files.get((request.params as { file: string }).file);
    if (f === undefined) return reply.callNotFound();
    return send(reply, f);
  });
}

// --- internal ---

/** Sources run from src/headend, the build from dist/src/headend; the package ships src/web either way. */
function defaultDir(): string {
  const candidates = [join(import.meta.dirname, '..', 'web', 'dashboard'), join(import.meta.dirname, '..', '..', '..', 'src', 'web', 'dashboard')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? candidates[0]!;
}

function loadFiles(dir: string): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = MEDIA_TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    files.set(entry.name, { type, body: readFileSync(join(dir, entry.name)) });
  }
  return files;
}
