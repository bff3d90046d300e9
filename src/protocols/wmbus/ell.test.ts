import { describe, expect, it } from 'vitest';
import { CodecError } from '../errors.js';
import { bytesOf, corpusRow, hexOf } from './_corpus.js';
import { crc16En13757 } from './crc.js';
import { decodeEll, decryptEll, ellPayloadCrcValid } from './ell.js';
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

/** ELL bytes from CI on, after a 10-byte link header of zeros. */
const withLink = (ell: string): Uint8Array => bytesOf(`00${'00'.repeat(9)}${ell}`);

describe('extended link layer', () => {
  it.each([
    { type: 'I', ell: '8C2027', next: 13, sn: undefined },
    { type: 'II', ell: '8D2091D37CAC21E1D6', next: 17, sn: 0x21ac7cd3 },
    { type: 'III', ell: '8E8075 2448 44332211 0337'.replace(/ /g, ''), next: 21, sn: undefined },
    { type: 'IV', ell: '8F8075 2448 44332211 0337 00000000 1234'.replace(/ /g, ''), next: 25, sn: 0 },
  ])('decodes ELL $type', ({ type, ell, next, sn }) => {
    const b = withLink(ell);
    const r = decodeEll(b, 10, b.length);
    expect(r.header.type).toBe(type);
    expect(r.header.sessionNumber).toBe(sn);
    // For II and IV `next` is the payload CRC, which opens the encrypted part.
    expect(r.next).toBe(next);
    if (type === 'III') expect(r.header.destination).toMatchObject({ manufacturer: 'RAD', id: '11223344', deviceType: 0x37 });
  });

  it('tells AES-CTR from plain by the ENC bits of the session number', () => {
    const b = withLink('8D2091D37CAC21E1D6');
    expect(decodeEll(b, 10, b.length).header.encryption).toBe('aes-ctr');
    const plain = withLink('8D2091D37CAC01E1D6');
    expect(decodeEll(plain, 10, plain.length).header.encryption).toBe('none');
  });

  it.each([
    { what: 'a reserved ENC value', ell: '8D2091D37CACE1E1D6', code: 'CODEC_UNSUPPORTED' },
    { what: 'ELL V', ell: '862091D37CAC21E1D6', code: 'CODEC_UNSUPPORTED' },
    { what: 'a cut ELL II', ell: '8D2091D37C', code: 'CODEC_TRUNCATED' },
  ])('rejects $what', ({ ell, code }) => {
    const b = withLink(ell);
    expect(codeOf(() => decodeEll(b, 10, b.length))).toBe(code);
  });

  it('decrypts a real Kamstrup ELL II frame and its payload CRC holds', () => {
    const row = corpusRow((r) => r.security === 'ELL_AES_CTR' && r.negative === undefined && r.edge === undefined);
    const f = normaliseFrame(bytesOf(row.telegram_hex));
    const b = f.bytes.slice();
    const { header, next } = decodeEll(b, 10, f.end);
    expect(ellPayloadCrcValid(b, next, f.end)).toBe(false);
    decryptEll(b, next, f.end, bytesOf(row.key_hex_or_null!), b.subarray(2, 10), header);
    expect(ellPayloadCrcValid(b, next, f.end)).toBe(true);
    expect(hexOf(b.subarray(next + 2, next + 3))).toMatch(/^7[89]$/);
  });

  it('CTR is its own inverse and the CRC covers what follows it', () => {
    const b = withLink('8D2091D37CAC21000078020304');
    const crc = crc16En13757(b, 19, b.length);
    b[17] = crc & 0xff;
    b[18] = crc >>> 8;
    const { header, next } = decodeEll(b, 10, b.length);
    const key = new Uint8Array(16).fill(7);
    const copy = b.slice();
    decryptEll(copy, next, copy.length, key, copy.subarray(2, 10), header);
    expect(hexOf(copy)).not.toBe(hexOf(b));
    decryptEll(copy, next, copy.length, key, copy.subarray(2, 10), header);
    expect(hexOf(copy)).toBe(hexOf(b));
    expect(ellPayloadCrcValid(b, next, b.length)).toBe(true);
  });
});
