import { describe, expect, it } from 'vitest';
import type { CodecErrorCode } from '../errors.js';
import { dsmrTable, type ExpectedValue } from './_conformance.js';
import { interpretTelegram, type MbusDevice } from './readings.js';
import { crc16Arc } from './crc16-arc.js';
import { type DsmrTelegram, parseTelegram, parseTelegramBytes } from './telegram.js';

/** What our codes are for the peer's exception names. */
const PEER_ERRORS: Readonly<Record<string, CodecErrorCode>> = {
  InvalidChecksumError: 'CODEC_CRC_MISMATCH',
  ParseError: 'CODEC_TRUNCATED', // the checksum line removed: the telegram never ends
};

const utc = (iso: string): string => new Date(iso).toISOString().replace('.000Z', 'Z');

function checkExpected(t: DsmrTelegram, expected: Readonly<Record<string, ExpectedValue>>): void {
  for (const [obis, want] of Object.entries(expected)) {
    const o = t.objects.find((x) => x.obis === obis);
    expect(o, obis).toBeDefined();
    const v = o!.values[o!.values.length - 1]!;
    expect(v.text, obis).toBe(want.value);
    expect(v.unit ?? null, obis).toBe(want.unit);
  }
}

/** The peer names M-Bus fields its own way (GAS_METER_READING, MBUS_DEVICE_TYPE ...); match by suffix. */
function checkDevice(dev: MbusDevice | undefined, want: Readonly<Record<string, ExpectedValue | number>>): void {
  expect(dev).toBeDefined();
  for (const [name, raw] of Object.entries(want)) {
    if (name === 'channel') continue;
    const w = raw as ExpectedValue;
    if (name.endsWith('DEVICE_TYPE')) expect(dev!.deviceType).toBe(Number(w.value));
    else if (name.includes('EQUIPMENT_IDENTIFIER')) expect(dev!.equipmentId).toBe(w.value);
    else if (name.includes('VALVE_POSITION')) expect(dev!.valvePosition).toBe(Number(w.value));
    else if (name.endsWith('METER_READING')) {
      expect(Number(dev!.reading!.value.text)).toBe(Number(w.value));
      expect(dev!.reading!.value.unit ?? null).toBe(w.unit);
      expect(dev!.reading!.capturedAt?.utc).toBe(utc(w.datetime_utc!));
    } else throw new Error(`unknown expectation ${name}`);
  }
}

describe('DSMR telegrams of the conformance corpus', () => {
  it.each(dsmrTable)('row %i: %s', (_i, _label, row) => {
    const text = row.telegram_text;
    if (row.expected_error !== undefined) {
      expect(() => parseTelegram(text)).toThrowError(expect.objectContaining({ code: PEER_ERRORS[row.expected_error] }));
      return;
    }
    if (row.crc_ok === false) {
      // Authentic content whose CRC is wrong (smarty): strict mode rejects it, lenient mode reads it.
      expect(() => parseTelegram(text)).toThrowError(expect.objectContaining({ code: 'CODEC_CRC_MISMATCH' }));
      const t = parseTelegram(text, { crc: 'lenient' });
      expect(t.crc).toMatchObject({ kind: 'mismatch', computed: Number.parseInt(row.crc_calculated!, 16) });
      checkExpected(t, row.expected);
      return;
    }
    const t = parseTelegram(text);
    expect(parseTelegramBytes(Uint8Array.from(text, (c) => c.charCodeAt(0)))).toEqual(t);
    if (row.crc_ok === null) expect(t.crc).toEqual({ kind: 'absent' });
    else expect(t.crc).toEqual({ kind: 'valid', value: Number.parseInt(row.crc_calculated!, 16) });
    checkExpected(t, row.expected);
    const content = interpretTelegram(t);
    for (const want of row.mbus_devices ?? []) checkDevice(content.mbus.find((d) => d.channel === want.channel), want);
    if (row.mbus_devices !== undefined) expect(content.mbus.length).toBe(row.mbus_devices.length);
  });
});

const V5 = dsmrTable.find(([, l]) => l === 'DSMR 5.0')![2].telegram_text;

