import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecurityModule } from '../src/crypto/memory-module.js';
import { GatewayLogs, encodeRecord, verifyChain, verifyKeyFromPoint } from '../src/gateway/logs/index.js';
import { readAllRecords, readCheckpoints, readMeta } from '../src/gateway/logs/rows.js';
import { openSqlite } from '../src/store/sqlite.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const LABEL = 'gw/sig';

/** Log appends beside a bare SQLite write transaction; verification beside SHA-256 of the same bytes. */
export const gatewayLogsBench: Bench = {
  name: 'gateway-logs',
  async run(): Promise<readonly BenchLine[]> {
    const dir = mkdtempSync(join(tmpdir(), 'gw-logs-bench-'));
    const db = openSqlite(join(dir, 'gateway.db'));
    try {
      const sm = new MemorySecurityModule();
      const info = await sm.generateKeyPair(LABEL, 'brainpoolP256r1');
      const logs = await GatewayLogs.open({ db, sm, keyLabel: LABEL });
      await db.exec('CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, log TEXT NOT NULL, text TEXT NOT NULL, hash BYTEA NOT NULL)');

      // The primitive an append is bound by: one write transaction (WAL, synchronous FULL) on the same store.
      const hash = new Uint8Array(32);
      const insertRate = await measure(async () => {
        await db.transaction(async (tx) => {
          await tx.run('INSERT INTO bench_rows (log, text, hash) VALUES ($1, $2, $3)', ['system', 'wan connected', hash]);
        });
      }, 1, 1000);
      let i = 0;
      const appendRate = await measure(async () => {
        await logs.append('system', { level: 'info', event: 'wan-connected', text: `wan connected ${i++}`, outcome: 'success', details: { i } });
      }, 1, 1000);

      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const payload = Buffer.alloc(120, 1);
      const signRate = await measure(() => {
        sign('sha256', payload, privateKey);
      }, 1, 1000);
      const checkpointRate = await measure(async () => {
        await logs.append('calibration', { level: 'notice', event: 'time-set', text: 'clock set', outcome: 'success' });
        await logs.checkpoint('calibration');
      }, 1, 1000);

      // Verification reads a longer chain, written to an in-memory store so that building it is quick.
      const mem = openSqlite(':memory:');
      const memLogs = await GatewayLogs.open({ db: mem, sm, keyLabel: LABEL });
      for (let n = 0; n < 2000; n++) await memLogs.append('system', { level: 'info', event: 'wan-connected', text: `wan connected ${n}`, outcome: 'success', details: { n } });
      const records = await readAllRecords(mem, 'system');
      const checkpoints = await readCheckpoints(mem, 'system');
      const meta = await readMeta(mem, 'system');
      await mem.close();
      const key = verifyKeyFromPoint(info.curve, info.publicKey);
      const encodings = records.map(encodeRecord);
      const shaRate = await measure(() => {
        for (const e of encodings) createHash('sha256').update(e).digest();
      }, encodings.length, 1000);
      const verifyRate = await measure(() => {
        const v = verifyChain({ log: 'system', records, checkpoints, key, head: { seq: meta.headSeq, hash: meta.headHash } });
        if (!v.ok) throw new Error(v.broken.code);
      }, records.length, 1000);

      return [
        { name: 'log append (SQLite file, WAL, synchronous FULL, checkpoint every 100)', rate: appendRate, unit: 'records/s', primitive: { name: 'bare SQLite write transaction, same store', rate: insertRate }, note: 'one commit (fsync) per append; the lock, hash and head update are the rest' },
        { name: 'append + on-demand checkpoint', rate: checkpointRate, unit: 'checkpoints/s', primitive: { name: 'ECDSA brainpoolP256r1 sign', rate: signRate } },
        {
          name: `verify a chain in memory (${records.length} records, ${checkpoints.length} checkpoints)`,
          rate: verifyRate,
          unit: 'records/s',
          primitive: { name: 'SHA-256 of the record encodings', rate: shaRate },
          note: 'one ECDSA verify per 100 records (a checkpoint) costs about as much as hashing those 100 records',
        },
      ];
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
