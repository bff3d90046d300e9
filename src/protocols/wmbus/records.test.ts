import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { CodecError } from '../errors.js';
import { type DataRecord, UNDECODABLE_QUANTITY, dataRecordHeaders, decodeCompactRecords, decodeRecords } from './records.js';

const decodeHex = (hex: string): readonly DataRecord[] => {
  const b = hexToBytes(hex);
  return decodeRecords(b, 0, b.length);
};
const one = (hex: string): DataRecord => {
  const rs = decodeHex(hex);
  expect(rs).toHaveLength(1);
  return rs[0]!;
};

function codecError(f: () => unknown): CodecError {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e;
    throw new Error(`expected a CodecError, got ${String(e)}`);
  }
  throw new Error('expected a CodecError, nothing was thrown');
}

describe('data field codings (EN 13757-3 Table 4)', () => {
  it.each([
    ['01 13 2A', 'int8', 0.042],
    ['01 13 D6', 'int8', -0.042],
    ['02 13 3930', 'int16', 12.345],
    ['03 13 563412', 'int24', 1193.046],
    ['04 13 28200700', 'int32', 466.984], // 0x00072028 l
    ['04 13 FFFFFFFF', 'int32', -0.001],
    ['06 13 010000000100', 'int48', 4294967.297],
    ['07 13 0100000000000000', 'int64', 0.001],
    ['05 13 0000C03F', 'real32', 0.0015],
    ['09 13 42', 'bcd2', 0.042],
    ['0A 13 3412', 'bcd4', 1.234],
    ['0B 13 563412', 'bcd6', 123.456],
    ['0C 13 72644600', 'bcd8', 466.472], // aventieswm telegram's volume (conformance row 2)
    ['0C 13 785634F2', 'bcd8', -2345.678],
    ['0E 13 785634120000', 'bcd12', 12345.678],
  ])('%s: %s = %d m3', (hex, coding, value) => {
    const r = one(hex);
    expect(r).toMatchObject({ kind: 'numeric', coding, quantity: 'volume', unit: 'm3', exponent: -3, value });
  });

  it('BCD with hex digits is a bcd-error record that keeps the digits', () => {
    const r = one('0C 13 EEEEEEEE');
    expect(r).toMatchObject({ kind: 'bcd-error', value: null, unscaled: null, coding: 'bcd8' });
    expect(r.notes).toContain('BCD error EEEEEEEE');
    expect([...r.data]).toEqual([0xee, 0xee, 0xee, 0xee]);
  });

  it.each([
    ['00 13', 'none'],
    ['08 13', 'selection'],
  ])('%s: no data (%s)', (hex, coding) => {
    expect(one(hex)).toMatchObject({ kind: 'none', coding, value: null, data: new Uint8Array(0) });
  });

  it('unsigned VIFs read integers unsigned (error flags, FD 17h)', () => {
    expect(one('02 FD17 FFFF').value).toBe(0xffff);
  });

  it('the real NaN is kept as raw', () => {
    expect(one('05 13 0000C07F')).toMatchObject({ kind: 'raw', value: null });
  });
});

describe('variable length data (LVAR, Table 5)', () => {
  it.each([
    // LVAR text "ABC" sent as 43 42 41, on the FD 0C (model/version) VIF
    ['0D FD0C 03 434241', 'string', 'ABC'],
    ['0D FD0C 00', 'string', ''],
    ['0D 13 C2 3412', 'numeric', 1.234], // positive BCD, 4 digits
    ['0D 13 D2 3412', 'numeric', -1.234], // negative BCD
    ['0D 13 E2 3930', 'numeric', 12.345], // binary, 2 bytes
    ['0D 13 E0', 'numeric', 0], // binary, no bytes
  ])('%s: %s %s', (hex, kind, value) => {
    expect(one(hex)).toMatchObject({ kind, value, coding: 'variable' });
  });

  it('long binary (F0h: 16 bytes) is kept raw', () => {
    const r = one(`0D 13 F0 ${'AB'.repeat(16)}`);
    expect(r.kind).toBe('raw');
    expect(r.data).toHaveLength(16);
  });

  it.each(['CA', 'DF', 'F7', 'FF'])('reserved LVAR %s is CODEC_MALFORMED', (lvar) => {
    expect(codecError(() => decodeHex(`0D 13 ${lvar} 00`)).code).toBe('CODEC_MALFORMED');
  });
});