describe('parseTelegram', () => {
  it('reads the header fields', () => {
    expect(parseTelegram(V5).header).toEqual({ text: 'ISk5\\2MT382-1000', manufacturer: 'ISk', baudRate: '5', identification: '\\2MT382-1000' });
  });

  it('normalises ids written with *255 and keeps the id as written', () => {
    const t = parseTelegram('/ESY5Q3DA1004 V3.04\r\n\r\n1-0:1.8.0*255(00032549.5061662*kWh)\r\n1-0:1.8.0*101(1*kWh)\r\n!\r\n');
    expect(t.objects.map((o) => [o.id, o.obis])).toEqual([
      ['1-0:1.8.0*255', '1-0:1.8.0'],
      ['1-0:1.8.0*101', '1-0:1.8.0*101'],
    ]);
  });

  it('joins a text message that wraps over lines and keeps the CRC over the raw text', () => {
    const row = dsmrTable.find(([, , r]) => r.telegram_text.includes('3B3C\r\n3D3E'))![2];
    const t = parseTelegram(row.telegram_text);
    const msg = t.objects.find((o) => o.obis === '0-0:96.13.0')!.values[0]!.text!;
    expect(msg).not.toMatch(/[\r\n]/);
    expect(interpretTelegram(t).textMessage).toBe('0123456789:;<=>?'.repeat(5));
  });

  it('skips text before "/" and after the "!" line', () => {
    const t = parseTelegram(`garbage\r\n${V5}trailing lines\r\n`);
    expect(t.crc.kind).toBe('valid');
    expect(t.start).toBe(9);
    expect(t.end).toBe(9 + V5.length);
  });

  it.each<[string, string, CodecErrorCode]>([
    ['no start', 'no slash here', 'CODEC_BAD_INPUT'],
    ['header only', '/ISk5', 'CODEC_TRUNCATED'],
    ['short header', '/IS\r\n!\r\n', 'CODEC_MALFORMED'],
    ['line without a value', '/ISk5\\2MT382-1000\r\n\r\n1-0:1.8.1\r\n!\r\n', 'CODEC_MALFORMED'],
    ['bad OBIS id', '/ISk5\\2MT382-1000\r\n\r\n1-0:1.8.x(1)\r\n!\r\n', 'CODEC_MALFORMED'],
    ['OBIS group above 255', '/ISk5\\2MT382-1000\r\n\r\n1-0:1.256.0(1)\r\n!\r\n', 'CODEC_MALFORMED'],
    ['unclosed value', '/ISk5\\2MT382-1000\r\n\r\n1-0:1.8.1(0001\r\n!\r\n', 'CODEC_TRUNCATED'],
    ['value line first', '/ISk5\\2MT382-1000\r\n\r\n(0001)\r\n!\r\n', 'CODEC_MALFORMED'],
    ['second telegram inside', '/ISk5\\2MT382-1000\r\n\r\n/ISk5\\2MT382-1000\r\n!\r\n', 'CODEC_TRUNCATED'],
    ['junk on the CRC line', '/ISk5\\2MT382-1000\r\n\r\n1-0:1.8.1(1)\r\n!12G4\r\n', 'CODEC_MALFORMED'],
    ['DSMR 5 without CRC', '/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n!\r\n', 'CODEC_MALFORMED'],
    ['non-Latin-1 text', '/ISk5\\2MT382-1000\r\n\r\n0-0:96.13.0(\u20ac)\r\n!1234\r\n', 'CODEC_BAD_INPUT'],
  ])('rejects %s', (_name, text, code) => {
    expect(() => parseTelegram(text)).toThrowError(expect.objectContaining({ code }));
  });

  it.each([
    ['1-0:1.8.1', '1-0:1.8.1', [1, 0, 1, 8, 1, 255]],
    ['01-00:1.8.1', '1-0:1.8.1', [1, 0, 1, 8, 1, 255]],
    ['1-0:01.8.1', '1-0:1.8.1', [1, 0, 1, 8, 1, 255]],
    ['1-0:10.8.0', '1-0:10.8.0', [1, 0, 10, 8, 0, 255]],
    ['1.8.1', '0-0:1.8.1', [0, 0, 1, 8, 1, 255]],
    ['1-0:1.8.1&2', '1-0:1.8.1*2', [1, 0, 1, 8, 1, 2]],
    ['0-1:24.2.1*255', '0-1:24.2.1', [0, 1, 24, 2, 1, 255]],
  ])('reads the id %s as %s', (id, obis, code) => {
    const t = parseTelegram(`/ISk5\\2MT382-1000\r\n\r\n${id}(1)\r\n!\r\n`);
    expect(t.objects[0]).toMatchObject({ id, obis, code });
  });

  it('keeps characters outside Latin-1 in values when there is no CRC, even one whose low byte is "("', () => {
    const t = parseTelegram('/ISk5\\2MT382-1000\r\n\r\n0-0:96.13.0(\u20ac\u0128)\r\n!\r\n');
    expect(t.objects[0]!.values).toEqual([{ text: '\u20ac\u0128' }]);
  });

  it('checks the CRC over Latin-1 bytes above 0x7F, from text and from bytes alike', () => {
    const body = '/ISk5\\2MT382-1000\r\n\r\n0-0:96.13.0(caf\u00e9 \u00ff)\r\n!';
    const bytes = Uint8Array.from(body, (c) => c.charCodeAt(0));
    const text = `${body}${crc16Arc(bytes).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
    expect(parseTelegram(text).crc.kind).toBe('valid');
    expect(parseTelegram(text).objects[0]!.values[0]!.text).toBe('caf\u00e9 \u00ff');
    expect(parseTelegramBytes(Uint8Array.from(text, (c) => c.charCodeAt(0))).crc.kind).toBe('valid');
  });

  it.each([300, 3000])('parses a telegram of %i lines, longer than the reused scan buffer, and short ones after it', (n) => {
    const lines = Array.from({ length: n }, (_, i) => `0-0:96.13.${i % 256}(${'4142'.repeat(8)})\r\n`).join('');
    const t = parseTelegram(`/ISk5\\2MT382-1000\r\n\r\n${lines}!\r\n`);
    expect(t.objects.length).toBe(n);
    expect(t.objects[n - 1]).toMatchObject({ obis: `0-0:96.13.${(n - 1) % 256}`, values: [{ text: '4142'.repeat(8) }] });
    expect(parseTelegram(V5).crc.kind).toBe('valid');
  });

  it('accepts a DSMR 5 telegram without CRC in lenient mode', () => {
    expect(parseTelegram('/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n!\r\n', { crc: 'lenient' }).crc).toEqual({ kind: 'absent' });
  });

  it('accepts a CRC sent with fewer than 4 digits and bare LF line ends', () => {
    const t = parseTelegram(V5.replaceAll('\r\n', '\n'), { crc: 'lenient' });
    expect(t.crc.kind).toBe('mismatch'); // the CR bytes are part of the CRC
    expect(t.objects.length).toBe(parseTelegram(V5).objects.length);
  });
});
