import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { CodecError } from '../errors.js';
import { VIF_RAW, VIF_TIME_POINT, VIF_UNSIGNED } from './vif-entry.js';
import { VibState, isRawVib, parseVib } from './vif.js';

function vib(hex: string): { state: VibState; end: number } {
  const b = hexToBytes(hex);
  const state = new VibState();
  const end = parseVib(b, 0, b.length, state);
  return { state, end };
}

describe('primary VIFs (EN 13757-3 Table 10)', () => {
  it.each([
    ['00', 'energy', 'Wh', -3],
    ['03', 'energy', 'Wh', 0],
    ['07', 'energy', 'Wh', 4],
    ['0E', 'energy', 'J', 6],
    ['10', 'volume', 'm3', -6],
    ['13', 'volume', 'm3', -3],
    ['17', 'volume', 'm3', 1],
    ['1B', 'mass', 'kg', 0],
    ['20', 'on time', 's', 0],
    ['23', 'on time', 'd', 0],
    ['26', 'operating time', 'h', 0],
    ['2B', 'power', 'W', 0],
    ['33', 'power', 'J/h', 3],
    ['3B', 'volume flow', 'm3/h', -3],
    ['43', 'volume flow', 'm3/min', -4],
    ['4F', 'volume flow', 'm3/s', -2],
    ['53', 'mass flow', 'kg/h', 0],
    ['59', 'flow temperature', '°C', -2],
    ['5D', 'return temperature', '°C', -2],
    ['61', 'temperature difference', 'K', -2],
    ['65', 'external temperature', '°C', -2],
    ['6A', 'pressure', 'bar', -1],
    ['6E', 'heat cost allocation', '', 0],
    ['71', 'averaging duration', 'min', 0],
    ['76', 'actuality duration', 'h', 0],
  ])('VIF %s: %s in 10^e %s', (hex, quantity, unit, exponent) => {
    const { state, end } = vib(hex);
    expect(end).toBe(1);
    expect({ quantity: state.quantity, unit: state.unit, exponent: state.exponent }).toEqual({ quantity, unit, exponent });
  });

  it.each([
    ['6C', 'date', VIF_TIME_POINT],
    ['6D', 'date time', VIF_TIME_POINT],
    ['78', 'fabrication number', VIF_UNSIGNED],
    ['79', 'enhanced identification', VIF_UNSIGNED],
    ['7A', 'bus address', VIF_UNSIGNED],
    ['7E', 'any VIF', VIF_RAW],
    ['6F', 'reserved VIF 6F', VIF_RAW],
  ])('VIF %s: %s with flags %d', (hex, quantity, flags) => {
    const { state } = vib(hex);
    expect(state.quantity).toBe(quantity);
    expect(state.flags).toBe(flags);
  });
});

describe('extension tables FD (Table 12) and FB (Table 14)', () => {
  it.each([
    ['FD08', 'access number', '', 0],
    ['FD0C', 'model version', '', 0],
    ['FD0E', 'firmware version', '', 0],
    ['FD17', 'error flags', '', 0],
    ['FD1B', 'digital input', '', 0],
    ['FD3A', 'dimensionless', '', 0],
    ['FD47', 'voltage', 'V', -2],
    ['FD48', 'voltage', 'V', -1],
    ['FD59', 'current', 'A', -3],
    ['FD74', 'remaining battery lifetime', 'd', 0],
    ['FD2C', 'duration since last readout', 's', 0],
    ['FD01', 'credit', 'currency units', -2],
    ['FB00', 'energy', 'MWh', -1],
    ['FB03', 'reactive energy', 'kvarh', 1],
    ['FB04', 'apparent energy', 'kVAh', 0],
    ['FB09', 'energy', 'GJ', 0],
    ['FB0D', 'energy', 'Mcal', 0],
    ['FB11', 'volume', 'm3', 3],
    ['FB16', 'reactive power', 'kvar', -1],
    ['FB1A', 'relative humidity', '%', -1],
    ['FB1B', 'relative humidity', '%', 0],
    ['FB2E', 'frequency', 'Hz', -1],
    ['FB37', 'apparent power', 'kVA', 0],
    ['FB59', 'flow temperature', '°F', -2],
    ['FB7B', 'cumulative count max power', 'W', 0],
  ])('VIF %s: %s in 10^e %s', (hex, quantity, unit, exponent) => {
    const { state, end } = vib(hex);
    expect(end).toBe(2);
    expect({ quantity: state.quantity, unit: state.unit, exponent: state.exponent }).toEqual({ quantity, unit, exponent });
  });

  it('FD 70h (battery change) is a point in time', () => {
    expect(vib('FD70').state.flags & VIF_TIME_POINT).toBe(VIF_TIME_POINT);
  });

  it('reserved codes are kept raw', () => {
    const { state } = vib('FB40');
    expect(isRawVib(state)).toBe(true);
    expect(state.quantity).toBe('reserved VIF FB40');
  });
});

