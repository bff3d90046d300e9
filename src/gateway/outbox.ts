/**
 * The outbox sender: delivers each queued message at least once (docs/wire.md), with its message id as
 * Idempotency-Key, over the one outbound WAN client. 201/200 mark it delivered; 5xx, timeouts and refused
 * connections retry with capped, jittered exponential backoff; a 4xx refusal parks the message (kept and
 * logged, never retried on its own). A message leaves the table only by being acknowledged.
 */
import type { Db } from '../store/db.js';
import type { WanClient } from '../wan/client.js';
import { type Backoff, retryDelay } from './backoff.js';
import type { GatewayLogs } from './logs/gateway-logs.js';
import { ROUTES } from './uplink-message.js';

export interface OutboxOptions {
  readonly db: Db;
  readonly client: WanClient;
  /** Base URL of the head-end (https://host:port). */
  readonly headEndUrl: string;
  readonly backoff: Backoff;
  readonly clock?: () => Date;
  readonly random?: () => number;
  readonly logs?: GatewayLogs;
  /** Messages per drain round. */
  readonly batch?: number;
}

export interface DrainResult {
  readonly delivered: number;
  readonly retrying: number;
  readonly parked: number;
}

export interface OutboxCounts {
  readonly pending: number;
  readonly delivered: number;
  readonly parked: number;
}

interface DueRow {
  seq: number;
  message_id: string;
  recipient: string;
  route: string;
  cms: Uint8Array;
  attempts: number;
}

const DEFAULT_BATCH = 64;

export class OutboxSender {
  private readonly clock: () => Date;
  private readonly random: () => number;
  private draining: Promise<DrainResult> | undefined;

  constructor(private readonly o: OutboxOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.random = o.random ?? Math.random;
  }

  /** Sends every message that is due now, oldest first; one drain at a time (a second call joins the first). */
  drain(): Promise<DrainResult> {
    this.draining ??= this.drainAll().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** Makes every pending (not parked) message due now: after a wake-up or when the head-end is back. */
  async expedite(): Promise<void> {
    await this.o.db.run('UPDATE gw_outbox SET next_attempt_at = 0 WHERE delivered_at IS NULL AND parked_at IS NULL');
  }

  async counts(): Promise<OutboxCounts> {
    const [r] = await this.o.db.query<{ pending: number; delivered: number; parked: number }>(
      `SELECT SUM(CASE WHEN delivered_at IS NULL AND parked_at IS NULL THEN 1 ELSE 0 END) AS pending,
              SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered,
              SUM(CASE WHEN parked_at IS NOT NULL AND delivered_at IS NULL THEN 1 ELSE 0 END) AS parked FROM gw_outbox`,
    );
    return { pending: Number(r?.pending ?? 0), delivered: Number(r?.delivered ?? 0), parked: Number(r?.parked ?? 0) };
  }

  private async drainAll(): Promise<DrainResult> {
    let delivered = 0;
    let retrying = 0;
    let parked = 0;
    let after = 0;
    for (;;) {
      const due = await this.o.db.query<DueRow & Record<string, unknown>>(
        `SELECT seq, message_id, recipient, route, cms, attempts FROM gw_outbox
         WHERE delivered_at IS NULL AND parked_at IS NULL AND next_attempt_at <= $1 AND seq > $2 ORDER BY seq LIMIT $3`,
        [this.clock().getTime(), after, this.o.batch ?? DEFAULT_BATCH],
      );
      if (due.length === 0) break;
      for (const row of due) {
        after = Number(row.seq);
        const verdict = await this.send(row);
        if (verdict === 'delivered') delivered++;
        else if (verdict === 'parked') parked++;
        else {
          retrying++;
          // The head-end is down or busy: the rest waits for its own backoff rather than hammering it now.
          if (verdict === 'unreachable') return { delivered, retrying, parked };
        }
      }
    }
    return { delivered, retrying, parked };
  }

  private async send(row: DueRow): Promise<'delivered' | 'parked' | 'retry' | 'unreachable'> {
    const headers: Record<string, string> = { 'content-type': 'application/cms', 'idempotency-key': row.message_id };
    if (row.route === ROUTES.pseudonymise) headers['x-recipient'] = row.recipient;
    const url = new URL(row.route, this.o.headEndUrl);
    let status: number;
    let body: string;
    try {
      const res = await this.o.client.request(url, { method: 'POST', headers, body: new Uint8Array(row.cms) });
      status = res.status;
      body = res.body.toString('utf8');
    } catch (e) {
      const next = await this.retryLater(row, `connection: ${e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : 'failed'}`);
      // The head-end is unreachable for every message alike: none is due before this one's retry.
      await this.o.db.run('UPDATE gw_outbox SET next_attempt_at = $1 WHERE delivered_at IS NULL AND parked_at IS NULL AND next_attempt_at < $1', [next]);
      return 'unreachable';
    }
    if (status === 200 || status === 201) {
      await this.o.db.run('UPDATE gw_outbox SET delivered_at = $2, attempts = attempts + 1, last_error = NULL WHERE seq = $1', [row.seq, this.clock().toISOString()]);
      return 'delivered';
    }
    if (status >= 400 && status < 500) {
      const code = refusalCode(body);
      await this.o.db.run('UPDATE gw_outbox SET parked_at = $2, attempts = attempts + 1, last_error = $3 WHERE seq = $1', [row.seq, this.clock().toISOString(), `${status} ${code}`]);
      await this.o.logs?.append('system', {
        level: 'error',
        event: 'security-alert',
        text: `the head-end refused message ${row.message_id} for ${row.recipient} (${status} ${code}): parked (GW_DELIVERY_REFUSED)`,
        outcome: 'refused',
        details: { code: 'GW_DELIVERY_REFUSED', status, headendCode: code, messageId: row.message_id },
      });
      return 'parked';
    }
    await this.retryLater(row, `HTTP ${status}`);
    return 'retry';
  }

  private async retryLater(row: DueRow, why: string): Promise<number> {
    const attempts = Number(row.attempts) + 1;
    const next = this.clock().getTime() + retryDelay(this.o.backoff, attempts, this.random());
    await this.o.db.run('UPDATE gw_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE seq = $1', [row.seq, attempts, next, why]);
    return next;
  }
}

/** The HeadendError code of a refusal body, or "unknown" (never echoes more than the code). */
function refusalCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'unknown';
  } catch {
    return 'unknown';
  }
}
