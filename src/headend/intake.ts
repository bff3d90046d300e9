/**
 * Intake of meter data for one hosted market participant (docs/wire.md `POST /v1/emt/:emt/messages`): verify
 * and decrypt as that EMT, check who signed, validate the content, store message and values in one
 * transaction, once. Every refusal is counted, written as a security event, and changes nothing else.
 */
import { createHash } from 'node:crypto';
import type { X509Certificate } from '@peculiar/x509';
import { unprotect } from '../cms/index.js';
import { partyOf } from '../pki/index.js';
import { cmsStep } from './cms-verdict.js';
import type { HeadendContext } from './context.js';
import { HeadendError } from './errors.js';
import { type MeterMessage, PSEUDONYMISED_TAF, parseMeterMessage } from './message.js';
import { METRIC } from './metrics.js';
import { type Provenance, insertMessage, recordSecurityEvent } from './repository.js';

export interface Submission {
  readonly emt: string;
  /**
   * The TLS-authenticated sender: the gateway for direct intake; for pseudonymised data the administrator
   * hands over, the pseudonym (so nothing the grid operator keeps names the gateway).
   */
  readonly peer: string;
  /** The DER body; undefined when the request carried none (refused as HE_MALFORMED). */
  readonly der: Uint8Array | undefined;
  /** The `Idempotency-Key` header; must equal the content's messageId. */
  readonly idempotencyKey: string | undefined;
  readonly provenance: Provenance;
}

export interface IntakeResult {
  readonly messageId: string;
  readonly status: 'stored' | 'duplicate';
}

/** Accepts one message or throws a HeadendError, after recording the refusal. */
export async function acceptMessage(ctx: HeadendContext, s: Submission): Promise<IntakeResult> {
  try {
    const result = await intake(ctx, s);
    ctx.metrics.inc(METRIC.messages, { emt: s.emt, outcome: result.status });
    return result;
  } catch (e) {
    if (e instanceof HeadendError) await refuse(ctx, s, e);
    throw e;
  }
}

/** Counts a refusal and stores it as a security event (code, peer, what was wrong: never content or keys). */
export async function refuse(ctx: HeadendContext, s: Pick<Submission, 'emt' | 'peer'>, e: HeadendError): Promise<void> {
  ctx.metrics.inc(METRIC.messages, { emt: s.emt, outcome: 'refused' });
  ctx.metrics.inc(METRIC.errors, { code: e.code });
  if (e.code === 'HE_REPLAY') ctx.metrics.inc(METRIC.replays, { emt: s.emt });
  // A store that cannot take the event must not hide the refusal itself: the counters above still have it.
  await recordSecurityEvent(ctx.db, { kind: e.code, peer: s.peer, emt: s.emt, detail: e.message }, ctx.now()).catch(() => undefined);
}

// --- internal ---

async function intake(ctx: HeadendContext, s: Submission): Promise<IntakeResult> {
  const recipient = ctx.emts.get(s.emt);
  if (recipient === undefined) throw new HeadendError('HE_UNKNOWN_EMT', `this head-end hosts no market participant ${JSON.stringify(s.emt)}`);
  const der = s.der;
  if (der === undefined || der.length === 0) throw new HeadendError('HE_MALFORMED', 'the body is not a DER CMS message (Content-Type application/cms)');
  const opened = await cmsStep('unprotect', () => unprotect(der, { sm: ctx.sm, recipient, trust: ctx.trust }));
  const signer = signerParty(opened.signer);
  const signerName = signer?.name ?? opened.signer.subject;
  if (s.provenance === 'direct') {
    if (signer?.role !== 'gateway' || signer.usage !== 'sig' || signer.name !== s.peer) {
      throw new HeadendError('HE_SIGNER_NOT_CALLER', `the message is signed by ${signerName}, not by the calling gateway ${s.peer}`);
    }
    if (opened.pseudonym !== undefined) throw new HeadendError('HE_PRIVACY', 'a gateway may not present a pseudonym itself');
  } else {
    if (signer?.role !== 'gwa' || signer.usage !== 'sig' || signer.name !== ctx.gwa.name) {
      throw new HeadendError('HE_SIGNER_NOT_CALLER', `pseudonymised data must be signed by the administrator ${ctx.gwa.name}, not ${signerName}`);
    }
    if (opened.pseudonym === undefined) throw new HeadendError('HE_PRIVACY', 'pseudonymised data carries no pseudonym');
  }

  const msg = parseMeterMessage(opened.content);
  if (s.idempotencyKey === undefined || s.idempotencyKey !== msg.messageId) {
    throw new HeadendError('HE_ID_MISMATCH', s.idempotencyKey === undefined ? 'no Idempotency-Key header' : 'the Idempotency-Key header is not the messageId of the content');
  }
  checkPrivacy(msg, s);
  if (s.provenance === 'direct' && msg.gatewayId !== undefined && msg.gatewayId !== s.peer) {
    throw new HeadendError('HE_SIGNER_NOT_CALLER', `the content names gateway ${msg.gatewayId}, the caller is ${s.peer}`);
  }

  const contentSha256 = createHash('sha256').update(opened.content).digest('hex');
  const gateway = s.provenance === 'direct' ? s.peer : null;
  const pseudonym = s.provenance === 'direct' ? null : (opened.pseudonym ?? null);
  const r = await insertMessage(ctx.db, {
    emt: s.emt,
    messageId: msg.messageId,
    provenance: s.provenance,
    gateway,
    pseudonym,
    meter: s.provenance === 'direct' ? (msg.meterId ?? null) : null,
    contractId: msg.contractId,
    taf: msg.taf,
    period: msg.period,
    contentSha256,
    signer: signerName,
    receivedAt: ctx.now().toISOString(),
    values: msg.values,
  });
  if (r.kind === 'stored') return { messageId: msg.messageId, status: 'stored' };
  // At-least-once delivery resends the same content; the same id with other content is a replay attempt.
  if (r.existing.contentSha256 !== contentSha256 || r.existing.gateway !== gateway || r.existing.pseudonym !== pseudonym) {
    throw new HeadendError('HE_REPLAY', `message id ${msg.messageId} is stored already with other content or from another sender`);
  }
  return { messageId: msg.messageId, status: 'duplicate' };
}

/**
 * partyOf, remembered per certificate object: a certificate never changes, and the CMS layer hands out one
 * object per signer DER, so the policy and name look-ups run once per signer instead of once per message.
 */
const parties = new WeakMap<X509Certificate, ReturnType<typeof partyOf> | null>();

function signerParty(cert: X509Certificate): ReturnType<typeof partyOf> {
  let p = parties.get(cert);
  if (p === undefined) {
    p = partyOf(cert) ?? null;
    parties.set(cert, p);
  }
  return p ?? undefined;
}

/** TAF 10 goes to the grid operator only through the pseudonymiser, and then names neither gateway nor meter. */
function checkPrivacy(msg: MeterMessage, s: Submission): void {
  if (s.provenance === 'direct' && msg.taf === PSEUDONYMISED_TAF) {
    throw new HeadendError('HE_PRIVACY', 'TAF 10 data must come through the administrator pseudonymiser');
  }
  if (s.provenance === 'pseudonymised') {
    if (msg.taf !== PSEUDONYMISED_TAF) throw new HeadendError('HE_PRIVACY', `only TAF 10 data is pseudonymised, not TAF ${msg.taf}`);
    if (msg.gatewayId !== undefined || msg.meterId !== undefined) throw new HeadendError('HE_PRIVACY', 'pseudonymised content names a gateway or meter');
  }
}
