import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  const CASES: ReadonlyArray<[unknown, string]> = [
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: [3, { d: null, c: true }], x: 'ä"\n' } }, '{"z":{"x":"ä\\"\\n","y":[3,{"c":true,"d":null}]}}'],
    [[], '[]'],
    [{}, '{}'],
    [-0.5, '-0.5'],
    [{ B: 1, a: 1, _: 1 }, '{"B":1,"_":1,"a":1}'],
  ];

  it.each(CASES)('writes %j as %s', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });

  const BAD: ReadonlyArray<[string, unknown]> = [
    ['undefined', undefined],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { n: 1n }],
    ['a function', { f: () => 1 }],
    ['a Date', { d: new Date(0) }],
    ['a Map', new Map()],
    ['bytes', Uint8Array.from([1])],
  ];

  it.each(BAD)('refuses %s with GW_BAD_INPUT', (_what, value) => {
    expect(() => canonicalJson(value)).toThrowError(expect.objectContaining({ code: 'GW_BAD_INPUT' }));
  });

  it('refuses a cycle instead of recursing forever', () => {
    const o: Record<string, unknown> = {};
    o.self = o;
    expect(() => canonicalJson(o)).toThrowError(expect.objectContaining({ code: 'GW_BAD_INPUT' }));
  });

  it('parses back to the same value and does not depend on key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
