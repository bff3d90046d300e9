import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import type { DecodeKeys } from '../decoder.js';
import { CodecError } from '../errors.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, type DlmsVector, flipBit, label, loadDlmsVectors } from './_testing/vectors.js';
import { encipherApdu } from './ciphering.js';
import { DlmsDecodeSession, dlmsFrameDecoder } from './frame-decoder.js';

const rows = loadDlmsVectors();
const ciphered = rows.filter((v) => v.kind !== 'hls-gmac');

const keysFor = (v: DlmsVector): DecodeKeys => ({
  byId: new Map([[v.system_title, bytes(v.ek)]]),
  ...(v.ak !== '' ? { ak: bytes(v.ak) } : {}),
});

const VERDICT: Record<string, string> = { '10': 'authenticated', '20': 'decrypted', '21': 'decrypted', '30': 'decrypted-authenticated' };

describe('dlmsFrameDecoder over the conformance rows', () => {
  it.each(ciphered.map((v) => [label(v), v] as const))('%s: decodes, then refuses the replay', (_l, v) => {
    const session = dlmsFrameDecoder.session(keysFor(v));
    const f = session.decode(v.ciphered_apdu);
    expect(f.protocol).toBe('dlms');
    expect(f.meter.systemTitle).toBe(v.system_title);
    expect(f.security).toBe(`suite${Number.parseInt(v.security_control, 16) & 0x0f}`);
    expect(f.verdict).toBe(VERDICT[v.security_control]);
    expect(codeOf(() => session.decode(v.ciphered_apdu))).toBe('CODEC_REPLAY');
  });

  it.each(ciphered.filter((v) => v.kind === 'p1-encrypted').map((v) => [label(v), v] as const))('%s: hands the P1 telegram on', (_l, v) => {
    const f = dlmsFrameDecoder.session(keysFor(v)).decode(v.ciphered_apdu);
    expect(f.readings).toEqual([]);
    expect(Buffer.from((f.layers as { p1Telegram: string }).p1Telegram, 'latin1').toString('hex').toUpperCase()).toBe(v.plaintext_apdu);
  });

  it('Tirol push: readings with OBIS, unit and the notification time', () => {
    const v = rows.find((x) => x.system_title === '4B464D1010000023')!;
    const f = dlmsFrameDecoder.session({ key: bytes(v.ek) }).decode(v.ciphered_apdu);
    expect(f.readings.find((r) => r.obis === '1-0:1.8.0')).toEqual({
      obis: '1-0:1.8.0',
      quantity: 'active energy import',
      value: 9108,
      unit: 'Wh',
      timestamp: '2021-07-19T13:46:35Z',
    });
    expect((f.layers as { ciphering: { invocationCounter: number } }).ciphering.invocationCounter).toBe(0x00295b9a);
  });

  it('Tirol push as the raw M-Bus stream of two long frames decodes to the same readings', () => {
    const v = rows.find((x) => x.mbus_hex !== undefined)!;
    expect(dlmsFrameDecoder.sniff(v.mbus_hex!)).toBe(true);
    const viaMbus = dlmsFrameDecoder.session({ key: bytes(v.ek) }).decode(v.mbus_hex!);
    const bare = dlmsFrameDecoder.session({ key: bytes(v.ek) }).decode(v.ciphered_apdu);
    expect(viaMbus.readings).toEqual(bare.readings);
    expect(viaMbus.readings).toHaveLength(11);
  });

  it('encryption-only Tirol push with a wrong key: CODEC_WRONG_KEY, and the counter is not burnt', () => {
    const v = rows.find((x) => x.system_title === '4B464D1010000023')!;
    const session = dlmsFrameDecoder.session({ byId: new Map([[v.system_title, flipBit(bytes(v.ek), 0)]]), key: bytes(v.ek) });
    expect(codeOf(() => session.decode(v.ciphered_apdu))).toBe('CODEC_WRONG_KEY');
    // the right key afterwards still decodes the same counter
    expect(dlmsFrameDecoder.session({ key: bytes(v.ek) }).decode(v.ciphered_apdu).verdict).toBe('decrypted');
  });

  it('an authenticated frame with a wrong key is CODEC_AUTH_FAILED and leaves the counter alone', () => {
    const v = rows.find((x) => x.system_title === '2F19229199164103')!;
    const session = new DlmsDecodeSession({ byId: new Map([[v.system_title, flipBit(bytes(v.ek), 0)]]), ak: bytes(v.ak) });
    expect(codeOf(() => session.decode(v.ciphered_apdu))).toBe('CODEC_AUTH_FAILED');
    expect(session.counters()).toEqual({});
  });

  it('no key for the system title is CODEC_NO_KEY; a service-specific APDU needs exactly one titled key', () => {
    const v = rows.find((x) => x.system_title === '2F19229199164103')!;
    expect(codeOf(() => dlmsFrameDecoder.session({ byId: new Map([['0000000000000000', bytes(v.ek)]]) }).decode(v.ciphered_apdu))).toBe('CODEC_NO_KEY');
    expect(codeOf(() => dlmsFrameDecoder.session({ key: bytes(rows[0]!.ek), ak: bytes(rows[0]!.ak) }).decode(rows[0]!.ciphered_apdu))).toBe('CODEC_NO_KEY');
  });

  it('a persisted counter snapshot carries replay protection into a new session', () => {
    const v = rows.find((x) => x.system_title === '53595354454D4944')!;
    const first = new DlmsDecodeSession(keysFor(v));
    first.decode(v.ciphered_apdu);
    const second = new DlmsDecodeSession(keysFor(v), { counters: first.counters() });
    expect(codeOf(() => second.decode(v.ciphered_apdu))).toBe('CODEC_REPLAY');
  });

  it('a later counter from the same meter is accepted', () => {
    const v = rows.find((x) => x.system_title === '2F19229199164103')!;
    const session = dlmsFrameDecoder.session(keysFor(v));
    session.decode(v.ciphered_apdu);
    const next = encipherApdu(bytes(v.plaintext_apdu), {
      form: 'general-glo',
      securityControl: 0x30,
      systemTitle: bytes(v.system_title),
      invocationCounter: 0x1e6,
      ek: bytes(v.ek),
      ak: bytes(v.ak),
    });
    expect(session.decode(bytesToHex(next)).verdict).toBe('decrypted-authenticated');
  });

  it('plaintext APDUs: a get-request names the OBIS of the following get-response', () => {
    const session = dlmsFrameDecoder.session({});
    expect(session.decode(rows[0]!.plaintext_apdu).readings).toEqual([]);
    const f = session.decode('C4 01 00 00 09 0C 07E50713010F2E2300FF8880');
    expect(f.verdict).toBe('plaintext');
    expect(f.security).toBe('none');
    expect(f.readings).toEqual([{ obis: '0-0:1.0.0', quantity: 'date time', value: '2021-07-19T13:46:35Z' }]);
  });

  it('bad hex is CODEC_BAD_INPUT', () => {
    expect(codeOf(() => dlmsFrameDecoder.session({}).decode('DB0'))).toBe('CODEC_BAD_INPUT');
  });
});

