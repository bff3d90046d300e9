/**
 * The HAN portal's HTTP application: its static page and the JSON API a logged-in consumer reads their own
 * meters, load curves, consumer log and contracts from, grants and withdraws consents with, and downloads all
 * their data from (JSON and CSV, see privacy/export.ts). Transport (HTTPS) is added by start-portal.ts, so tests
 * drive the same application with fastify's inject.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Db } from '../../store/db.js';
import { GatewayError, type GatewayErrorCode } from '../errors.js';
import type { GatewayLogs } from '../logs/gateway-logs.js';
import { grantConsent, withdrawConsent } from '../privacy/consent.js';
import { exportConsumerData, exportCsv } from '../privacy/export.js';
import { DEFAULT_AUTH_POLICY, type HanAuthPolicy, type SessionView, endSession, lockedUntil, login, migrateHan, resolveSession } from './accounts.js';
import { consumerConsents, consumerContracts, consumerLog, consumerMeters, meterLoadCurves } from './consumer-data.js';
import { CURVE_STEPS, type CurveStep, checkRange, isCurveStep } from './load-curve.js';
import { checkSameOrigin } from './same-origin.js';
import { NO_STORE, SECURITY_HEADERS } from './security-headers.js';
import { clearedSessionCookie, sessionCookie, tokenFromCookies } from './session-cookie.js';

export interface HanAppOptions {
  readonly db: Db;
  readonly clock?: () => Date;
  readonly policy?: Partial<HanAuthPolicy>;
  /**
   * When given, logins and downloads are written to the consumer's log (consumer-login, data-exported), and
   * consents can be granted and withdrawn: those routes exist only with the logs, since every change is logged.
   */
  readonly logs?: GatewayLogs;
  /** Folder of the static page (default: src/web/portal beside this module's tree). */
  readonly staticDir?: string;
  /** Extra fastify server options (the HTTPS transport passes its serverFactory here). */
  readonly server?: Omit<FastifyServerOptions, 'logger'>;
}

/**
 * The page's folder: src/web/portal beside this module when run from the sources; from the build output
 * (dist/src/gateway/han), tsc copies no HTML or CSS, so the sources' folder of the package is used.
 */
export const DEFAULT_STATIC_DIR = [join(import.meta.dirname, '..', '..', 'web', 'portal'), join(import.meta.dirname, '..', '..', '..', '..', 'src', 'web', 'portal')].find(
  (d) => existsSync(join(d, 'index.html')),
) ?? join(import.meta.dirname, '..', '..', 'web', 'portal');

