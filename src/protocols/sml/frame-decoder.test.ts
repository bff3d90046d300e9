import { describe, expect, it } from 'vitest';
import { smlRows } from './_conformance.js';
import { smlFrameDecoder } from './frame-decoder.js';

const FILE = smlRows[12]!.frame_hex;
const BARE = smlRows[10]!.frame_hex;

describe('smlFrameDecoder', () => {
  it('splits one hex frame per line, skipping blanks and comments', () => {
    expect(smlFrameDecoder.split(`# meter 1\r\n${FILE}\r\n\r\n  ${BARE}  \n`)).toEqual([FILE, BARE]);
  });

  it('sniffs files and bare messages', () => {
    expect(smlFrameDecoder.sniff(FILE)).toBe(true);
    expect(smlFrameDecoder.sniff(BARE)).toBe(true);
    expect(smlFrameDecoder.sniff('/ISk5\\2MT382-1000')).toBe(false);
    // A wireless M-Bus frame whose L-field happens to be 0x76.
    expect(smlFrameDecoder.sniff('7608C514552850220207A0')).toBe(false);
  });

  it('decodes into the common reading model', () => {
    const f = smlFrameDecoder.session({}).decode(FILE);
    expect(f).toMatchObject({ protocol: 'sml', security: 'none', verdict: 'plaintext', meter: { id: '0901454D48000041F045' } });
    expect(f.readings.find((r) => r.obis === '1-0:1.8.1')).toMatchObject({ value: 15338555.7, unit: 'Wh' });
    expect(f.layers).toMatchObject({ framing: 'transport-v1', crc: 'x25' });
  });

  it('warns about a key given for SML', () => {
    expect(smlFrameDecoder.session({ key: new Uint8Array(16) }).decode(FILE).warnings).toHaveLength(1);
  });

  it.each([
    ['not hex', 'xyz', 'CODEC_BAD_INPUT'],
    ['a corrupt file', smlRows[13]!.frame_hex, 'CODEC_CRC_MISMATCH'],
  ])('fails with a typed error: %s', (_name, frame, code) => {
    expect(() => smlFrameDecoder.session({}).decode(frame)).toThrowError(expect.objectContaining({ code }));
  });
});
