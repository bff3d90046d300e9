import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCodecError } from '../errors.js';
import { bytesOf, corpusRows } from './_corpus.js';
import { WmbusSession } from './session.js';

/** Mutated real telegrams: whatever comes out is a decoded telegram or a CodecError, nothing else. */

const rows = corpusRows();
const telegrams = rows.map((r) => ({ bytes: bytesOf(r.telegram_hex), key: r.key_hex_or_null === null ? undefined : bytesOf(r.key_hex_or_null) }));

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'length'; readonly l: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'extend'; readonly extra: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), l: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

function mutate(src: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    if (m.kind === 'flip') b[m.at % b.length]! ^= 1 << m.bit;
    else if (m.kind === 'set') b[m.at % b.length] = m.value;
    else if (m.kind === 'truncate') b = b.slice(0, m.keep % (b.length + 1));
    else if (m.kind === 'length') b[0] = m.l;
    else b = Uint8Array.from([...b, ...m.extra]);
  }
  return b;
}

function onlyTypedErrors(bytes: Uint8Array, key: Uint8Array | undefined): void {
  const session = new WmbusSession({ keys: key === undefined ? {} : { key } });
  try {
    const t = session.decodeBytes(bytes);
    expect(['telegram', 'fragment']).toContain(t.kind);
    JSON.stringify(t.kind === 'telegram' ? t.readings : t.afl);
  } catch (e) {
    if (!isCodecError(e)) throw e;
  }
}

describe('wM-Bus decoder under mutation', () => {
  it('gives only CodecError for mutated telegrams, with their keys', () => {
    fc.assert(
      fc.property(fc.nat(telegrams.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
        const t = telegrams[i]!;
        onlyTypedErrors(mutate(t.bytes, ms), t.key);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives only CodecError for mutated telegrams without keys or with a wrong one', () => {
    fc.assert(
      fc.property(fc.nat(telegrams.length - 1), fc.array(mutation, { maxLength: 3 }), fc.boolean(), (i, ms, wrongKey) => {
        onlyTypedErrors(mutate(telegrams[i]!.bytes, ms), wrongKey ? new Uint8Array(16).fill(0x5a) : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives only CodecError for any hex text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          new WmbusSession().decode(text);
        } catch (e) {
          if (!isCodecError(e)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
