import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesCmac } from '../../crypto/cmac.js';
import { omsKdfA } from '../../crypto/kdf.js';
import { ByteWriter } from '../bytes.js';
import { CodecError } from '../errors.js';
import { buildTelegram, SAMPLE_RECORDS } from './_build.js';
import { bytesOf, corpusRow, hexOf } from './_corpus.js';
import { decodeTelegram, type TelegramContext, type WmbusTelegram } from './pipeline.js';
import { WmbusSession } from './session.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
  return undefined;
};

const KEY = new Uint8Array(16).fill(0x11);
const OTHER = new Uint8Array(16).fill(0x22);
const METER = '12345678';
const perMeter = (key: Uint8Array) => new WmbusSession({ keys: { byId: new Map([[METER, key]]) } });
const hex = hexOf;

describe('wM-Bus session: security diagnostics', () => {
  const mode5 = hex(buildTelegram({ mode: 5, key: KEY, records: SAMPLE_RECORDS }));
  const mode7 = (counter: number) => hex(buildTelegram({ mode: 7, key: KEY, records: SAMPLE_RECORDS, counter }));
  const plain = hex(buildTelegram({ records: SAMPLE_RECORDS }));

  it.each([
    { what: 'mode 5 without a key', session: () => new WmbusSession(), telegram: mode5, code: 'CODEC_NO_KEY' },
    { what: 'mode 7 without a key', session: () => new WmbusSession(), telegram: mode7(1), code: 'CODEC_NO_KEY' },
    { what: 'mode 5 with the wrong key', session: () => perMeter(OTHER), telegram: mode5, code: 'CODEC_WRONG_KEY' },
    { what: 'mode 7 with the wrong key', session: () => perMeter(OTHER), telegram: mode7(1), code: 'CODEC_AUTH_FAILED' },
    { what: 'plaintext from a meter with its own key', session: () => perMeter(KEY), telegram: plain, code: 'CODEC_NOT_ENCRYPTED' },
  ])('$what: $code', ({ session, telegram, code }) => {
    expect(codeOf(() => session().decode(telegram))).toBe(code);
  });

  it('a key for all meters on a plaintext telegram is a warning, not an error', () => {
    const frame = new WmbusSession({ keys: { key: KEY } }).decode(plain);
    expect(frame.verdict).toBe('plaintext');
    expect(frame.warnings).toContain('key given but telegram is not encrypted');
  });

  it('an AFL MAC on a plaintext telegram is verified: authenticated, or CODEC_AUTH_FAILED', () => {
    const t = bytesOf(hex(buildTelegram({ records: SAMPLE_RECORDS, authenticate: true, key: KEY, counter: 3 })));
    expect(perMeter(KEY).decode(hex(t)).verdict).toBe('authenticated');
    expect(new WmbusSession().decode(hex(t)).warnings).toContain('AFL MAC not verified: no key');
    t[t.length - 1]! ^= 0x01;
    expect(codeOf(() => perMeter(KEY).decode(hex(t)))).toBe('CODEC_AUTH_FAILED');
  });

  it('a key is looked up by meter id in any letter case', () => {
    const s = new WmbusSession({ keys: { byId: new Map([['abcdef01', KEY]]) } });
    expect(s.key('ABCDEF01')?.scope).toBe('meter');
  });

  it('an altered mode 7 telegram fails its MAC', () => {
    const b = bytesOf(mode7(1));
    b[b.length - 3]! ^= 0x04;
    expect(codeOf(() => perMeter(KEY).decode(hex(b)))).toBe('CODEC_AUTH_FAILED');
  });

  it('a replayed or older mode 7 counter is CODEC_REPLAY, a newer one passes', () => {
    const s = perMeter(KEY);
    expect(s.decode(mode7(10)).verdict).toBe('decrypted-authenticated');
    expect(codeOf(() => s.decode(mode7(10)))).toBe('CODEC_REPLAY');
    expect(codeOf(() => s.decode(mode7(9)))).toBe('CODEC_REPLAY');
    expect(s.decode(mode7(11)).security).toBe('mode7');
    expect(s.counterSnapshot().get(METER)).toBe(11);
  });

  it('a seeded counter guards the first telegram too', () => {
    const s = new WmbusSession({ keys: { byId: new Map([[METER, KEY]]) }, counters: { [METER]: 20 } });
    expect(codeOf(() => s.decode(mode7(20)))).toBe('CODEC_REPLAY');
    expect(s.decode(mode7(21)).verdict).toBe('decrypted-authenticated');
  });

  it('a telegram that fails leaves the counter where it was', () => {
    const s = perMeter(KEY);
    s.decode(mode7(5));
    const b = bytesOf(mode7(6));
    b[b.length - 1]! ^= 0x01;
    expect(codeOf(() => s.decode(hex(b)))).toBe('CODEC_AUTH_FAILED');
    expect(s.counterSnapshot().get(METER)).toBe(5);
  });

  it.each([
    { mode: 8, code: 'CODEC_UNSUPPORTED' },
    { mode: 9, code: 'CODEC_UNSUPPORTED' },
    { mode: 10, code: 'CODEC_UNSUPPORTED' },
    { mode: 13, code: 'CODEC_UNSUPPORTED' },
  ])('security mode $mode is $code', ({ mode, code }) => {
    const t = hex(buildTelegram({ records: SAMPLE_RECORDS, claimMode: mode }));
    expect(codeOf(() => perMeter(KEY).decode(t))).toBe(code);
  });

  it('refuses keys that are not AES-128', () => {
    expect(codeOf(() => new WmbusSession({ keys: { key: new Uint8Array(15) } }))).toBe('CODEC_BAD_INPUT');
  });

  it('never changes the caller\'s bytes', () => {
    const b = bytesOf(mode5);
    const copy = b.slice();
    perMeter(KEY).decodeBytes(b);
    expect(b).toEqual(copy);
  });
});

