import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import { CodecError } from '../errors.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, loadDlmsVectors } from './_testing/vectors.js';
import { decodeApdu } from './apdu.js';
import { readingsFromApdu } from './readings.js';

const rows = loadDlmsVectors();
const plainOf = (title: string): Uint8Array => bytes(rows.find((v) => v.system_title === title && v.kind === 'apdu')!.plaintext_apdu);
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? bytesToHex(x) : typeof x === 'bigint' ? `${x}n` : x)));

describe('plaintext APDUs of the conformance rows', () => {
  it('Green Book get-request-normal: clock 0-0:1.0.0 attribute 2', () => {
    expect(decodeApdu(bytes(rows[0]!.plaintext_apdu))).toEqual({
      kind: 'get-request-normal',
      invokeIdAndPriority: 0,
      attribute: { classId: 8, obis: '0-0:1.0.0', attribute: 2 },
    });
  });

  it('Green Book initiate-request: dedicated key, DLMS 6, conformance 007E1F, PDU 1200', () => {
    const row = rows.find((v) => v.plaintext_apdu.startsWith('0101'))!;
    const a = decodeApdu(bytes(row.plaintext_apdu));
    expect(a).toEqual({ kind: 'initiate-request', dedicatedKeyPresent: true, responseAllowed: true, dlmsVersion: 6, conformance: 0x007e1f, maxReceivePduSize: 1200 });
    // the key itself is not copied into the decoded value
    expect(JSON.stringify(json(a))).not.toContain('00112233445566778899AABBCCDDEEFF');
  });

  it('u9n data-notification: invoke id 0x1DB, no date-time, octet-string body', () => {
    const a = decodeApdu(plainOf('2F19229199164103'));
    expect(a.kind).toBe('data-notification');
    if (a.kind !== 'data-notification') return;
    expect(a.invokeId).toBe(0x1db);
    expect(a.dateTime).toBeUndefined();
    expect(a.body.kind).toBe('octet-string');
  });

  it('Tirol data-notification: invoke id 0x29B2DC and the 12-byte date-time 2021-07-19 15:46:35 deviation -120', () => {
    const a = decodeApdu(plainOf('4B464D1010000023'));
    expect(a.kind).toBe('data-notification');
    if (a.kind !== 'data-notification') return;
    expect(a.longInvokeIdAndPriority).toBe(0x0029b2dc);
    expect(a.dateTime).toMatchObject({ year: 2021, month: 7, day: 19, hour: 15, minute: 46, second: 35, deviation: -120 });
    expect(a.body.kind === 'structure' && a.body.items.length).toBe(12);
  });
});

