import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import { openSqlite } from '../../store/sqlite.js';
import { GATEWAY_ERROR_CODES } from '../errors.js';
import { fillLogs } from './_testing/fill.js';
import { GatewayLogs } from './gateway-logs.js';
import { type LogVerifyKey, verifyKeyFromPoint } from './log-key.js';
import { readAllRecords, readCheckpoints, readMeta, type StoredCheckpoint, type StoredRecord } from './rows.js';
import { type ChainInput, verifyChain } from './verify-chain.js';

// Real rows, written by the gateway's writer: 25 calibration records, checkpoints at 10 and 20.
let records: StoredRecord[];
let checkpoints: StoredCheckpoint[];
let key: LogVerifyKey;
let head: { seq: number; hash: Uint8Array };

beforeAll(async () => {
  const db = openSqlite(':memory:');
  const sm = new MemorySecurityModule();
  const info = await sm.generateKeyPair('gw/sig', 'brainpoolP256r1');
  const logs = await GatewayLogs.open({ db, sm, keyLabel: 'gw/sig', checkpointEvery: 10 });
  await fillLogs(logs, { calibration: 25 });
  records = await readAllRecords(db, 'calibration');
  checkpoints = await readCheckpoints(db, 'calibration');
  const meta = await readMeta(db, 'calibration');
  head = { seq: meta.headSeq, hash: meta.headHash };
  key = verifyKeyFromPoint(info.curve, info.publicKey);
  await db.close();
});

const input = (over: Partial<ChainInput> = {}): ChainInput => ({ log: 'calibration', records, checkpoints, key, head, ...over });

describe('verifyChain', () => {
  it('passes the intact rows and summarises them', () => {
    expect(verifyChain(input())).toEqual({
      ok: true,
      log: 'calibration',
      records: 25,
      checkpoints: 2,
      firstSeq: 1,
      lastSeq: 25,
      lastCheckpoint: expect.objectContaining({ seq: 20, kind: 'interval' }),
      unprotected: 5,
    });
    expect(verifyChain(input({ records: [], checkpoints: [], head: undefined }))).toMatchObject({ ok: true, records: 0, lastCheckpoint: null });
  });

  const CASES: ReadonlyArray<[string, () => Partial<ChainInput>, number | null, string]> = [
    ['a duplicated record', () => ({ records: [...records.slice(0, 5), records[4]!, ...records.slice(5)] }), 5, 'GW_LOG_ORDER'],
    ['records out of seq order', () => ({ records: [records[1]!, records[0]!, ...records.slice(2)] }), 1, 'GW_LOG_GAP'],
    ['a record of another log', () => ({ records: records.map((r) => (r.seq === 3 ? { ...r, log: 'system' } : r)) }), 3, 'GW_LOG_MALFORMED'],
    ['a checkpoint of another log', () => ({ checkpoints: checkpoints.map((c) => (c.seq === 10 ? { ...c, log: 'system' } : c)) }), 10, 'GW_LOG_MALFORMED'],
    ['a checkpoint of an unknown kind', () => ({ checkpoints: checkpoints.map((c) => (c.seq === 20 ? { ...c, kind: 'weekly' } : c)) }), 20, 'GW_LOG_MALFORMED'],
    ['a checkpoint moved to another seq', () => ({ checkpoints: checkpoints.map((c) => (c.seq === 20 ? { ...c, seq: 21 } : c)) }), 21, 'GW_LOG_BAD_SIGNATURE'],
    ['the records before the first taken away', () => ({ records: records.slice(3) }), 1, 'GW_LOG_GAP'],
    ['an external anchor with another hash', () => ({ known: { seq: 25, hash: records[0]!.hash } }), 25, 'GW_LOG_CHECKPOINT_MISMATCH'],
    ['an external anchor beyond the records', () => ({ known: { seq: 30, hash: records[0]!.hash } }), 26, 'GW_LOG_TRUNCATED'],
    ['a head with another hash', () => ({ head: { seq: 25, hash: records[3]!.hash } }), 25, 'GW_LOG_HEAD_MISMATCH'],
  ];

  it.each(CASES)('names %s', (_what, over, seq, code) => {
    const v = verifyChain(input(over()));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.broken).toMatchObject({ seq, code });
  });

  it('the tail taken away with the head: only seen when a checkpoint lies beyond the cut', () => {
    expect(verifyChain(input({ records: records.slice(0, 15), head: { seq: 15, hash: records[14]!.hash } }))).toMatchObject({ ok: false, broken: { seq: 16, code: 'GW_LOG_TRUNCATED' } });
  });
});

// --- property tests over mutated real rows ---