describe('split and sniff', () => {
  it('splits one frame per line, skipping blanks and comments', () => {
    expect(dlmsFrameDecoder.split('# pushes\r\nDB08AA\n\n  C4010000 \n')).toEqual(['DB08AA', 'C4010000']);
  });

  it('recognises every conformance frame and rejects other protocols', () => {
    for (const v of ciphered) expect(dlmsFrameDecoder.sniff(v.ciphered_apdu), v.description).toBe(true);
    expect(dlmsFrameDecoder.sniff(rows[0]!.plaintext_apdu)).toBe(true);
    // a wM-Bus telegram, an SML escape sequence, DSMR text
    expect(dlmsFrameDecoder.sniff('2E4493157856341233037A2A0020055923C95AAA26D1B2E7493B013EC4A6F6D3529B520EDFF0EA6DEFC99D6D69EBF3')).toBe(false);
    expect(dlmsFrameDecoder.sniff('1B1B1B1B01010101')).toBe(false);
    expect(dlmsFrameDecoder.sniff('/ISK5\\2M550T-1012')).toBe(false);
  });
});

describe('fast-check: mutated real ciphered frames through a keyed session only give CodecError', () => {
  const seeds = ciphered.map((v) => ({ v, frame: bytes(v.ciphered_apdu) }));
  const onlyCodecErrors = (v: DlmsVector, frame: Uint8Array): void => {
    try {
      JSON.stringify(dlmsFrameDecoder.session(keysFor(v)).decode(bytesToHex(frame)));
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
    }
  };

  it('bit flips', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 7 }), ({ v, frame }, at, bit) => {
        onlyCodecErrors(v, flipBit(frame, at % frame.length, bit));
      }),
      { numRuns: 1500 },
    );
  });

  it('truncation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), ({ v, frame }, cut) => {
        const n = cut % frame.length;
        if (n > 0) onlyCodecErrors(v, frame.subarray(0, n));
      }),
      { numRuns: 800 },
    );
  });

  it('length lies in the header bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 255 }), ({ v, frame }, at, value) => {
        const b = Uint8Array.from(frame);
        b[at] = value;
        onlyCodecErrors(v, b);
      }),
      { numRuns: 1500 },
    );
  });

  it('any other key on the encryption-only Tirol push gives CODEC_WRONG_KEY', () => {
    const v = rows.find((x) => x.system_title === '4B464D1010000023')!;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (ek) => {
        fc.pre(bytesToHex(ek) !== v.ek);
        expect(codeOf(() => dlmsFrameDecoder.session({ key: ek }).decode(v.ciphered_apdu))).toBe('CODEC_WRONG_KEY');
      }),
      { numRuns: 1000 },
    );
  });
});
