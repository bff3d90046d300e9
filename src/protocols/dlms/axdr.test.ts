import { describe, expect, it } from 'vitest';
import { ByteReader, bytesToHex } from '../bytes.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, loadDlmsVectors } from './_testing/vectors.js';
import { type AxdrValue, decodeAxdr, readAxdrData } from './axdr.js';

/** Plain JSON view: bytes as hex, bigints as text. */
const view = (v: AxdrValue): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? bytesToHex(x) : typeof x === 'bigint' ? `${x}n` : x)));

describe('A-XDR data types (hand-built, one per type)', () => {
  it.each([
    ['null-data', '00', { kind: 'null-data' }],
    ['boolean true', '03 01', { kind: 'boolean', value: true }],
    ['boolean false', '03 00', { kind: 'boolean', value: false }],
    ['bit-string 12 bits', '04 0C A5 F0', { kind: 'bit-string', bitLength: 12, bytes: 'A5F0' }],
    ['double-long -2', '05 FFFFFFFE', { kind: 'double-long', value: -2 }],
    ['double-long-unsigned max', '06 FFFFFFFF', { kind: 'double-long-unsigned', value: 4294967295 }],
    ['octet-string', '09 03 010203', { kind: 'octet-string', value: '010203' }],
    ['visible-string', '0A 03 414243', { kind: 'visible-string', value: 'ABC' }],
    ['utf8-string', '0C 03 C3A46B', { kind: 'utf8-string', value: 'äk' }],
    ['bcd', '0D 12', { kind: 'bcd', value: 0x12 }],
    ['integer -1', '0F FF', { kind: 'integer', value: -1 }],
    ['long -300', '10 FED4', { kind: 'long', value: -300 }],
    ['unsigned', '11 FE', { kind: 'unsigned', value: 254 }],
    ['long-unsigned', '12 FFFE', { kind: 'long-unsigned', value: 65534 }],
    ['long64 -1', '14 FFFFFFFFFFFFFFFF', { kind: 'long64', value: '-1n' }],
    ['long64-unsigned 2^63', '15 8000000000000000', { kind: 'long64-unsigned', value: '9223372036854775808n' }],
    ['enum', '16 1E', { kind: 'enum', value: 30 }],
    ['float32 1.5', '17 3FC00000', { kind: 'float32', value: 1.5 }],
    ['float64 -0.25', '18 BFD0000000000000', { kind: 'float64', value: -0.25 }],
    ['delta-long', '1D FFFF', { kind: 'delta-long', value: -1 }],
    ['delta-double-long-unsigned', '21 00000100', { kind: 'delta-double-long-unsigned', value: 256 }],
    [
      'date-time (Tirol push, CEST)',
      '19 07E50713010F2E2300FF8880',
      { kind: 'date-time', value: { year: 2021, month: 7, day: 19, dayOfWeek: 1, hour: 15, minute: 46, second: 35, hundredths: 0, deviation: -120, clockStatus: 0x80 } },
    ],
    ['date with wildcards', '1A FFFF FE FD FF', { kind: 'date', value: { month: 'dst-begin', day: 'second-last' } }],
    ['time', '1B 17 3B 3B FF', { kind: 'time', value: { hour: 23, minute: 59, second: 59 } }],
    ['array of unsigned', '01 02 11 01 11 02', { kind: 'array', items: [{ kind: 'unsigned', value: 1 }, { kind: 'unsigned', value: 2 }] }],
    [
      'structure (scaler -1, unit V)',
      '02 02 0F FF 16 23',
      { kind: 'structure', items: [{ kind: 'integer', value: -1 }, { kind: 'enum', value: 35 }] },
    ],
    [
      'compact-array of structure(long-unsigned, unsigned)',
      '13 02 02 12 11 06 0001 05 0002 06',
      {
        kind: 'compact-array',
        items: [
          { kind: 'structure', items: [{ kind: 'long-unsigned', value: 1 }, { kind: 'unsigned', value: 5 }] },
          { kind: 'structure', items: [{ kind: 'long-unsigned', value: 2 }, { kind: 'unsigned', value: 6 }] },
        ],
      },
    ],
    [
      'compact-array of array[2] of octet-string',
      '13 01 0002 09 05 01AA 02BBCC',
      { kind: 'compact-array', items: [{ kind: 'array', items: [{ kind: 'octet-string', value: 'AA' }, { kind: 'octet-string', value: 'BBCC' }] }] },
    ],
  ])('%s', (_n, hex, expected) => {
    expect(view(decodeAxdr(bytes(hex)))).toEqual(expected);
  });
});

