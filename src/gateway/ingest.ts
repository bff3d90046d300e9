/**
 * Ingest: one frame from the LMN to the outbox in ONE store transaction. Decode with the meter's key,
 * check replay against the persisted counters and the frames already accepted, store the readings, run
 * every active contract of the meter through the TAF engine (a contract the privacy policy binds to consent
 * only while it is in force), protect each message for its recipient and queue it. A crash at any point
 * leaves either all of it or none of it; a refused frame changes nothing stored except the input position.
 */
import { createHash } from 'node:crypto';
import type { X509Certificate } from '@peculiar/x509';
import { CodecError, type CodecErrorCode } from '../protocols/errors.js';
import type { DecodedFrame, Protocol } from '../protocols/reading.js';
import type { Db } from '../store/db.js';
import { parseCertificate } from '../pki/index.js';
import { GatewayError, type GatewayErrorCode } from './errors.js';
import type { GatewayLogs } from './logs/gateway-logs.js';
import { decodeForMeter, senderOf } from './meter-frames.js';
import type { MeterKeyVault } from './meter-keys.js';
import { consentInForce } from './privacy/consent.js';
import { type StoredContract, activeContracts, findEmtBySha, findMeter, normaliseMeterId, saveContractState } from './registry.js';
import { applyContract } from './taf/engine.js';
import type { TafMessage } from './taf/message.js';
import { type MeterReading, stampReadings } from './taf/meter-reading.js';
import { uplinkMessage } from './uplink-message.js';

/** Encrypts for the recipient's ENC certificate and signs with the gateway's SIG key (cms.protect). */
export type ProtectFor = (content: Uint8Array, recipientEnc: X509Certificate) => Promise<Uint8Array>;

export interface IngestContext {
  readonly db: Db;
  readonly vault: MeterKeyVault;
  readonly gatewayId: string;
  readonly protectFor: ProtectFor;
  readonly clock?: () => Date;
  /**
   * The system log gets every refusal, the consumer log every queued message, when given; written in the
   * frame's transaction, so these logs must be opened on `db`.
   */
  readonly logs?: GatewayLogs;
}

export interface FrameInput {
  readonly protocol: Protocol;
  /** Hex for binary protocols, the telegram text for DSMR. */
  readonly text: string;
  /** The meter an input is pinned to (DSMR/SML/DLMS ports serving one meter). */
  readonly meterId?: string;
  /**
   * Clear-text frames already framed and decoded by a stream reader (DSMR P1, SML): no key is involved, and
   * `text` is then only what the replay check hashes (the content, which carries the meter's time stamp).
   */
  readonly decoded?: DecodedFrame;
  /** File inputs: where the next frame starts, persisted with this frame so a restart resumes after it. */
  readonly position?: { readonly input: string; readonly next: number };
}

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly meterId: string; readonly readings: number; readonly messages: number }
  | { readonly kind: 'refused'; readonly code: GatewayErrorCode; readonly meterId?: string; readonly reason: string };

/** Codec verdicts mapped onto the gateway's refusal codes; security failures keep their own codes. */
const REFUSAL: Partial<Record<CodecErrorCode, GatewayErrorCode>> = {
  CODEC_NO_KEY: 'GW_METER_NO_KEY',
  CODEC_WRONG_KEY: 'GW_METER_WRONG_KEY',
  CODEC_AUTH_FAILED: 'GW_METER_WRONG_KEY',
  CODEC_REPLAY: 'GW_REPLAY',
};

const SECURITY_REFUSALS: readonly GatewayErrorCode[] = ['GW_METER_NO_KEY', 'GW_METER_WRONG_KEY', 'GW_REPLAY', 'GW_METER_KEYS'];

export interface IngestStats {
  accepted: number;
  messages: number;
  readonly refused: Partial<Record<GatewayErrorCode, number>>;
}

export class Ingestor {
  readonly stats: IngestStats = { accepted: 0, messages: 0, refused: {} };
  private readonly certs = new Map<string, { readonly emt: string; readonly cert: X509Certificate }>();
  private readonly clock: () => Date;

  constructor(private readonly ctx: IngestContext) {
    this.clock = ctx.clock ?? (() => new Date());
  }

