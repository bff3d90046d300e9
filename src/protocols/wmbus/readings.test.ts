import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { OBIS_MEDIUM, obisMediumOfDeviceType, recordsToReadings } from './readings.js';
import { decodeRecords } from './records.js';

const readings = (hex: string, medium?: number | string) => {
  const b = hexToBytes(hex);
  return recordsToReadings(decodeRecords(b, 0, b.length), medium);
};
const DEVICE = { ELECTRICITY: 0x02, GAS: 0x03, HEAT: 0x04, WARM_WATER: 0x06, WATER: 0x07, HCA: 0x08, COOLING: 0x0a, RADIO_CONVERTER: 0x37 };

describe('OBIS ids by medium (EN 62056-61, EN 13757-1)', () => {
  it.each([
    // electricity: energy import/export per tariff, power, U, I, f
    ['04 03 E8030000', DEVICE.ELECTRICITY, '1-0:1.8.0', 1, 'kWh'],
    ['84 10 03 E8030000', DEVICE.ELECTRICITY, '1-0:1.8.1', 1, 'kWh'],
    ['84 20 03 E8030000', DEVICE.ELECTRICITY, '1-0:1.8.2', 1, 'kWh'],
    ['04 83 3C E8030000', DEVICE.ELECTRICITY, '1-0:2.8.0', 1, 'kWh'],
    ['44 03 E8030000', DEVICE.ELECTRICITY, '1-0:1.8.0*1', 1, 'kWh'],
    ['04 2B E8030000', DEVICE.ELECTRICITY, '1-0:1.7.0', 1, 'kW'],
    ['14 2B E8030000', DEVICE.ELECTRICITY, '1-0:1.6.0', 1, 'kW'],
    ['04 FB 82 75 E8030000', DEVICE.ELECTRICITY, '1-0:3.8.0', 100, 'kvarh'], // FB 82 75: reactive energy, correction 10^-1
    ['02 FD 48 F608', DEVICE.ELECTRICITY, '1-0:12.7.0', 229.4, 'V'],
    ['02 FD C8 FC 01 F608', DEVICE.ELECTRICITY, '1-0:32.7.0', 229.4, 'V'],
    ['02 FD C8 FC 02 F608', DEVICE.ELECTRICITY, '1-0:52.7.0', 229.4, 'V'],
    ['02 FD D9 FC 03 E803', DEVICE.ELECTRICITY, '1-0:71.7.0', 1, 'A'],
    ['02 FB 2D 8813', DEVICE.ELECTRICITY, '1-0:14.7.0', 50, 'Hz'],
    // heat: energy, volume, power, temperatures; cooling from negative contributions
    ['04 06 E8030000', DEVICE.HEAT, '6-0:1.0.0', 1000, 'kWh'],
    ['04 0E E8030000', DEVICE.HEAT, '6-0:1.0.0', 1000, 'MJ'],
    ['04 86 3C E8030000', DEVICE.HEAT, '5-0:1.0.0', 1000, 'kWh'],
    ['04 13 E8030000', DEVICE.HEAT, '6-0:2.0.0', 1, 'm3'],
    ['02 2B E803', DEVICE.HEAT, '6-0:8.0.0', 1, 'kW'],
    ['02 5A E803', DEVICE.HEAT, '6-0:9.0.0', 100, '°C'],
    ['02 5E E803', DEVICE.HEAT, '6-0:10.0.0', 100, '°C'],
    ['02 61 E803', DEVICE.HEAT, '6-0:11.0.0', 10, 'K'],
    ['04 3B E8030000', DEVICE.HEAT, '6-0:4.0.0', 1, 'm3/h'],
    ['04 06 E8030000', DEVICE.COOLING, '5-0:1.0.0', 1000, 'kWh'],
    ['44 06 E8030000', DEVICE.HEAT, '6-0:1.0.0*1', 1000, 'kWh'],
    ['14 2B E8030000', DEVICE.HEAT, '6-0:8.5.0', 1, 'kW'],
    // water, gas, heat cost allocators
    ['04 13 E8030000', DEVICE.WATER, '8-0:1.0.0', 1, 'm3'],
    ['04 13 E8030000', DEVICE.WARM_WATER, '9-0:1.0.0', 1, 'm3'],
    ['44 13 E8030000', DEVICE.WATER, '8-0:1.0.0*1', 1, 'm3'],
    ['04 3B E8030000', DEVICE.WATER, '8-0:2.0.0', 1, 'm3/h'],
    ['04 13 E8030000', DEVICE.GAS, '7-0:3.0.0', 1, 'm3'],
    ['02 6E 7B00', DEVICE.HCA, '4-0:1.0.0', 123, undefined],
  ])('%s on device type %d: %s = %d %s', (hex, medium, obis, value, unit) => {
    const [r] = readings(hex, medium);
    expect(r).toMatchObject({ obis, value });
    expect(r!.unit).toBe(unit);
  });

  it.each([
    ['04 13 E8030000', DEVICE.HCA], // volume on a heat cost allocator
    ['04 93 3B E8030000', DEVICE.WATER], // forward volume has no C of its own
    ['04 93 7E E8030000', DEVICE.WATER], // future value
    ['04 BB 48 E8030000', DEVICE.WATER], // upper limit value
    ['34 13 E8030000', DEVICE.WATER], // value during error state
    ['04 93 15 E8030000', DEVICE.WATER], // record error: no data available
    ['04 6D 1E31B121', DEVICE.WATER], // date time
    ['04 13 E8030000', 0x25], // customer unit: no medium
  ])('%s on device type %d has no OBIS id', (hex, medium) => {
    expect(readings(hex, medium)[0]!.obis).toBeUndefined();
  });

  it('a record error VIFE clears the value and keeps the raw bytes', () => {
    expect(readings('04 93 15 FFFFFFFF', DEVICE.WATER)[0]).toMatchObject({ value: null, raw: 'FFFFFFFF' });
  });
});

