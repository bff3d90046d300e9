/**
 * Head-end intake rate: verify + decrypt + validate + store of one meter data message (AES-128-GCM, one
 * recipient, brainpoolP256r1), in process without TLS, on SQLite (a file, synchronous FULL) and on a throw-away
 * PostgreSQL started here. Bound by one ECDSA verify and one ECDH per message: the bare pair (verify + ECDH
 * with a ready key) runs in the same run, in alternating slices with the code under test (interleavedAsync:
 * intake awaits the store), so a colleague's job that steals the core slows both alike. Both CPU time (this
 * process, user + system) and wall time are summed per contender; the PostgreSQL server runs in other
 * processes, so its CPU over the same slices is read from /proc and shown on a line of its own. Several
 * messages are in flight, as on the WAN listener. The signer's chain verdict is remembered per certificate
 * (trust-cache.ts), as in production.
 */
import 'reflect-metadata';
import { diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import { join } from 'node:path';
import { unprotect } from '../src/cms/index.js';
import { EMT_A, GWA, GW_1, createHeadendWorld, meterMessage } from '../src/headend/_testing/fixture.js';
import { createHeadendContext } from '../src/headend/context.js';
import { acceptMessage } from '../src/headend/intake.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from '../src/headend/schema.js';
import { cachedTrust } from '../src/headend/trust-cache.js';
import { KEY_LABELS, openPkiDir } from '../src/pki/index.js';
import { type Db, migrate, openPostgres, openSqlite } from '../src/store/index.js';
import { startPostgres } from '../src/store/_testing/postgres.js';
import { type Bench, type BenchLine, measure } from './harness.js';
import { type AsyncContender, type AsyncInterleavedRate, interleavedAsync, syncContender } from './interleaved.js';

/** Messages each back end may take (the run stops early when they are used up). */
const MESSAGES = 1000;
const WARM_UP = 100;
const IN_FLIGHT = 8;
/** Wall time each contender gets in total, and the length of one slice, in ms. */
const SLICING = { ms: 2000, sliceMs: 80 };

export const headendBench: Bench = {
  name: 'headend',
  async run(): Promise<readonly BenchLine[]> {
    const world = await createHeadendWorld();
    const pg = await startPostgres();
    try {
      // Distinct messages (each a new 15-minute period), protected by the gateway ahead of time.
      const ders: Array<{ der: Uint8Array; id: string }> = [];
      for (let i = 0; i < 2 * (MESSAGES + WARM_UP); i++) {
        const m = meterMessage({ contractId: 'bench', from: new Date(Date.UTC(2026, 0, 1) + i * 900_000).toISOString() });
        ders.push({ der: await world.protectAs(GW_1, EMT_A, m), id: String(m.messageId) });
      }

      // The bound: one verify and one ECDH (a ready peer key) per operation, so its rate is 1/(1/verify + 1/ecdh).
      const a = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const b = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const data = Buffer.alloc(200, 1);
      const sig = sign('sha256', data, a.privateKey);
      const pair = syncContender('verify + ECDH', () => {
        verify('sha256', data, a.publicKey, sig);
        diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
      });
      // The two halves alone, for the note (short, not interleaved).
      const bareVerify = await measure(() => void verify('sha256', data, a.publicKey, sig), 1, 300);
      const bareEcdh = await measure(() => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 1, 300);

      /** Feeds `queue` to `go` with IN_FLIGHT callers until the slice ends. */
      const feeder = (name: string, queue: ReadonlyArray<{ der: Uint8Array; id: string }>, go: (x: { der: Uint8Array; id: string }) => Promise<unknown>): AsyncContender => {
        let next = 0;
        return {
          name,
          async run(until) {
            let done = 0;
            const worker = async () => {
              while (next < queue.length && performance.now() < until) {
                await go(queue[next++]!);
                done++;
              }
            };
            await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
            return done;
          },
        };
      };

      const recipient = { keyLabel: KEY_LABELS.party(EMT_A, 'enc'), cert: (await world.party(EMT_A)).enc.cert };
      const trust = cachedTrust(await openPkiDir(world.dir));
      const open = (x: { der: Uint8Array }) => unprotect(x.der, { sm: world.sm, recipient, trust });
      for (const x of ders.slice(0, 50)) await open(x);
      const [cmsOnly, cmsBound] = await interleavedAsync([feeder('unprotect', ders, open), pair], SLICING);

      const commits: number[] = [];
      const intakeRates = async (db: Db, batch: typeof ders, outside?: () => number): Promise<AsyncInterleavedRate[]> => {
        await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
        const ctx = await createHeadendContext({ db, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A], wakeUp: async () => undefined });
        const go = async (x: { der: Uint8Array; id: string }) => {
          const r = await acceptMessage(ctx, { emt: EMT_A, peer: GW_1, der: x.der, idempotencyKey: x.id, provenance: 'direct' });
          if (r.status !== 'stored') throw new Error('bench message was not stored');
        };
        for (const x of batch.slice(0, WARM_UP)) await go(x);
        const rates = await interleavedAsync([feeder('intake', batch.slice(WARM_UP), go), pair], { ...SLICING, ...(outside === undefined ? {} : { outside }) });
        // The store's own floor: one-row transactions one after the other (no overlap) on the same database.
        let n = 0;
        commits.push(
          await measure(
            () => db.transaction(async (tx) => void (await tx.run('INSERT INTO he_secrets (name, value) VALUES ($1, $2)', [`bench-${n++}`, 'x']))),
            1,
            500,
          ),
        );
        await db.close();
        return rates;
      };
      const [sqlite, sqliteBound] = await intakeRates(openSqlite(join(world.dir, 'bench.db')), ders.slice(0, MESSAGES + WARM_UP));
      const pgDb = await openPostgres(await pg.createDatabase('headend_bench'));
      const [postgres, postgresBound] = await intakeRates(pgDb, ders.slice(MESSAGES + WARM_UP), () => pg.cpuSeconds());

      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      const line = (name: string, r: AsyncInterleavedRate | undefined, bound: AsyncInterleavedRate | undefined, goal: boolean, extra: string): BenchLine => ({
        name,
        rate: r?.cpuRate ?? 0,
        unit: 'msg/s of CPU time',
        primitive: { name: 'verify + ECDH pairs (brainpoolP256r1), CPU time', rate: bound?.cpuRate ?? 1 },
        ...(goal ? { goalRatio: 0.6 } : {}),
        note: [
          `wall time: ${fmt(r?.wallRate ?? 0)} msg/s beside ${fmt(bound?.wallRate ?? 0)}/s, ratio ${((100 * (r?.wallRate ?? 0)) / (bound?.wallRate ?? 1)).toFixed(1)}%`,
          `bare calls/s alone: verify ${fmt(bareVerify)}, ECDH ${fmt(bareEcdh)}; ${extra}`,
        ].join('\n  '),
      });
      /** The PostgreSQL server runs in other processes: its CPU (read from /proc over the same slices) added. */
      const withServer = (r: AsyncInterleavedRate | undefined, bound: AsyncInterleavedRate | undefined): BenchLine => {
        const ownS = r === undefined || r.ops === 0 ? 0 : r.ops / r.cpuRate;
        const ops = r?.ops ?? 0;
        const serverS = r?.outsideCpuS ?? 0;
        return {
          name: 'intake on PostgreSQL, head-end process + PostgreSQL server CPU',
          rate: ops / Math.max(ownS + serverS, 1e-6),
          unit: 'msg/s of CPU time',
          primitive: { name: 'verify + ECDH pairs (brainpoolP256r1), CPU time', rate: bound?.cpuRate ?? 1 },
          note: [
            `server CPU (postmaster and backends, /proc): ${fmt((1e6 * serverS) / Math.max(ops, 1))} µs per message beside ${fmt((1e6 * ownS) / Math.max(ops, 1))} µs in the head-end process`,
            `server CPU in the slices of the bare pair (its background): ${fmt(1000 * (bound?.outsideCpuS ?? 0))} ms in all; no goal: the issue's goal is the head-end's one core`,
          ].join('\n  '),
        };
      };
      return [
        line('cms unprotect alone (the floor under intake)', cmsOnly, cmsBound, false, `src/cms, signer verdict cached, ${IN_FLIGHT} in flight`),
        line('intake on SQLite (verify + decrypt + store)', sqlite, sqliteBound, true, `one value per message, ${IN_FLIGHT} in flight; file, WAL, synchronous FULL, group commit; one-row commits/s one at a time ${fmt(commits[0] ?? 0)}`),
        line('intake on PostgreSQL (verify + decrypt + store)', postgres, postgresBound, true, `one value per message, ${IN_FLIGHT} in flight; loopback server; one-row commits/s one at a time ${fmt(commits[1] ?? 0)}`),
        withServer(postgres, postgresBound),
      ];
    } finally {
      pg.stop();
      world.cleanup();
    }
  },
};
