import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, migrate, } from '../store/index.js';
import type { MeterValue } from './message.js';
import { type NewMessage, getGateway, insertMessage, listMessages, listValues, upsertGateway } from './repository.js';
import { HEADEND_MIGRATIONS, HEADEND_SCOPE } from './schema.js';
import { storeBackends } from '../store/_testing/backends.js';

const stores = storeBackends('r');
const backends = stores.list;

beforeAll(() => stores.start());
afterAll(() => stores.stop());

const T0 = Date.parse('2026-11-23T10:00:00.000Z');

function values(n: number): MeterValue[] {
  return Array.from({ length: n }, (_, i) => ({
    obis: `1-0:1.8.${i % 10}`,
    value: i + 0.25,
    unit: 'kWh',
    at: new Date(T0 + i * 1000).toISOString(),
    ...(i % 3 === 0 ? {} : { quality: 'measured' }),
  }));
}

function message(o: Partial<NewMessage> & { n?: number; at?: number } = {}): NewMessage {
  return {
    emt: 'supplier-a',
    messageId: 'm-1',
    provenance: 'direct',
    gateway: 'gw-1',
    pseudonym: null,
    meter: '12345678',
    contractId: 'c-7',
    taf: 7,
    period: { from: '2026-11-23T10:00:00.000Z', to: '2026-11-23T10:15:00.000Z' },
    contentSha256: 'aa'.repeat(32),
    signer: 'gw-1',
    receivedAt: new Date(o.at ?? T0).toISOString(),
    values: values(o.n ?? 1),
    ...o,
  };
}

async function fresh(open: () => Promise<Db>): Promise<Db> {
  const db = await open();
  await migrate(db, HEADEND_MIGRATIONS, HEADEND_SCOPE);
  await upsertGateway(db, { name: 'gw-1' }, new Date(T0 - 3_600_000));
  return db;
}

describe.each(backends)('insertMessage on %s', (_name, open) => {
  // 0 values; one; more than one chunk of the transactional path; more than PostgreSQL's one-statement bound.
  it.each([0, 1, 250, 1001])('stores a message with %i values, in order, once', async (n) => {
    const db = await fresh(open);
    try {
      const m = message({ n });
      expect(await insertMessage(db, m)).toEqual({ kind: 'stored' });
      const [row, ...more] = await listMessages(db, m.emt);
      expect(more).toEqual([]);
      expect(row).toMatchObject({ message_id: 'm-1', provenance: 'direct', gateway: 'gw-1', meter: '12345678', taf: 7, signature: 'verified', signer: 'gw-1' });
      const stored = await listValues(db, m.emt);
      expect(stored.map((v) => [v.obis, v.value, v.unit, v.at, v.quality])).toEqual(m.values.map((v) => [v.obis, v.value, v.unit, v.at, v.quality ?? null]));
      // The same id again: nothing new, and the key fields of the row already held.
      expect(await insertMessage(db, { ...m, contentSha256: 'bb'.repeat(32), values: values(2) })).toEqual({
        kind: 'exists',
        existing: { contentSha256: m.contentSha256, gateway: 'gw-1', pseudonym: null },
      });
      expect(await listValues(db, m.emt)).toHaveLength(n);
    } finally {
      await db.close();
    }
  });

  it("notes the gateway's contact at most once a minute, and only for a stored direct message", async () => {
    const db = await fresh(open);
    try {
      const contact = async () => (await getGateway(db, 'gw-1'))?.last_contact;
      expect(await contact()).toBeNull();
      await insertMessage(db, message({ messageId: 'a', at: T0 }));
      expect(await contact()).toBe(new Date(T0).toISOString());
      await insertMessage(db, message({ messageId: 'b', at: T0 + 30_000 }));
      expect(await contact()).toBe(new Date(T0).toISOString());
      // A duplicate is no contact worth noting.
      await insertMessage(db, message({ messageId: 'a', at: T0 + 120_000 }));
      expect(await contact()).toBe(new Date(T0).toISOString());
      await insertMessage(db, message({ messageId: 'c', at: T0 + 61_000 }));
      expect(await contact()).toBe(new Date(T0 + 61_000).toISOString());
      // Pseudonymised data names no gateway; an unknown gateway is not added to the inventory.
      await insertMessage(db, message({ messageId: 'd', at: T0 + 600_000, provenance: 'pseudonymised', gateway: null, meter: null, pseudonym: 'p-1', taf: 10 }));
      await insertMessage(db, message({ messageId: 'e', at: T0 + 600_000, gateway: 'gw-unknown' }));
      expect(await contact()).toBe(new Date(T0 + 61_000).toISOString());
      expect(await getGateway(db, 'gw-unknown')).toBeUndefined();
      expect((await listMessages(db, 'supplier-a')).map((r) => r.message_id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    } finally {
      await db.close();
    }
  });

  it('a refused row (STORE_QUERY) leaves neither message, values nor contact behind', async () => {
    const db = await fresh(open);
    try {
      // The CHECK constraint: direct data must name its gateway.
      await expect(insertMessage(db, message({ gateway: null, n: 3 }))).rejects.toMatchObject({ code: 'STORE_QUERY' });
      // The message row is fine, but its last value breaks NOT NULL: the message and the contact go too.
      const broken = [...values(2), { ...values(1)[0]!, obis: null as unknown as string }];
      await expect(insertMessage(db, message({ values: broken }))).rejects.toMatchObject({ code: 'STORE_QUERY' });
      expect(await listMessages(db, 'supplier-a')).toEqual([]);
      expect(await listValues(db, 'supplier-a')).toEqual([]);
      expect((await getGateway(db, 'gw-1'))?.last_contact).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('concurrent inserts of one id store it once; every other caller sees the stored key', async () => {
    const db = await fresh(open);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => insertMessage(db, message({ n: 2, at: T0 + i }))));
      expect(results.filter((r) => r.kind === 'stored')).toHaveLength(1);
      expect(await listValues(db, 'supplier-a')).toHaveLength(2);
    } finally {
      await db.close();
    }
  });

  it('messages handed in together are stored together; a bad one among them fails alone', async () => {
    const db = await fresh(open);
    try {
      const broken = [...values(1), { ...values(1)[0]!, obis: null as unknown as string }];
      const batch = Array.from({ length: 10 }, (_, i) => message({ messageId: `b-${i}`, n: i % 3, at: T0 + 1000 * i, ...(i === 4 ? { values: broken } : {}) }));
      const results = await Promise.allSettled(batch.map((m) => insertMessage(db, m)));
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.kind : (r.reason as { code?: string }).code))).toEqual(
        batch.map((_, i) => (i === 4 ? 'STORE_QUERY' : 'stored')),
      );
      const ids = (await listMessages(db, 'supplier-a')).map((r) => r.message_id);
      expect(ids.sort()).toEqual(batch.filter((_, i) => i !== 4).map((m) => m.messageId).sort());
      expect(await listValues(db, 'supplier-a')).toHaveLength(batch.reduce((n, m, i) => n + (i === 4 ? 0 : m.values.length), 0));
      // The earliest stored message's time, as if they had come one after the other.
      expect((await getGateway(db, 'gw-1'))?.last_contact).toBe(new Date(T0).toISOString());
    } finally {
      await db.close();
    }
  });
});
