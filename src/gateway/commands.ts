/**
 * Administration commands (docs/wire.md): fetched from the administrator, unprotected (signed by the pinned
 * administrator SIG certificate, encrypted for our ENC key), checked (our gateway id, never applied before,
 * not older than the last applied) and applied in one store transaction with the record that it was applied.
 * The outcome is posted back; refusals carry a code, never key material.
 */
import type { X509Certificate } from '@peculiar/x509';
import { z } from 'zod';
import { CmsError } from '../cms/errors.js';
import { unprotect } from '../cms/protect.js';
import type { SecurityModule } from '../crypto/security-module.js';
import { parseCertificate } from '../pki/index.js';
import type { Db } from '../store/db.js';
import type { WanClient } from '../wan/client.js';
import { formatPath } from './config.js';
import { GatewayError } from './errors.js';
import type { GatewayIdentity } from './identity.js';
import type { GatewayLogs } from './logs/gateway-logs.js';
import type { MeterKeyVault } from './meter-keys.js';
import { type ErasureResult, eraseContract, logErasure } from './privacy/erasure.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyPolicy, consentRequiredBy } from './privacy/policy.js';
import { PROTOCOLS, addContract, certSha256, findMeter, registerMeter, removeContract, removeMeter, setEmtCertificates } from './registry.js';
import type { Contract } from './taf/contract.js';
import { ROUTES } from './uplink-message.js';

