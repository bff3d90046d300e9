/**
 * The gateway's ingest, telegram to outbox (decode a mode 5 wM-Bus telegram, replay check, store the reading,
 * run the meter's TAF 7 contract, CMS-protect the message, queue it: one SQLite transaction, synchronous FULL),
 * beside the bare primitive chain each message needs, measured in the same run: AES-128-CBC decrypt of the
 * telegram, one ECDSA sign and one ECDH on brainpoolP256r1 (CMS protect also makes an ephemeral key pair and
 * the store one fsync'd commit; both are shown in the note). The clock moves 15 minutes per round, so every
 * reading closes a period and yields exactly one message. Then resident memory with 1,000 meters registered.
 */
import 'reflect-metadata';
import { createDecipheriv, diffieHellman, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { TestClock, openCore } from '../src/gateway/_testing/core.js';
import { contractFor, makeGatewayFixture, seedGateway } from '../src/gateway/_testing/fixture.js';
import { meterTelegram } from '../src/gateway/_testing/telegrams.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const QUARTER = 900_000;
const mib = (n: number): number => n / 1024 / 1024;

async function ingestRate(meters: number, rounds: number): Promise<{ rate: number; messages: number; frames: number; rssMiB: number; commitRate: number }> {
  const fx = await makeGatewayFixture();
  const ids = Array.from({ length: meters }, (_, i) => String(20_000_000 + i));
  const key = (i: number) => Buffer.alloc(16, (i % 250) + 1);
  await seedGateway(
    fx,
    ids.map((meterId, i) => ({ meterId, key: key(i) })),
    ids.map((meterId) => contractFor(fx, { id: `c-${meterId}`, meterId, taf: 7 })),
  );
  const clock = new TestClock(Date.parse('2026-11-23T00:00:30Z'));
  const core = await openCore(fx, { clock });
  const frames = ids.map((id, i) => Array.from({ length: rounds + 1 }, (_, r) => meterTelegram(id, key(i), 1000 + r, r)));
  // Round 0 opens a period for every meter; each later round closes one.
  for (const [i, id] of ids.entries()) await core.ingestor.ingest({ protocol: 'wmbus', text: frames[i]![0]!, meterId: id });
  const before = core.ingestor.stats.messages;
  const t0 = performance.now();
  for (let r = 1; r <= rounds; r++) {
    clock.advance(QUARTER);
    for (let i = 0; i < meters; i++) await core.ingestor.ingest({ protocol: 'wmbus', text: frames[i]![r]! });
  }
  const seconds = (performance.now() - t0) / 1000;
  const messages = core.ingestor.stats.messages - before;
  const rssMiB = mib(process.memoryUsage().rss);
  const commitRate = await measure(() => core.db.run("INSERT INTO gw_input_offsets (input, position) VALUES ('bench', 1) ON CONFLICT (input) DO UPDATE SET position = excluded.position + 1").then(() => undefined), 1, 500);
  await core.close();
  return { rate: (meters * rounds) / seconds, messages, frames: meters * rounds, rssMiB, commitRate };
}

export const gatewayBench: Bench = {
  name: 'gateway',
  async run(): Promise<readonly BenchLine[]> {
    const a = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const b = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const block = randomBytes(16);
    const content = randomBytes(300);
    const aes = await measure(() => void createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false).update(block), 1, 400);
    const ecdsa = await measure(() => void sign('sha256', content, a.privateKey), 1, 400);
    const ecdh = await measure(() => void diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }), 1, 400);
    const keygen = await measure(() => void generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }), 1, 400);
    const chain = 1 / (1 / aes + 1 / ecdsa + 1 / ecdh);

    const baseline = mib(process.memoryUsage().rss);
    const small = await ingestRate(50, 6);
    const large = await ingestRate(1000, 1);
    return [
      {
        name: `ingest telegram -> outbox (mode 5, TAF 7, ${small.frames} readings, ${small.messages} messages)`,
        rate: small.rate,
        unit: 'readings/s',
        primitive: { name: 'AES-CBC decrypt + ECDSA sign + ECDH per message', rate: chain },
        note: `ephemeral key pair ${Math.round(keygen)}/s and fsync'd SQLite commit ${Math.round(small.commitRate)}/s are further per-message costs; chain with both ${Math.round(1 / (1 / chain + 1 / keygen + 1 / small.commitRate))}/s`,
      },
      {
        name: 'resident memory, 1,000 meters registered with a contract each, after one reading each',
        rate: large.rssMiB,
        unit: 'MiB',
        primitive: { name: 'resident memory of the bench process before the gateway opened (MiB)', rate: baseline },
        note: `1,000-meter round: ${Math.round(large.rate)} readings/s, ${large.messages} messages`,
      },
    ];
  },
};
