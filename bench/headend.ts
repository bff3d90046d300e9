/**
 * Head-end intake rate: verify + decrypt + validate + store of one meter data message (AES-128-GCM, one
 * recipient, brainpoolP256r1), in process without TLS, on SQLite (a file, synchronous FULL) and on a throw-away
 * PostgreSQL started here. Bound by one ECDSA verify and one ECDH per message: the bare pair (verify + ECDH
 * with a ready key) runs in the same run, in alternating slices with the code under test (as in
 * interleaved.ts, but async: intake awaits the store), so a colleague's job that steals the core slows both
 * alike. Both CPU time (this process, user + system) and wall time are summed per contender. Several messages
 * are in flight, as on the WAN listener. The signer's chain verdict is remembered per certificate
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

/** Messages each back end may take (the run stops early when they are used up). */
const MESSAGES = 1000;
const WARM_UP = 100;
const IN_FLIGHT = 8;
/** Wall time each contender gets in total, and the length of one slice, in ms. */
const TOTAL_MS = 2000;
const SLICE_MS = 80;

interface Contender {
  readonly name: string;
  /** Runs until `until` (performance.now()) or until it has nothing left; resolves to the operations done. */
  run(until: number): Promise<number>;
}

interface SlicedRate {
  readonly cpuRate: number;
  readonly wallRate: number;
}

/** Round-robin slices of about SLICE_MS each until every contender has had about TOTAL_MS (or ran dry). */
async function sliced(contenders: readonly Contender[]): Promise<SlicedRate[]> {
  const totals = contenders.map(() => ({ ops: 0, wallMs: 0, cpuUs: 0 }));
  let dry = false;
  for (let round = 0; round * SLICE_MS < TOTAL_MS && !dry; round++) {
    for (const [k, c] of contenders.entries()) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ops = await c.run(t0 + SLICE_MS);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (ops === 0) dry = true;
      const t = totals[k]!;
      t.ops += ops;
      t.wallMs += wall;
      t.cpuUs += cpu.user + cpu.system;
    }
  }
  return totals.map((t) => ({ cpuRate: (t.ops * 1e6) / Math.max(t.cpuUs, 1), wallRate: (t.ops * 1000) / Math.max(t.wallMs, 1) }));
}

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
      const pair: Contender = {
        name: 'verify + ECDH',
        async run(until) {
          let n = 0;
          do {
            verify('sha256', data, a.publicKey, sig);
            diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
            n++;
          } while (performance.now() < until);
          return n;
        },
      };
      // The two halves alone, for the note (short, not interleaved).
      const bareVerify = await measure(() => void verify('sha256', data, a.publicKey, sig), 1, 300);
      const bareEcdh = await measure(() => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 1, 300);

      /** Feeds `queue` to `go` with IN_FLIGHT callers until the slice ends. */
      const feeder = (name: string, queue: ReadonlyArray<{ der: Uint8Array; id: string }>, go: (x: { der: Uint8Array; id: string }) => Promise<unknown>): Contender => {
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
      const [cmsOnly, cmsBound] = await sliced([feeder('unprotect', ders, open), pair]);

      const commits: number[] = [];
      const intakeRates = async (db: Db, batch: typeof ders): Promise<SlicedRate[]> => {
        await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
        const ctx = await createHeadendContext({ db, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A], wakeUp: async () => undefined });
        const go = async (x: { der: Uint8Array; id: string }) => {
          const r = await acceptMessage(ctx, { emt: EMT_A, peer: GW_1, der: x.der, idempotencyKey: x.id, provenance: 'direct' });
          if (r.status !== 'stored') throw new Error('bench message was not stored');
        };
        for (const x of batch.slice(0, WARM_UP)) await go(x);
        const rates = await sliced([feeder('intake', batch.slice(WARM_UP), go), pair]);
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
      const [postgres, postgresBound] = await intakeRates(pgDb, ders.slice(MESSAGES + WARM_UP));

      const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
      const line = (name: string, r: SlicedRate | undefined, bound: SlicedRate | undefined, goal: boolean, extra: string): BenchLine => ({
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
      return [
        line('cms unprotect alone (the floor under intake)', cmsOnly, cmsBound, false, `src/cms, signer verdict cached, ${IN_FLIGHT} in flight`),
        line('intake on SQLite (verify + decrypt + store)', sqlite, sqliteBound, true, `one value per message, ${IN_FLIGHT} in flight; file, WAL, synchronous FULL, group commit; one-row commits/s one at a time ${fmt(commits[0] ?? 0)}`),
        line('intake on PostgreSQL (verify + decrypt + store)', postgres, postgresBound, true, `one value per message, ${IN_FLIGHT} in flight; loopback server; one-row commits/s one at a time ${fmt(commits[1] ?? 0)}`),
      ];
    } finally {
      pg.stop();
      world.cleanup();
    }
  },
};
