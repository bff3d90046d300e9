import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CodecErrorCode, isCodecError } from '../errors.js';
import type { Reading } from '../reading.js';
import { decodeEll, decryptEll, ellPayloadCrcValid } from './ell.js';
import { normaliseFrame } from './link.js';
import type { WmbusTelegram } from './pipeline.js';
import { toDecodedFrame, WmbusSession } from './session.js';

/** Every row of the shared wM-Bus conformance corpus (../shared/conformance/wmbus/telegrams.jsonl). */

interface Row {
  readonly source: string;
  readonly telegram_hex: string;
  readonly key_hex_or_null: string | null;
  readonly security: 'none' | 'mode5' | 'mode7' | 'ELL_AES_CTR';
  readonly layers: { readonly dll_id: string; readonly tpl_id: string | null; readonly compact_frame: boolean };
  readonly expected: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly generic_difvif_decodable_fields?: readonly string[];
  readonly negative?: string;
  readonly edge?: string;
  readonly prior_telegrams?: readonly string[];
}

const corpus = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'conformance', 'wmbus', 'telegrams.jsonl');
const rows: Row[] = readFileSync(corpus, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Row);
const cases = rows.map((row, index) => ({ index, row, label: row.negative ?? row.edge ?? row.security }));

const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const SECURITY = { none: 'none', mode5: 'mode5', mode7: 'mode7', ELL_AES_CTR: 'ell-aes-ctr' } as const;
const VERDICT = { none: 'plaintext', mode5: 'decrypted', mode7: 'decrypted-authenticated', ELL_AES_CTR: 'decrypted' } as const;

/** The code each kind of negative row must be rejected with. */
const NEGATIVE_CODES: Readonly<Record<string, CodecErrorCode>> = {
  wrong_key_ell_crc_must_fail: 'CODEC_WRONG_KEY',
  wrong_key_mode5_2F2F_check_must_fail: 'CODEC_WRONG_KEY',
  header_says_mode5_but_plaintext_while_key_configured_must_reject: 'CODEC_WRONG_KEY',
  unencrypted_telegram_while_key_configured_must_reject: 'CODEC_NOT_ENCRYPTED',
};

const SECURITY_CODES: readonly string[] = ['CODEC_NO_KEY', 'CODEC_WRONG_KEY', 'CODEC_AUTH_FAILED', 'CODEC_REPLAY', 'CODEC_NOT_ENCRYPTED'];

/** Peer field name -> what a generic EN 13757-3 decoder reports for it. */
interface FieldSpec {
  readonly quantity: 'energy' | 'volume';
  readonly tariff: number;
  /** 'previous': the lowest storage number above 0 (the peer's "last month"). */
  readonly storage: 0 | 'previous';
  readonly direction?: 'forward' | 'backward';
}

function fieldSpec(name: string): FieldSpec {
  const quantity = name.endsWith('_kwh') ? 'energy' : name.endsWith('_m3') ? 'volume' : undefined;
  if (quantity === undefined) throw new Error(`no mapping for peer field ${name}`);
  const tariff = Number(/tariff_?(\d)/.exec(name)?.[1] ?? 0);
  const storage = name.includes('last_month') ? 'previous' : 0;
  const direction = name.includes('forward') ? 'forward' : name.includes('backward') ? 'backward' : undefined;
  return { quantity, tariff, storage, ...(direction === undefined ? {} : { direction }) };
}

/** Factor from a reading's unit to the peer's kWh or m3. */
const TO_PEER_UNIT: Readonly<Record<string, number>> = { kWh: 1, Wh: 1e-3, MWh: 1e3, MJ: 1 / 3.6, GJ: 1e3 / 3.6, m3: 1, l: 1e-3 };

function pick(readings: readonly Reading[], spec: FieldSpec): Reading[] {
  const base = readings.filter(
    (r) =>
      r.quantity.startsWith(spec.quantity) &&
      (r.tariff ?? 0) === spec.tariff &&
      (r.subunit ?? 0) === 0 &&
      (r.function ?? 'instantaneous') === 'instantaneous' &&
      typeof r.value === 'number' &&
      r.unit !== undefined &&
      TO_PEER_UNIT[r.unit] !== undefined,
  );
  if (spec.storage === 'previous') {
    const older = base.filter((r) => (r.storage ?? 0) > 0);
    const first = Math.min(...older.map((r) => r.storage ?? 0));
    return older.filter((r) => r.storage === first);
  }
  const current = base.filter((r) => (r.storage ?? 0) === 0);
  if (spec.direction === undefined) return current.slice(0, 1);
  // A generic decoder may name the flow direction in the quantity; else any current value of it may be the one.
  const named = current.filter((r) => r.quantity.includes(spec.direction!));
  return named.length > 0 ? named : current;
}

const closeTo = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

const tally = { rows: 0, negative: 0, edge: 0, encrypted: 0, fields: 0, recordsUndecodable: 0, compactWithoutFormat: 0, media: 0 };

/** A session holding this row's key under the meter id, fed with the row's prior telegrams. */
function sessionFor(row: Row): WmbusSession {
  const id = String(row.expected.id ?? row.layers.tpl_id ?? row.layers.dll_id);
  const session = new WmbusSession({ keys: row.key_hex_or_null === null ? {} : { byId: new Map([[id, bytesOf(row.key_hex_or_null)]]) } });
  const prior = [...(row.prior_telegrams ?? [])];
  // Compact frames refer to a full frame of the same meter: the corpus's own full frames of that meter come first.
  if (row.layers.compact_frame) {
    for (const other of rows) {
      if (other !== row && !other.layers.compact_frame && other.negative === undefined && other.layers.dll_id === row.layers.dll_id) {
        prior.push(other.telegram_hex);
      }
    }
  }
  for (const t of prior) session.decode(t);
  return session;
}

