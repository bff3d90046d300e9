import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../bytes.js';
import { encipherApdu } from '../dlms/ciphering.js';
import { CONFORMANCE_DIR, dsmrRows, rowAk } from './_conformance.js';
import { dsmrFrameDecoder } from './frame-decoder.js';

const V5 = dsmrRows.find((r) => r.version === 'DSMR 5.0')!.telegram_text;
const V22 = dsmrRows.find((r) => r.version === 'DSMR 2.2')!.telegram_text;
const austria = dsmrRows.find((r) => r.encrypted !== undefined && r.crc_ok === true)!;
const frameHex = austria.encrypted!.frame_hex;
const keys = { key: hexToBytes(austria.encrypted!.encryption_key), ak: hexToBytes(rowAk(austria)!) };

describe('dsmrFrameDecoder', () => {
  it('splits a file into telegrams (exact text) and hex frame lines', () => {
    const file = `${V5}${V22}\n${frameHex}\n  \n${V5.slice(0, 50)}`;
    const parts = dsmrFrameDecoder.split(file);
    expect(parts).toEqual([V5, V22, frameHex, V5.slice(0, 50)]);
  });

  it('sniffs telegrams and encrypted frames', () => {
    expect(dsmrFrameDecoder.sniff(V5)).toBe(true);
    expect(dsmrFrameDecoder.sniff(frameHex)).toBe(true);
    expect(dsmrFrameDecoder.sniff('2E44931578563412')).toBe(false);
  });

  it('decodes a plain telegram into the common reading model', () => {
    const f = dsmrFrameDecoder.session({}).decode(V5);
    expect(f).toMatchObject({ protocol: 'dsmr', security: 'none', verdict: 'plaintext', meter: { id: 'K8EG004046395507', manufacturer: 'ISk', version: 50 } });
    expect(f.readings.find((r) => r.obis === '1-0:2.8.1')).toMatchObject({ value: 2.444, unit: 'kWh' });
    expect(f.warnings).toEqual([]);
    expect(f.layers?.crc).toEqual({ kind: 'valid', value: 0x6eee });
  });

  it('warns about a telegram without CRC and about a key given for a plain telegram', () => {
    const f = dsmrFrameDecoder.session({ key: keys.key }).decode(V22);
    expect(f.warnings).toHaveLength(2);
  });

  it('decodes an encrypted frame given as hex, with the key for its system title', () => {
    const byId = new Map([['53595354454D4944', keys.key]]);
    const f = dsmrFrameDecoder.session({ byId, ak: keys.ak }).decode(frameHex);
    expect(f).toMatchObject({ security: 'suite0', verdict: 'decrypted-authenticated', meter: { systemTitle: '53595354454D4944' } });
    expect(f.readings.find((r) => r.obis === '1-0:1.8.0')).toMatchObject({ value: 6545766, unit: 'Wh' });
  });

  it('rejects a replayed invocation counter within a session', () => {
    const s = dsmrFrameDecoder.session(keys);
    s.decode(frameHex);
    expect(() => s.decode(frameHex)).toThrowError(expect.objectContaining({ code: 'CODEC_REPLAY' }));
    const next = encipherApdu(Uint8Array.from(austria.telegram_text, (c) => c.charCodeAt(0)), {
      form: 'general-glo',
      securityControl: 0x30,
      systemTitle: hexToBytes('53595354454D4944'),
      invocationCounter: 0x10000002,
      ek: keys.key,
      ak: keys.ak,
    });
    expect(s.decode(bytesToHex(next)).verdict).toBe('decrypted-authenticated');
  });

  it('decodes an encrypted frame that carries a DLMS data-notification (real TINETZ frame)', () => {
    const row = readFileSync(join(CONFORMANCE_DIR, 'dlms', 'vectors.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('4B464D1010000023'))
      .map((l) => JSON.parse(l) as { ciphered_apdu: string; ek: string })[0]!;
    const f = dsmrFrameDecoder.session({ key: hexToBytes(row.ek) }).decode(row.ciphered_apdu);
    expect(f).toMatchObject({ protocol: 'dsmr', security: 'suite0', verdict: 'decrypted', meter: { systemTitle: '4B464D1010000023' } });
    expect(f.layers?.apdu).toBe('data-notification');
    expect(f.readings.length).toBeGreaterThan(5);
  });

  it.each([
    ['no key for an encrypted frame', frameHex, {}, 'CODEC_NO_KEY'],
    ['hex that is not encrypted P1', '0102030405', keys, 'CODEC_MALFORMED'],
    ['a cut telegram', V5.slice(0, 200), {}, 'CODEC_TRUNCATED'],
  ])('fails with a typed error: %s', (_name, frame, k, code) => {
    expect(() => dsmrFrameDecoder.session(k).decode(frame)).toThrowError(expect.objectContaining({ code }));
  });
});