  /** One frame. Bad input is an outcome, never a throw; store or security-module failures do throw. */
  async ingest(frame: FrameInput): Promise<IngestOutcome> {
    let meterId: string | undefined;
    try {
      meterId = frame.decoded === undefined ? refuseCodec(() => senderOf(frame.protocol, frame.text, frame.meterId)) : decodedSender(frame.decoded, frame.meterId);
      const id = meterId;
      const out = await this.ctx.db.transaction((tx) => this.ingestIn(tx, frame, id));
      this.stats.accepted++;
      this.stats.messages += out.queued.length;
      return { kind: 'accepted', meterId: id, readings: out.readings, messages: out.queued.length };
    } catch (e) {
      if (!(e instanceof GatewayError) || !isRefusal(e.code)) throw e;
      this.stats.refused[e.code] = (this.stats.refused[e.code] ?? 0) + 1;
      // The file position moves past the refused frame together with its log record, or neither does.
      await this.ctx.db.transaction(async (tx) => {
        if (frame.position !== undefined) await savePosition(tx, frame.position);
        await this.logRefusal(tx, e, meterId);
      });
      return { kind: 'refused', code: e.code, ...(meterId === undefined ? {} : { meterId }), reason: e.message };
    }
  }

  /**
   * Runs every active contract with no new readings at `now`, so periods that ended without a later frame are
   * sent too. Each contract in its own transaction: one that cannot send (GW_NO_RECIPIENT) holds up no other.
   */
  async tick(): Promise<number> {
    let total = 0;
    for (const { contract } of await activeContracts(this.ctx.db)) {
      let queued: TafMessage[];
      try {
        queued = await this.ctx.db.transaction(async (tx) => {
          const [fresh] = await activeContracts(tx, contract.meterId).then((l) => l.filter((c) => c.contract.id === contract.id));
          return fresh === undefined ? [] : this.runContract(tx, fresh, []);
        });
      } catch (e) {
        if (!(e instanceof GatewayError) || e.code !== 'GW_NO_RECIPIENT') throw e;
        this.stats.refused[e.code] = (this.stats.refused[e.code] ?? 0) + 1;
        continue;
      }
      this.stats.messages += queued.length;
      total += queued.length;
    }
    return total;
  }