/** The page's files: path -> file name and content type. Nothing else is served from disk. */
const STATIC_FILES: Readonly<Record<string, readonly [string, string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/chart.js': ['chart.js', 'text/javascript; charset=utf-8'],
  '/api.js': ['api.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

const STATUS: Partial<Record<GatewayErrorCode, number>> = {
  GW_HAN_LOGIN_FAILED: 401,
  GW_HAN_NO_SESSION: 401,
  GW_HAN_LOCKED: 423,
  GW_HAN_NOT_FOUND: 404,
  GW_HAN_BAD_QUERY: 400,
  GW_HAN_CROSS_ORIGIN: 403,
  GW_BAD_INPUT: 400,
  // Another consumer's contract is answered like one that does not exist.
  GW_CONSENT_UNKNOWN_CONTRACT: 404,
  GW_CONSENT_NOT_NEEDED: 409,
  GW_CONSENT_ALREADY_GRANTED: 409,
  GW_CONSENT_NOT_GRANTED: 409,
};

const DEFAULT_DAY_MS = 24 * 3600_000;
// An instant with its zone: a bare local time would be read in the gateway's zone, not the browser's.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Builds the portal application (not listening). The HAN tables are created if missing. */
export async function createHanApp(o: HanAppOptions): Promise<FastifyInstance> {
  const { db } = o;
  const clock = o.clock ?? (() => new Date());
  const policy: HanAuthPolicy = { ...DEFAULT_AUTH_POLICY, ...o.policy };
  await migrateHan(db);
  const dir = o.staticDir ?? DEFAULT_STATIC_DIR;
  const files = new Map(Object.entries(STATIC_FILES).map(([path, [file, type]]) => [path, { body: readFileSync(join(dir, file)), type }]));

  const app = Fastify({
    logger: false,
    bodyLimit: 4096,
    // A URL fastify cannot decode gets the portal's typed refusal, like every other bad request.
    frameworkErrors: (_err, _req, reply) => {
      // The reply here is typed for any route's generics; its plain fields and a string body fit them all.
      // Such requests skip the onSend hooks, so the headers are set here as well.
      reply.statusCode = 400;
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
      reply.header('cache-control', NO_STORE);
      reply.type('application/json; charset=utf-8');
      reply.send(JSON.stringify({ error: { code: 'GW_HAN_BAD_QUERY', message: 'malformed request' } }) as never);
    },
    ...o.server,
  });

  // CSRF: besides the SameSite=Strict cookie, a state-changing API request must come from the portal's own page.
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.url.startsWith('/api/')) checkSameOrigin(req.headers);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (req.url.startsWith('/api/')) reply.header('cache-control', NO_STORE);
    return payload;
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof GatewayError) {
      const status = STATUS[err.code] ?? 500;
      return reply.code(status).send({ error: { code: err.code, message: status === 500 ? 'internal error' : err.message } });
    }
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    if (status >= 400 && status < 500) return reply.code(400).send({ error: { code: 'GW_HAN_BAD_QUERY', message: 'malformed request' } });
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error' } });
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'GW_HAN_NOT_FOUND', message: 'not found' } }));

  for (const [path, f] of files) {
    app.get(path, (_req, reply) => reply.type(f.type).header('cache-control', 'no-cache').send(f.body));
  }

  const session = (req: FastifyRequest): Promise<SessionView> => resolveSession(db, tokenFromCookies(req.headers.cookie), clock().getTime());

  app.post('/api/login', async (req, reply) => {
    const body = req.body as { username?: unknown; password?: unknown } | null | undefined;
    const username = typeof body?.username === 'string' ? body.username : '';
    const password = typeof body?.password === 'string' ? body.password : '';
    const now = clock().getTime();
    try {
      const s = await login(db, username, password, now, policy);
      reply.header('set-cookie', sessionCookie(s.token, (s.expiresAt - now) / 1000));
      await o.logs?.append('consumer', { consumerId: s.consumerId, level: 'info', event: 'consumer-login', text: `login of ${s.username} on the HAN portal`, outcome: 'success' });
      return { username: s.username, consumerId: s.consumerId, expiresAt: new Date(s.expiresAt).toISOString() };
    } catch (e) {
      if (e instanceof GatewayError && e.code === 'GW_HAN_LOCKED') {
        const until = await lockedUntil(db, username, now);
        return reply
          .code(423)
          .send({ error: { code: e.code, message: 'too many failed attempts: the account is locked', lockedUntil: until === undefined ? null : new Date(until).toISOString() } });
      }
      throw e;
    }
  });

  app.post('/api/logout', async (req, reply) => {
    await endSession(db, tokenFromCookies(req.headers.cookie));
    return reply.code(204).header('set-cookie', clearedSessionCookie()).send();
  });

  app.get('/api/me', async (req) => {
    const s = await session(req);
    return { username: s.username, consumerId: s.consumerId, expiresAt: new Date(s.expiresAt).toISOString() };
  });

  app.get('/api/meters', async (req) => {
    const s = await session(req);
    return { meters: await consumerMeters(db, s.consumerId) };
  });

  app.get('/api/meters/:id/readings', async (req) => {
    const s = await session(req);
    const { id } = req.params as { id: string };
    const q = req.query as Record<string, unknown>;
    const step = q.step ?? '1h';
    if (!isCurveStep(step)) throw new GatewayError('GW_HAN_BAD_QUERY', `step must be one of ${Object.keys(CURVE_STEPS).join(', ')}`);
    const to = instant(q.to, 'to') ?? clock().getTime();
    const from = instant(q.from, 'from') ?? to - DEFAULT_DAY_MS;
    const range = checkRange({ from, to, step: step as CurveStep });
    const curves = await meterLoadCurves(db, s.consumerId, id, range);
    return { meterId: id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), step, curves };
  });

  app.get('/api/consumer-log', async (req) => {
    const s = await session(req);
    return { entries: await consumerLog(db, s.consumerId) };
  });

  app.get('/api/contracts', async (req) => {
    const s = await session(req);
    return { contracts: await consumerContracts(db, s.consumerId) };
  });

  app.get('/api/consents', async (req) => {
    const s = await session(req);
    return consumerConsents(db, s.consumerId);
  });

  const logs = o.logs;
  if (logs !== undefined) {
    const consentRoute = (change: typeof grantConsent) => async (req: FastifyRequest) => {
      const s = await session(req);
      const { contractId } = req.params as { contractId: string };
      const consent = await change(db, logs, { consumerId: s.consumerId, contractId }, clock().toISOString());
      return { consent };
    };
    app.post('/api/consents/:contractId', consentRoute(grantConsent));
    app.delete('/api/consents/:contractId', consentRoute(withdrawConsent));
  }

  const download = async (req: FastifyRequest, reply: FastifyReply, format: 'json' | 'csv') => {
    const s = await session(req);
    const now = clock().toISOString();
    const data = await exportConsumerData(db, s.consumerId, { now });
    await o.logs?.append('consumer', {
      consumerId: s.consumerId,
      level: 'info',
      event: 'data-exported',
      text: `all data downloaded as ${format.toUpperCase()} from the HAN portal by ${s.username}`,
      outcome: 'success',
      details: { format, readings: data.readings.length, consumerLog: data.consumerLog.length },
    });
    const name = `gridwarden-data-${now.slice(0, 10)}.${format}`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
    if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(exportCsv(data));
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(data, null, 2));
  };
  // No automatic HEAD routes here: each download is logged, and a HEAD would log one that never happened.
  app.get('/api/export.json', { exposeHeadRoute: false }, (req, reply) => download(req, reply, 'json'));
  app.get('/api/export.csv', { exposeHeadRoute: false }, (req, reply) => download(req, reply, 'csv'));

  return app;
}

function instant(v: unknown, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = typeof v === 'string' && ISO_INSTANT.test(v) ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(t)) throw new GatewayError('GW_HAN_BAD_QUERY', `${name} is not an ISO 8601 instant`);
  return t;
}
