import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecError } from '../errors.js';
import { corpusDir, corpusRow, corpusRows } from './_corpus.js';
import { wmbusFrameDecoder } from './frame-decoder.js';

const plain = corpusRow((r) => r.security === 'none' && r.negative === undefined && r.layers.link.dll_crc === 'none');

describe('wmbusFrameDecoder', () => {
  it('splits plain hex, rtl-wmbus and wmbusmeters lines, skipping blanks and comments', () => {
    const text = [
      '# captured 2024-05-01',
      '',
      plain.telegram_hex,
      `T1;1;1;2019-02-09 07:14:18.000;97;148;${plain.layers.dll_id};0x${plain.telegram_hex.toLowerCase()}`,
      `telegram=|${plain.telegram_hex}|`,
      '  ',
    ].join('\r\n');
    const frames = wmbusFrameDecoder.split(text);
    expect(frames).toHaveLength(3);
    expect(frames.map((f) => f.toUpperCase())).toEqual([plain.telegram_hex, plain.telegram_hex, plain.telegram_hex]);
  });

  it('splits the benchmark file into its 11 telegrams', () => {
    expect(wmbusFrameDecoder.split(readFileSync(join(corpusDir, 'bench', 'telegrams.txt'), 'utf8'))).toHaveLength(11);
  });

  it('sniffs every corpus telegram as wM-Bus and other protocols as not', () => {
    const missed = corpusRows().filter((r) => !wmbusFrameDecoder.sniff(r.telegram_hex));
    expect(missed.map((r) => r.telegram_hex.slice(0, 20))).toEqual([]);
    for (const other of ['/ISK5\\2M550T-1012', '1B1B1B1B01010101', '7EA0210002002303']) expect(wmbusFrameDecoder.sniff(other)).toBe(false);
  });

  it('decodes through a session into the protocol-independent frame', () => {
    const frame = wmbusFrameDecoder.session({}).decode(plain.telegram_hex);
    expect(frame).toMatchObject({ protocol: 'wmbus', security: 'none', verdict: 'plaintext', meter: { id: plain.expected.id, manufacturer: plain.expected.manufacturer } });
    expect(frame.layers).toHaveProperty('link');
  });

  it('non-hex input is CODEC_BAD_INPUT', () => {
    const s = wmbusFrameDecoder.session({});
    for (const bad of ['xyz', '123', '']) {
      expect(() => s.decode(bad)).toThrow(CodecError);
      try {
        s.decode(bad);
      } catch (e) {
        expect((e as CodecError).code).toBe('CODEC_BAD_INPUT');
      }
    }
  });
});
