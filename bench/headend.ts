/**
 * Head-end intake rate: verify + decrypt + validate + store of one meter data message (AES-128-GCM, one
 * recipient, brainpoolP256r1), in process without TLS, on SQLite (a file, synchronous FULL) and on a throw-away
 * PostgreSQL started here. Bound by one ECDSA verify and one ECDH per message: the bare calls are measured in
 * the same run. The signer's chain verdict is remembered per certificate (trust-cache.ts), as in production.
 */
import 'reflect-metadata';
import { diffieHellman, generateKeyPairSync, sign, verify } from 'node:crypto';
import { join } from 'node:path';
import { EMT_A, GWA, GW_1, createHeadendWorld, meterMessage } from '../src/headend/_testing/fixture.js';
import { unprotect } from '../src/cms/index.js';
import { createHeadendContext } from '../src/headend/context.js';
import { acceptMessage } from '../src/headend/intake.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from '../src/headend/schema.js';
import { cachedTrust } from '../src/headend/trust-cache.js';
import { KEY_LABELS, openPkiDir } from '../src/pki/index.js';
import { type Db, migrate, openPostgres, openSqlite } from '../src/store/index.js';
import { startPostgres } from '../src/store/_testing/postgres.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const MESSAGES = 800;
const WARM_UP = 100;
const IN_FLIGHT = 4;

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
      const commits: number[] = [];
      const intakeRate = async (db: Db, batch: typeof ders): Promise<number> => {
        await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
        const ctx = await createHeadendContext({ db, sm: world.sm, pkiDir: world.dir, gwa: GWA, emts: [EMT_A], wakeUp: async () => undefined });
        const go = (x: { der: Uint8Array; id: string }) => acceptMessage(ctx, { emt: EMT_A, peer: GW_1, der: x.der, idempotencyKey: x.id, provenance: 'direct' });
        for (const x of batch.slice(0, WARM_UP)) await go(x);
        // A few requests in flight, as on the WAN listener: crypto runs while PostgreSQL answers another one.
        const queue = batch.slice(WARM_UP);
        let next = 0;
        const worker = async () => {
          while (next < queue.length) {
            const x = queue[next++]!;
            if ((await go(x)).status !== 'stored') throw new Error('bench message was not stored');
          }
        };
        const start = performance.now();
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
        const rate = (MESSAGES * 1000) / (performance.now() - start);
        // The store's own floor: a one-row transaction on the same database, measured right after.
        let n = 0;
        commits.push(
          await measure(
            () => db.transaction(async (tx) => void (await tx.run('INSERT INTO he_secrets (name, value) VALUES ($1, $2)', [`bench-${n++}`, 'x']))),
            1,
            700,
          ),
        );
        await db.close();
        return rate;
      };

      const a = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const b = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
      const data = Buffer.alloc(200, 1);
      const sig = sign('sha256', data, a.privateKey);
      // The bound, measured right before and right after each run (the machine is shared): the mean of both.
      const bound = async () => {
        const v = await measure(() => void verify('sha256', data, a.publicKey, sig), 1, 500);
        const e = await measure(() => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 1, 500);
        return { v, e, both: 1 / (1 / v + 1 / e) };
      };
      const beside = async (run: () => Promise<number>) => {
        const before = await bound();
        const rate = await run();
        const after = await bound();
        return { rate, verify: (before.v + after.v) / 2, ecdh: (before.e + after.e) / 2, bound: (before.both + after.both) / 2 };
      };
      const recipient = { keyLabel: KEY_LABELS.party(EMT_A, 'enc'), cert: (await world.party(EMT_A)).enc.cert };
      const pki = await openPkiDir(world.dir);
      const trust = cachedTrust(pki);
      const cmsOnly = await beside(async () => {
        const batch = ders.slice(0, 400);
        for (const x of batch.slice(0, 50)) await unprotect(x.der, { sm: world.sm, recipient, trust });
        const start = performance.now();
        for (const x of batch.slice(50)) await unprotect(x.der, { sm: world.sm, recipient, trust });
        return (350 * 1000) / (performance.now() - start);
      });
      const sqlite = await beside(() => intakeRate(openSqlite(join(world.dir, 'bench.db')), ders.slice(0, MESSAGES + WARM_UP)));
      const pgDb = await openPostgres(await pg.createDatabase('headend_bench'));
      const postgres = await beside(() => intakeRate(pgDb, ders.slice(MESSAGES + WARM_UP)));
      const line = (name: string, r: typeof sqlite, goal: boolean, extra: string): BenchLine => ({
        name,
        rate: r.rate,
        unit: 'msg/s',
        primitive: { name: 'verify + ECDH (brainpoolP256r1)', rate: r.bound },
        ...(goal ? { goalRatio: 0.6 } : {}),
        note: `bare calls/s: verify ${Math.round(r.verify)}, ECDH ${Math.round(r.ecdh)}; ${extra}`,
      });
      return [
        line('cms unprotect alone (the floor under intake)', cmsOnly, false, 'src/cms, signer verdict cached'),
        line('intake on SQLite (verify + decrypt + store)', sqlite, true, `${MESSAGES} distinct messages, one value each, ${IN_FLIGHT} in flight; file, WAL, synchronous FULL; bare one-row commits/s ${Math.round(commits[0] ?? 0)}`),
        line('intake on PostgreSQL (verify + decrypt + store)', postgres, true, `${MESSAGES} distinct messages, one value each, ${IN_FLIGHT} in flight; loopback server; bare one-row commits/s ${Math.round(commits[1] ?? 0)}`),
      ];
    } finally {
      pg.stop();
      world.cleanup();
    }
  },
};
