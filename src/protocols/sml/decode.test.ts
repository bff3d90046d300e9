import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import type { CodecErrorCode } from '../errors.js';
import { formatObis, obisFromBytes } from '../obis/index.js';
import { smlTable } from './_conformance.js';
import { decodeSml } from './decode.js';
import { smlReadings } from './readings.js';
import { dlmsUnit } from './units.js';

/** Why each negative row must fail (the corpus says "rejected"; these are the causes, checked by hand). */
const NEGATIVE: Readonly<Record<number, CodecErrorCode>> = {
  13: 'CODEC_CRC_MISMATCH', // one byte changed
  14: 'CODEC_TRUNCATED', // last CRC byte missing
  15: 'CODEC_CRC_MISMATCH', // bytes missing in the middle: end sequence off its 4-byte boundary
  16: 'CODEC_SML_SEVEN_BIT', // read with 7 data bits
};

/**
 * Rows whose server ids were anonymised after capture: their message CRCs are stale. In a framed file the
 * file CRC verifies and the stale message CRCs are reported; bare messages need lenient mode.
 */
const STALE_MESSAGE_CRC = new Set([2, 3, 9]);

describe('SML frames of the conformance corpus', () => {
  it.each(smlTable)('row %i: %s', (i, _label, row) => {
    const bytes = hexToBytes(row.frame_hex);
    if (row.negative) {
      expect(() => decodeSml(bytes)).toThrowError(expect.objectContaining({ code: NEGATIVE[i] }));
      return;
    }
    let file = row.crc_ok === null && STALE_MESSAGE_CRC.has(i) ? undefined : decodeSml(bytes);
    if (file === undefined) {
      expect(() => decodeSml(bytes)).toThrowError(expect.objectContaining({ code: 'CODEC_CRC_MISMATCH' }));
      file = decodeSml(bytes, { messageCrc: 'lenient' });
    }
    expect(file.framing).toBe(row.crc_ok === null ? 'messages' : 'transport-v1');
    if (row.crc_ok) expect(file.crc).toBe(row.crc_variant);
    expect(file.messages.some((m) => m.crc === 'mismatch')).toBe(STALE_MESSAGE_CRC.has(i));
    expect(file.messages[0]?.body.kind).toBe('open-response');
    expect(file.messages.at(-1)?.body.kind).toBe('close-response');

    const entries = file.messages.flatMap((m) => (m.body.kind === 'get-list-response' ? m.body.entries : []));
    const readings = smlReadings(file).readings;
    for (const want of row.obis) {
      const obis = formatObis(obisFromBytes(hexToBytes(want.obis)));
      const e = entries.find((x) => x.obis === obis);
      expect(e, obis).toBeDefined();
      expect(e!.unit ?? null, obis).toBe(want.unit);
      expect(e!.scaler ?? null, obis).toBe(want.scaler);
      const r = readings.find((x) => x.obis === obis)!;
      if (typeof want.value === 'number') {
        expect(r.value, obis).toBeCloseTo(want.value, 9);
        expect(r.unit, obis).toBe(dlmsUnit(want.unit ?? undefined));
      } else {
        // Octet strings: printable ones as text, others as hex (the corpus writes hex lowercase).
        expect(String(r.value).toLowerCase(), obis).toBe(want.value.toLowerCase());
      }
    }
  });
});

describe('decodeSml', () => {
  const good = hexToBytes(smlTable[12]![2].frame_hex);

  it('rejects bytes after the end of the file', () => {
    expect(() => decodeSml(Uint8Array.of(...good, 0))).toThrowError(expect.objectContaining({ code: 'CODEC_LENGTH_MISMATCH' }));
  });

  it('rejects empty input', () => {
    expect(() => decodeSml(new Uint8Array(0))).toThrowError(expect.objectContaining({ code: 'CODEC_BAD_INPUT' }));
  });

  it('reports 7-bit bare messages by their own code', () => {
    const body = hexToBytes(smlTable[10]![2].frame_hex).map((b) => b & 0x7f);
    expect(() => decodeSml(body)).toThrowError(expect.objectContaining({ code: 'CODEC_SML_SEVEN_BIT' }));
  });

  it('rejects something that is not SML', () => {
    expect(() => decodeSml(hexToBytes('2F49536B35'))).toThrowError(expect.objectContaining({ code: 'CODEC_MALFORMED' }));
  });
});
