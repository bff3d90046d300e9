import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, type RecordFields, checkpointPayload, encodeRecord, recordHash } from './record-hash.js';

// The encoding as the doc comment of record-hash.ts defines it, built here independently with Buffer.
const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const n = Buffer.alloc(4);
  n.writeUInt32BE(b.length);
  return Buffer.concat([n, b]);
};
const u64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};

const BASE: RecordFields = {
  log: 'consumer',
  seq: 300,
  time: '2026-03-01T10:15:00.000Z',
  level: 'info',
  event: 'data-sent',
  text: 'TAF 7 Lastgang an Lieferant AG übermittelt',
  outcome: 'success',
  details: '{"recipient":"emt1","taf":7}',
  consumerId: 'c-17',
  prevHash: Uint8Array.from({ length: 32 }, (_, i) => i),
};

describe('record encoding', () => {
  it('is the documented length-prefixed layout, hashed with SHA-256', () => {
    const expected = Buffer.concat([
      str('gridwarden/log-record/1'),
      str('consumer'),
      u64(300),
      str(BASE.time),
      str('info'),
      str('data-sent'),
      str(BASE.text),
      str('success'),
      str(BASE.details),
      Buffer.from([1]),
      str('c-17'),
      Buffer.from(BASE.prevHash),
    ]);
    expect(Buffer.from(encodeRecord(BASE)).equals(expected)).toBe(true);
    expect(Buffer.from(recordHash(BASE)).toString('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
  });

  it('marks an absent consumer with one 00 byte', () => {
    const none = encodeRecord({ ...BASE, consumerId: null });
    const withId = encodeRecord(BASE);
    expect(none.length).toBe(withId.length - str('c-17').length);
    expect(none[none.length - 33]).toBe(0);
  });

  const CHANGES: ReadonlyArray<[string, Partial<RecordFields>]> = [
    ['log', { log: 'system' }],
    ['seq', { seq: 301 }],
    ['time', { time: '2026-03-01T10:15:00.001Z' }],
    ['level', { level: 'notice' }],
    ['event', { event: 'contract-added' }],
    ['text', { text: 'TAF 7 Lastgang an Lieferant AG übermittelt.' }],
    ['outcome', { outcome: 'failure' }],
    ['details', { details: '{"recipient":"emt2","taf":7}' }],
    ['consumer', { consumerId: 'c-18' }],
    ['consumer absent', { consumerId: null }],
    ['previous hash', { prevHash: GENESIS_HASH }],
    // Moving bytes between neighbouring fields must change the hash: the length prefixes see to it.
    ['text/outcome boundary', { text: `${BASE.text}s`, outcome: 'uccess' }],
    ['empty consumer vs absent', { consumerId: '' }],
  ];

  it.each(CHANGES)('changes when %s changes', (_what, change) => {
    expect(Buffer.from(recordHash({ ...BASE, ...change })).equals(Buffer.from(recordHash(BASE)))).toBe(false);
  });

  it('checkpoint payload is the documented layout', () => {
    const hash = recordHash(BASE);
    const expected = Buffer.concat([str('gridwarden/log-checkpoint/1'), str('consumer'), str('interval'), u64(300), Buffer.from(hash), str('2026-03-01T10:16:00.000Z')]);
    expect(Buffer.from(checkpointPayload({ log: 'consumer', kind: 'interval', seq: 300, hash, time: '2026-03-01T10:16:00.000Z' })).equals(expected)).toBe(true);
  });
});