describe('A-XDR lengths', () => {
  it('a 200 000-character visible-string decodes (no argument-spread limits)', () => {
    const v = decodeAxdr(bytes(`0A 83 030D40 ${'41'.repeat(200_000)}`));
    expect(v.kind === 'visible-string' && v.value.length).toBe(200_000);
  });

  it('reads the 0x81 and 0x82 long forms', () => {
    const long81 = `09 81 80 ${'AB'.repeat(0x80)}`;
    const v81 = decodeAxdr(bytes(long81));
    expect(v81.kind === 'octet-string' && v81.value.length).toBe(0x80);
    const long82 = `09 82 0100 ${'CD'.repeat(0x100)}`;
    const v82 = decodeAxdr(bytes(long82));
    expect(v82.kind === 'octet-string' && v82.value.length).toBe(0x100);
  });

  it.each([
    ['indefinite 0x80', '09 80 00', 'CODEC_MALFORMED'],
    ['0x85 form', '09 85 0000000001 00', 'CODEC_MALFORMED'],
    ['octet-string longer than the input', '09 05 0102', 'CODEC_TRUNCATED'],
    ['0x84 length lie', '09 84 FFFFFFFF 00', 'CODEC_TRUNCATED'],
    ['array count lie', '01 82 FFFF 00', 'CODEC_LENGTH_MISMATCH'],
    ['structure count lie', '02 7F 00 00', 'CODEC_LENGTH_MISMATCH'],
    ['trailing bytes', '11 01 00', 'CODEC_LENGTH_MISMATCH'],
    ['unknown type 0x07', '07 00', 'CODEC_MALFORMED'],
    ['unknown type 0xFF', 'FF', 'CODEC_MALFORMED'],
    ['invalid UTF-8', '0C 01 FF', 'CODEC_MALFORMED'],
    ['date-time month 13', '19 07E50D13010F2E2300FF8880', 'CODEC_MALFORMED'],
    ['date day 0', '1A 07E5 01 00 FF', 'CODEC_MALFORMED'],
    ['time hour 24', '1B 18 00 00 00', 'CODEC_MALFORMED'],
    ['compact-array of null elements', '13 01 0003 00 00', 'CODEC_MALFORMED'],
    ['compact-array contents not a whole element', '13 12 03 000100', 'CODEC_TRUNCATED'],
    ['compact-array element count lie', '13 01 FFFF 11 02 0102', 'CODEC_LENGTH_MISMATCH'],
    ['compact-array inside a type description', '13 13 00', 'CODEC_MALFORMED'],
    ['empty input', '', 'CODEC_TRUNCATED'],
  ])('%s -> %s', (_n, hex, code) => {
    const input = hex === '' ? new Uint8Array(0) : bytes(hex);
    expect(codeOf(() => decodeAxdr(input))).toBe(code);
  });
});

describe('depth limit', () => {
  const nested = (depth: number): Uint8Array => bytes(`${'02 01 '.repeat(depth)}00`);

  it('accepts nesting up to the limit and refuses deeper with CODEC_MALFORMED', () => {
    expect(decodeAxdr(nested(16)).kind).toBe('structure');
    expect(codeOf(() => decodeAxdr(nested(17)))).toBe('CODEC_MALFORMED');
    expect(codeOf(() => decodeAxdr(nested(4), { maxDepth: 3 }))).toBe('CODEC_MALFORMED');
  });

  it('a hostile 100 000-level nesting fails fast, without a stack overflow', () => {
    expect(codeOf(() => decodeAxdr(nested(100_000)))).toBe('CODEC_MALFORMED');
  });

  it('compact-array type descriptions count towards the depth', () => {
    expect(codeOf(() => decodeAxdr(bytes(`13 ${'01 0001 '.repeat(20)}11 01 05`)))).toBe('CODEC_MALFORMED');
  });
});

describe('real notification bodies (conformance plaintexts)', () => {
  const rows = loadDlmsVectors();

  it('Tirol (Kaifa) push: a structure of 12 with OBIS/value pairs and scaler_unit structures', () => {
    const plain = bytes(rows.find((v) => v.system_title === '4B464D1010000023')!.plaintext_apdu);
    // 0F, 4-byte long invoke id, 0C + 12-byte date-time: the body starts at 18
    const r = new ByteReader(plain, 'axdr', 18);
    const body = readAxdrData(r);
    expect(r.remaining).toBe(0);
    expect(body.kind).toBe('structure');
    if (body.kind !== 'structure') return;
    expect(body.items).toHaveLength(12);
    // item 4: structure { 1-0:32.7.0, long-unsigned 0x0904, { scaler -1, unit 35 (V) } }
    expect(view(body.items[4]!)).toEqual({
      kind: 'structure',
      items: [
        { kind: 'octet-string', value: '0100200700FF' },
        { kind: 'long-unsigned', value: 0x0904 },
        { kind: 'structure', items: [{ kind: 'integer', value: -1 }, { kind: 'enum', value: 35 }] },
      ],
    });
  });

  it('u9n general-glo push: the body is one 34-byte octet-string', () => {
    const plain = bytes(rows.find((v) => v.system_title === '2F19229199164103')!.plaintext_apdu);
    const body = decodeAxdr(plain.subarray(6));
    expect(body.kind === 'octet-string' && bytesToHex(body.value)).toBe('125A8591360000000049000000110000000A5A8513D014800000000D0000000A0100');
  });
});