describe('dates and times by VIF and data field', () => {
  it.each([
    ['02 6C 9E29', 'date', '2020-09-30'],
    ['04 6D 1E31B121', 'datetime', '2021-01-17T17:30'],
    ['06 6D 38114EEA2100', 'datetime', '2023-01-10T14:17:56'],
    ['03 6D 3B1E0D', 'time', '13:30:59'],
    ['42 6C 9E29', 'date', '2020-09-30'], // storage 1: billing date
    ['04 FD70 1E31B121', 'datetime', '2021-01-17T17:30'], // FD 70h date of battery change
    ['82 04 6C 9E29', 'date', '2020-09-30'],
  ])('%s: %s %s', (hex, kind, value) => {
    expect(one(hex)).toMatchObject({ kind, value, unit: '', exponent: 0 });
  });

  it('a "date of" VIFE turns a volume record into a date', () => {
    expect(one('02 93 39 9E29')).toMatchObject({ kind: 'date', value: '2020-09-30', quantity: 'start date/time of volume' });
  });

  it('invalid and summer-time flags', () => {
    expect(one('04 6D 9E31B121')).toMatchObject({ kind: 'datetime', value: null, notes: ['invalid'] });
    expect(one('04 6D 1EB1B121')).toMatchObject({ kind: 'datetime', value: '2021-01-17T17:30', notes: ['summer time'] });
  });

  it('a date VIF with an 8-bit field is kept raw', () => {
    expect(one('01 6C 01').kind).toBe('raw');
  });
});

describe('DIB: storage, tariff, subunit, function (6.3)', () => {
  it.each([
    ['04 13 01000000', 0, 0, 0, 'instantaneous'],
    ['44 13 01000000', 1, 0, 0, 'instantaneous'],
    ['84 01 13 01000000', 2, 0, 0, 'instantaneous'], // DIFE storage 1 -> bits 1..4
    ['C4 01 13 01000000', 3, 0, 0, 'instantaneous'],
    ['84 10 13 01000000', 0, 1, 0, 'instantaneous'],
    ['84 20 13 01000000', 0, 2, 0, 'instantaneous'],
    ['84 40 13 01000000', 0, 0, 1, 'instantaneous'],
    ['84 8F 0F 13 01000000', 0x1e + 0xf * 32, 0, 0, 'instantaneous'],
    ['84 90 10 13 01000000', 0, 1 + 4, 0, 'instantaneous'],
    ['84 C0 40 13 01000000', 0, 0, 3, 'instantaneous'],
    ['14 13 01000000', 0, 0, 0, 'maximum'],
    ['24 13 01000000', 0, 0, 0, 'minimum'],
    ['34 13 01000000', 0, 0, 0, 'error'],
  ])('%s: storage %d tariff %d subunit %d %s', (hex, storage, tariff, subunit, fn) => {
    expect(one(hex)).toMatchObject({ storage, tariff, subunit, function: fn, value: 0.001 });
  });

  it('keeps DIB, VIB and data bytes as sent', () => {
    const r = one('84 10 93 3B 28200700');
    expect([...r.dib]).toEqual([0x84, 0x10]);
    expect([...r.vib]).toEqual([0x93, 0x3b]);
    expect([...r.data]).toEqual([0x28, 0x20, 0x07, 0x00]);
    expect(r.notes).toEqual(['accumulation only if positive']);
  });

  it('more than 10 DIFEs is CODEC_MALFORMED', () => {
    expect(codecError(() => decodeHex(`84 ${'80 '.repeat(10)}00 13 01000000`)).code).toBe('CODEC_MALFORMED');
  });
});

