import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, bytesToHex, hexToBytes } from './bytes.js';
import { CodecError } from './errors.js';

describe('ByteReader', () => {
  it('reads little- and big-endian integers and moves the offset', () => {
    const r = new ByteReader(hexToBytes('0102 0304 05060708 FFFFFFFF 0000000100000002'), 'input');
    expect(r.u16le()).toBe(0x0201);
    expect(r.u16be()).toBe(0x0304);
    expect(r.u32le()).toBe(0x08070605);
    expect(r.u32be()).toBe(0xffffffff);
    expect(r.u64be()).toBe(0x0000000100000002n);
    expect(r.remaining).toBe(0);
  });

  it('reports truncation with the layer and the offset of the missing field', () => {
    const r = new ByteReader(hexToBytes('0102'), 'tpl');
    r.u8();
    try {
      r.u32le('access number');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError);
      expect((e as CodecError).code).toBe('CODEC_TRUNCATED');
      expect((e as CodecError).layer).toBe('tpl');
      expect((e as CodecError).offset).toBe(1);
    }
  });

  it('respects a window narrower than the array', () => {
    const r = new ByteReader(hexToBytes('AABBCCDD'), 'records', 1, 3);
    expect(bytesToHex(r.rest())).toBe('BBCC');
    expect(() => r.u8()).toThrowError(CodecError);
  });
});

describe('ByteWriter', () => {
  it('chains writes and fills nested length fields when closed', () => {
    const out = new ByteWriter(2).u8(0x68).lengthU8().u8(0x44).lengthU16be().bytes(hexToBytes('0102')).closeLength().u16le(0xabcd).finish();
    expect(bytesToHex(out)).toBe('6807440002010 2CDAB'.replace(/\s/g, ''));
  });

  it('refuses a length that does not fit', () => {
    const w = new ByteWriter().lengthU8().bytes(new Uint8Array(256));
    expect(() => w.closeLength()).toThrowError(RangeError);
  });
});

describe('hexToBytes', () => {
  it.each([
    ['', 'CODEC_BAD_INPUT'],
    ['ABC', 'CODEC_BAD_INPUT'],
    ['ZZ', 'CODEC_BAD_INPUT'],
  ])('rejects %j with %s', (hex, code) => {
    expect(() => hexToBytes(hex)).toThrowError(expect.objectContaining({ code }));
  });
});