describe('hand-built APDUs', () => {
  it.each([
    [
      'get-request-normal with access selection',
      'C0 01 C1 0007 0100630100FF 02 01 01 02 01 11 00',
      {
        kind: 'get-request-normal',
        invokeIdAndPriority: 0xc1,
        attribute: { classId: 7, obis: '1-0:99.1.0', attribute: 2 },
        accessSelection: { selector: 1, parameters: { kind: 'structure', items: [{ kind: 'unsigned', value: 0 }] } },
      },
    ],
    ['get-request-next', 'C0 02 C1 00000002', { kind: 'get-request-next', invokeIdAndPriority: 0xc1, blockNumber: 2 }],
    [
      'get-request-with-list',
      'C0 03 C1 02 0003 0100010800FF 02 00 0003 0100020800FF 02 00',
      {
        kind: 'get-request-with-list',
        invokeIdAndPriority: 0xc1,
        attributes: [{ attribute: { classId: 3, obis: '1-0:1.8.0', attribute: 2 } }, { attribute: { classId: 3, obis: '1-0:2.8.0', attribute: 2 } }],
      },
    ],
    [
      'get-response-normal with data',
      'C4 01 C1 00 06 00002394',
      { kind: 'get-response-normal', invokeIdAndPriority: 0xc1, result: { kind: 'data', value: { kind: 'double-long-unsigned', value: 0x2394 } } },
    ],
    [
      'get-response-normal with object-undefined',
      'C4 01 C1 01 04',
      { kind: 'get-response-normal', invokeIdAndPriority: 0xc1, result: { kind: 'data-access-result', code: 4, name: 'object-undefined' } },
    ],
    [
      'get-response-with-list',
      'C4 03 C1 02 00 12 0001 01 03',
      {
        kind: 'get-response-with-list',
        invokeIdAndPriority: 0xc1,
        results: [
          { kind: 'data', value: { kind: 'long-unsigned', value: 1 } },
          { kind: 'data-access-result', code: 3, name: 'read-write-denied' },
        ],
      },
    ],
    [
      'get-response-with-datablock',
      'C4 02 C1 01 00000001 00 03 010203',
      { kind: 'get-response-with-datablock', invokeIdAndPriority: 0xc1, lastBlock: true, blockNumber: 1, rawData: '010203' },
    ],
    [
      'event-notification without time',
      'C2 00 0001 0000600B00FF 02 16 05',
      { kind: 'event-notification', attribute: { classId: 1, obis: '0-0:96.11.0', attribute: 2 }, value: { kind: 'enum', value: 5 } },
    ],
    [
      'event-notification with time',
      'C2 01 0C 07E50713010F2E2300FF8880 0001 0000600B00FF 02 16 05',
      {
        kind: 'event-notification',
        time: { year: 2021, month: 7, day: 19, dayOfWeek: 1, hour: 15, minute: 46, second: 35, hundredths: 0, deviation: -120, clockStatus: 0x80 },
        attribute: { classId: 1, obis: '0-0:96.11.0', attribute: 2 },
        value: { kind: 'enum', value: 5 },
      },
    ],
    [
      'initiate-response',
      '08 00 06 5F1F 04 00 00501F 01F4 0007',
      { kind: 'initiate-response', dlmsVersion: 6, conformance: 0x00501f, maxReceivePduSize: 500, vaaName: 7 },
    ],
    ['exception-response', 'D8 01 02', { kind: 'exception-response', stateError: 1, serviceError: 2 }],
  ])('%s', (_n, hex, expected) => {
    expect(json(decodeApdu(bytes(hex)))).toEqual(expected);
  });

  it.each([
    ['unknown APDU tag', 'C1 01 C1', 'CODEC_UNSUPPORTED'],
    ['trailing byte', 'C4 01 C1 01 04 00', 'CODEC_LENGTH_MISMATCH'],
    ['truncated descriptor', 'C0 01 C1 0008 000001', 'CODEC_TRUNCATED'],
    ['bad Get-Request choice', 'C0 04 C1', 'CODEC_MALFORMED'],
    ['bad Get-Response choice', 'C4 09 C1', 'CODEC_MALFORMED'],
    ['bad Get-Data-Result choice', 'C4 01 C1 02 00', 'CODEC_MALFORMED'],
    ['bad presence flag', 'C0 01 C1 0008 0000010000FF 02 05', 'CODEC_MALFORMED'],
    ['notification date-time of 5 bytes', '0F 00000001 05 0102030405 00', 'CODEC_MALFORMED'],
    ['notification date-time out of range', '0F 00000001 0C 07E50713010F2E2300080080 00', 'CODEC_MALFORMED'],
    ['conformance without 5F1F', '08 00 06 5F1E 04 00 00501F 01F4 0007', 'CODEC_MALFORMED'],
    ['with-list count lie', 'C0 03 C1 7F 0003', 'CODEC_LENGTH_MISMATCH'],
  ])('%s -> %s', (_n, hex, code) => {
    expect(codeOf(() => decodeApdu(bytes(hex)))).toBe(code);
  });
});

describe('fast-check: mutated real plaintext APDUs (decode + readings) only ever give CodecError', () => {
  const seeds = [...new Set(rows.filter((v) => v.kind === 'apdu').map((v) => v.plaintext_apdu))].map(bytes);
  const onlyCodecErrors = (input: Uint8Array): void => {
    try {
      readingsFromApdu(decodeApdu(input));
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
    }
  };

  it('bit flips', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (seed, flips) => {
        const b = Uint8Array.from(seed);
        for (const [i, bit] of flips) b[i % b.length] = b[i % b.length]! ^ (1 << bit);
        onlyCodecErrors(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('truncation and appended bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.uint8Array({ maxLength: 8 }), (seed, cut, extra) => {
        onlyCodecErrors(seed.subarray(0, cut % (seed.length + 1)));
        onlyCodecErrors(Uint8Array.from([...seed, ...extra]));
      }),
      { numRuns: 1000 },
    );
  });

  it('length lies: any byte replaced by a long-form length marker or a large value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.constantFrom(0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xff), (seed, at, value) => {
        const b = Uint8Array.from(seed);
        b[at % b.length] = value;
        onlyCodecErrors(b);
      }),
      { numRuns: 2000 },
    );
  });
});