type Mutation =
  | { readonly kind: 'flip-record-bytes'; readonly index: number; readonly field: 'prevHash' | 'hash'; readonly at: number; readonly bit: number }
  | { readonly kind: 'edit-record-text'; readonly index: number; readonly field: 'time' | 'level' | 'event' | 'text' | 'outcome' | 'details'; readonly at: number; readonly char: string }
  | { readonly kind: 'seq-lie'; readonly index: number; readonly seq: number }
  | { readonly kind: 'drop-record'; readonly index: number }
  | { readonly kind: 'truncate-records'; readonly keep: number }
  | { readonly kind: 'flip-checkpoint'; readonly index: number; readonly field: 'hash' | 'signature'; readonly at: number; readonly bit: number }
  | { readonly kind: 'checkpoint-time'; readonly index: number; readonly time: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip-record-bytes' as const), index: fc.nat(24), field: fc.constantFrom('prevHash' as const, 'hash' as const), at: fc.nat(31), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('edit-record-text' as const),
    index: fc.nat(24),
    field: fc.constantFrom('time' as const, 'level' as const, 'event' as const, 'text' as const, 'outcome' as const, 'details' as const),
    at: fc.nat(40),
    char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  }),
  fc.record({ kind: fc.constant('seq-lie' as const), index: fc.nat(24), seq: fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constantFrom(Number.NaN, 2 ** 60, 0.5)) }),
  fc.record({ kind: fc.constant('drop-record' as const), index: fc.nat(24) }),
  fc.record({ kind: fc.constant('truncate-records' as const), keep: fc.nat(24) }),
  fc.record({ kind: fc.constant('flip-checkpoint' as const), index: fc.nat(1), field: fc.constantFrom('hash' as const, 'signature' as const), at: fc.nat(80), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('checkpoint-time' as const), index: fc.nat(1), time: fc.string({ maxLength: 30 }) }),
);

function flip(b: Uint8Array, at: number, bit: number): Uint8Array {
  const c = new Uint8Array(b);
  const i = at % c.length;
  c[i] = (c[i] ?? 0) ^ (1 << bit);
  return c;
}

/** The mutated input, or undefined when the mutation happens to change nothing (or has nothing to change). */
function apply(m: Mutation, base: ChainInput = input()): ChainInput | undefined {
  const rs = [...base.records];
  const cs = [...base.checkpoints];
  if (('index' in m && m.kind.includes('checkpoint') ? cs : rs).length === 0) return undefined;
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
  switch (m.kind) {
    case 'flip-record-bytes':
      rs[m.index % rs.length] = { ...pick(rs, m.index), [m.field]: flip(pick(rs, m.index)[m.field], m.at, m.bit) };
      break;
    case 'edit-record-text': {
      const r = pick(rs, m.index);
      const s = r[m.field];
      const at = m.at % (s.length + 1);
      const edited = s.slice(0, at) + m.char + s.slice(at + 1);
      if (edited === s) return undefined;
      rs[m.index % rs.length] = { ...r, [m.field]: edited };
      break;
    }
    case 'seq-lie':
      if (Object.is(pick(rs, m.index).seq, m.seq)) return undefined;
      rs[m.index % rs.length] = { ...pick(rs, m.index), seq: m.seq };
      break;
    case 'drop-record':
      rs.splice(m.index % rs.length, 1);
      break;
    case 'truncate-records':
      if (m.keep >= rs.length) return undefined;
      rs.length = m.keep;
      break;
    case 'flip-checkpoint':
      cs[m.index % cs.length] = { ...pick(cs, m.index), [m.field]: flip(pick(cs, m.index)[m.field], m.at, m.bit) };
      break;
    case 'checkpoint-time':
      if (m.time === pick(cs, m.index).time) return undefined;
      cs[m.index % cs.length] = { ...pick(cs, m.index), time: m.time };
      break;
  }
  return { ...base, records: rs, checkpoints: cs };
}

function fingerprint(i: ChainInput): string {
  return JSON.stringify([i.records, i.checkpoints], (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : Number.isNaN(v) ? 'NaN' : v));
}

describe('verifyChain on mutated real rows (fast-check)', () => {
  it('never throws, always names the break with a gateway code and a plausible seq', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const mutated = apply(m);
        if (mutated === undefined) return;
        const v = verifyChain(mutated);
        expect(v.ok, JSON.stringify(m)).toBe(false);
        if (v.ok) return;
        expect(Object.keys(GATEWAY_ERROR_CODES)).toContain(v.broken.code);
        expect(v.broken.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('several mutations at once are still detected', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 2, maxLength: 5 }), (ms) => {
        let cur: ChainInput = input();
        for (const m of ms) cur = apply(m, cur) ?? cur;
        // Two mutations may cancel out (the same bit flipped twice): only a real change must be detected.
        if (fingerprint(cur) !== fingerprint(input())) expect(verifyChain(cur).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
});