  private async ingestIn(tx: Db, frame: FrameInput, meterId: string): Promise<{ readings: number; queued: TafMessage[] }> {
    const meter = await findMeter(tx, meterId);
    if (meter === undefined || !meter.active) throw new GatewayError('GW_UNKNOWN_METER', `meter ${meterId} is not registered${meter === undefined ? '' : ' as active'}`);
    if (meter.protocol !== frame.protocol) throw new GatewayError('GW_UNKNOWN_METER', `meter ${meterId} is registered for ${meter.protocol}, not ${frame.protocol}`);
    const key = meter.sealedKey === undefined ? undefined : this.ctx.vault.open(meterId, meter.sealedKey.blob);
    const [counterRow] = await tx.query<{ state: string }>('SELECT state FROM gw_counters WHERE meter_id = $1', [meterId]);
    const pre = frame.decoded;
    if (pre !== undefined && key !== undefined) {
      throw new GatewayError('GW_FRAME_REFUSED', `meter ${meterId} has a key but sent a clear-text frame (possible downgrade)`);
    }
    const decoded = pre === undefined ? refuseCodec(() => decodeForMeter(frame.protocol, meterId, frame.text, key, counterRow?.state)) : { frame: pre, counters: undefined };
    key?.fill(0);

    const receivedAt = this.clock().toISOString();
    const hash = createHash('sha256').update(frame.text.trim().toUpperCase()).digest();
    // A frame accepted once is a replay the second time, counters or not (wM-Bus mode 5 has none).
    const fresh = await tx.run('INSERT INTO gw_frames (meter_id, frame_hash, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [meterId, hash, receivedAt]);
    if (fresh === 0) throw new GatewayError('GW_REPLAY', `meter ${meterId} sent a frame that was accepted before`);
    if (decoded.counters !== undefined) {
      await tx.run('INSERT INTO gw_counters (meter_id, state) VALUES ($1, $2) ON CONFLICT (meter_id) DO UPDATE SET state = excluded.state', [meterId, decoded.counters]);
    }
    const stamped = stampReadings(meterId, decoded.frame.readings, receivedAt);
    for (const r of stamped) {
      if (r.reading.obis === undefined) continue;
      await tx.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        meterId,
        r.reading.obis,
        JSON.stringify(r.reading.value),
        r.reading.unit ?? null,
        r.at,
        receivedAt,
        hash,
      ]);
    }
    const queued: TafMessage[] = [];
    for (const c of await activeContracts(tx, meterId)) queued.push(...(await this.runContract(tx, c, stamped)));
    if (frame.position !== undefined) await savePosition(tx, frame.position);
    return { readings: stamped.length, queued };
  }

  private async runContract(tx: Db, c: StoredContract, readings: readonly MeterReading[]): Promise<TafMessage[]> {
    // Dormant without consent: not even its state moves, so a later grant starts afresh (consent.ts) and
    // nothing of the time without consent is ever sent.
    if (c.consentRequired && !(await consentInForce(tx, c.contract.id))) return [];
    const step = applyContract(c.contract, c.state, readings, this.clock().toISOString());
    await saveContractState(tx, c.contract.id, step.state);
    const queued: TafMessage[] = [];
    for (const m of step.messages) {
      const recipient = await this.recipient(tx, m.recipient.encCertSha256, m.recipient.name);
      const wire = uplinkMessage(m, this.ctx.gatewayId);
      const cms = await this.ctx.protectFor(wire.content, recipient);
      const now = this.clock();
      const n = await tx.run(
        `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT (message_id) DO NOTHING`,
        [wire.messageId, wire.recipient, wire.route, m.contractId, m.consumerId, cms, now.toISOString(), now.getTime()],
      );
      if (n > 0) {
        queued.push(m);
        // In the same transaction: a queued message without its consumer-log record cannot exist.
        await this.logSent(tx, m);
      }
    }
    return queued;
  }

  private async recipient(tx: Db, sha: string, name: string): Promise<X509Certificate> {
    const cached = this.certs.get(sha);
    if (cached !== undefined && cached.emt === name) return cached.cert;
    const emt = await findEmtBySha(tx, sha);
    if (emt === undefined || emt.emt !== name) throw new GatewayError('GW_NO_RECIPIENT', `no encryption certificate of ${name} with SHA-256 ${sha} is registered`);
    const cert = parseCertificate(emt.encPem, `${name} ENC certificate`);
    this.certs.set(sha, { emt: name, cert });
    return cert;
  }

  private async logRefusal(tx: Db, e: GatewayError, meterId: string | undefined): Promise<void> {
    const security = SECURITY_REFUSALS.includes(e.code);
    await this.ctx.logs?.appendWithin(tx, 'system', {
      level: security ? 'warning' : 'notice',
      event: 'security-alert',
      text: `frame refused (${e.code})${meterId === undefined ? '' : ` from meter ${meterId}`}`,
      outcome: 'refused',
      details: { code: e.code, ...(meterId === undefined ? {} : { meterId }) },
    });
  }

  private async logSent(tx: Db, m: TafMessage): Promise<void> {
    await this.ctx.logs?.appendWithin(tx, 'consumer', {
      consumerId: m.consumerId,
      level: 'info',
      event: 'data-sent',
      text: `TAF ${m.taf} values of meter ${m.meterId} for ${m.period.from}..${m.period.to} queued for ${m.recipient.name}`,
      outcome: 'success',
      details: { messageId: m.messageId, contractId: m.contractId, recipient: m.recipient.name, values: m.values.map((v) => v.obis) },
    });
  }
}

function decodedSender(frame: DecodedFrame, pinned: string | undefined): string {
  const id = pinned ?? frame.meter.id ?? frame.meter.systemTitle;
  if (id === undefined || id.trim() === '') throw new GatewayError('GW_FRAME_REFUSED', `the ${frame.protocol} frame names no meter: pin the input to a meter`);
  return normaliseMeterId(id);
}

const isRefusal = (code: GatewayErrorCode): boolean =>
  ['GW_UNKNOWN_METER', 'GW_FRAME_REFUSED', 'GW_NO_RECIPIENT', ...SECURITY_REFUSALS].includes(code);

/** The gateway's refusal code for a codec verdict. */
export const refusalFor = (code: CodecErrorCode): GatewayErrorCode => REFUSAL[code] ?? 'GW_FRAME_REFUSED';

/** Runs a codec step; its CodecError becomes the gateway's typed refusal naming the codec code. */
function refuseCodec<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    throw new GatewayError(refusalFor(e.code), `${e.code} at ${e.layer}: ${e.message}`, { cause: e });
  }
}

export async function savePosition(db: Db, p: { readonly input: string; readonly next: number }): Promise<void> {
  await db.run('INSERT INTO gw_input_offsets (input, position) VALUES ($1, $2) ON CONFLICT (input) DO UPDATE SET position = excluded.position', [p.input, p.next]);
}

export async function loadPosition(db: Db, input: string): Promise<number> {
  const [row] = await db.query<{ position: number }>('SELECT position FROM gw_input_offsets WHERE input = $1', [input]);
  return Number(row?.position ?? 0);
}