export const COMMAND_TYPES = ['register-meter', 'remove-meter', 'add-contract', 'remove-contract', 'set-emt-certificates'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

const hexKey = z.string().regex(/^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/, '32 or 64 hex digits');
const payloads = {
  'register-meter': z.strictObject({
    meterId: z.string().min(1).max(64),
    protocol: z.enum(PROTOCOLS as ['wmbus', 'dlms', 'dsmr', 'sml']),
    keyHex: hexKey.optional(),
    consumerId: z.string().min(1).max(64),
  }),
  'remove-meter': z.strictObject({ meterId: z.string().min(1).max(64) }),
  'add-contract': z.strictObject({ contract: z.unknown() }),
  'remove-contract': z.strictObject({ contractId: z.string().min(1) }),
  'set-emt-certificates': z.strictObject({ emt: z.string().min(1).max(128), encPem: z.string().min(1), sigPem: z.string().min(1) }),
} as const;

const envelopeSchema = z.strictObject({
  v: z.literal(1),
  id: z.string().min(1).max(128),
  gatewayId: z.string().min(1),
  issuedAt: z.iso.datetime({ offset: true }),
  type: z.enum(COMMAND_TYPES),
  payload: z.unknown(),
});

export type CommandRefusal = { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };
export type CommandResult = { readonly ok: true } | CommandRefusal;

export interface CommandContext {
  readonly db: Db;
  readonly sm: SecurityModule;
  readonly identity: GatewayIdentity;
  /** The administrator's SIG certificate pinned in the configuration. */
  readonly admin: X509Certificate;
  readonly vault: MeterKeyVault;
  readonly logs?: GatewayLogs;
  readonly clock?: () => Date;
  /** `config.privacy`: refuses too fine contracts and binds fine ones to consent; the defaults when absent. */
  readonly privacy?: PrivacyPolicy;
}

/** What an applied command leaves for the logs once its transaction is committed. */
type Applied =
  | { readonly kind: 'none' }
  | { readonly kind: 'contract-added'; readonly contract: Contract; readonly consumerId: string; readonly consentRequired: boolean }
  | { readonly kind: 'contract-erased'; readonly erasure: ErasureResult | undefined };

/** Unprotects, checks and applies one command; every refusal is a result, not a throw (store failures throw). */
export async function applyCommand(ctx: CommandContext, der: Uint8Array): Promise<CommandResult> {
  const now = (ctx.clock ?? (() => new Date()))().toISOString();
  let command: z.output<typeof envelopeSchema>;
  let applied: Applied = { kind: 'none' };
  // Set once the command is known authentic, ours and new: a refusal from then on is recorded as failed.
  let accepted: { readonly id: string; readonly type: CommandType; readonly issuedAt: string } | undefined;
  try {
    const opened = await unprotect(der, { sm: ctx.sm, recipient: ctx.identity.enc, trust: ctx.identity.trust });
    if (!sameCert(opened.signer, ctx.admin)) throw new GatewayError('GW_COMMAND_REFUSED', 'the command is not signed by the pinned administrator certificate');
    command = parseWith(envelopeSchema, jsonOf(opened.content), 'command');
    if (command.gatewayId !== ctx.identity.name) throw new GatewayError('GW_COMMAND_REFUSED', `command ${command.id} is for gateway ${command.gatewayId}`);
    const c = command;
    await ctx.db.transaction(async (tx) => {
      const [seen] = await tx.query('SELECT 1 AS x FROM gw_commands WHERE command_id = $1', [c.id]);
      if (seen !== undefined) throw new GatewayError('GW_COMMAND_REFUSED', `command ${c.id} was applied before`);
      const [last] = await tx.query<{ issued_at: string }>('SELECT issued_at FROM gw_commands ORDER BY issued_at DESC LIMIT 1');
      if (last !== undefined && Date.parse(c.issuedAt) < Date.parse(last.issued_at)) {
        throw new GatewayError('GW_COMMAND_REFUSED', `command ${c.id} was issued before the last applied command`);
      }
      accepted = { id: c.id, type: c.type, issuedAt: new Date(c.issuedAt).toISOString() };
      applied = await applyIn(tx, ctx, c.type, c.payload, now);
      await tx.run('INSERT INTO gw_commands (command_id, type, issued_at, applied_at, ok, result) VALUES ($1, $2, $3, $4, 1, $5)', [
        c.id,
        c.type,
        new Date(c.issuedAt).toISOString(),
        now,
        '{"ok":true}',
      ]);
    });
  } catch (e) {
    const refusal = asRefusal(e);
    if (accepted !== undefined) await recordFailed(ctx.db, accepted, now, refusal);
    await ctx.logs?.append('system', {
      level: 'warning',
      event: 'administrator-access',
      text: `administration command refused (${refusal.error.code})`,
      outcome: 'refused',
      details: { code: refusal.error.code },
    });
    return refusal;
  }
  await logApplied(ctx.logs, command);
  await logPrivacy(ctx.logs, applied);
  return { ok: true };
}

/** A refused command keeps its id (never applied later) and its outcome, written after the rollback. */
async function recordFailed(db: Db, c: { readonly id: string; readonly type: CommandType; readonly issuedAt: string }, now: string, refusal: CommandRefusal): Promise<void> {
  await db.run('INSERT INTO gw_commands (command_id, type, issued_at, applied_at, ok, result) VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT (command_id) DO NOTHING', [
    c.id,
    c.type,
    c.issuedAt,
    now,
    JSON.stringify({ ok: false, error: { code: refusal.error.code } }),
  ]);
}

async function applyIn(tx: Db, ctx: CommandContext, type: CommandType, payload: unknown, now: string): Promise<Applied> {
  switch (type) {
    case 'register-meter': {
      const p = parseWith(payloads[type], payload, 'payload');
      await registerMeter(tx, ctx.vault, { meterId: p.meterId, protocol: p.protocol, consumerId: p.consumerId, ...(p.keyHex === undefined ? {} : { key: Buffer.from(p.keyHex, 'hex') }) }, now);
      return { kind: 'none' };
    }
    case 'remove-meter': {
      const p = parseWith(payloads[type], payload, 'payload');
      // Its contracts end with it; the retention job's eraseEndedContracts erases them.
      if (!(await removeMeter(tx, p.meterId))) throw new GatewayError('GW_COMMAND_REFUSED', `meter ${p.meterId} is not registered`);
      return { kind: 'none' };
    }
    case 'add-contract': {
      const p = parseWith(payloads[type], payload, 'payload');
      const policy = ctx.privacy ?? DEFAULT_PRIVACY_POLICY;
      const contract = await addContract(tx, p.contract, now, policy);
      const consumerId = (await findMeter(tx, contract.meterId))?.consumerId ?? contract.consumerId;
      return { kind: 'contract-added', contract, consumerId, consentRequired: consentRequiredBy(policy, contract) };
    }
    case 'remove-contract': {
      const p = parseWith(payloads[type], payload, 'payload');
      if (!(await removeContract(tx, p.contractId))) throw new GatewayError('GW_COMMAND_REFUSED', `contract ${p.contractId} is not known`);
      return { kind: 'contract-erased', erasure: await eraseContract(tx, p.contractId, now) };
    }
    case 'set-emt-certificates': {
      const p = parseWith(payloads[type], payload, 'payload');
      const enc = parseCertificate(p.encPem, `${p.emt} ENC certificate`);
      parseCertificate(p.sigPem, `${p.emt} SIG certificate`);
      // Only certificates of our own PKI, valid for encryption now, may receive meter data.
      const check = await ctx.identity.validate(enc, 'encryption');
      if (!check.ok) throw new GatewayError('GW_COMMAND_REFUSED', `the ENC certificate of ${p.emt} does not validate (${check.error.code})`);
      await setEmtCertificates(tx, { emt: p.emt, encPem: p.encPem, sigPem: p.sigPem }, certSha256(new Uint8Array(enc.rawData)));
      return { kind: 'none' };
    }
  }
}

/** Fetches pending commands, applies each and posts its result. Returns how many were handled. */
export async function pollCommands(ctx: CommandContext, client: WanClient, headEndUrl: string): Promise<number> {
  const res = await client.request(new URL(ROUTES.commands, headEndUrl));
  if (res.status !== 200) return 0;
  let list: Array<{ id: string; cms: string }>;
  try {
    list = z
      .strictObject({ commands: z.array(z.strictObject({ id: z.string().min(1), cms: z.base64() })) })
      .parse(JSON.parse(res.body.toString('utf8'))).commands;
  } catch {
    return 0;
  }
  for (const c of list) {
    const result = await applyCommand(ctx, new Uint8Array(Buffer.from(c.cms, 'base64')));
    await client.request(new URL(ROUTES.commandResult(c.id), headEndUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(result),
    });
  }
  return list.length;
}

const sameCert = (a: X509Certificate, b: X509Certificate): boolean => Buffer.from(a.rawData).equals(Buffer.from(b.rawData));

function jsonOf(content: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch (e) {
    throw new GatewayError('GW_COMMAND_REFUSED', 'the command content is not UTF-8 JSON', { cause: e });
  }
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new GatewayError('GW_COMMAND_REFUSED', `${what} refused: ${i === undefined ? 'invalid' : `${formatPath(i.path)}: ${i.message}`}`);
}

function asRefusal(e: unknown): CommandRefusal {
  if (e instanceof GatewayError || e instanceof CmsError) return { ok: false, error: { code: e.code, message: e.message } };
  if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string' && /^[A-Z]+_[A-Z0-9_]+$/.test((e as { code: string }).code)) {
    return { ok: false, error: { code: (e as { code: string }).code, message: e.message } };
  }
  throw e;
}

