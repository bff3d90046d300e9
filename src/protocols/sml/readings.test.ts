import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { smlRows } from './_conformance.js';
import { decodeSml } from './decode.js';
import { scaled, smlReadings } from './readings.js';
import { dlmsUnit } from './units.js';

const content = (i: number) => smlReadings(decodeSml(hexToBytes(smlRows[i]!.frame_hex), { messageCrc: 'lenient' }));

describe('SML readings', () => {
  it('scales values and names units from the DLMS unit table', () => {
    const c = content(1);
    expect(c.serverId).toBe('0A01484C5902000424A0');
    expect(c.readings.find((r) => r.obis === '1-0:1.8.0')).toEqual({ obis: '1-0:1.8.0', quantity: 'energy import', value: 4499896.2, unit: 'Wh' });
    expect(c.readings.find((r) => r.obis === '1-0:32.7.0')).toMatchObject({ quantity: 'voltage L1', value: 234.4, unit: 'V' });
    expect(c.readings.find((r) => r.obis === '1-0:81.7.1')).toMatchObject({ value: 240, unit: '°' });
    expect(c.readings.find((r) => r.obis === '1-0:96.50.1*1')).toMatchObject({ quantity: 'manufacturer', value: 'HLY' });
  });

  it('reads negative power', () => {
    expect(content(9).readings.find((r) => r.obis === '1-0:16.7.0')).toMatchObject({ quantity: 'power', value: -177.2, unit: 'W' });
  });

  it('stamps values with their own valTime (local timestamp)', () => {
    const c = content(4);
    expect(c.readings.find((r) => r.obis === '1-0:1.17.0')).toEqual({ obis: '1-0:1.17.0', quantity: 'value', value: 4050.8, unit: 'Wh', timestamp: '2024-10-25T09:21:39Z' });
  });

  it('notes the Kermit CRC and stale message CRCs', () => {
    expect(content(7).warnings).toEqual([expect.stringContaining('Kermit')]);
    expect(content(2).warnings).toHaveLength(2);
    expect(content(12).warnings).toEqual([]);
  });

  it.each([
    [44998962, -1, 4499896.2],
    [1772, -2, 17.72],
    [-1772, -1, -177.2],
    [0x0a7ac1bc17n, -5, 450091.89911],
    [5, 3, 5000],
    [7, undefined, 7],
  ])('scaled(%s, %s) = %s', (raw, scaler, want) => {
    expect(scaled(raw, scaler)).toBe(want);
  });

  it.each([
    [30, 'Wh'],
    [27, 'W'],
    [35, 'V'],
    [33, 'A'],
    [44, 'Hz'],
    [255, undefined],
    [undefined, undefined],
  ])('unit %s is %s', (code, unit) => {
    expect(dlmsUnit(code)).toBe(unit);
  });
});
