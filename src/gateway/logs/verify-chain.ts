import type { GatewayErrorCode } from '../errors.js';
import { type LogName, isCheckpointKind, isLogEvent, isLogLevel, isLogOutcome } from './events.js';
import { type LogVerifyKey, signatureVerifies } from './log-key.js';
import { GENESIS_HASH, HASH_BYTES, checkpointPayload, hex, recordHash, sameBytes } from './record-hash.js';
import type { StoredCheckpoint, StoredRecord } from './rows.js';

/**
 * The pure verification core: the stored rows of one log in, a verdict out.
 *
 * What it detects, given the gateway's true public key:
 * - an edited record (any field, including seq and timestamp): GW_LOG_HASH_MISMATCH at that record, or, when
 *   the editor recomputed its hash, GW_LOG_LINK_MISMATCH at the next record, or GW_LOG_CHECKPOINT_MISMATCH at
 *   the first checkpoint that covers it when it is the last record before that checkpoint;
 * - a deleted record in the middle: GW_LOG_GAP at the first missing seq, also when the records before a
 *   purge anchor were removed without the anchor;
 * - swapped or moved records: GW_LOG_ORDER at the first record that chains to another record than its
 *   predecessor (or whose seq repeats or goes back);
 * - a forged or altered checkpoint: GW_LOG_BAD_SIGNATURE; a rewritten chain under an old, valid checkpoint:
 *   GW_LOG_CHECKPOINT_MISMATCH;
 * - a cut (records removed from the end) reaching back before the last checkpoint: GW_LOG_TRUNCATED at the
 *   first missing seq, as long as that checkpoint row is still there.
 * What it cannot detect on its own: a cut after the last checkpoint, or one that also deletes the checkpoint
 * rows after the cut, with the unsigned head row rewritten to match; nor forged records appended after the
 * last checkpoint with the head rewritten. Those records were never signed: only an anchor kept outside the
 * database (a checkpoint sent upstream, `known`) bounds them. A rewrite of the whole database, including new
 * checkpoints under a key the attacker holds, passes when verified with the key pinned in that same database:
 * only a key from outside (the gateway's SIG certificate) catches it.
 */

export type ChainBreakCode = Extract<
  GatewayErrorCode,
  | 'GW_LOG_HASH_MISMATCH'
  | 'GW_LOG_LINK_MISMATCH'
  | 'GW_LOG_GAP'
  | 'GW_LOG_ORDER'
  | 'GW_LOG_BAD_SIGNATURE'
  | 'GW_LOG_CHECKPOINT_MISMATCH'
  | 'GW_LOG_TRUNCATED'
  | 'GW_LOG_HEAD_MISMATCH'
  | 'GW_LOG_MALFORMED'
  | 'GW_LOG_KEY_MISMATCH'
  | 'GW_LOG_BAD_KEY'
>;

/** The first thing wrong: at a record's seq (or a checkpoint's), or null when it is about the log's key. */
export interface ChainBreak {
  readonly seq: number | null;
  readonly code: ChainBreakCode;
  readonly message: string;
}

export interface CheckpointSummary {
  readonly seq: number;
  readonly kind: string;
  readonly time: string;
  readonly hash: string;
}

export interface ChainSummary {
  readonly log: LogName;
  readonly records: number;
  readonly checkpoints: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** The latest checkpoint whose signature verifies. */
  readonly lastCheckpoint: CheckpointSummary | null;
  /** Records after that checkpoint: protected only by the chain, not yet by a signature. */
  readonly unprotected: number;
}

export type ChainVerdict = (ChainSummary & { readonly ok: true }) | (ChainSummary & { readonly ok: false; readonly broken: ChainBreak });

export interface ChainInput {
  readonly log: LogName;
  /** In the order the store gives them (by seq). */
  readonly records: readonly StoredRecord[];
  readonly checkpoints: readonly StoredCheckpoint[];
  readonly key: LogVerifyKey;
  /** The unsigned head kept beside the chain: catches a naive cut after the last checkpoint. */
  readonly head?: { readonly seq: number; readonly hash: Uint8Array };
  /** A checkpoint kept outside the database: the chain must reach it with the same hash. */
  readonly known?: { readonly seq: number; readonly hash: Uint8Array };
}

