import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import { type JsonValue, type LogName, isLogName } from './events.js';
import { hex } from './record-hash.js';
import { RECORD_COLUMNS, type StoredRecord, readMeta, recordFromRow } from './rows.js';

/** A record for display (administrator tools, the consumer's HAN page): details parsed, hashes in hex. */
export interface LogRecordView {
  readonly log: LogName;
  readonly seq: number;
  readonly time: string;
  readonly level: string;
  readonly event: string;
  readonly text: string;
  readonly outcome: string;
  readonly details: JsonValue;
  readonly consumerId: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ReadOptions {
  /** Only this consumer's records. */
  readonly consumerId?: string;
  /** The newest this many (default 100), returned oldest first. */
  readonly limit?: number;
}

export const DEFAULT_READ_LIMIT = 100;

function view(log: LogName, r: StoredRecord): LogRecordView {
  let details: JsonValue;
  try {
    details = JSON.parse(r.details) as JsonValue;
  } catch (e) {
    throw new GatewayError('GW_LOG_MALFORMED', `the details of ${log} record ${r.seq} are not JSON`, { cause: e });
  }
  return {
    log,
    seq: r.seq,
    time: r.time,
    level: r.level,
    event: r.event,
    text: r.text,
    outcome: r.outcome,
    details,
    consumerId: r.consumerId,
    prevHash: hex(r.prevHash),
    hash: hex(r.hash),
  };
}

/** The newest records of a log, oldest first; with `consumerId`, only that consumer's. Not a verification. */
export async function readRecords(db: Db, log: LogName, opts: ReadOptions = {}): Promise<readonly LogRecordView[]> {
  if (!isLogName(log)) throw new GatewayError('GW_BAD_INPUT', `there is no log named ${JSON.stringify(String(log).slice(0, 40))}`);
  const limit = opts.limit ?? DEFAULT_READ_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new GatewayError('GW_BAD_INPUT', 'the limit must be a positive integer');
  const consumer = opts.consumerId;
  if (consumer !== undefined && (typeof consumer !== 'string' || consumer === '')) throw new GatewayError('GW_BAD_INPUT', 'a consumer id is a non-empty string');
  await readMeta(db, log);
  const rows =
    consumer === undefined
      ? await db.query(`SELECT ${RECORD_COLUMNS} FROM gw_log_records WHERE log = $1 ORDER BY seq DESC LIMIT $2`, [log, limit])
      : await db.query(`SELECT ${RECORD_COLUMNS} FROM gw_log_records WHERE log = $1 AND consumer_id = $2 ORDER BY seq DESC LIMIT $3`, [log, consumer, limit]);
  return rows.map(recordFromRow).reverse().map((r) => view(log, r));
}

/** The consumer log as one consumer may see it on the HAN portal: their own records only. */
export function readConsumerLog(db: Db, consumerId: string, opts: Omit<ReadOptions, 'consumerId'> = {}): Promise<readonly LogRecordView[]> {
  if (typeof consumerId !== 'string' || consumerId === '') return Promise.reject(new GatewayError('GW_BAD_INPUT', 'a consumer id is a non-empty string'));
  return readRecords(db, 'consumer', { ...opts, consumerId });
}