describe('combinable VIFEs (Tables 15-17)', () => {
  it.each([
    ['93 3B', 'volume', 'm3', -3, ['accumulation only if positive']],
    ['93 3C', 'volume', 'm3', -3, ['accumulation of abs value only if negative']],
    ['AB 22', 'power', 'W/h', 0, []],
    ['96 2D', 'volume', 'm3/m3', 0, []],
    ['83 7D', 'energy', 'Wh', 3, []], // multiplicative correction 10^3
    ['93 74', 'volume', 'm3', -5, []], // correction factor 10^(4-6)
    ['93 7E', 'volume', 'm3', -3, ['future value']],
    ['FD C8 FC 01', 'voltage', 'V', -1, ['at phase L1']],
    ['FD D9 FC 03', 'current', 'A', -3, ['at phase L3']],
    ['BB 48', 'volume flow', 'm3/h', -3, ['upper limit value']],
    ['93 3E', 'volume', 'm3', -3, ['value at base conditions']],
  ])('VIB %s: %s %s 10^%d %j', (hex, quantity, unit, exponent, notes) => {
    const { state } = vib(hex);
    expect({ quantity: state.quantity, unit: state.unit, exponent: state.exponent, notes: state.notes ?? [] }).toEqual({
      quantity,
      unit,
      exponent,
      notes,
    });
  });

  it.each([
    ['BB 49', 'number of exceeds of upper limit volume flow', ''],
    ['BB D7 00', 'duration of last lower limit exceed volume flow', 'd'], // E101 0111, then "no error"
    ['93 39', 'start date/time of volume', ''],
    ['93 6A', 'date/time of first begin volume', ''],
  ])('VIB %s: %s', (hex, quantity, unit) => {
    const { state } = vib(hex);
    expect(state.quantity).toBe(quantity);
    expect(state.unit).toBe(unit);
  });

  it('date VIFEs turn the record into a point in time', () => {
    expect(vib('93 39').state.flags & VIF_TIME_POINT).toBe(VIF_TIME_POINT);
  });

  it.each([
    ['93 15', 0x15, 'error: no data available'],
    ['93 16', 0x16, 'error: data overflow'],
    ['93 18', 0x18, 'error: data error'],
    ['83 82 01', 0x01, 'error: too many DIFEs'],
  ])('error VIFE %s: code %d', (hex, code, note) => {
    const { state } = vib(hex);
    expect(state.errorCode).toBe(code);
    expect(state.notes).toContain(note);
  });

  it('FFh VIFE: the rest is manufacturer specific and kept raw', () => {
    const { state, end } = vib('93 FF 81 02');
    expect(end).toBe(4);
    expect(isRawVib(state)).toBe(true);
    expect(state.quantity).toBe('volume');
  });

  it('manufacturer VIF FFh swallows its VIFEs', () => {
    const { state, end } = vib('FF A0 15');
    expect(end).toBe(3);
    expect(isRawVib(state)).toBe(true);
  });
});

describe('plain-text VIF (7Ch / FCh)', () => {
  it('reads the unit text after the VIFEs, last character first', () => {
    // FC, VIFE 22 (per hour), length 3, "rav" reversed = "var"
    const { state, end } = vib('FC 22 03 72 61 76');
    expect(end).toBe(6);
    expect(state.quantity).toBe('custom unit');
    expect(state.unit).toBe('var/h');
  });

  it('without VIFEs', () => {
    expect(vib('7C 02 6C 6D').state.unit).toBe('ml');
  });
});

describe('bad VIBs are typed errors', () => {
  it.each([
    ['', 'CODEC_TRUNCATED'],
    ['7D', 'CODEC_MALFORMED'], // FD table without the true VIF (no extension bit)
    ['FD', 'CODEC_TRUNCATED'],
    ['93', 'CODEC_TRUNCATED'],
    ['FC', 'CODEC_TRUNCATED'],
    ['7C 05 41', 'CODEC_TRUNCATED'],
    ['93 7C', 'CODEC_MALFORMED'], // FCh extension with no VIFE after it
    ['93 FC', 'CODEC_TRUNCATED'],
    ['93 A0 A0 A0 A0 A0 A0 A0 A0 A0 A0 20', 'CODEC_MALFORMED'], // 11 VIFEs
  ])('VIB "%s": %s', (hex, code) => {
    const b = hex === '' ? new Uint8Array(0) : hexToBytes(hex);
    let err: unknown;
    try {
      parseVib(b, 0, b.length, new VibState());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).code).toBe(code);
    expect((err as CodecError).layer).toBe('records');
  });
});
