import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, type DlmsVector, flipBit, keysOf, label, loadDlmsVectors } from './_testing/vectors.js';
import { type CipheredForm, decipherApdu, decipherGeneralGlo, decodeCipheredApdu, encipherApdu, isP1Telegram, suite0Aad } from './ciphering.js';

const vectors = loadDlmsVectors();
const ciphered = vectors.filter((v) => v.kind !== 'hls-gmac');
const authenticated = ciphered.filter((v) => (Number.parseInt(v.security_control, 16) & 0x10) !== 0);
const p1 = vectors.filter((v) => v.kind === 'p1-encrypted');


const opts = (v: DlmsVector) => ({ systemTitle: bytes(v.system_title) });

describe('conformance rows', () => {
  it('has the 8 ciphered rows the corpus announces', () => {
    expect(ciphered).toHaveLength(8);
  });

  it.each(ciphered.map((v) => [label(v), v] as const))('%s: decipher reproduces the plaintext', (_l, v) => {
    const d = decipherApdu(bytes(v.ciphered_apdu), keysOf(v), opts(v));
    expect(bytesToHex(d.plaintext)).toBe(v.plaintext_apdu);
    expect(bytesToHex(d.systemTitle)).toBe(v.system_title);
    expect(d.invocationCounter).toBe(Number.parseInt(v.invocation_counter, 16));
    expect(d.securityControl.byte).toBe(Number.parseInt(v.security_control, 16));
    // the envelope splits ciphertext and tag where the row says
    if (v.ciphertext !== undefined && v.ciphertext !== '') expect(bytesToHex(d.information)).toBe(v.ciphertext);
    expect(d.authTag === undefined ? '' : bytesToHex(d.authTag)).toBe(v.tag);
  });

  it.each(ciphered.map((v) => [label(v), v] as const))('%s: encipher reproduces the ciphered APDU', (_l, v) => {
    const env = decodeCipheredApdu(bytes(v.ciphered_apdu));
    const out = encipherApdu(bytes(v.plaintext_apdu), {
      form: env.form,
      securityControl: Number.parseInt(v.security_control, 16),
      systemTitle: bytes(v.system_title),
      invocationCounter: Number.parseInt(v.invocation_counter, 16),
      ...keysOf(v),
    });
    expect(bytesToHex(out)).toBe(v.ciphered_apdu);
  });

  it.each(authenticated.map((v) => [label(v), v] as const))('%s: AAD is SC || AK (|| APDU for authentication only)', (_l, v) => {
    const sc = Number.parseInt(v.security_control, 16);
    const authOnly = (sc & 0x20) === 0;
    expect(bytesToHex(suite0Aad(sc, bytes(v.ak), authOnly ? bytes(v.plaintext_apdu) : undefined))).toBe(v.aad);
  });

  it.each(authenticated.map((v) => [label(v), v] as const))('%s: altered ciphertext, tag, SC or AK fail authentication', (_l, v) => {
    const frame = bytes(v.ciphered_apdu);
    const env = decodeCipheredApdu(frame);
    const tagStart = frame.length - 12;
    const infoStart = tagStart - env.information.length;
    expect(codeOf(() => decipherApdu(flipBit(frame, infoStart + 2, 3), keysOf(v), opts(v)))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => decipherApdu(flipBit(frame, frame.length - 1, 7), keysOf(v), opts(v)))).toBe('CODEC_AUTH_FAILED');
    // SC is part of the AAD: flipping its suite bit 0 (suite 0 <-> 1, both AES-GCM-128) must break the tag
    expect(codeOf(() => decipherApdu(flipBit(frame, infoStart - 5, 0), keysOf(v), opts(v)))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => decipherApdu(frame, { ek: bytes(v.ek), ak: flipBit(bytes(v.ak), 0) }, opts(v)))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => decipherApdu(frame, { ...keysOf(v), ek: flipBit(bytes(v.ek), 15) }, opts(v)))).toBe('CODEC_AUTH_FAILED');
    // the IV includes the system title
    expect(codeOf(() => decipherApdu(frame, keysOf(v), { systemTitle: flipBit(bytes(v.system_title), 7) }))).toBe(
      env.systemTitle === undefined ? 'CODEC_AUTH_FAILED' : 'no error',
    );
  });

  it.each(authenticated.map((v) => [label(v), v] as const))('%s: a key array changed in place is used as changed (no stale key object)', (_l, v) => {
    const frame = bytes(v.ciphered_apdu);
    const keys = keysOf(v);
    expect(codeOf(() => decipherApdu(frame, keys, opts(v)))).toBe('no error');
    keys.ek[15]! ^= 0x01;
    expect(codeOf(() => decipherApdu(frame, keys, opts(v)))).toBe('CODEC_AUTH_FAILED');
    keys.ek[15]! ^= 0x01;
    expect(bytesToHex(decipherApdu(frame, keys, opts(v)).plaintext)).toBe(v.plaintext_apdu);
  });

  it.each(authenticated.map((v) => [label(v), v] as const))('%s: without the authentication key it is CODEC_NO_KEY', (_l, v) => {
    expect(codeOf(() => decipherApdu(bytes(v.ciphered_apdu), { ek: bytes(v.ek) }, opts(v)))).toBe('CODEC_NO_KEY');
  });

  it('encryption-only glo-get-request with a wrong key is CODEC_WRONG_KEY (plaintext is not a get-request)', () => {
    const v = vectors.find((x) => x.security_control === '20')!;
    expect(codeOf(() => decipherApdu(bytes(v.ciphered_apdu), { ek: flipBit(bytes(v.ek), 0) }, opts(v)))).toBe('CODEC_WRONG_KEY');
  });

  it('a service-specific APDU without a known system title is CODEC_NO_KEY', () => {
    const v = vectors[0]!;
    expect(codeOf(() => decipherApdu(bytes(v.ciphered_apdu), keysOf(v)))).toBe('CODEC_NO_KEY');
  });
});

