/**
 * Property: whatever the history of registrations (tenant changes included), contracts and messages, each
 * consumer's export holds exactly the rows that were sent while that consumer was the meter's registrant (direct)
 * or under that consumer's own contract (pseudonymised), and a consumer never registered is HE_UNKNOWN_CONSUMER.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { migrate, openSqlite } from '../../store/index.js';
import { PSEUDONYM_SECRET, derivePseudonym } from '../pseudonymiser.js';
import { ensureSecret } from '../repository.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from '../schema.js';
import { storeMessage } from './_testing/stores.js';
import { exportConsumer } from './export.js';
import { recordIssuedCommand } from './registry.js';

const CONSUMERS = ['c-0', 'c-1', 'c-2'] as const;
const METERS = [
  { id: 'm-0', gateway: 'gw-1' },
  { id: 'm-1', gateway: 'gw-1' },
  { id: 'm-2', gateway: 'gw-2' },
] as const;
const EMTS = ['supplier-a', 'supplier-b'] as const;

type Step =
  | { kind: 'register'; meter: number; consumer: number }
  | { kind: 'direct'; meter: number; emt: number }
  | { kind: 'grid'; meter: number; consumer: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), meter: fc.nat(2), consumer: fc.nat(2) }),
  fc.record({ kind: fc.constant('direct' as const), meter: fc.nat(2), emt: fc.nat(1) }),
  fc.record({ kind: fc.constant('grid' as const), meter: fc.nat(2), consumer: fc.nat(2) }),
);

describe('consumer export partitions the store', () => {
  it('every row goes to exactly the consumer it is about', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const db = openSqlite(':memory:');
        try {
          await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
          const secret = await ensureSecret(db, PSEUDONYM_SECRET, async () => 'cd'.repeat(32));
          let t = Date.parse('2026-11-01T00:00:00.000Z');
          const owner = new Map<string, string>();
          const known = new Set<string>();
          const truth = new Map<string, string[]>(CONSUMERS.map((c) => [c, []]));
          const contracts = new Set<string>();
          let n = 0;
          for (const s of steps) {
            t += 1000;
            const meter = METERS[s.meter]!;
            if (s.kind === 'register') {
              const consumer = CONSUMERS[s.consumer]!;
              await recordIssuedCommand(db, meter.gateway, `cmd-${n++}`, { type: 'register-meter', payload: { meterId: meter.id, protocol: 'wmbus', consumerId: consumer } }, new Date(t));
              owner.set(meter.id, consumer);
              known.add(consumer);
            } else if (s.kind === 'direct') {
              const emt = EMTS[s.emt]!;
              const id = await storeMessage(db, { emt, contractId: `k-${emt}-${meter.id}`, gateway: meter.gateway, meter: meter.id, receivedAt: new Date(t) });
              const who = owner.get(meter.id);
              if (who !== undefined) truth.get(who)!.push(`${emt}/${id}`);
            } else {
              const consumer = CONSUMERS[s.consumer]!;
              const contractId = `g-${consumer}-${meter.id}`;
              if (!contracts.has(`${meter.gateway}/${contractId}`)) {
                const contract = { id: contractId, meterId: meter.id, consumerId: consumer, recipient: { name: 'grid-op' }, taf: 10, validFrom: '2026-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' };
                await recordIssuedCommand(db, meter.gateway, `cmd-${n++}`, { type: 'add-contract', payload: { contract } }, new Date(t));
                contracts.add(`${meter.gateway}/${contractId}`);
                known.add(consumer);
              }
              const id = await storeMessage(db, { emt: 'grid-op', contractId, pseudonym: derivePseudonym(secret, meter.gateway), receivedAt: new Date(t) });
              truth.get(consumer)!.push(`grid-op/${id}`);
            }
          }
          for (const consumer of CONSUMERS) {
            if (!known.has(consumer)) {
              await expect(exportConsumer(db, consumer, new Date(t))).rejects.toMatchObject({ code: 'HE_UNKNOWN_CONSUMER' });
              continue;
            }
            const x = await exportConsumer(db, consumer, new Date(t));
            const held = x.recipients.flatMap((d) => d.messages.map((m) => `${d.emt}/${m.messageId}`)).sort();
            expect(held).toEqual([...truth.get(consumer)!].sort());
            expect(x.recipients.flatMap((d) => d.values)).toHaveLength(held.length);
          }
        } finally {
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
