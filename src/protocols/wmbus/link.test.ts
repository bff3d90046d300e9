import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../errors.js';
import { bytesOf, corpusRow, hexOf } from './_corpus.js';
import { idString, manufacturerCode } from './address.js';
import { crc16En13757 } from './crc.js';
import { decodeLink, encodeFrameA, encodeFrameB, normaliseFrame } from './link.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
  return undefined;
};

// A plain SND_NR frame of meter 12345678 (ELS gas, version 0x33): EN 13757-4 layout L C M A CI ...
const PLAIN = bytesOf('1244AE0C7856341201078C2027780B13436587');

describe('link layer', () => {
  it.each([
    { flag: 0x2c2d, code: 'KAM' },
    { flag: 0x1593, code: 'ELS' },
    { flag: 0x0442, code: 'ABB' },
    { flag: 0x6a49, code: 'ZRI' },
  ])('manufacturer flag $flag is $code', ({ flag, code }) => {
    expect(manufacturerCode(flag)).toBe(code);
  });

  it('prints the id as on the name plate', () => {
    expect(idString(bytesOf('00112233'), 0)).toBe('33221100');
  });

  it('decodes L, C, M and A', () => {
    const { header, next } = decodeLink(normaliseFrame(PLAIN));
    expect(header).toMatchObject({ lField: 0x12, control: 0x44, controlName: 'SND_NR', manufacturer: 'CEN', id: '12345678', version: 1, deviceType: 7, medium: 'water', dllCrc: 'none' });
    expect(next).toBe(10);
  });

  it('the CRC is the EN 13757-4 one (check value of "123456789")', () => {
    expect(crc16En13757(new TextEncoder().encode('123456789')).toString(16)).toBe('c2b7');
  });

  it.each([
    { format: 'frame-a', crc: 'frameA_crcs_present' },
    { format: 'frame-b', crc: 'frameB_crcs_present' },
  ])('detects and strips $format CRCs of a real telegram', ({ format, crc }) => {
    const row = corpusRow((r) => r.layers.link.dll_crc === crc);
    const f = normaliseFrame(bytesOf(row.telegram_hex));
    expect(f.dllCrc).toBe(format);
    expect(f.bytes[0]).toBe(f.end - 1);
    expect(decodeLink(f).header.id).toBe(row.layers.dll_id);
  });

  it('frame A and B encoders round-trip any frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 11, maxLength: 250 }), (body) => {
        const frame = body.slice();
        frame[0] = frame.length - 1;
        const a = normaliseFrame(encodeFrameA(frame));
        expect(a.dllCrc).toBe('frame-a');
        expect(hexOf(a.bytes)).toBe(hexOf(frame));
        if (frame.length <= 250) {
          const b = normaliseFrame(encodeFrameB(frame));
          expect(b.dllCrc).toBe('frame-b');
          expect(hexOf(b.bytes)).toBe(hexOf(frame));
        }
      }),
    );
  });

  it('a damaged frame A block is CODEC_CRC_MISMATCH', () => {
    const row = corpusRow((r) => r.layers.link.dll_crc === 'frameA_crcs_present');
    const b = bytesOf(row.telegram_hex);
    for (const at of [3, 11, 20, b.length - 1]) {
      const bad = b.slice();
      bad[at]! ^= 0x01;
      expect(codeOf(() => normaliseFrame(bad)), `byte ${at}`).toBe('CODEC_CRC_MISMATCH');
    }
  });

  it('keeps bytes after L reachable but outside the frame, with a warning', () => {
    const f = normaliseFrame(Uint8Array.from([...PLAIN, 0xc4]));
    expect(f.end).toBe(PLAIN.length);
    expect(f.warnings).toHaveLength(1);
  });

  it('warns when L announces more than is there', () => {
    const f = normaliseFrame(PLAIN.subarray(0, PLAIN.length - 1));
    expect(f.warnings[0]).toMatch(/announces/);
  });

  it.each([
    { what: 'too short for L, C, M, A and CI', hex: '1244AE0C785634120107', code: 'CODEC_TRUNCATED' },
    { what: 'L below the header size', hex: '0944AE0C7856341201078C20', code: 'CODEC_LENGTH_MISMATCH' },
  ])('rejects a frame that is $what', ({ hex, code }) => {
    expect(codeOf(() => decodeLink(normaliseFrame(bytesOf(hex))))).toBe(code);
  });
});