// Date.prototype.toISOString form: what the writer stores.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isIsoUtc = (s: string): boolean => ISO_UTC.test(s) && !Number.isNaN(Date.parse(s));

function parsesAsJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Why a hash-valid record still is not one a writer produces, or undefined. */
function malformedRecord(log: LogName, r: StoredRecord): string | undefined {
  if (r.prevHash.length !== HASH_BYTES || r.hash.length !== HASH_BYTES) return 'a hash is not 32 bytes';
  if (!isIsoUtc(r.time)) return 'the timestamp is not an ISO UTC time';
  if (!isLogLevel(r.level)) return 'the level is not one of the log levels';
  if (!isLogEvent(log, r.event)) return `the event type is not one of the ${log} log's`;
  if (!isLogOutcome(r.outcome)) return 'the outcome is not one of the outcomes';
  if (!parsesAsJson(r.details)) return 'the details are not JSON';
  if (log === 'consumer' && (r.consumerId === null || r.consumerId === '')) return 'a consumer log record names no consumer';
  return undefined;
}

function malformedCheckpoint(log: LogName, c: StoredCheckpoint): string | undefined {
  if (c.log !== log) return `the checkpoint belongs to log ${JSON.stringify(c.log.slice(0, 20))}`;
  if (!Number.isSafeInteger(c.seq) || c.seq < 0) return 'the sequence number is not a count';
  if (!isCheckpointKind(c.kind)) return 'the kind is not one of interval, on-demand, anchor';
  if (c.hash.length !== HASH_BYTES) return 'the hash is not 32 bytes';
  if (!isIsoUtc(c.time)) return 'the timestamp is not an ISO UTC time';
  return undefined;
}

