import { describe, expect, it } from 'vitest';
import { omsKdfA } from '../../crypto/kdf.js';
import { CodecError } from '../errors.js';
import { bytesOf, corpusRow } from './_corpus.js';
import { decodeAfl, verifyAflMac } from './afl.js';
import { normaliseFrame } from './link.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
  return undefined;
};

// Mode 7 example of OMS vol. 2 / CEN/TR 17167 (meter 12345678, counter 0x0AB3), frame A CRCs removed.
const row = corpusRow((r) => r.security === 'mode7' && r.layers.dll_id === '12345678');
const frame = normaliseFrame(bytesOf(row.telegram_hex));
const bytes = frame.bytes;
const AFL_AT = 13; // after the link header (10 bytes) and ELL I (8C CC ACC)

describe('authentication and fragmentation layer', () => {
  it('decodes the fields of a real mode 7 AFL', () => {
    const { header, fields, next } = decodeAfl(bytes, AFL_AT, frame.end);
    expect(header).toMatchObject({
      length: 0x0f,
      fragmentControl: 0x2c00,
      fragmentId: 0,
      moreFragments: false,
      messageControl: 0x25,
      authType: 'AES-CMAC-128/8',
      messageCounter: 0x0ab3,
    });
    expect(header.mac).toHaveLength(16);
    expect(fields.macLength).toBe(8);
    expect(bytes[next]).toBe(0x7a);
  });

  it('verifies the MAC with Kmac from KDF-A, and not after any change', () => {
    const { fields, next } = decodeAfl(bytes, AFL_AT, frame.end);
    const kmac = omsKdfA(bytesOf(row.key_hex_or_null!), 'kmac', 0x0ab3, bytes.subarray(4, 8));
    expect(verifyAflMac(kmac, bytes, fields, bytes.subarray(next, frame.end))).toBe(true);
    const altered = bytes.slice(next, frame.end);
    altered[altered.length - 1]! ^= 0x80;
    expect(verifyAflMac(kmac, bytes, fields, altered)).toBe(false);
    const otherCounter = omsKdfA(bytesOf(row.key_hex_or_null!), 'kmac', 0x0ab4, bytes.subarray(4, 8));
    expect(verifyAflMac(otherCounter, bytes, fields, bytes.subarray(next, frame.end))).toBe(false);
  });

  it.each([
    { what: 'AFLL too long for the fields', afl: '90102C0025B30A000000000000000000000000', code: 'CODEC_LENGTH_MISMATCH' },
    { what: 'AFLL past the end', afl: '90402C0025', code: 'CODEC_TRUNCATED' },
    { what: 'an unknown authentication type', afl: '900F002C2FB30A00000000000000000000', code: 'CODEC_UNSUPPORTED' },
    { what: 'a MAC without a message control field', afl: '9006000400000000', code: 'CODEC_MALFORMED' },
  ])('rejects $what', ({ afl, code }) => {
    const b = bytesOf(`${afl}7A`);
    expect(codeOf(() => decodeAfl(b, 0, b.length))).toBe(code);
  });
});
