import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import { CodecError } from '../errors.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, flipBit, loadDlmsVectors } from './_testing/vectors.js';
import { isMbusLongFrame, reassembleMbusSegments } from './mbus-transport.js';

const tirol = loadDlmsVectors().find((v) => v.mbus_hex !== undefined)!;
const stream = bytes(tirol.mbus_hex!);

describe('M-Bus segmented DLMS (Tirol raw stream)', () => {
  it('reassembles the general-glo APDU from the two long frames', () => {
    expect(isMbusLongFrame(stream)).toBe(true);
    const s = reassembleMbusSegments(stream);
    expect(bytesToHex(s.apdu)).toBe(tirol.ciphered_apdu);
    expect(s).toMatchObject({ control: 0x53, address: 0xff, stsap: 0x01, dtsap: 0x67, segments: 2 });
  });

  it.each([
    ['checksum of frame 1', (b: Uint8Array) => flipBit(b, 4 + 0xfa, 0), 'CODEC_CRC_MISMATCH'],
    ['a payload bit (checksum catches it)', (b: Uint8Array) => flipBit(b, 40, 2), 'CODEC_CRC_MISMATCH'],
    ['second frame cut off', (b: Uint8Array) => b.subarray(0, 4 + 0xfa + 2), 'CODEC_TRUNCATED'],
    ['stop byte', (b: Uint8Array) => flipBit(b, 4 + 0xfa + 1, 0), 'CODEC_MALFORMED'],
    ['bytes after the last segment', (b: Uint8Array) => Uint8Array.from([...b, 0x00]), 'CODEC_LENGTH_MISMATCH'],
    ['L fields differ', (b: Uint8Array) => flipBit(b, 2, 0), 'CODEC_MALFORMED'],
  ] as const)('%s -> %s', (_n, mutate, code) => {
    expect(codeOf(() => reassembleMbusSegments(mutate(stream)))).toBe(code);
  });

  it('fast-check: bit flips and truncation give only CodecError', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.nat(), (at, bit, cut) => {
        for (const input of [flipBit(stream, at % stream.length, bit), stream.subarray(0, cut % stream.length)]) {
          try {
            reassembleMbusSegments(input);
          } catch (e) {
            if (!(e instanceof CodecError)) throw e;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
