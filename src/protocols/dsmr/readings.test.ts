import { describe, expect, it } from 'vitest';
import { dsmrRows } from './_conformance.js';
import { decodeHexText, interpretTelegram } from './readings.js';
import { crc16ArcLatin1 } from './crc16-arc.js';
import { parseTelegram } from './telegram.js';

const row = (version: string) => {
  const r = dsmrRows.find((x) => x.version === version);
  if (r === undefined) throw new Error(`no row ${version}`);
  return interpretTelegram(parseTelegram(r.telegram_text, { crc: 'lenient' }));
};
const reading = (c: ReturnType<typeof row>, obis: string) => c.readings.find((r) => r.obis === obis);

describe('interpretTelegram', () => {
  it('turns values into numbers with units, stamped with the telegram time', () => {
    const c = row('DSMR 5.0');
    expect(reading(c, '1-0:1.8.1')).toEqual({ obis: '1-0:1.8.1', quantity: 'energy import', value: 4.426, unit: 'kWh', timestamp: '2017-01-02T18:20:02Z' });
    expect(reading(c, '1-0:32.7.0')).toMatchObject({ quantity: 'voltage L1', value: 230, unit: 'V' });
    expect(reading(c, '0-0:1.0.0')).toEqual({ obis: '0-0:1.0.0', quantity: 'date time', value: '2017-01-02T18:20:02Z' });
    expect(c.version).toBe('50');
    expect(c.equipmentId).toBe('K8EG004046395507');
    expect(c.timestamp).toBe('2017-01-02T18:20:02Z');
  });

  it('gives M-Bus readings their channel and own capture time', () => {
    const c = row('DSMR 5.0 (2 M-Bus channels)');
    expect(reading(c, '0-2:24.2.1')).toEqual({ obis: '0-2:24.2.1', quantity: 'meter reading', value: 246.138, unit: 'm3', channel: 2, timestamp: '2020-04-26T20:30:01Z' });
    expect(c.mbus.map((d) => [d.channel, d.medium])).toEqual([
      [1, 'gas'],
      [2, 'gas'],
    ]);
  });

  it('keeps identifiers as text even when they are all digits', () => {
    const c = row('DSMR 4.2');
    expect(reading(c, '0-0:96.1.1')?.value).toBe('3960221976967177082151037881335713');
  });

  it('reads the power failure event log', () => {
    const c = row('DSMR 4.2');
    expect(c.powerFailures).toEqual([
      { endRaw: '000104180320W', end: '2000-01-04T17:03:20Z', durationSeconds: 237126 },
      { endRaw: '000101000001W', end: '1999-12-31T23:00:01Z', durationSeconds: 2147583646 },
      { endRaw: '000102000003W', end: '2000-01-01T23:00:03Z', durationSeconds: 2317482647 },
    ]);
    expect(c.readings.filter((r) => r.obis === '0-0:96.7.19').map((r) => r.value)).toEqual([237126, 2147583646, 2317482647]);
    expect(row('DSMR 5.0').powerFailures).toEqual([]);
  });

  it('reads the e-MUCS maximum demand history and the current maximum', () => {
    const c = row('Belgium Fluvius e-MUCS 1.7.1');
    expect(c.maxDemand).toEqual([
      { obis: '1-0:1.6.0', period: '2020-04-30T22:00:00Z', at: '2020-04-23T17:25:38Z', value: 3.695, unit: 'kW' },
      { obis: '1-0:1.6.0', period: '2020-03-31T22:00:00Z', at: '2020-03-05T10:21:39Z' /* the meter says S in March: the flag wins */, value: 5.98, unit: 'kW' },
      { obis: '1-0:1.6.0', period: '2020-02-29T22:00:00Z', at: '2020-02-10T02:54:21Z', value: 4.318, unit: 'kW' },
    ]);
    expect(c.readings.find((r) => r.obis === '1-0:1.6.0' && r.storage === undefined)).toMatchObject({
      function: 'maximum',
      value: 2.589,
      unit: 'kW',
      timestamp: '2020-05-09T11:45:58Z',
    });
    expect(c.mbus.find((d) => d.channel === 2)?.medium).toBe('water');
  });

  it('warns about an impossible timestamp instead of failing', () => {
    const c = row('Belgium Fluvius e-MUCS 1.7.1 (alt)');
    expect(c.warnings).toEqual([expect.stringContaining('632525252525W')]);
    expect(c.maxDemand[0]).toEqual({ obis: '1-0:1.6.0', period: '2023-07-31T22:00:00Z', value: 0, unit: 'kW' });
  });

  it('reads units written without "*" and says so', () => {
    const c = row('Belgium Fluvius e-MUCS (synthetic; units without "*" separator)');
    expect(reading(c, '1-0:1.8.1')).toMatchObject({ value: 123.456, unit: 'kWh' });
    expect(reading(c, '1-0:31.7.0')).toMatchObject({ value: 5, unit: 'A' });
    expect(c.warnings).toHaveLength(1);
  });

  it('reads the DSMR 2.2 gas profile whose value is on the next line', () => {
    const c = row('DSMR 2.2');
    expect(reading(c, '0-1:24.2.1')).toEqual({ obis: '0-1:24.2.1', quantity: 'meter reading', value: 1.001, unit: 'm3', channel: 1, timestamp: '2016-11-07T18:00:00Z' });
  });

  it('spreads other value lists over readings in order (E.ON billing snapshot)', () => {
    const c = row('Hungary E.ON DSMR 5 variant');
    const billing = c.readings.filter((r) => r.obis === '0-0:98.1.0');
    expect(billing).toHaveLength(19);
    expect(billing[0]).toMatchObject({ storage: 1, value: 40.777, unit: 'kWh', timestamp: '2023-06-30T22:00:00Z' });
  });

  it.each([
    ['4B384547303034303436333935353037', 'K8EG004046395507'],
    ['303132', '012'],
    ['3960221976967177', undefined], // not printable
    ['ABC', undefined],
    ['', undefined],
  ])('decodes hex text %j', (hex, text) => {
    expect(decodeHexText(hex)).toBe(text);
  });
});

describe('values that look like other types', () => {
  const telegram = (lines: string[]) => {
    const body = `/XMX5LGBBFFB231215493\r\n\r\n${lines.join('\r\n')}\r\n!`;
    return `${body}${crc16ArcLatin1(body, 0, body.length).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
  };

  it('reads 1-0:42.7.0 (power export L2) as a number and the version 50 as text, not hex', () => {
    const t = interpretTelegram(parseTelegram(telegram(['1-3:0.2.8(50)', '1-0:42.7.0(02.588*kW)', '0-0:96.1.1(4530303034303031353934373534343134)'])));
    const byObis = new Map(t.readings.map((r) => [r.obis, r.value]));
    expect(byObis.get('1-3:0.2.8')).toBe('50');
    expect(byObis.get('1-0:42.7.0')).toBe(2.588);
    expect(byObis.get('0-0:96.1.1')).toBe('E0004001594754414');
  });
});