export function verifyChain(input: ChainInput): ChainVerdict {
  const { log, records, checkpoints, key } = input;
  const findings: ChainBreak[] = [];
  const note = (seq: number, code: ChainBreakCode, message: string): void => {
    findings.push({ seq, code, message });
  };

  // Checkpoints first: which are well-formed, which are signed by the key.
  const wellFormed: StoredCheckpoint[] = [];
  const signed = new Set<StoredCheckpoint>();
  for (const c of checkpoints) {
    const why = malformedCheckpoint(log, c);
    if (why !== undefined) {
      note(c.seq, 'GW_LOG_MALFORMED', `checkpoint at ${c.seq}: ${why}`);
      continue;
    }
    wellFormed.push(c);
    if (signatureVerifies(key, checkpointPayload(c), c.signature)) signed.add(c);
    else note(c.seq, 'GW_LOG_BAD_SIGNATURE', `the ${c.kind} checkpoint at ${c.seq} is not signed by the verification key`);
  }

  // The chain starts at genesis, or at the latest purge anchor (its signature was checked above).
  let start = { seq: 0, hash: GENESIS_HASH };
  for (const c of wellFormed) if (c.kind === 'anchor' && c.seq >= start.seq) start = { seq: c.seq, hash: c.hash };

  const storedHashes = new Set(records.map((r) => hex(r.hash)));
  const hashAt = new Map<number, Uint8Array>([[start.seq, start.hash]]);
  let expected = start.seq + 1;
  let prev = start.hash;
  let complete = true;
  for (const r of records) {
    if (r.log !== log) {
      note(r.seq, 'GW_LOG_MALFORMED', `record ${r.seq} belongs to another log`);
    } else if (!Number.isSafeInteger(r.seq) || r.seq < expected) {
      note(r.seq, 'GW_LOG_ORDER', r.seq <= start.seq && start.seq > 0 ? `record ${r.seq} lies before the purge anchor at ${start.seq}` : `record ${r.seq} repeats or goes back (expected ${expected})`);
    } else if (r.seq > expected) {
      note(expected, 'GW_LOG_GAP', `records ${expected}..${r.seq - 1} are missing`);
    } else {
      const linked = sameBytes(r.prevHash, prev);
      const chainsElsewhere = !linked && storedHashes.has(hex(r.prevHash));
      if (!sameBytes(recordHash(r), r.hash)) {
        if (chainsElsewhere) note(r.seq, 'GW_LOG_ORDER', `record ${r.seq} was moved: it chains to another record than ${r.seq - 1}`);
        else note(r.seq, 'GW_LOG_HASH_MISMATCH', `record ${r.seq} does not match its hash: edited`);
      } else if (!linked) {
        if (chainsElsewhere) note(r.seq, 'GW_LOG_ORDER', `record ${r.seq} chains to another record than ${r.seq - 1}: reordered`);
        else note(r.seq, 'GW_LOG_LINK_MISMATCH', `record ${r.seq} does not chain to record ${r.seq - 1}: that one was rewritten with a new hash`);
      } else {
        const why = malformedRecord(log, r);
        if (why !== undefined) note(r.seq, 'GW_LOG_MALFORMED', `record ${r.seq}: ${why}`);
        else {
          hashAt.set(r.seq, r.hash);
          prev = r.hash;
          expected++;
          continue;
        }
      }
    }
    complete = false;
    break;
  }
  const lastGood = expected - 1;

  // Signed checkpoints against the chain: each must name the hash the chain has at its seq.
  let lastCheckpoint: StoredCheckpoint | undefined;
  for (const c of wellFormed) {
    if (c.seq < start.seq) continue; // before a purge: its records are gone by design
    const h = hashAt.get(c.seq);
    if (h !== undefined) {
      if (!sameBytes(h, c.hash)) note(c.seq, 'GW_LOG_CHECKPOINT_MISMATCH', `the checkpoint at ${c.seq} names another hash than record ${c.seq} has`);
      else if (signed.has(c) && (lastCheckpoint === undefined || c.seq > lastCheckpoint.seq)) lastCheckpoint = c;
    } else if (complete && c.seq > lastGood) {
      note(lastGood + 1, 'GW_LOG_TRUNCATED', `records from ${lastGood + 1} are missing: the checkpoint at ${c.seq} covers them`);
    }
  }

  if (complete && input.known !== undefined) {
    const k = input.known;
    const h = hashAt.get(k.seq);
    if (k.seq > lastGood) note(lastGood + 1, 'GW_LOG_TRUNCATED', `records from ${lastGood + 1} are missing: the external anchor at ${k.seq} covers them`);
    else if (h !== undefined && !sameBytes(h, k.hash)) note(k.seq, 'GW_LOG_CHECKPOINT_MISMATCH', `record ${k.seq} does not have the hash of the external anchor`);
  }

  if (complete && input.head !== undefined) {
    const { seq, hash } = input.head;
    if (seq > lastGood) note(lastGood + 1, 'GW_LOG_TRUNCATED', `records from ${lastGood + 1} are missing: the log head is at ${seq}`);
    else if (seq < lastGood) note(seq + 1, 'GW_LOG_HEAD_MISMATCH', `records after ${seq} were added past the log head`);
    else if (!sameBytes(hash, hashAt.get(lastGood) ?? GENESIS_HASH)) note(lastGood, 'GW_LOG_HEAD_MISMATCH', `the log head's hash is not that of record ${lastGood}`);
  }

  const lastSeq = records.length > 0 ? (records[records.length - 1]?.seq ?? null) : null;
  const summary: ChainSummary = {
    log,
    records: records.length,
    checkpoints: checkpoints.length,
    firstSeq: records[0]?.seq ?? null,
    lastSeq,
    lastCheckpoint: lastCheckpoint === undefined ? null : { seq: lastCheckpoint.seq, kind: lastCheckpoint.kind, time: lastCheckpoint.time, hash: hex(lastCheckpoint.hash) },
    unprotected: lastSeq === null ? 0 : Math.max(0, lastSeq - (lastCheckpoint?.seq ?? 0)),
  };
  const first = firstFinding(findings);
  return first === undefined ? { ...summary, ok: true } : { ...summary, ok: false, broken: first };
}

/** The finding at the lowest seq; among equal seqs the one found first. */
function firstFinding(findings: readonly ChainBreak[]): ChainBreak | undefined {
  let best: ChainBreak | undefined;
  for (const f of findings) if (best === undefined || (f.seq ?? -1) < (best.seq ?? -1)) best = f;
  return best;
}
