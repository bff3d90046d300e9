import type { KeyObject } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { GatewayError } from '../errors.js';
import { type LogName, isLogName } from './events.js';
import { type LogVerifyKey, sameKey, verifyKeyFromKeyObject, verifyKeyFromPoint } from './log-key.js';
import { type LogMeta, readAllRecords, readCheckpoints, readMeta } from './rows.js';
import { type ChainSummary, type ChainVerdict, verifyChain } from './verify-chain.js';

/** Where the verification key came from: given by the caller (trustworthy when it comes from outside), or the one pinned in the same database. */
export type KeySource = 'given' | 'pinned';

export type LogVerdict = ChainVerdict & { readonly keySource: KeySource };

export interface VerifyLogOptions {
  /** A checkpoint kept outside the database (sent upstream, printed): bounds a cut after the last checkpoint. */
  readonly known?: { readonly seq: number; readonly hash: Uint8Array };
}

/**
 * Reads one log from the store and verifies it (see verifyChain for what is and is not detected). With a
 * key given, the key pinned in the database must be that key too (GW_LOG_KEY_MISMATCH otherwise, after any
 * break of the chain itself); without one, the pinned key is used and a database rewritten under another
 * key cannot be told apart. GW_LOG_NOT_FOUND when the database has no such log.
 */
export async function verifyLog(db: Db, log: LogName, publicKey?: KeyObject | LogVerifyKey, options: VerifyLogOptions = {}): Promise<LogVerdict> {
  if (!isLogName(log)) throw new GatewayError('GW_BAD_INPUT', `there is no log named ${JSON.stringify(String(log).slice(0, 40))}`);
  const given = publicKey === undefined ? undefined : 'point' in publicKey ? publicKey : verifyKeyFromKeyObject(publicKey);
  // No lock and no transaction, so a running gateway is not held up: the head is read before and after the
  // rows. Every checkpoint read is committed with its record, so the records read (after it) include it.
  const meta = await readMeta(db, log);
  const checkpoints = await readCheckpoints(db, log);
  const records = await readAllRecords(db, log);
  const after = await readMeta(db, log);
  const head = headToCheck(records[records.length - 1]?.seq ?? -1, meta, after);
  let pinned: LogVerifyKey | undefined;
  try {
    pinned = verifyKeyFromPoint(meta.curve, meta.publicKey);
  } catch {
    pinned = undefined;
  }
  const keySource: KeySource = given === undefined ? 'pinned' : 'given';
  const key = given ?? pinned;
  if (key === undefined) {
    const summary: ChainSummary = {
      log,
      records: records.length,
      checkpoints: checkpoints.length,
      firstSeq: records[0]?.seq ?? null,
      lastSeq: records[records.length - 1]?.seq ?? null,
      lastCheckpoint: null,
      unprotected: records.length,
    };
    return { ...summary, ok: false, keySource, broken: { seq: null, code: 'GW_LOG_BAD_KEY', message: `the key pinned for the ${log} log is not a usable EC public key` } };
  }
  const verdict = verifyChain({ log, records, checkpoints, key, ...(head === undefined ? {} : { head }), ...(options.known === undefined ? {} : { known: options.known }) });
  if (verdict.ok && (pinned === undefined || !sameKey(pinned, key))) {
    const { ok: _ok, ...summary } = verdict;
    return { ...summary, ok: false, keySource, broken: { seq: null, code: 'GW_LOG_KEY_MISMATCH', message: `the key pinned for the ${log} log is not the verification key` } };
  }
  return { ...verdict, keySource };
}

/**
 * Which head the chain's end is compared with. Appends running meanwhile put the last record read between
 * the head before and the head after: a chain ending before the earlier head was cut, one ending past the
 * later head was extended outside the gateway; in between, whichever head names that record is compared
 * (none may, when appends raced the read: then the head tells nothing).
 */
function headToCheck(last: number, before: LogMeta, after: LogMeta): { seq: number; hash: Uint8Array } | undefined {
  const pick = (m: LogMeta) => ({ seq: m.headSeq, hash: m.headHash });
  if (last < before.headSeq) return pick(before);
  if (last > after.headSeq) return pick(after);
  if (last === before.headSeq) return pick(before);
  if (last === after.headSeq) return pick(after);
  return undefined;
}