describe('decipherGeneralGlo (encrypted P1)', () => {
  it.each(p1.map((v) => [label(v), v] as const))('%s', (_l, v) => {
    const out = decipherGeneralGlo(bytes(v.ciphered_apdu), keysOf(v));
    expect(bytesToHex(out.plaintext)).toBe(v.plaintext_apdu);
    expect(String.fromCharCode(out.plaintext[0]!)).toBe('/');
    expect(bytesToHex(out.systemTitle)).toBe(v.system_title);
    expect(out.invocationCounter).toBe(Number.parseInt(v.invocation_counter, 16));
    expect(out.securityControl).toBe(0x30);
  });

  it.each([
    ['/Lux5\\253663629_D\r\n!CFDE\r\n', true],
    ['Lux5', false],
    ['/Lux\u0000', false],
    ['/Lux\u00e9', false],
  ])('isP1Telegram(%j) = %s', (text, expected) => {
    expect(isP1Telegram(Uint8Array.from(Buffer.from(text, 'latin1')))).toBe(expected);
  });

  it('isP1Telegram agrees with the byte-by-byte rule wherever a bad byte sits (grouped scan and its tail)', () => {
    const printable = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0x0d, 0x0a));
    const anyByte = fc.oneof({ weight: 8, arbitrary: printable }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) });
    fc.assert(
      fc.property(fc.array(anyByte, { maxLength: 40 }), (rest) => {
        const b = Uint8Array.of(0x2f, ...rest);
        const expected = rest.every((x) => (x >= 0x20 && x <= 0x7e) || x === 0x0d || x === 0x0a);
        expect(isP1Telegram(b)).toBe(expected);
      }),
    );
  });

  it("leaves the byte check of a P1 telegram to the caller with 'p1-by-caller', and only that", () => {
    const ek = bytes('000102030405060708090A0B0C0D0E0F');
    const ak = bytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const frameOf = (plain: Uint8Array) =>
      encipherApdu(plain, { form: 'general-glo', securityControl: 0x30, systemTitle: bytes('4D4D4D0000BC614E'), invocationCounter: 1, ek, ak });
    const telegram = frameOf(Uint8Array.from(Buffer.from('/ISk5\u0007\r\n!\r\n', 'latin1')));
    expect(codeOf(() => decipherGeneralGlo(telegram, { ek, ak }))).toBe('CODEC_MALFORMED');
    expect(decipherGeneralGlo(telegram, { ek, ak }, 'p1-by-caller').plaintext[5]).toBe(0x07);
    // Content that is neither an APDU nor starts with '/' is refused either way.
    expect(codeOf(() => decipherGeneralGlo(frameOf(Uint8Array.of(0x00, 0x01)), { ek, ak }, 'p1-by-caller'))).toBe('CODEC_MALFORMED');
  });

  it('refuses anything but 0xDB', () => {
    expect(codeOf(() => decipherGeneralGlo(bytes('C8 12 20 01234567 411312FF935A47566827C467BC'), { ek: new Uint8Array(16) }))).toBe('CODEC_MALFORMED');
    expect(codeOf(() => decipherGeneralGlo(new Uint8Array(0), { ek: new Uint8Array(16) }))).toBe('CODEC_TRUNCATED');
  });

  it('a truncated frame or a length lie is typed', () => {
    const v = p1[0]!;
    const frame = bytes(v.ciphered_apdu);
    expect(codeOf(() => decipherGeneralGlo(frame.subarray(0, frame.length - 1), keysOf(v)))).toBe('CODEC_TRUNCATED');
    expect(codeOf(() => decipherGeneralGlo(Uint8Array.from([...frame, 0]), keysOf(v)))).toBe('CODEC_LENGTH_MISMATCH');
    expect(codeOf(() => decipherGeneralGlo(flipBit(frame, 1, 0), keysOf(v)))).toBe('CODEC_MALFORMED');
  });
});