function catchCode(f: () => unknown): { code: string; layer: string } | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!isCodecError(e)) throw e;
    return { code: e.code, layer: e.layer };
  }
}

describe('wM-Bus conformance corpus', () => {
  afterAll(() => {
    console.log(`wmbus conformance: ${JSON.stringify(tally)}`);
  });

  it('holds the 176 rows the README announces', () => {
    expect(rows.length).toBe(176);
  });

  it.each(cases)('row $index ($label)', ({ row }) => {
    tally.rows++;
    const session = sessionFor(row);

    if (row.negative !== undefined) {
      tally.negative++;
      const expected = NEGATIVE_CODES[row.negative];
      expect(expected, `reason ${row.negative}`).toBeDefined();
      expect(catchCode(() => session.decode(row.telegram_hex))?.code).toBe(expected);
      return;
    }

    if (row.edge === 'ell_payload_crc_mismatch_after_correct_decrypt') {
      tally.edge++;
      const e = catchCode(() => session.decode(row.telegram_hex));
      expect(e).toEqual({ code: 'CODEC_WRONG_KEY', layer: 'ell' });
      // The decryption itself is right: the peer's plaintext comes out, and only the payload CRC disagrees.
      const frame = normaliseFrame(bytesOf(row.telegram_hex));
      const b = frame.bytes.slice();
      const { header, next } = decodeEll(b, 10, frame.end);
      decryptEll(b, next, frame.end, bytesOf(row.key_hex_or_null!), b.subarray(2, 10), header);
      expect(Buffer.from(b.subarray(next, frame.end)).toString('hex').toUpperCase()).toBe(row.expected.decrypted_bytes_after_ell_sn);
      expect(ellPayloadCrcValid(b, next, frame.end)).toBe(false);
      return;
    }

    // Layers, security and identity, without the records.
    const headers = session.decodeBytes(bytesOf(row.telegram_hex), { records: false });
    expect(headers.kind).toBe('telegram');
    const t = headers as WmbusTelegram;
    if (row.key_hex_or_null !== null) tally.encrypted++;
    expect(t.security).toBe(SECURITY[row.security]);
    expect(t.verdict).toBe(VERDICT[row.security]);
    expect(t.link.manufacturer).toBe(row.expected.manufacturer);
    if (row.expected.id !== undefined) expect(t.meter.id).toBe(row.expected.id);
    if (row.expected.tpl_manufacturer !== undefined) expect(t.tpl.meter?.manufacturer).toBe(row.expected.tpl_manufacturer);
    const media = row.expected.media;
    if (typeof media === 'string' && media !== 'reserved') {
      tally.media++;
      expect(t.meter.medium).toBe(media);
    }

    if (row.edge !== undefined) {
      tally.edge++;
      expect(row.edge).toBe('decrypts_ok_but_application_layer_deliberately_broken');
      // Decrypted fine above; the broken application layer may fail, but never as a key or security fault.
      const e = catchCode(() => sessionFor(row).decode(row.telegram_hex));
      if (e !== undefined) expect(SECURITY_CODES).not.toContain(e.code);
      return;
    }

    // Full decode, in a fresh session (counters of the decode above must not count as a replay).
    const fields = row.generic_difvif_decodable_fields ?? [];
    let readings: readonly Reading[] = [];
    const full = sessionFor(row);
    const e = catchCode(() => {
      readings = full.decode(row.telegram_hex).readings;
    });
    if (e !== undefined) {
      // Only rows the corpus says need meter-specific knowledge may fail, and only above the transport layer.
      expect(fields, `${e.code} at ${e.layer}`).toEqual([]);
      if (e.code === 'CODEC_FORMAT_UNKNOWN') {
        expect(row.layers.compact_frame).toBe(true);
        tally.compactWithoutFormat++;
      } else {
        expect(e.layer).toBe('records');
        tally.recordsUndecodable++;
      }
      return;
    }
    for (const name of fields) {
      const want = row.expected[name];
      expect(typeof want, name).toBe('number');
      const got = pick(readings, fieldSpec(name)).map((r) => (r.value as number) * TO_PEER_UNIT[r.unit!]!);
      expect(
        got.some((v) => closeTo(v, want as number)),
        `${name}: want ${String(want)}, candidates ${got.join(', ')}`,
      ).toBe(true);
      tally.fields++;
    }
    // Compact frames decoded from a learnt format give the peer's value too.
    if (row.layers.compact_frame && typeof row.expected.total_m3 === 'number') {
      const got = pick(readings, fieldSpec('total_m3')).map((r) => r.value);
      expect(got).toEqual([row.expected.total_m3]);
      tally.fields++;
    }
  });

  it('prints one JSON-ready frame per telegram', () => {
    const row = rows.find((r) => r.security === 'mode7')!;
    const frame = toDecodedFrame(sessionFor(row).decodeBytes(bytesOf(row.telegram_hex)));
    const json = JSON.parse(JSON.stringify(frame)) as { protocol: string; layers: Record<string, unknown> };
    expect(json.protocol).toBe('wmbus');
    expect(Object.keys(json.layers)).toEqual(['link', 'ell', 'afl', 'tpl']);
  });
});
