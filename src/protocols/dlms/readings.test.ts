import { describe, expect, it } from 'vitest';
import { bytes, loadDlmsVectors } from './_testing/vectors.js';
import { decodeApdu } from './apdu.js';
import { decodeAxdr } from './axdr.js';
import { cosemDateTimeToIso, parseCosemDateTime } from './date-time.js';
import { readingsFromApdu, readingsFromData } from './readings.js';

const rows = loadDlmsVectors();

describe('Tirol (Kaifa) customer interface push', () => {
  const apdu = decodeApdu(bytes(rows.find((v) => v.system_title === '4B464D1010000023')!.plaintext_apdu));
  const readings = readingsFromApdu(apdu);
  const byObis = new Map(readings.map((r) => [r.obis, r]));

  // Expected values read by hand from the plaintext bytes: value x 10^scaler, unit enum of the Blue Book.
  it.each([
    ['1-0:32.7.0', 230.8, 'V', 'voltage'], // 12 0904, scaler FF, unit 23
    ['1-0:31.7.0', 0, 'A', 'current'], // 12 0000, scaler FE, unit 21
    ['1-0:1.7.0', 0, 'W', 'active power import'], // 06 00000000, scaler 00, unit 1B
    ['1-0:2.7.0', 0, 'W', 'active power export'],
    ['1-0:1.8.0', 9108, 'Wh', 'active energy import'], // 06 00002394, unit 1E
    ['1-0:2.8.0', 0, 'Wh', 'active energy export'],
    ['1-0:3.8.0', 96, 'varh', 'reactive energy import'], // 06 00000060, unit 20
    ['1-0:4.8.0', 9, 'varh', 'reactive energy export'], // 06 00000009
  ] as const)('%s = %d %s', (obis, value, unit, quantity) => {
    expect(byObis.get(obis)).toEqual({ obis, quantity, value, unit, timestamp: '2021-07-19T13:46:35Z' });
  });

  it('names the clock and the two identity strings', () => {
    expect(byObis.get('0-0:1.0.0')).toEqual({ obis: '0-0:1.0.0', quantity: 'date time', value: '2021-07-19T13:46:35Z' });
    expect(byObis.get('0-0:96.1.0')?.value).toBe('1KFM0100000035');
    expect(byObis.get('0-0:42.0.0')?.value).toBe('KFM1100100000035');
    expect(readings).toHaveLength(11);
  });
});

describe('layouts', () => {
  it('flat (OBIS, value) pairs in an array', () => {
    // array { 1-0:1.8.0, double-long-unsigned 1234, 1-0:2.8.0, long64-unsigned 5 }
    const v = decodeAxdr(bytes('01 04 09 06 0100010800FF 06 000004D2 09 06 0100020800FF 15 0000000000000005'));
    expect(readingsFromData(v)).toEqual([
      { obis: '1-0:1.8.0', quantity: 'value', value: 1234 },
      { obis: '1-0:2.8.0', quantity: 'value', value: 5 },
    ]);
  });

  it('a bare value list named by capture objects (Austrian/Luxembourg style push)', () => {
    // structure { date-time octet-string, double-long-unsigned 6545766, double-long-unsigned 286, long-unsigned 2305 }
    const v = decodeAxdr(bytes('02 04 09 0C 07E60A06030F320E00FF8880 06 0063E166 06 0000011E 12 0901'));
    const capture = [
      { obis: '0-0:1.0.0' },
      { obis: '1-0:1.8.0', scaler: 0, unit: 30 },
      { obis: '1-0:1.7.0', scaler: 0, unit: 27 },
      { obis: '1-0:32.7.0', scaler: -1, unit: 35 },
    ];
    expect(readingsFromData(v, { capture })).toEqual([
      { obis: '0-0:1.0.0', quantity: 'date time', value: '2022-10-06T13:50:14Z' },
      { obis: '1-0:1.8.0', quantity: 'active energy import', value: 6545766, unit: 'Wh' },
      { obis: '1-0:1.7.0', quantity: 'active power import', value: 286, unit: 'W' },
      { obis: '1-0:32.7.0', quantity: 'voltage', value: 230.5, unit: 'V' },
    ]);
  });

  it('a get-response value takes its OBIS from the request', () => {
    const apdu = decodeApdu(bytes('C4 01 C1 00 09 0C 07E50713010F2E2300FF8880'));
    expect(readingsFromApdu(apdu, { requested: { classId: 8, obis: '0-0:1.0.0', attribute: 2 } })).toEqual([
      { obis: '0-0:1.0.0', quantity: 'date time', value: '2021-07-19T13:46:35Z' },
    ]);
  });

  it('scalers: positive multiply, negative divide without float noise, count has no unit', () => {
    const v = decodeAxdr(
      bytes('02 09 09 06 0100010800FF 06 00000007 02 02 0F 03 16 1E 09 06 01000E0700FF 12 01F3 02 02 0F FE 16 2C 09 06 0000600700FF 12 0005 02 02 0F 00 16 FF'),
    );
    expect(readingsFromData(v)).toEqual([
      { obis: '1-0:1.8.0', quantity: 'active energy import', value: 7000, unit: 'Wh' },
      { obis: '1-0:14.7.0', quantity: 'frequency', value: 4.99, unit: 'Hz' },
      { obis: '0-0:96.7.0', quantity: 'value', value: 5 },
    ]);
  });

  it('requests and the raw u9n octet-string body give no readings', () => {
    expect(readingsFromApdu(decodeApdu(bytes(rows[0]!.plaintext_apdu)))).toEqual([]);
    expect(readingsFromApdu(decodeApdu(bytes(rows.find((v) => v.system_title === '2F19229199164103')!.plaintext_apdu)))).toEqual([]);
  });
});

describe('COSEM date-time to ISO', () => {
  it.each([
    ['07E50713010F2E2300FF8880', '2021-07-19T13:46:35Z'], // CEST, deviation -120
    ['07E6010101000000000000FF', '2022-01-01T00:00:00Z'], // UTC
    ['07E601010100000032800000', '2022-01-01T00:00:00.500'], // deviation unspecified: local time, no offset
    ['FFFF010101000000FF8000FF', undefined], // wildcard year
  ])('%s -> %s', (hex, iso) => {
    expect(cosemDateTimeToIso(parseCosemDateTime(bytes(hex))!)).toBe(iso);
  });
});
