import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAG, childrenOf, derElement, oidDer, oidOf, readTlv, timeOf, unwrapContentInfo, wrapContentInfo } from './der.js';
import { CmsError } from './errors.js';
import { ATTRIBUTE, CONTENT_TYPE } from './oids.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'returned';
  } catch (e) {
    return e instanceof CmsError ? e.code : `not a CmsError: ${String(e)}`;
  }
};

describe('OBJECT IDENTIFIER', () => {
  it.each([
    // X.690 §8.19.5 example and encodings checked with `openssl asn1parse -genstr OID:...`
    ['2.999.3', '0603883703'],
    [CONTENT_TYPE.authEnvelopedData, '060b2a864886f70d0109100117'],
    [ATTRIBUTE.pseudonym, '0613698383fdf4a687f28aed93d0e9bfdfa7d48958'],
  ])('%s encodes as %s and back', (oid, der) => {
    expect(hex(oidDer(oid))).toBe(der);
    const b = Uint8Array.from(Buffer.from(der, 'hex'));
    expect(oidOf(b, readTlv(b, 0), 'test')).toBe(oid);
  });

  it('round-trips any arcs, UUID-sized ones included', () => {
    const oid = fc
      .tuple(fc.constantFrom(0n, 1n, 2n), fc.bigInt({ min: 0n, max: 39n }), fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { maxLength: 6 }))
      .map(([x, y, rest]) => [x, y, ...rest].join('.'));
    fc.assert(
      fc.property(oid, (o) => {
        const b = oidDer(o);
        expect(oidOf(b, readTlv(b, 0), 'test')).toBe(o);
      }),
    );
  });

  it('rejects a truncated arc as CMS_MALFORMED', () => {
    const b = Uint8Array.from([0x06, 0x02, 0x2a, 0x86]);
    expect(codeOf(() => oidOf(b, readTlv(b, 0), 'test'))).toBe('CMS_MALFORMED');
  });
});

describe('timeOf', () => {
  const el = (tag: number, s: string) => derElement(tag, new TextEncoder().encode(s));
  it.each([
    [TAG.utcTime, '260301120000Z', '2026-03-01T12:00:00.000Z'],
    [TAG.utcTime, '500101000000Z', '1950-01-01T00:00:00.000Z'],
    [TAG.generalizedTime, '20510630235959Z', '2051-06-30T23:59:59.000Z'],
    [TAG.generalizedTime, '20260301120000.25Z', '2026-03-01T12:00:00.250Z'],
  ])('reads tag %i %s', (tag, s, iso) => {
    const b = el(tag, s);
    expect(timeOf(b, readTlv(b, 0), 'test').toISOString()).toBe(iso);
  });

  it.each([
    [TAG.utcTime, '2603011200Z'],
    [TAG.utcTime, '260231120000Z'],
    [TAG.generalizedTime, '20260301120000+0100'],
    [TAG.octetString, '260301120000Z'],
  ])('rejects tag %i %s as CMS_MALFORMED', (tag, s) => {
    const b = el(tag, s);
    expect(codeOf(() => timeOf(b, readTlv(b, 0), 'test'))).toBe('CMS_MALFORMED');
  });
});

describe('TLV walking', () => {
  it('reads long-form lengths and children', () => {
    const inner = derElement(TAG.octetString, new Uint8Array(300));
    const outer = derElement(TAG.sequence, inner, derElement(TAG.integer, Uint8Array.of(5)));
    expect(hex(outer.subarray(0, 4))).toBe('30820133');
    expect(childrenOf(outer, readTlv(outer, 0)).map((t) => t.tag)).toEqual([TAG.octetString, TAG.integer]);
  });

  it('wraps and unwraps a ContentInfo', () => {
    const content = derElement(TAG.sequence, derElement(TAG.integer, Uint8Array.of(0)));
    const ci = wrapContentInfo(CONTENT_TYPE.envelopedData, content);
    expect(hex(ci)).toBe('301206092a864886f70d010703a0053003020100');
    const back = unwrapContentInfo(ci);
    expect(back.contentType).toBe(CONTENT_TYPE.envelopedData);
    expect(hex(back.content)).toBe(hex(content));
  });

  it.each([
    ['a length past the end', [0x30, 0x05, 0x02, 0x01, 0x00]],
    ['an indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ['a high tag number', [0x1f, 0x81, 0x00]],
    ['one byte', [0x30]],
  ])('rejects %s as CMS_MALFORMED', (_, bytes) => {
    const b = Uint8Array.from(bytes);
    expect(codeOf(() => childrenOf(b, readTlv(b, 0)))).toBe('CMS_MALFORMED');
  });
});
