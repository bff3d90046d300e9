import { describe, expect, it } from 'vitest';
import { ByteReader, hexToBytes } from '../bytes.js';
import type { CodecErrorCode } from '../errors.js';
import { readSmlNode } from './tl.js';

const read = (hex: string) => {
  const r = new ByteReader(hexToBytes(hex), 'sml');
  const node = readSmlNode(r);
  return { node, rest: r.remaining };
};

describe('SML TL fields', () => {
  it.each([
    ['01', { kind: 'absent' }],
    ['621E', { kind: 'uint', value: 30, size: 1 }],
    ['52FF', { kind: 'int', value: -1, size: 1 }],
    ['52FB', { kind: 'int', value: -5, size: 1 }],
    ['55FFFFF914', { kind: 'int', value: -1772, size: 4 }],
    ['5300AD', { kind: 'int', value: 173, size: 2 }],
    ['6502DBA23D', { kind: 'uint', value: 0x02dba23d, size: 4 }],
    ['690000000A7AC1BC17', { kind: 'uint', value: 0x0a7ac1bc17n, size: 8 }],
    ['59FFFFFFFFFFFFFFFF', { kind: 'int', value: -1n, size: 8 }],
    ['4201', { kind: 'bool', value: true }],
    ['04445A47', { kind: 'octets', bytes: Uint8Array.from([0x44, 0x5a, 0x47]) }],
  ])('reads %s', (hex, node) => {
    expect(read(hex)).toEqual({ node, rest: 0 });
  });

  it('reads a multi-byte TL octet string (length counts both TL bytes)', () => {
    const { node } = read(`8302${'AB'.repeat(48)}`);
    expect(node.kind === 'octets' && node.bytes.length).toBe(48);
  });

  it('reads a list whose element count needs two TL bytes', () => {
    const { node } = read(`F104${'6201'.repeat(20)}`);
    expect(node.kind === 'list' && node.items.length).toBe(20);
  });

  it('reads nested lists (SML_Time with a local timestamp)', () => {
    const { node } = read('72620373 65671B6322 53003C 53003C'.replace(/ /g, ''));
    expect(node).toEqual({
      kind: 'list',
      items: [
        { kind: 'uint', value: 3, size: 1 },
        {
          kind: 'list',
          items: [
            { kind: 'uint', value: 0x671b6322, size: 4 },
            { kind: 'int', value: 60, size: 2 },
            { kind: 'int', value: 60, size: 2 },
          ],
        },
      ],
    });
  });

  it.each<[string, string, CodecErrorCode]>([
    ['end of message', '00', 'CODEC_MALFORMED'],
    ['integer of 0 bytes', '51', 'CODEC_MALFORMED'],
    ['integer of 9 bytes', '5A000000000000000000', 'CODEC_MALFORMED'],
    ['unknown type 001', '31', 'CODEC_MALFORMED'],
    ['boolean of 2 bytes', '430101', 'CODEC_MALFORMED'],
    ['continuation with type bits', '8F1F', 'CODEC_MALFORMED'],
    ['length shorter than the TL', '8000', 'CODEC_MALFORMED'],
    ['too many TL bytes', '8080808001', 'CODEC_MALFORMED'],
    ['missing continuation', '85', 'CODEC_TRUNCATED'],
    ['short value', '6500', 'CODEC_TRUNCATED'],
    ['list longer than the input', '7F', 'CODEC_TRUNCATED'],
    ['nesting beyond 32', '71'.repeat(40), 'CODEC_MALFORMED'],
  ])('rejects %s', (_name, hex, code) => {
    expect(() => read(hex)).toThrowError(expect.objectContaining({ code }));
  });
});