describe('wM-Bus session: compact frames', () => {
  const full = corpusRow((r) => r.layers.dll_id === '76348799' && !r.layers.compact_frame);
  const compact = corpusRow((r) => r.layers.dll_id === '76348799' && r.layers.compact_frame);
  const session = () => new WmbusSession({ keys: { byId: new Map([['76348799', bytesOf(full.key_hex_or_null!)]]) } });

  it('a compact frame before any full frame is CODEC_FORMAT_UNKNOWN', () => {
    expect(codeOf(() => session().decode(compact.telegram_hex))).toBe('CODEC_FORMAT_UNKNOWN');
  });

  it('is decoded with the format learnt from a full frame of the same meter', () => {
    const s = session();
    s.decode(full.telegram_hex);
    const volume = s.decode(compact.telegram_hex).readings.find((r) => r.quantity === 'volume' && r.storage === 0);
    expect(volume?.value).toBe(compact.expected.total_m3);
  });
});

describe('wM-Bus session: AFL fragments', () => {
  /** A plaintext message (TPL + records) cut in two AFL fragments. */
  const message = new ByteWriter().u8(0x7a).u8(0x01).u8(0).u16le(0).bytes(SAMPLE_RECORDS).finish();
  const fragment = (fcl: number, part: Uint8Array) =>
    hex(new ByteWriter().lengthU8().u8(0x44).u16le(0x1593).bytes(Uint8Array.of(0x78, 0x56, 0x34, 0x12, 0x33, 0x03)).u8(0x90).u8(2).u16le(fcl).bytes(part).finish());
  const first = fragment(0x4001, message.subarray(0, 9));
  const second = fragment(0x0002, message.subarray(9));

  it('holds the first fragment and decodes the message when the last one arrives', () => {
    const s = new WmbusSession();
    expect(s.decodeBytes(bytesOf(first)).kind).toBe('fragment');
    expect(s.decode(first).warnings.at(-1)).toMatch(/held/);
    const t = s.decodeBytes(bytesOf(second)) as WmbusTelegram;
    expect(t.kind).toBe('telegram');
    expect(t.readings.map((r) => r.value)).toEqual([12.345, 100]);
  });

  it('reassembles a mode 7 message: KDF from the link id, MAC over MCL || MCR || ML || the whole message', () => {
    const id = Uint8Array.of(0x78, 0x56, 0x34, 0x12);
    const counter = 77;
    const kenc = omsKdfA(KEY, 'kenc', counter, id);
    const kmac = omsKdfA(KEY, 'kmac', counter, id);
    const plain = new Uint8Array(32).fill(0x2f);
    plain.set(SAMPLE_RECORDS);
    const tpl = Uint8Array.of(0x7a, 0x01, 0x00, 0x20, 0x07, 0x10); // mode 7, 2 blocks, KDF-A
    const cipher = createCipheriv('aes-128-cbc', kenc, Buffer.alloc(16)).setAutoPadding(false).update(plain);
    const whole = Uint8Array.from([...tpl, ...cipher]);
    const mcr = new ByteWriter().u32le(counter).finish();
    const ml = new ByteWriter().u16le(whole.length).finish();
    const mac = new AesCmac(kmac).mac(Uint8Array.of(0x25), mcr, ml, whole).subarray(0, 8);
    const link = (afl: Uint8Array, part: Uint8Array) =>
      hex(new ByteWriter().lengthU8().u8(0x44).u16le(0x1593).bytes(id).u8(0x33).u8(0x03).bytes(afl).bytes(part).finish());
    // FCL: MF, MCL, ML, MCR, MAC present, fragment 1; then fragment 2, last.
    const afl1 = new ByteWriter().u8(0x90).u8(17).u16le(0x7c01).u8(0x25).bytes(mcr).bytes(mac).bytes(ml).finish();
    const afl2 = new ByteWriter().u8(0x90).u8(2).u16le(0x0002).finish();
    const s = perMeter(KEY);
    expect(s.decodeBytes(bytesOf(link(afl1, whole.subarray(0, 20)))).kind).toBe('fragment');
    const frame = s.decode(link(afl2, whole.subarray(20)));
    expect(frame.verdict).toBe('decrypted-authenticated');
    expect(frame.readings.map((r) => r.value)).toEqual([12.345, 100]);
  });

  it('a fragment out of sequence is CODEC_MALFORMED', () => {
    expect(codeOf(() => new WmbusSession().decode(second))).toBe('CODEC_MALFORMED');
  });

  it('without a session a fragment is CODEC_UNSUPPORTED', () => {
    const bare: TelegramContext = { key: () => undefined, lastCounter: () => undefined, compactFormat: () => undefined };
    expect(codeOf(() => decodeTelegram(bytesOf(first), bare))).toBe('CODEC_UNSUPPORTED');
  });
});
