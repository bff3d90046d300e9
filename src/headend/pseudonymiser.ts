/**
 * The administrator's pseudonymiser for TAF 10 (docs/wire.md `POST /v1/gwa/pseudonymise`): verify the gateway's
 * signature, replace its identity by a stable pseudonym and re-sign with the administrator's SIG key (`resign`),
 * then hand the message to the grid operator's intake. The administrator never decrypts: it holds no key the
 * content is encrypted for, and the encrypted content passes on byte for byte.
 *
 * The pseudonym is HMAC-SHA256(secret, gateway name), cut to 128 bits. The secret is 32 random bytes from the
 * security module, kept in the store (table he_secrets, name `pseudonym-hmac`): the security-module interface
 * offers no HMAC, and keeping it in the store gives every head-end process on one database the same pseudonyms.
 * Whoever reads that table can re-identify gateways, so the store is as sensitive as the administrator's data.
 */
import { createHmac } from 'node:crypto';
import { resign, verifySigned } from '../cms/index.js';
import { partyOf } from '../pki/index.js';
import { cmsStep } from './cms-verdict.js';
import type { HeadendContext } from './context.js';
import { HeadendError } from './errors.js';
import { type IntakeResult, acceptMessage, refuse } from './intake.js';
import { ensureSecret, touchGateway } from './repository.js';

export const PSEUDONYM_SECRET = 'pseudonym-hmac';
const PSEUDONYM_PREFIX = 'ps-';

/** The pseudonym of a gateway under a secret (hex): stable, and unlinkable without the secret. */
export function derivePseudonym(secretHex: string, gateway: string): string {
  return PSEUDONYM_PREFIX + createHmac('sha256', Buffer.from(secretHex, 'hex')).update(gateway, 'utf8').digest('hex').slice(0, 32);
}

/** The store's pseudonym secret, made from the security module's random bytes the first time. */
export async function pseudonymSecret(ctx: Pick<HeadendContext, 'db' | 'sm'>): Promise<string> {
  return ensureSecret(ctx.db, PSEUDONYM_SECRET, async () => Buffer.from(await ctx.sm.randomBytes(32)).toString('hex'));
}

export interface PseudonymiseRequest {
  /** The calling gateway (from its TLS certificate). */
  readonly caller: string;
  /** The `X-Recipient` header: the market participant (grid operator) the content is encrypted for. */
  readonly recipient: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly der: Uint8Array | undefined;
}

export async function pseudonymise(ctx: HeadendContext, r: PseudonymiseRequest): Promise<IntakeResult & { pseudonym: string }> {
  const emt = r.recipient ?? '';
  let resigned: Uint8Array;
  let pseudonym: string;
  try {
    if (!ctx.emts.has(emt)) throw new HeadendError('HE_UNKNOWN_EMT', `this head-end hosts no market participant ${JSON.stringify(emt)} (X-Recipient)`);
    const der = r.der;
    if (der === undefined || der.length === 0) throw new HeadendError('HE_MALFORMED', 'the body is not a DER CMS message (Content-Type application/cms)');
    const v = await cmsStep('verify gateway signature', () => verifySigned(der, ctx.trust));
    const signer = partyOf(v.signer);
    if (signer?.role !== 'gateway' || signer.usage !== 'sig' || signer.name !== r.caller) {
      throw new HeadendError('HE_SIGNER_NOT_CALLER', `the message is signed by ${signer?.name ?? v.signer.subject}, not by the calling gateway ${r.caller}`);
    }
    if (v.pseudonym !== undefined) throw new HeadendError('HE_PRIVACY', 'a gateway may not present a pseudonym itself');
    pseudonym = derivePseudonym(await pseudonymSecret(ctx), r.caller);
    resigned = await cmsStep('re-sign', () =>
      resign(der, { sm: ctx.sm, intermediary: ctx.gwa.sig, pseudonym, trust: ctx.trust, includeCerts: ctx.gwa.chain, signingTime: ctx.now() }),
    );
  } catch (e) {
    // Refused before the hand-over: the administrator's own event, naming the calling gateway.
    if (e instanceof HeadendError) await refuse(ctx, { emt, peer: r.caller }, e);
    throw e;
  }
  const result = await acceptMessage(ctx, { emt, peer: pseudonym, der: resigned, idempotencyKey: r.idempotencyKey, provenance: 'pseudonymised' });
  await touchGateway(ctx.db, r.caller, ctx.now());
  return { ...result, pseudonym };
}
