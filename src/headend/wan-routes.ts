/** The head-end's routes on the WAN listener, exactly as docs/wire.md lists them. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HeadEndServer } from '../wan/index.js';
import type { HeadendContext } from './context.js';
import { HeadendError } from './errors.js';
import { acceptMessage } from './intake.js';
import { pseudonymise } from './pseudonymiser.js';
import { completeCommand, listValues, takePendingCommands, touchGateway } from './repository.js';

/** Content types a CMS body may come with; the body is taken as raw bytes. */
const CMS_CONTENT_TYPES = ['application/cms', 'application/pkcs7-mime', 'application/octet-stream'];

const commandResultSchema = z.union([
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject({ code: z.string().min(1).max(64), message: z.string().max(1000) }) }),
]);

export function registerWanRoutes(server: HeadEndServer, ctx: HeadendContext): void {
  const app = server.app;
  for (const type of CMS_CONTENT_TYPES) {
    if (!app.hasContentTypeParser(type)) app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  app.setErrorHandler((e, _request, reply) => sendError(reply, e));

  server.route({
    method: 'POST',
    url: '/v1/emt/:emt/messages',
    roles: ['gateway'],
    handler: async (request, reply) => {
      const result = await acceptMessage(ctx, {
        emt: (request.params as { emt: string }).emt,
        peer: request.caller.name,
        der: cmsBody(request),
        idempotencyKey: header(request, 'idempotency-key'),
        provenance: 'direct',
      });
      return reply.code(result.status === 'stored' ? 201 : 200).send(result);
    },
  });

  server.route({
    method: 'POST',
    url: '/v1/gwa/pseudonymise',
    roles: ['gateway'],
    handler: async (request, reply) => {
      const { pseudonym: _kept, ...result } = await pseudonymise(ctx, {
        caller: request.caller.name,
        recipient: header(request, 'x-recipient'),
        idempotencyKey: header(request, 'idempotency-key'),
        der: cmsBody(request),
      });
      return reply.code(result.status === 'stored' ? 201 : 200).send(result);
    },
  });

  server.route({
    method: 'GET',
    url: '/v1/gwa/commands',
    roles: ['gateway'],
    handler: async (request) => {
      await touchGateway(ctx.db, request.caller.name, ctx.now());
      return { commands: await takePendingCommands(ctx.db, request.caller.name, ctx.now()) };
    },
  });

  server.route({
    method: 'POST',
    url: '/v1/gwa/commands/:id/result',
    roles: ['gateway'],
    handler: async (request) => {
      const id = (request.params as { id: string }).id;
      const parsed = commandResultSchema.safeParse(request.body);
      if (!parsed.success) throw new HeadendError('HE_MALFORMED', 'the command result is not {"ok":true} or {"ok":false,"error":{"code","message"}}');
      const r = parsed.data;
      const known = await completeCommand(
        ctx.db,
        { id, gateway: request.caller.name, ok: r.ok, code: r.ok ? null : r.error.code, message: r.ok ? null : r.error.message },
        ctx.now(),
      );
      // Another gateway's command id gets the same answer as an unknown one: nothing to learn from it.
      if (!known) throw new HeadendError('HE_UNKNOWN_COMMAND', `no command ${id} for gateway ${request.caller.name}`);
      return { id, status: 'recorded' };
    },
  });

  server.route({
    method: 'GET',
    url: '/v1/emt/:emt/readings',
    roles: ['emt'],
    handler: async (request) => {
      const emt = (request.params as { emt: string }).emt;
      if (request.caller.name !== emt) throw new HeadendError('HE_UNKNOWN_EMT', `market participant ${request.caller.name} may read only its own data`);
      if (!ctx.emts.has(emt)) throw new HeadendError('HE_UNKNOWN_EMT', `this head-end hosts no market participant ${emt}`);
      return { values: await listValues(ctx.db, emt) };
    },
  });
}

// --- internal ---

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The raw DER body; undefined when it came with another content type (intake refuses it as HE_MALFORMED). */
function cmsBody(request: FastifyRequest): Uint8Array | undefined {
  return Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : undefined;
}

/** HeadendError -> its status and `{error:{code,message}}`; anything else is a 500 "try again later". */
export function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  if (e instanceof HeadendError) return reply.code(e.status).send({ error: e.toJSON() });
  const status = (e as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply.code(status).send({ error: { code: 'HE_MALFORMED', message: 'the request could not be read' } });
  }
  return reply.code(500).send({ error: new HeadendError('HE_INTERNAL', 'the head-end could not handle the request; try again later').toJSON() });
}
