import { type KeyObject, sign } from 'node:crypto';
import type { Db } from '../../../store/db.js';
import type { LogName } from '../events.js';
import { checkpointHash } from '../log-key.js';
import { checkpointPayload, recordHash } from '../record-hash.js';
import { readAllRecords, readCheckpoints } from '../rows.js';

/** What an attacker with write access to the gateway's database can do, as SQL on the log tables. */

export type EditableColumn = 'text' | 'outcome' | 'time' | 'level' | 'details' | 'consumer_id';

export async function setField(db: Db, log: LogName, seq: number, column: EditableColumn, value: string): Promise<void> {
  await db.run(`UPDATE gw_log_records SET ${column} = $3 WHERE log = $1 AND seq = $2`, [log, seq, value]);
}

export async function deleteRecord(db: Db, log: LogName, seq: number): Promise<void> {
  await db.run('DELETE FROM gw_log_records WHERE log = $1 AND seq = $2', [log, seq]);
}

/** Removes records `from` and later (a cut), and with `head`, rewrites the unsigned head to match. */
export async function cutFrom(db: Db, log: LogName, from: number, opts: { head?: boolean; checkpoints?: boolean } = {}): Promise<void> {
  await db.run('DELETE FROM gw_log_records WHERE log = $1 AND seq >= $2', [log, from]);
  if (opts.checkpoints === true) await db.run('DELETE FROM gw_log_checkpoints WHERE log = $1 AND seq >= $2', [log, from]);
  if (opts.head === true) await fixHead(db, log);
}

/** Exchanges the sequence numbers of two records. */
export async function swap(db: Db, log: LogName, a: number, b: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('UPDATE gw_log_records SET seq = $3 WHERE log = $1 AND seq = $2', [log, a, -1]);
    await tx.run('UPDATE gw_log_records SET seq = $3 WHERE log = $1 AND seq = $2', [log, b, a]);
    await tx.run('UPDATE gw_log_records SET seq = $3 WHERE log = $1 AND seq = $2', [log, -1, b]);
  });
}

/** Flips one bit of a checkpoint's signature. */
export async function flipSignatureBit(db: Db, log: LogName, seq: number): Promise<void> {
  const [row] = await db.query<{ signature: Uint8Array }>('SELECT signature FROM gw_log_checkpoints WHERE log = $1 AND seq = $2', [log, seq]);
  if (row === undefined) throw new Error(`no checkpoint at ${seq}`);
  const sig = new Uint8Array(row.signature);
  sig[sig.length - 3] = (sig[sig.length - 3] ?? 0) ^ 0x01;
  await db.run('UPDATE gw_log_checkpoints SET signature = $3 WHERE log = $1 AND seq = $2', [log, seq, sig]);
}

/** Replaces the key pinned for the log by another point. */
export async function replacePinnedKey(db: Db, log: LogName, point: Uint8Array): Promise<void> {
  await db.run('UPDATE gw_logs SET public_key = $2 WHERE log = $1', [log, point]);
}

/**
 * Re-signs every checkpoint of the log with an attacker's key (node KeyObject on the same curve), each over
 * the hash the (possibly rewritten) chain now has at its seq.
 */
export async function resignCheckpoints(db: Db, log: LogName, key: KeyObject, curve: Parameters<typeof checkpointHash>[0]): Promise<void> {
  const hashes = new Map((await readAllRecords(db, log)).map((r) => [r.seq, r.hash]));
  for (const c of await readCheckpoints(db, log)) {
    const fixed = { ...c, hash: hashes.get(c.seq) ?? c.hash };
    const sig = sign(checkpointHash(curve), checkpointPayload(fixed), { key, dsaEncoding: 'der' });
    await db.run('UPDATE gw_log_checkpoints SET hash = $3, signature = $4 WHERE log = $1 AND seq = $2', [log, c.seq, fixed.hash, new Uint8Array(sig)]);
  }
}

/**
 * Recomputes the hashes of the records from `from` on, in order, each chained to the one before, as an
 * attacker who edited a record would; with `head`, the head too.
 */
export async function rehashFrom(db: Db, log: LogName, from: number, opts: { head?: boolean; onlyOne?: boolean } = {}): Promise<void> {
  const records = await readAllRecords(db, log);
  let prev: Uint8Array | undefined;
  for (const r of records) {
    if (r.seq < from) {
      prev = r.hash;
      continue;
    }
    if (opts.onlyOne === true && r.seq > from) break;
    const fixed = { ...r, prevHash: prev ?? r.prevHash };
    const hash = recordHash(fixed);
    await db.run('UPDATE gw_log_records SET prev_hash = $3, hash = $4 WHERE log = $1 AND seq = $2', [log, r.seq, fixed.prevHash, hash]);
    prev = hash;
  }
  if (opts.head === true) await fixHead(db, log);
}

async function fixHead(db: Db, log: LogName): Promise<void> {
  const [last] = await db.query<{ seq: number; hash: Uint8Array }>('SELECT seq, hash FROM gw_log_records WHERE log = $1 ORDER BY seq DESC LIMIT 1', [log]);
  if (last !== undefined) await db.run('UPDATE gw_logs SET head_seq = $2, head_hash = $3 WHERE log = $1', [log, Number(last.seq), last.hash]);
}
