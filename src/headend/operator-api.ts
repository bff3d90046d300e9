/**
 * The operator API: plain HTTP on loopback by default (the dashboard runs on the same host), JSON routes over the
 * store, `/openapi.json` and Prometheus `/metrics`. Each route is listed in openapi.ts. Every route that reads or
 * changes data needs the operator token (operator-auth.ts).
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseCommandRequest, queueCommand, wakeUpGateway } from './admin.js';
import type { HeadendContext } from './context.js';
import { registerDashboard } from './dashboard.js';
import { HeadendError } from './errors.js';
import { issuePath } from './message.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { requireOperatorToken } from './operator-auth.js';
import { exportToCsv } from './privacy/csv.js';
import { exportConsumer } from './privacy/export.js';
import { listPrivacyEvents } from './privacy/log.js';
import { getGateway, listCommands, listGateways, listMessages, listSecurityEvents, listValues, securityEventCounts, upsertGateway } from './repository.js';
import { sendError } from './wan-routes.js';

export interface OperatorApi {
  readonly app: FastifyInstance;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const gatewayInput = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a party name'),
  state: z.enum(['active', 'suspended', 'retired']).optional(),
  wakeUp: z.strictObject({ host: z.string().min(1), port: z.int().min(1).max(65_535) }).optional(),
});

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HeadendError('HE_BAD_REQUEST', `the request is not valid at ${first === undefined ? '(root)' : issuePath(first)}`);
  }
  return r.data;
}

const optionalQuery = (q: unknown, key: string): string | undefined => {
  const v = (q as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

export interface OperatorApiOptions {
  /** The bearer token every data route asks for. */
  readonly token: string;
}

export function createOperatorApi(ctx: HeadendContext, options: OperatorApiOptions): OperatorApi {
  const app = Fastify({ logger: false });
  app.setErrorHandler((e, _request, reply) => sendError(reply, e));
  requireOperatorToken(app, options.token);
  registerDashboard(app);
  const hosted = (emt: string): string => {
    if (!ctx.emts.has(emt)) throw new HeadendError('HE_UNKNOWN_EMT', `this head-end hosts no market participant ${emt}`);
    return emt;
  };

  app.get('/openapi.json', async () => OPENAPI_DOCUMENT);

  app.get('/metrics', async (_request, reply) => {
    const stored = await securityEventCounts(ctx.db);
    const text = ctx.metrics.render([
      {
        name: 'gridwarden_headend_security_events',
        help: 'Security events held in the store (all processes), by kind',
        samples: stored.map((r) => ({ labels: { kind: r.kind }, value: r.n })),
      },
    ]);
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  app.get('/gateways', async () => ({ gateways: await listGateways(ctx.db) }));
  app.post('/gateways', async (request, reply) => {
    const g = parseBody(gatewayInput, request.body);
    await upsertGateway(ctx.db, { name: g.name, state: g.state ?? 'active', wakeUp: g.wakeUp }, ctx.now());
    return reply.code(201).send(await getGateway(ctx.db, g.name));
  });
  app.get('/gateways/:name', async (request) => {
    const name = (request.params as { name: string }).name;
    const g = await getGateway(ctx.db, name);
    if (g === undefined) throw new HeadendError('HE_UNKNOWN_GATEWAY', `gateway ${name} is not in the inventory`);
    return g;
  });
  app.post('/gateways/:name/wake-up', async (request, reply) => {
    await wakeUpGateway(ctx, (request.params as { name: string }).name);
    return reply.code(202).send({ status: 'sent' });
  });
  app.post('/gateways/:name/commands', async (request, reply) => {
    const queued = await queueCommand(ctx, (request.params as { name: string }).name, parseCommandRequest(request.body));
    return reply.code(201).send(queued);
  });

  app.get('/commands', async (request) => ({ commands: await listCommands(ctx.db, optionalQuery(request.query, 'gateway')) }));
  app.get('/emts', async () => ({ emts: [...ctx.emts.keys()] }));
  app.get('/emts/:emt/messages', async (request) => {
    const emt = hosted((request.params as { emt: string }).emt);
    const meter = optionalQuery(request.query, 'meter');
    const pseudonym = optionalQuery(request.query, 'pseudonym');
    return { messages: await listMessages(ctx.db, emt, { ...(meter === undefined ? {} : { meter }), ...(pseudonym === undefined ? {} : { pseudonym }) }) };
  });
  app.get('/emts/:emt/values', async (request) => {
    const emt = hosted((request.params as { emt: string }).emt);
    const meter = optionalQuery(request.query, 'meter');
    return { values: await listValues(ctx.db, emt, meter === undefined ? {} : { meter }) };
  });
  app.get('/security-events', async () => ({ events: await listSecurityEvents(ctx.db) }));

  // Access and portability (issue 9): what every hosted participant holds about one consumer.
  app.get('/consumers/:consumerId/export', async (request, reply) => {
    const format = optionalQuery(request.query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new HeadendError('HE_BAD_REQUEST', 'the request is not valid at format: json or csv');
    const consumerId = (request.params as { consumerId: string }).consumerId;
    const data = await exportConsumer(ctx.db, consumerId, ctx.now());
    const file = `consumer-${consumerId.replace(/[^A-Za-z0-9._-]/g, '_')}.${format}`;
    reply.header('content-disposition', `attachment; filename="${file}"`).header('cache-control', 'no-store');
    if (format === 'json') return reply.type('application/json; charset=utf-8').send(data);
    return reply.type('text/csv; charset=utf-8; header=present').send(exportToCsv(data));
  });
  app.get('/privacy/events', async () => ({ events: await listPrivacyEvents(ctx.db) }));

  return {
    app,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      return app.server.address() as AddressInfo;
    },
    close: () => app.close(),
  };
}
