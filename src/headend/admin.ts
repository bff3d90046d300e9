/**
 * Gateway administration (docs/wire.md "Administration commands"): each change becomes a command signed with
 * the administrator's SIG key and encrypted for the gateway's ENC certificate, so meter keys travel only
 * inside it. Commands are recorded in the store, served to their gateway only, and a wake-up follows.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { protect } from '../cms/index.js';
import { PkiError, certToPem } from '../pki/index.js';
import { cmsStep } from './cms-verdict.js';
import type { HeadendContext } from './context.js';
import { HeadendError } from './errors.js';
import { issuePath } from './message.js';
import { METRIC } from './metrics.js';
import { recordIssuedCommand } from './privacy/registry.js';
import { type GatewayRow, getGateway, insertCommand } from './repository.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `${bytes * 2} hex digits`);

/** What an operator asks for; `set-emt-certificates` takes only the EMT name, the PEMs come from the PKI folder. */
export const commandRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('register-meter'),
    payload: z
      .strictObject({
        meterId: z.string().min(1).max(64),
        protocol: z.enum(['wmbus', 'dlms', 'dsmr', 'sml']),
        // AES-128; DLMS and encrypted P1 meters may take EK || AK (32 bytes), as the gateway accepts.
        keyHex: z.union([hex(16), hex(32)]).optional(),
        // The gateway's own limit: a longer id would be refused there, after the command was queued.
        consumerId: z.string().min(1).max(64),
      })
      .refine((p) => p.keyHex === undefined || p.keyHex.length === 32 || p.protocol === 'dlms' || p.protocol === 'dsmr', {
        message: 'a 32-byte key (EK || AK) is for dlms and dsmr meters only',
        path: ['keyHex'],
      }),
  }),
  z.strictObject({ type: z.literal('remove-meter'), payload: z.strictObject({ meterId: z.string().min(1).max(64) }) }),
  // The gateway validates the contract itself (src/gateway/taf/contract.ts); here only what the privacy registry
  // records (src/headend/privacy/registry.ts) is required: who the data is about, who gets it, until when.
  z.strictObject({
    type: z.literal('add-contract'),
    payload: z.strictObject({
      contract: z.looseObject({
        id: z.string().min(1).max(64),
        meterId: z.string().min(1).max(64),
        consumerId: z.string().min(1).max(128),
        recipient: z.looseObject({ name: z.string().min(1).max(128) }),
        taf: z.int().min(1).max(99),
        validFrom: z.iso.datetime({ offset: true }),
        validTo: z.iso.datetime({ offset: true }),
      }),
    }),
  }),
  z.strictObject({ type: z.literal('remove-contract'), payload: z.strictObject({ contractId: z.string().min(1).max(64) }) }),
  z.strictObject({ type: z.literal('set-emt-certificates'), payload: z.strictObject({ emt: z.string().min(1).max(128) }) }),
]);

export type CommandRequest = z.infer<typeof commandRequestSchema>;
export type CommandType = CommandRequest['type'];

/** Validates an operator's command request; HE_BAD_REQUEST names the field. */
export function parseCommandRequest(body: unknown): CommandRequest {
  const r = commandRequestSchema.safeParse(body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HeadendError('HE_BAD_REQUEST', `the command is not valid at ${first === undefined ? '(root)' : issuePath(first)}`);
  }
  return r.data;
}

export interface QueuedCommand {
  readonly id: string;
  readonly type: CommandType;
  readonly wakeUp: 'sent' | 'failed' | 'no-address';
}

/** Protects, records and announces one command for one gateway of the inventory. */
export async function queueCommand(ctx: HeadendContext, gateway: string, request: CommandRequest): Promise<QueuedCommand> {
  const g = await getGateway(ctx.db, gateway);
  if (g === undefined) throw new HeadendError('HE_UNKNOWN_GATEWAY', `gateway ${gateway} is not in the inventory`);
  const enc = await gatewayEncCertificate(ctx, gateway);
  const id = randomUUID();
  const payload = await resolvePayload(ctx, request);
  const content = { v: 1, id, gatewayId: gateway, issuedAt: ctx.now().toISOString(), type: request.type, payload };
  const der = await cmsStep('protect command', () =>
    protect(new TextEncoder().encode(JSON.stringify(content)), {
      sm: ctx.sm,
      signer: ctx.gwa.sig,
      recipients: [enc],
      includeCerts: ctx.gwa.chain,
      signingTime: ctx.now(),
    }),
  );
  // The command and what it says about consumers are stored together, or neither is.
  await ctx.db.transaction(async (tx) => {
    await insertCommand(tx, { id, gateway, type: request.type, cmsBase64: Buffer.from(der).toString('base64') }, ctx.now());
    await recordIssuedCommand(tx, gateway, id, request, ctx.now());
  });
  ctx.metrics.inc(METRIC.commands, { type: request.type });
  // A failed wake-up leaves the command queued: the gateway fetches it on its next scheduled poll.
  const wakeUp = await tryWakeUp(ctx, g);
  return { id, type: request.type, wakeUp };
}

/** Sends a signed wake-up to the gateway's configured address (never one from a request). */
export async function wakeUpGateway(ctx: HeadendContext, gateway: string): Promise<void> {
  const g = await getGateway(ctx.db, gateway);
  if (g === undefined) throw new HeadendError('HE_UNKNOWN_GATEWAY', `gateway ${gateway} is not in the inventory`);
  const outcome = await tryWakeUp(ctx, g);
  if (outcome === 'no-address') throw new HeadendError('HE_WAKEUP', `gateway ${gateway} has no wake-up address configured`);
  if (outcome === 'failed') throw new HeadendError('HE_WAKEUP', `the wake-up for ${gateway} could not be sent`);
}

// --- internal ---

async function tryWakeUp(ctx: HeadendContext, g: GatewayRow): Promise<QueuedCommand['wakeUp']> {
  let outcome: QueuedCommand['wakeUp'] = 'sent';
  if (g.wakeup_host === null || g.wakeup_port === null) outcome = 'no-address';
  else {
    try {
      await ctx.wakeUp(g.name, { host: g.wakeup_host, port: g.wakeup_port });
    } catch {
      outcome = 'failed';
    }
  }
  ctx.metrics.inc(METRIC.wakeUps, { outcome });
  return outcome;
}

async function gatewayEncCertificate(ctx: HeadendContext, gateway: string) {
  try {
    const p = await ctx.pki.party(gateway);
    if (p.role !== 'gateway') throw new HeadendError('HE_UNKNOWN_GATEWAY', `party ${gateway} is a ${p.role}, not a gateway`);
    return p.enc.cert;
  } catch (e) {
    if (e instanceof PkiError) throw new HeadendError('HE_UNKNOWN_GATEWAY', `the PKI folder has no certificates for gateway ${gateway}`, { cause: e });
    throw e;
  }
}

async function resolvePayload(ctx: HeadendContext, request: CommandRequest): Promise<unknown> {
  if (request.type !== 'set-emt-certificates') return request.payload;
  const emt = request.payload.emt;
  try {
    const p = await ctx.pki.party(emt);
    if (p.role !== 'emt') throw new HeadendError('HE_BAD_REQUEST', `party ${emt} is a ${p.role}, not a market participant`);
    return { emt, encPem: certToPem(p.enc.cert), sigPem: certToPem(p.sig.cert) };
  } catch (e) {
    if (e instanceof PkiError) throw new HeadendError('HE_BAD_REQUEST', `the PKI folder has no market participant ${emt}`, { cause: e });
    throw e;
  }
}
