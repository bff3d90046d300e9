import { createHash } from 'node:crypto';
import { ByteWriter } from '../../protocols/bytes.js';

/**
 * The canonical byte encodings that the chain hashes and the checkpoints sign.
 *
 * Record hash = SHA-256 over
 *   str("gridwarden/log-record/1") || str(log) || u64(seq) || str(time) || str(level) || str(event)
 *   || str(text) || str(outcome) || str(details) || opt(consumerId) || prevHash
 * where str(x) = u32 BE byte length of x's UTF-8 || those bytes; u64 = 8 bytes big-endian; opt(x) = 00 when
 * absent, 01 || str(x) when present; prevHash = the 32-byte hash of the record before (GENESIS_HASH before
 * seq 1 and the anchor's hash after a purge). `details` is the canonical JSON text exactly as stored, so the
 * verifier hashes the stored text and never re-serialises. Length prefixes make the split between fields
 * unambiguous (no field's content can shift into its neighbour), and the tag versions the encoding.
 *
 * Checkpoint signature = ECDSA (SHA-256, SHA-384 on 384-bit keys, SHA-512 on 512-bit keys) over
 *   str("gridwarden/log-checkpoint/1") || str(log) || str(kind) || u64(seq) || hash || str(time)
 * where hash is the hash of record `seq` (GENESIS_HASH for a checkpoint of an empty log).
 */

export const HASH_BYTES = 32;

/** The previous hash of record 1: 32 zero bytes. */
export const GENESIS_HASH: Uint8Array = new Uint8Array(HASH_BYTES);

const RECORD_TAG = 'gridwarden/log-record/1';
const CHECKPOINT_TAG = 'gridwarden/log-checkpoint/1';

/** The hashed fields of a record, as stored. */
export interface RecordFields {
  readonly log: string;
  readonly seq: number;
  readonly time: string;
  readonly level: string;
  readonly event: string;
  readonly text: string;
  readonly outcome: string;
  /** Canonical JSON text. */
  readonly details: string;
  readonly consumerId: string | null;
  readonly prevHash: Uint8Array;
}

/** The signed fields of a checkpoint. */
export interface CheckpointFields {
  readonly log: string;
  readonly kind: string;
  readonly seq: number;
  readonly hash: Uint8Array;
  readonly time: string;
}

function str(w: ByteWriter, s: string): ByteWriter {
  const b = Buffer.from(s, 'utf8');
  return w.u32be(b.length).bytes(b);
}

function u64(w: ByteWriter, n: number): ByteWriter {
  return w.u64be(BigInt(n));
}

export function encodeRecord(r: RecordFields): Uint8Array {
  const w = new ByteWriter(256);
  str(w, RECORD_TAG);
  str(w, r.log);
  u64(w, r.seq);
  for (const f of [r.time, r.level, r.event, r.text, r.outcome, r.details]) str(w, f);
  if (r.consumerId === null) w.u8(0x00);
  else str(w.u8(0x01), r.consumerId);
  return w.bytes(r.prevHash).finish();
}

export function recordHash(r: RecordFields): Uint8Array {
  return new Uint8Array(createHash('sha256').update(encodeRecord(r)).digest());
}

export function checkpointPayload(c: CheckpointFields): Uint8Array {
  const w = new ByteWriter(128);
  str(w, CHECKPOINT_TAG);
  str(w, c.log);
  str(w, c.kind);
  u64(w, c.seq);
  w.bytes(c.hash);
  return str(w, c.time).finish();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