describe('decipherGeneralGlo fast path', () => {
  const title = bytes('4B464D1010000023');
  const ek = bytes('000102030405060708090A0B0C0D0E0F');
  const ak = bytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
  const telegram = Uint8Array.from(Buffer.from('/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n!\r\n', 'latin1'));
  const notification = bytes('0F 00000001 00 09 02 1234');
  /** Real P1 frames, and built ones in every security control and every length form (1 to 3 length bytes). */
  const frames = [
    ...p1.map((v) => ({ frame: bytes(v.ciphered_apdu), keys: keysOf(v) })),
    ...[0x10, 0x20, 0x30, 0x31].flatMap((sc) =>
      [telegram, notification, new Uint8Array(150).fill(0x41), new Uint8Array(300).fill(0x41)].map((pt) => ({
        frame: encipherApdu(pt, { form: 'general-glo', securityControl: sc, systemTitle: title, invocationCounter: 7, ek, ak }),
        keys: { ek, ak },
      })),
    ),
  ];

  /** What the general path (decipherApdu) makes of a frame: the fields decipherGeneralGlo returns, or the error code. */
  const general = (frame: Uint8Array, keys: { ek: Uint8Array; ak?: Uint8Array }) => {
    try {
      const d = decipherApdu(frame, keys);
      if (d.form !== 'general-glo') return 'not general-glo';
      return { systemTitle: bytesToHex(d.systemTitle), invocationCounter: d.invocationCounter, securityControl: d.securityControl.byte, plaintext: bytesToHex(d.plaintext) };
    } catch (e) {
      return codeOf(() => {
        throw e;
      });
    }
  };
  const fast = (frame: Uint8Array, keys: { ek: Uint8Array; ak?: Uint8Array }) => {
    try {
      const d = decipherGeneralGlo(frame, keys);
      return { systemTitle: bytesToHex(d.systemTitle), invocationCounter: d.invocationCounter, securityControl: d.securityControl, plaintext: bytesToHex(d.plaintext) };
    } catch (e) {
      return codeOf(() => {
        throw e;
      });
    }
  };

  it('covers the long length forms', () => {
    expect(frames.some((f) => f.frame[10] === 0x81)).toBe(true);
    expect(frames.some((f) => f.frame[10] === 0x82)).toBe(true);
  });

  it('agrees with the general path on mutated headers, lengths, keys and cut frames', () => {
    const header = fc.record({ at: fc.nat({ max: 20 }), byte: fc.constantFrom(0x00, 0x02, 0x08, 0x10, 0x12, 0x20, 0x22, 0x30, 0x80, 0x81, 0x82, 0x83, 0x90, 0xb0, 0xdb, 0xff) });
    fc.assert(
      fc.property(
        fc.nat({ max: frames.length - 1 }),
        fc.array(header, { maxLength: 2 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.constantFrom('both', 'ek only', 'short ek', 'wrong ak'),
        (k, edits, cut, keyCase) => {
          const { frame: original, keys } = frames[k]!;
          const frame = Uint8Array.from(original);
          for (const e of edits) if (e.at < frame.length) frame[e.at] = e.byte;
          const f = cut === undefined ? frame : frame.subarray(0, cut % (frame.length + 1));
          const use =
            keyCase === 'both' ? keys : keyCase === 'ek only' ? { ek: keys.ek } : keyCase === 'short ek' ? { ek: keys.ek.subarray(0, 15), ak: keys.ak } : { ek: keys.ek, ak: ek };
          const want = general(f, use);
          if (want === 'not general-glo') return;
          expect(fast(f, use)).toEqual(want);
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('security control byte', () => {
  const title = bytes('4D4D4D0000BC614E');
  const ek = bytes('000102030405060708090A0B0C0D0E0F');
  const ak = bytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
  const plain = bytes('C0010000080000010000FF0200');
  const build = (sc: number, form: CipheredForm = 'service-glo') => {
    // build with a supported SC, then patch the SC byte (offset: tag, length)
    const f = encipherApdu(plain, { form, securityControl: 0x30, systemTitle: title, invocationCounter: 1, ek, ak });
    const c = Uint8Array.from(f);
    c[form === 'service-glo' ? 2 : 12] = sc;
    return c;
  };

  it.each([
    ['compression bit', 0xb0, 'CODEC_UNSUPPORTED'],
    ['suite 2 (AES-GCM-256, P-384)', 0x32, 'CODEC_UNSUPPORTED'],
    ['reserved suite 5', 0x35, 'CODEC_MALFORMED'],
    ['neither authentication nor encryption', 0x00, 'CODEC_MALFORMED'],
  ] as const)('%s -> %s', (_n, sc, code) => {
    expect(codeOf(() => decodeCipheredApdu(build(sc)))).toBe(code);
    expect(codeOf(() => encipherApdu(plain, { form: 'general-glo', securityControl: sc, systemTitle: title, invocationCounter: 1, ek, ak }))).toBe(code);
  });

  it('reports the broadcast-key bit and round-trips with it', () => {
    const f = encipherApdu(plain, { form: 'general-ded', securityControl: 0x70, systemTitle: title, invocationCounter: 7, ek, ak });
    const d = decipherApdu(f, { ek, ak });
    expect(d.form).toBe('general-ded');
    expect(d.securityControl.broadcastKey).toBe(true);
    expect(bytesToHex(d.plaintext)).toBe(bytesToHex(plain));
  });

  it.each([['service-ded'], ['service-glo'], ['general-glo']] as const)('%s round-trips authentication only, encryption only and both', (form) => {
    for (const sc of [0x10, 0x20, 0x30]) {
      const f = encipherApdu(plain, { form, securityControl: sc, systemTitle: title, invocationCounter: 0xfffffffe, ek, ak });
      expect(bytesToHex(decipherApdu(f, { ek, ak }, { systemTitle: title }).plaintext)).toBe(bytesToHex(plain));
    }
  });

  it('ded- tag of get-request is 0xD0', () => {
    expect(encipherApdu(plain, { form: 'service-ded', securityControl: 0x30, systemTitle: title, invocationCounter: 1, ek, ak })[0]).toBe(0xd0);
  });

  it('general-ciphering and general-signing (suites 1/2) are CODEC_UNSUPPORTED', () => {
    expect(codeOf(() => decodeCipheredApdu(bytes('DD0000')))).toBe('CODEC_UNSUPPORTED');
    expect(codeOf(() => decodeCipheredApdu(bytes('DF0000')))).toBe('CODEC_UNSUPPORTED');
  });

  it('data-notification has no service-specific ciphered tag', () => {
    expect(codeOf(() => encipherApdu(bytes('0F00000001000000'), { form: 'service-glo', securityControl: 0x30, systemTitle: title, invocationCounter: 1, ek, ak }))).toBe(
      'CODEC_UNSUPPORTED',
    );
  });

  it('bad key, title and counter parameters are CODEC_BAD_INPUT', () => {
    const p = { form: 'general-glo' as const, securityControl: 0x30, systemTitle: title, invocationCounter: 1, ek, ak };
    expect(codeOf(() => encipherApdu(plain, { ...p, ek: new Uint8Array(15) }))).toBe('CODEC_BAD_INPUT');
    expect(codeOf(() => encipherApdu(plain, { ...p, systemTitle: new Uint8Array(7) }))).toBe('CODEC_BAD_INPUT');
    expect(codeOf(() => encipherApdu(plain, { ...p, invocationCounter: 2 ** 32 }))).toBe('CODEC_BAD_INPUT');
  });
});