describe('special DIFs (Table 6)', () => {
  it('skips 2F idle fillers anywhere', () => {
    const rs = decodeHex('2F2F 01 13 2A 2F 01 13 2B 2F2F2F');
    expect(rs.map((r) => r.value)).toEqual([0.042, 0.043]);
  });

  it('0F: manufacturer data to the end, kept as one record', () => {
    const rs = decodeHex('01 13 2A 0F 01 02 03 04');
    expect(rs).toHaveLength(2);
    expect(rs[1]).toMatchObject({ kind: 'manufacturer', coding: 'manufacturer', moreFollows: false, offset: 3 });
    expect([...rs[1]!.data]).toEqual([1, 2, 3, 4]);
  });

  it('1F: manufacturer data, more records follow', () => {
    expect(one('1F AA').moreFollows).toBe(true);
    expect(one('1F')).toMatchObject({ kind: 'manufacturer', moreFollows: true, data: new Uint8Array(0) });
  });

  it('7F global readout request is CODEC_UNSUPPORTED in meter data', () => {
    expect(codecError(() => decodeHex('7F 01 13 2A')).code).toBe('CODEC_UNSUPPORTED');
  });

  it.each(['3F', '4F', '6F', '8F', 'FF'])('reserved special DIF %s: the records before it, the rest kept raw, a warning naming its offset', (dif) => {
    const b = hexToBytes(`01 13 2A 2F ${dif} 00 00 00`);
    const warnings: string[] = [];
    const rs = decodeRecords(b, 0, b.length, warnings);
    expect(rs.map((r) => r.value)).toEqual([0.042, null]);
    expect(rs[1]).toMatchObject({ kind: 'raw', offset: 4, quantity: UNDECODABLE_QUANTITY, dib: new Uint8Array(0), vib: new Uint8Array(0) });
    expect([...rs[1]!.data]).toEqual([...b.subarray(4)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('offset 4');
  });

  it('reserved special DIF in a compact frame\'s headers is CODEC_MALFORMED', () => {
    const e = codecError(() => decodeCompactRecords(Uint8Array.of(0x01, 0x13, 0x3f), Uint8Array.of(0x2a, 0, 0), 0, 3));
    expect(e).toMatchObject({ code: 'CODEC_MALFORMED', layer: 'records', offset: 2 });
  });

  it.each([
    ['04 7D 01020304', 0], // FD table without its true VIF
    ['01 13 2A 04 93 7C 01020304', 3], // VIFE FCh without the VIFE it extends
  ])('%s: an undecodable VIF extension keeps the rest raw from the record at %d', (hex, offset) => {
    const b = hexToBytes(hex);
    const warnings: string[] = [];
    const rs = decodeRecords(b, 0, b.length, warnings);
    expect(rs.at(-1)).toMatchObject({ kind: 'raw', offset, quantity: UNDECODABLE_QUANTITY });
    expect(warnings).toHaveLength(1);
  });

  it('truncation after a good record stays an error', () => {
    expect(codecError(() => decodeHex('01 13 2A 04 13 010203')).code).toBe('CODEC_TRUNCATED');
  });
});

describe('manufacturer-specific and unknown parts are kept raw', () => {
  it('VIF 7Fh: value raw', () => {
    expect(one('04 7F 01020304')).toMatchObject({ kind: 'raw', value: null, quantity: 'manufacturer specific', data: Uint8Array.of(1, 2, 3, 4) });
  });

  it('VIFE FFh after a standard VIF: value raw, VIB whole', () => {
    const r = one('04 93 FF 21 01020304');
    expect(r.kind).toBe('raw');
    expect([...r.vib]).toEqual([0x93, 0xff, 0x21]);
  });

  it('reserved FB code: raw', () => {
    expect(one('02 FB 40 0102').kind).toBe('raw');
  });
});

describe('errors carry the layer and the offset', () => {
  it.each([
    ['04 13 010203', 'CODEC_TRUNCATED', 2], // data field short
    ['01 13 2A 84 80 80', 'CODEC_TRUNCATED', 6], // DIFE missing
    ['01 13 2A 84 80 10', 'CODEC_TRUNCATED', 6], // VIF missing
    ['01 13 2A 84 10 93', 'CODEC_TRUNCATED', 6], // VIFE missing
    ['01 13 2A 8D 10 13', 'CODEC_TRUNCATED', 6], // LVAR missing
    ['01 13 2A 2F 0D 13 05 41', 'CODEC_TRUNCATED', 7], // text shorter than LVAR
    ['01 13 2A 04 13 0102 03', 'CODEC_TRUNCATED', 5], // data field short after a good record
  ])('%s: %s at %d', (hex, code, offset) => {
    const e = codecError(() => decodeHex(hex));
    expect(e).toMatchObject({ code, layer: 'records', offset });
  });

  it('a record window outside the input is CODEC_BAD_INPUT', () => {
    expect(codecError(() => decodeRecords(new Uint8Array(4), 2, 9)).code).toBe('CODEC_BAD_INPUT');
    expect(codecError(() => decodeRecords(new Uint8Array(4), 3, 2)).code).toBe('CODEC_BAD_INPUT');
  });

  it('up to 2 trailing bytes that form no record (a left-over CRC) become one raw record', () => {
    const rs = decodeHex('01 13 2A FE D0');
    expect(rs).toHaveLength(2);
    expect(rs[1]).toMatchObject({ kind: 'raw', quantity: 'trailing bytes', offset: 3, data: Uint8Array.of(0xfe, 0xd0) });
  });

  it('a short last record of 3 bytes or more still fails', () => {
    expect(codecError(() => decodeHex('01 13 2A 04 13 01')).code).toBe('CODEC_TRUNCATED');
  });
});

describe('decodes only the window it is given', () => {
  it('start and end bound the records; offsets are absolute', () => {
    const b = hexToBytes('FFFF 01 13 2A 01 13 2B FFFF');
    const rs = decodeRecords(b, 2, 8);
    expect(rs.map((r) => [r.offset, r.value])).toEqual([
      [2, 0.042],
      [5, 0.043],
    ]);
  });
});

// --- conformance corpus ---

interface Row {
  readonly telegram_hex: string;
  readonly key_hex_or_null: string | null;
  readonly security: string;
  readonly layers: { readonly link: { readonly dll_crc: string }; readonly tpl_ci: string | null; readonly ell: string | null };
  readonly expected: Record<string, unknown>;
  readonly generic_difvif_decodable_fields?: readonly string[];
  readonly peer_driver?: string;
}

const corpus = join(import.meta.dirname, '../../../../shared/conformance/wmbus/telegrams.jsonl');
const rows: Row[] = readFileSync(corpus, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);

/** The application data of a telegram: bytes and the window of its records (plain, or mode 5 decrypted here). */
function applicationData(row: Row): { bytes: Uint8Array; start: number } | null {
  if (row.layers.link.dll_crc !== 'none') return null;
  const b = hexToBytes(row.telegram_hex);
  let ci = 10;
  if (b[ci] === 0x8c) ci += 3; // ELL-I: CC, ACC
  const tpl = b[ci];
  let start: number;
  let iv: Uint8Array;
  if (tpl === 0x7a) {
    start = ci + 5;
    iv = new Uint8Array(16);
    iv.set(b.subarray(2, 10), 0);
    iv.fill(b[ci + 1]!, 8);
  } else if (tpl === 0x72) {
    start = ci + 13;
    iv = new Uint8Array(16);
    iv.set(b.subarray(ci + 5, ci + 7), 0); // M
    iv.set(b.subarray(ci + 1, ci + 5), 2); // ID
    iv.set(b.subarray(ci + 7, ci + 9), 6); // version, device type
    iv.fill(b[ci + 9]!, 8);
  } else if (tpl === 0x78) {
    return row.security === 'none' ? { bytes: b, start: ci + 1 } : null;
  } else {
    return null;
  }
  if (row.security === 'none') return { bytes: b, start };
  if (row.security !== 'mode5' || row.key_hex_or_null === null) return null;
  const cw = b[start - 2]! | (b[start - 1]! << 8);
  const blocks = (cw >> 4) & 0x0f;
  const d = createDecipheriv('aes-128-cbc', Buffer.from(row.key_hex_or_null, 'hex'), iv).setAutoPadding(false);
  const enc = b.subarray(start, start + 16 * blocks);
  if (enc.length !== 16 * blocks) return null;
  const plain = Buffer.concat([d.update(enc), d.final()]);
  const out = new Uint8Array(b);
  out.set(plain, start);
  // Decryption check: the plaintext starts 2F2F (rows with a deliberately wrong key or layer fail here).
  return out[start] === 0x2f && out[start + 1] === 0x2f ? { bytes: out, start } : null;
}

/** Convert a record's value to the unit suffix the peer used for a field. */
function inPeerUnit(r: DataRecord, suffix: 'kwh' | 'm3'): number | undefined {
  if (r.kind !== 'numeric' || r.unscaled === null) return undefined;
  const v = r.value as number;
  if (suffix === 'm3') return r.unit === 'm3' ? v : undefined;
  switch (r.unit) {
    case 'Wh':
      return v / 1000;
    case 'J':
      return v / 3.6e6;
    case 'MWh':
      return v * 1000;
    case 'GJ':
      return v / 0.0036;
    default:
      return undefined;
  }
}

/** Find the record a peer field name describes: total (storage 0, tariff 0), _tariff_N_, last_month, forward/backward. */
function findField(records: readonly DataRecord[], field: string): number | undefined {
  const suffix = field.endsWith('_kwh') ? 'kwh' : 'm3';
  const quantity = suffix === 'kwh' ? 'energy' : 'volume';
  const tariff = Number(/tariff_?(\d)/.exec(field)?.[1] ?? 0);
  const storage = field.includes('last_month') ? 1 : 0;
  const direction = field.includes('backward') ? 'accumulation of abs value only if negative' : field.includes('forward') ? 'accumulation only if positive' : undefined;
  for (const r of records) {
    if (r.quantity !== quantity || r.tariff !== tariff || r.function !== 'instantaneous') continue;
    if (storage === 0 ? r.storage !== 0 : r.storage === 0) continue;
    if (direction === undefined ? r.notes.length > 0 : !r.notes.includes(direction)) continue;
    const v = inPeerUnit(r, suffix);
    if (v !== undefined) return v;
  }
  return undefined;
}

const generic = rows.filter((r) => (r.generic_difvif_decodable_fields ?? []).length > 0);
const decodable = generic.map((row) => ({ row, app: applicationData(row) })).filter((x) => x.app !== null);

describe('conformance: generic DIF/VIF fields of real telegrams', () => {
  it('covers the plain and mode 5 rows without data-link CRCs', () => {
    // 176 rows; those with generic fields and no DLL CRCs, plain or mode 5 (mode 7 / ELL AES belong to the pipeline).
    expect(decodable.length).toBe(80);
  });

  it.each(decodable.map(({ row, app }, i) => [`${i} ${row.peer_driver ?? ''} ${row.security}`, row, app!] as const))(
    '%s',
    (_name, row, app) => {
      const records = decodeRecords(app.bytes, app.start, app.bytes.length);
      for (const field of row.generic_difvif_decodable_fields!) {
        const expected = row.expected[field] as number;
        const got = findField(records, field);
        expect(got, field).toBeDefined();
        expect(Math.abs(got! - expected), `${field}: ${got} vs ${expected}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
      }
    },
  );

  it('every plain or decrypted row decodes to records or a CodecError, nothing else', () => {
    for (const row of rows) {
      const app = applicationData(row);
      if (app === null) continue;
      try {
        decodeRecords(app.bytes, app.start, app.bytes.length);
      } catch (e) {
        expect(e).toBeInstanceOf(CodecError);
      }
    }
  });
});

// --- compact frames ---

/** The data fields of a full frame without headers and fillers, as a compact frame carries them. */
function compactData(bytes: Uint8Array, records: readonly DataRecord[]): Uint8Array {
  const parts: number[] = [];
  for (const r of records) {
    if (r.kind === 'manufacturer') {
      parts.push(...r.data);
      continue;
    }
    const dataAt = r.offset + r.dib.length + r.vib.length;
    const lvar = r.coding === 'variable' ? 1 : 0;
    parts.push(...bytes.subarray(dataAt, dataAt + lvar + r.data.length));
  }
  return Uint8Array.from(parts);
}

describe('compact frames (OMS): headers remembered from a full frame', () => {
  const full = hexToBytes('2F2F 04 6D 1E31B121 0C 13 72644600 84 10 93 3B 28200700 0D FD0C 03 434241 02 FD17 0000 2F2F 0F 0102');

  it('dataRecordHeaders concatenates DIB and VIB of every record, without fillers or data', () => {
    const h = dataRecordHeaders(full, 0, full.length);
    expect([...h]).toEqual([0x04, 0x6d, 0x0c, 0x13, 0x84, 0x10, 0x93, 0x3b, 0x0d, 0xfd, 0x0c, 0x02, 0xfd, 0x17, 0x0f]);
  });

  it('dataRecordHeaders ignores trailing bytes that form no record', () => {
    const b = hexToBytes('02 13 3930 FE D0');
    expect([...dataRecordHeaders(b, 0, b.length)]).toEqual([0x02, 0x13]);
  });

  it('decodeCompactRecords gives the same values as the full frame', () => {
    const records = decodeRecords(full, 0, full.length);
    const headers = dataRecordHeaders(full, 0, full.length);
    const data = compactData(full, records);
    const compact = decodeCompactRecords(headers, data, 0, data.length);
    expect(compact.map((r) => [r.quantity, r.value, r.storage, r.tariff, r.kind])).toEqual(
      records.map((r) => [r.quantity, r.value, r.storage, r.tariff, r.kind]),
    );
  });

  it('trailing 2F padding is ignored, other extra bytes are CODEC_LENGTH_MISMATCH', () => {
    const headers = Uint8Array.of(0x02, 0x13);
    expect(decodeCompactRecords(headers, Uint8Array.of(0x39, 0x30, 0x2f, 0x2f), 0, 4)[0]!.value).toBe(12.345);
    expect(codecError(() => decodeCompactRecords(headers, Uint8Array.of(0x39, 0x30, 0x01), 0, 3)).code).toBe('CODEC_LENGTH_MISMATCH');
  });

  it('data shorter than the format is CODEC_TRUNCATED', () => {
    expect(codecError(() => decodeCompactRecords(Uint8Array.of(0x04, 0x13), Uint8Array.of(1, 2), 0, 2)).code).toBe('CODEC_TRUNCATED');
  });

  it('round-trips the records of real telegrams', () => {
    let checked = 0;
    for (const { app } of decodable) {
      const records = decodeRecords(app!.bytes, app!.start, app!.bytes.length);
      if (records.some((r) => r.quantity === 'trailing bytes')) continue;
      const headers = dataRecordHeaders(app!.bytes, app!.start, app!.bytes.length);
      const data = compactData(app!.bytes, records);
      const compact = decodeCompactRecords(headers, data, 0, data.length);
      expect(compact.map((r) => r.value)).toEqual(records.map((r) => r.value));
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

// --- property tests ---

function onlyRecordsOrCodecError(b: Uint8Array, start: number, end: number): void {
  try {
    const rs = decodeRecords(b, start, end);
    for (const r of rs) {
      expect(r.offset).toBeGreaterThanOrEqual(start);
      expect(r.offset).toBeLessThan(end);
    }
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    expect(e.layer).toBe('records');
    expect(e.offset === undefined || (e.offset >= start && e.offset <= end)).toBe(true);
  }
}

const seeds = decodable.slice(0, 40).map(({ app }) => app!.bytes.slice(app!.start));

describe('fast-check: bad input only ever gives records or a CodecError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyRecordsOrCodecError(b, 0, b.length)),
      { numRuns: 2000 },
    );
  });

  it('real records with bit flips', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), (seed, flips) => {
        const b = seed.slice();
        for (const [i, bit] of flips) b[i % b.length]! ^= 1 << bit;
        onlyRecordsOrCodecError(b, 0, b.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('real records truncated anywhere', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), (seed, cut) => {
        onlyRecordsOrCodecError(seed, 0, cut % (seed.length + 1));
      }),
      { numRuns: 1000 },
    );
  });

  it('real records with length lies (LVAR and DIF codings overwritten)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }), (seed, at, v) => {
        const b = seed.slice();
        b[at % b.length] = v;
        onlyRecordsOrCodecError(b, 0, b.length);
      }),
      { numRuns: 1000 },
    );
  });

  it('compact decoding with random headers and data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 48 }), (h, d) => {
        try {
          decodeCompactRecords(h, d, 0, d.length);
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
