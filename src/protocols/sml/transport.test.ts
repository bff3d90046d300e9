import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import type { CodecErrorCode } from '../errors.js';
import { buildSmlFile, smlRows } from './_conformance.js';
import { crc16Kermit, crc16X25 } from './crc16.js';
import { decodeSmlMessages } from './messages.js';
import { isSevenBit, unwrapSmlFile } from './transport.js';

const x25 = (b: Uint8Array) => crc16X25(b);
/** The messages of a real bare-message row: a payload to wrap. */
const MESSAGES = hexToBytes(smlRows[10]!.frame_hex);

describe('SML transport v1', () => {
  it('unwraps what the builder wraps, with the padding removed', () => {
    const t = unwrapSmlFile(buildSmlFile(MESSAGES, x25));
    expect(t.payload).toEqual(MESSAGES);
    expect(t.padding).toBe((4 - (MESSAGES.length % 4)) % 4);
    expect(t.crcVariant).toBe('x25');
    expect(decodeSmlMessages(t.payload)).toHaveLength(3);
  });

  it('accepts the Kermit variant', () => {
    expect(unwrapSmlFile(buildSmlFile(MESSAGES, crc16Kermit, 'kermit')).crcVariant).toBe('kermit');
  });

  it('removes the doubled escape of a 1B1B1B1B inside the content', () => {
    const payload = Uint8Array.of(1, 2, 3, 4, 0x1b, 0x1b, 0x1b, 0x1b, 5, 6, 7, 8);
    const file = buildSmlFile(payload, x25);
    expect(file.length).toBe(8 + 16 + 8);
    expect(unwrapSmlFile(file).payload).toEqual(payload);
  });

  it('matches the real files of the corpus', () => {
    const real = hexToBytes(smlRows[12]!.frame_hex);
    const t = unwrapSmlFile(real);
    expect(t.length).toBe(real.length);
    expect(unwrapSmlFile(buildSmlFile(t.payload, x25)).payload).toEqual(t.payload);
  });

  const withCrc = (bytes: number[]) => {
    const b = Uint8Array.from(bytes);
    const c = crc16X25(b);
    return Uint8Array.of(...b, c & 0xff, c >>> 8);
  };
  const ESC = [0x1b, 0x1b, 0x1b, 0x1b];
  it.each<[string, Uint8Array, CodecErrorCode]>([
    ['no start sequence', Uint8Array.of(0x76, 1, 2, 3), 'CODEC_MALFORMED'],
    ['an unknown escape', withCrc([...ESC, 1, 1, 1, 1, ...ESC, 0x02, 0, 0, 0, ...ESC, 0x1a, 0]), 'CODEC_MALFORMED'],
    ['a start inside the file', withCrc([...ESC, 1, 1, 1, 1, ...ESC, 1, 1, 1, 1, ...ESC, 0x1a, 0]), 'CODEC_MALFORMED'],
    ['padding that is not 00', withCrc([...ESC, 1, 1, 1, 1, 0x76, 0, 0, 5, ...ESC, 0x1a, 1]), 'CODEC_MALFORMED'],
    ['a padding count beyond the content', withCrc([...ESC, 1, 1, 1, 1, ...ESC, 0x1a, 9]), 'CODEC_MALFORMED'],
    ['no end sequence', Uint8Array.of(...ESC, 1, 1, 1, 1, 0x76, 0, 0, 0), 'CODEC_TRUNCATED'],
    ['a wrong CRC', Uint8Array.of(...ESC, 1, 1, 1, 1, ...ESC, 0x1a, 0, 0x12, 0xb4), 'CODEC_CRC_MISMATCH'],
  ])('rejects %s', (_name, bytes, code) => {
    expect(() => unwrapSmlFile(bytes)).toThrowError(expect.objectContaining({ code }));
  });

  it('tells 7-bit input by the absent top bits', () => {
    expect(isSevenBit(Uint8Array.of(0x1b, 0x7f))).toBe(true);
    expect(isSevenBit(Uint8Array.of(0x1b, 0xff))).toBe(false);
    expect(isSevenBit(Uint8Array.of(0x1b, 0x01))).toBe(false); // no trace of a masked FF
  });
});
