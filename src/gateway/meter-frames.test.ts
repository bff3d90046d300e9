import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../protocols/bytes.js';
import { encipherApdu } from '../protocols/dlms/ciphering.js';
import { dsmrRows } from '../protocols/dsmr/_conformance.js';
import { decodeForMeter } from './meter-frames.js';

const EK = hexToBytes('000102030405060708090A0B0C0D0E0F');
const AK = hexToBytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const TITLE = hexToBytes('4D4D4D0000BC614E');
const TITLE_HEX = bytesToHex(TITLE).toUpperCase();
const METER = 'p1-meter';
// A clear-text DSMR 5 telegram of the corpus with a valid CRC: what an encrypted P1 meter wraps.
const telegram = dsmrRows.find((r) => r.crc_ok === true && r.encrypted === undefined && r.version.includes('5'))!.telegram_text;

/** An encrypted P1 frame (general-glo-ciphering, authenticated and encrypted) with the given counter. */
const frame = (invocationCounter: number): string =>
  bytesToHex(encipherApdu(Uint8Array.from(telegram, (c) => c.charCodeAt(0)), { form: 'general-glo', securityControl: 0x30, systemTitle: TITLE, invocationCounter, ek: EK, ak: AK }));
const KEY = Buffer.concat([EK, AK]);

describe('encrypted P1 at the gateway: the invocation counter must increase', () => {
  it('accepts increasing counters and persists the last per system title', () => {
    const first = decodeForMeter('dsmr', METER, frame(5), KEY, undefined);
    expect(first.frame.readings.length).toBeGreaterThan(0);
    expect(JSON.parse(first.counters!)).toEqual({ [TITLE_HEX]: 5 });
    const next = decodeForMeter('dsmr', METER, frame(9), KEY, first.counters);
    expect(JSON.parse(next.counters!)).toEqual({ [TITLE_HEX]: 9 });
  });

  it.each([
    ['the same frame again', 5],
    ['an older frame never seen by this store', 4],
  ])("'CODEC_REPLAY' for %s", (_what, counter) => {
    const stored = decodeForMeter('dsmr', METER, frame(5), KEY, undefined).counters;
    expect(() => decodeForMeter('dsmr', METER, frame(counter), KEY, stored)).toThrowError(expect.objectContaining({ code: 'CODEC_REPLAY' }));
  });

  it('a clear-text telegram leaves the stored counters as they were', () => {
    const stored = JSON.stringify({ [TITLE_HEX]: 7 });
    const plain = decodeForMeter('dsmr', METER, telegram, undefined, stored);
    expect(plain.counters).toBe(stored);
    expect(plain.frame.security).toBe('none');
  });

  it('a wrong authentication key is refused before any counter moves', () => {
    const wrong = Buffer.concat([EK, Buffer.alloc(16, 0xaa)]);
    expect(() => decodeForMeter('dsmr', METER, frame(5), wrong, undefined)).toThrowError(expect.objectContaining({ code: expect.stringMatching(/^CODEC_(AUTH|WRONG_KEY)/) }));
  });
});
