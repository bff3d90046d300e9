import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../bytes.js';
import { encipherApdu } from '../dlms/ciphering.js';
import { CONFORMANCE_DIR, dsmrTable, rowAk } from './_conformance.js';
import { crc16Arc } from './crc16-arc.js';
import { decryptP1, EncryptedP1Decoder, generalGloFrameLength, isEncryptedP1 } from './encrypted.js';

const encryptedRows = dsmrTable.filter(([, , r]) => r.encrypted !== undefined);
const keysOf = (r: (typeof encryptedRows)[number][2]) => ({ ek: hexToBytes(r.encrypted!.encryption_key), ak: hexToBytes(rowAk(r)!) });

const dlmsRows = readFileSync(join(CONFORMANCE_DIR, 'dlms', 'vectors.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { system_title: string; ciphered_apdu: string; ek: string });

const AUSTRIA = encryptedRows.find(([, , r]) => r.crc_ok === true)![2];
const KEY = hexToBytes('000102030405060708090A0B0C0D0E0F');
const AK = hexToBytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const TITLE = hexToBytes('4D4D4D0000BC614E');
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** An encrypted P1 frame built with the DLMS module's encipherer (our builder for cases the corpus lacks). */
const build = (plaintext: Uint8Array, securityControl = 0x30, invocationCounter = 1) =>
  encipherApdu(plaintext, { form: 'general-glo', securityControl, systemTitle: TITLE, invocationCounter, ek: KEY, ak: AK });

describe('encrypted P1 rows of the conformance corpus', () => {
  it.each(encryptedRows)('row %i (%s): decrypts to the telegram of the row', (_i, _l, row) => {
    const frame = hexToBytes(row.encrypted!.frame_hex);
    const p1 = decryptP1(frame, keysOf(row), { crc: 'lenient' });
    expect(p1.systemTitle).toBe(row.encrypted!.system_title.toUpperCase());
    expect(p1.invocationCounter).toBe(Number.parseInt(row.encrypted!.invocation_counter, 16));
    expect(p1.authenticated).toBe(true);
    const text = row.telegram_text;
    if (p1.content.kind !== 'telegram') throw new Error('expected a telegram');
    const telegram = p1.content.telegram;
    expect(telegram.end - telegram.start).toBe(text.length);
    for (const [obis, want] of Object.entries(row.expected)) {
      const o = telegram.objects.find((x) => x.obis === obis)!;
      expect(o.values[0]!.text, obis).toBe(want.value);
      expect(o.values[0]!.unit ?? null, obis).toBe(want.unit);
    }
    if (row.crc_ok === false) {
      expect(telegram.crc.kind).toBe('mismatch');
      expect(() => decryptP1(frame, keysOf(row))).toThrowError(expect.objectContaining({ code: 'CODEC_CRC_MISMATCH' }));
    } else expect(telegram.crc.kind).toBe('valid');
  });

  it('announces its own length', () => {
    const frame = hexToBytes(AUSTRIA.encrypted!.frame_hex);
    expect(generalGloFrameLength(frame)).toBe(frame.length);
    expect(generalGloFrameLength(frame.subarray(0, 10))).toBe('more');
    expect(generalGloFrameLength(Uint8Array.of(0x2f))).toBe('not-a-frame');
    expect(isEncryptedP1(frame)).toBe(true);
  });
});

describe('decryptP1 failures', () => {
  const frame = hexToBytes(AUSTRIA.encrypted!.frame_hex);
  const keys = keysOf(AUSTRIA);

  it('needs a key', () => {
    expect(() => decryptP1(frame, undefined)).toThrowError(expect.objectContaining({ code: 'CODEC_NO_KEY' }));
  });

  it('rejects a wrong key through the GCM tag', () => {
    expect(() => decryptP1(frame, { ...keys, ek: KEY })).toThrowError(expect.objectContaining({ code: 'CODEC_AUTH_FAILED' }));
  });

  it('rejects an altered ciphertext byte', () => {
    const bad = frame.slice();
    bad[40]! ^= 0x01;
    expect(() => decryptP1(bad, keys)).toThrowError(expect.objectContaining({ code: 'CODEC_AUTH_FAILED' }));
  });

  it.each([
    ['cut short', frame.subarray(0, frame.length - 1), 'CODEC_TRUNCATED'],
    ['header only', frame.subarray(0, 9), 'CODEC_TRUNCATED'],
    ['extra bytes', Uint8Array.of(...frame, 0), 'CODEC_LENGTH_MISMATCH'],
    ['not general-glo', latin1('/ISk5'), 'CODEC_MALFORMED'],
  ])('rejects a frame %s', (_name, bytes, code) => {
    expect(() => decryptP1(bytes, keys)).toThrowError(expect.objectContaining({ code }));
  });

  it('says CODEC_WRONG_KEY when an unauthenticated frame decrypts to something that is not a telegram', () => {
    const enc = build(latin1(AUSTRIA.telegram_text), 0x20);
    expect(decryptP1(enc, { ek: KEY }).authenticated).toBe(false);
    const wrong = hexToBytes('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF');
    expect(() => decryptP1(enc, { ek: wrong })).toThrowError(expect.objectContaining({ code: 'CODEC_WRONG_KEY' }));
  });

  it('says CODEC_WRONG_KEY when an unauthenticated plaintext starts like a telegram but does not parse', () => {
    const enc = build(latin1('/ISk5 garbage without line end'), 0x20);
    expect(() => decryptP1(enc, { ek: KEY })).toThrowError(expect.objectContaining({ code: 'CODEC_WRONG_KEY' }));
  });

  it('hands an A-XDR data-notification plaintext to the DLMS module (real TINETZ frame)', () => {
    const row = dlmsRows.find((r) => r.system_title === '4B464D1010000023')!;
    const p1 = decryptP1(hexToBytes(row.ciphered_apdu), { ek: hexToBytes(row.ek) });
    expect(p1).toMatchObject({ systemTitle: '4B464D1010000023', securityControl: 0x21, authenticated: false });
    if (p1.content.kind !== 'dlms-apdu') throw new Error('expected an APDU');
    expect(p1.content.apdu).toBe('data-notification');
    expect(p1.content.readings.find((r) => r.obis === '1-0:1.8.0')).toMatchObject({ unit: 'Wh' });
  });

  it('says CODEC_WRONG_KEY when an unauthenticated APDU plaintext does not parse', () => {
    const enc = build(hexToBytes('0F00000001FF'), 0x20);
    expect(() => decryptP1(enc, { ek: KEY })).toThrowError(expect.objectContaining({ code: 'CODEC_WRONG_KEY' }));
  });

  it('keeps the telegram CRC check after decryption', () => {
    const text = AUSTRIA.telegram_text.replace('!7EF9', '!7EF8');
    expect(() => decryptP1(build(latin1(text)), { ek: KEY, ak: AK })).toThrowError(expect.objectContaining({ code: 'CODEC_CRC_MISMATCH' }));
  });
});

/** The Austrian telegram with its first register value set to `value` (9 digits) and the CRC fitted. */
function austriaWith(value: number): string {
  const text = AUSTRIA.telegram_text.replace(/1-0:1\.8\.0\(\d{9}/, `1-0:1.8.0(${String(value).padStart(9, '0')}`);
  const body = text.slice(0, text.indexOf('!') + 1);
  return `${body}${crc16Arc(latin1(body)).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
}

describe('EncryptedP1Decoder (one per port)', () => {
  it('reads frame after frame as decryptP1 does, taking unchanged lines over from the frame before', () => {
    const decoder = new EncryptedP1Decoder();
    let last: ReturnType<EncryptedP1Decoder['decrypt']> | undefined;
    for (let s = 1; s <= 8; s++) {
      const frame = build(latin1(austriaWith(6545766 + s)), 0x30, s);
      const p1 = decoder.decrypt(frame, { ek: KEY, ak: AK });
      expect(p1).toEqual(decryptP1(frame, { ek: KEY, ak: AK }));
      expect(p1.systemTitle).toBe('4D4D4D0000BC614E');
      if (last !== undefined && p1.content.kind === 'telegram' && last.content.kind === 'telegram') {
        const [now, before] = [p1.content.telegram, last.content.telegram];
        expect(now.objects[2]).not.toBe(before.objects[2]); // 1-0:1.8.0, the value that changed
        expect(now.objects[3]).toBe(before.objects[3]);
      }
      last = p1;
    }
  });

  it.each<[string, number, string]>([
    ['authenticated', 0x30, 'CODEC_MALFORMED'],
    ['unauthenticated', 0x20, 'CODEC_WRONG_KEY'],
  ])('rejects %s content with a byte that is not printable ASCII, CR or LF as %s', (_name, sc, code) => {
    const text = austriaWith(1).replace('(50)', '(5\u0007)');
    const frame = build(latin1(text), sc);
    expect(() => new EncryptedP1Decoder().decrypt(frame, { ek: KEY, ak: AK })).toThrowError(expect.objectContaining({ code }));
    expect(() => decryptP1(frame, { ek: KEY, ak: AK })).toThrowError(expect.objectContaining({ code }));
  });
});