async function logApplied(logs: GatewayLogs | undefined, c: { readonly id: string; readonly type: CommandType; readonly payload: unknown }): Promise<void> {
  if (logs === undefined) return;
  await logs.append('system', { level: 'notice', event: 'administrator-access', text: `command ${c.id} (${c.type}) applied`, outcome: 'success', details: { id: c.id, type: c.type } });
  const p = c.payload as Record<string, unknown>;
  const meterId = typeof p.meterId === 'string' ? p.meterId : '';
  if (c.type === 'register-meter') {
    await logs.append('calibration', { level: 'notice', event: 'meter-added', text: `meter ${meterId} registered`, outcome: 'success', details: { meterId, command: c.id } });
  } else if (c.type === 'remove-meter') {
    await logs.append('calibration', { level: 'notice', event: 'meter-removed', text: `meter ${meterId} removed`, outcome: 'success', details: { meterId, command: c.id } });
  } else if (c.type === 'add-contract' || c.type === 'remove-contract') {
    await logs.append('calibration', { level: 'notice', event: 'tariff-profile-changed', text: `${c.type} applied`, outcome: 'success', details: { command: c.id } });
  }
}

/** The consumer's record of a contract that may receive their data (dormant until consent), and of its end. */
async function logPrivacy(logs: GatewayLogs | undefined, a: Applied): Promise<void> {
  if (logs === undefined) return;
  if (a.kind === 'contract-added') {
    const c = a.contract;
    await logs.append('consumer', {
      consumerId: a.consumerId,
      level: 'notice',
      event: 'contract-added',
      text: `contract ${c.id}: TAF ${c.taf} values of meter ${c.meterId} for ${c.recipient.name}${a.consentRequired ? ', dormant until you consent' : ''}`,
      outcome: 'success',
      details: { contractId: c.id, meterId: c.meterId, recipient: c.recipient.name, taf: c.taf, consentRequired: a.consentRequired, validFrom: c.validFrom, validTo: c.validTo },
    });
  } else if (a.kind === 'contract-erased' && a.erasure !== undefined) {
    await logErasure(logs, a.erasure);
  }
}