describe('medium', () => {
  it.each([
    [0x02, OBIS_MEDIUM.ELECTRICITY],
    [0x03, OBIS_MEDIUM.GAS],
    [0x04, OBIS_MEDIUM.HEAT],
    [0x0c, OBIS_MEDIUM.HEAT],
    [0x0a, OBIS_MEDIUM.COOLING],
    [0x08, OBIS_MEDIUM.HCA],
    [0x06, OBIS_MEDIUM.HOT_WATER],
    [0x07, OBIS_MEDIUM.COLD_WATER],
    [0x16, OBIS_MEDIUM.COLD_WATER],
    [0x1a, undefined],
  ])('device type %d -> A = %s', (type, a) => {
    expect(obisMediumOfDeviceType(type)).toBe(a);
  });

  it.each([
    ['electricity', '1-0:1.8.0'],
    ['heat', '6-0:1.0.0'],
    ['heat/cooling load', '6-0:1.0.0'],
  ])('by name "%s"', (name, obis) => {
    expect(readings('04 03 E8030000', name)[0]!.obis).toBe(obis);
  });

  it('inferred from the records when the device type says nothing (radio converter)', () => {
    // energy + volume + flow temperature: a heat meter behind a radio converter
    const rs = readings('04 03 E8030000 04 13 E8030000 02 5A E803', DEVICE.RADIO_CONVERTER);
    expect(rs.map((r) => r.obis)).toEqual(['6-0:1.0.0', '6-0:2.0.0', '6-0:9.0.0']);
  });

  it('no inference when the records leave doubt (volume alone: water or gas?)', () => {
    expect(readings('04 13 E8030000')[0]!.obis).toBeUndefined();
  });
});

describe('reading fields', () => {
  it('prints storage and tariff, subunit and function only when set', () => {
    expect(readings('C4 51 13 E8030000', DEVICE.WATER)[0]).toEqual({
      obis: '8-1:1.0.1*3',
      quantity: 'volume',
      value: 1,
      unit: 'm3',
      storage: 3,
      tariff: 1,
      subunit: 1,
    });
    expect(readings('14 13 E8030000', DEVICE.WATER)[0]).toMatchObject({ function: 'maximum' });
  });

  it('keeps manufacturer data and raw values as hex', () => {
    const rs = readings('04 7F 01020304 0F AABB', DEVICE.WATER);
    expect(rs[0]).toMatchObject({ quantity: 'manufacturer specific', value: null, raw: '01020304' });
    expect(rs[1]).toMatchObject({ quantity: 'manufacturer specific data', value: null, raw: 'AABB' });
  });

  it('dates, strings and BCD errors become readings', () => {
    const rs = readings('04 6D 1E31B121 0D FD0C 03 434241 0C 13 EEEEEEEE', DEVICE.WATER);
    expect(rs[0]).toMatchObject({ quantity: 'date time', value: '2021-01-17T17:30' });
    expect(rs[1]).toMatchObject({ quantity: 'model version', value: 'ABC' });
    expect(rs[2]).toMatchObject({ quantity: 'volume', value: null, raw: 'EEEEEEEE' });
  });

  it('converts energy without rounding noise (Wh -> kWh from the unscaled number)', () => {
    // 0x03501837 x 10^1 Wh = 555807270 Wh = 555807.27 kWh
    expect(readings('04 04 37185003', DEVICE.ELECTRICITY)[0]!.value).toBe(555807.27);
  });
});
