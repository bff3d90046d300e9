import { describe, expect, it } from 'vitest';
import { ByteReader, hexToBytes } from '../bytes.js';
import type { CodecErrorCode } from '../errors.js';
import { smlRows } from './_conformance.js';
import { crc16X25 } from './crc16.js';
import { decodeSmlMessages, smlTime } from './messages.js';
import { smlReadings } from './readings.js';
import { readSmlNode } from './tl.js';

/** One SML message from its fields (hex), with a correct X.25 CRC: our builder for bodies the corpus lacks. */
function message(fieldsHex: string): Uint8Array {
  const body = hexToBytes(`76${fieldsHex.replace(/\s+/g, '')}`);
  const c = crc16X25(body);
  return Uint8Array.of(...body, 0x63, c & 0xff, c >>> 8, 0x00);
}

const HEAD = '0501020304 6200 6200';
const SERVER = '0B0A01454D4800009F3846';
const TS_2024 = '72620265 66F3A2C0'; // timestamp 1727242944 = 2024-09-25T05:42:24Z

describe('SML message bodies', () => {
  it('reads a GetProfileListResponse into readings stamped with valTime', () => {
    const msg = message(
      `${HEAD} 72 63 0401 79 ${SERVER} ${TS_2024} 62 0F 71 07 0100010800FF ${TS_2024} 62 00
       72 75 07 0100010800FF 62 1E 52 FF 65 0001E240 01 75 07 0100020800FF 62 1E 52 FF 62 05 01 01 01`,
    );
    const [m] = decodeSmlMessages(msg);
    expect(m!.body).toMatchObject({ kind: 'get-profile-list-response', serverId: '0A01454D4800009F3846', regPeriod: 15, treePath: ['1-0:1.8.0'], status: 0 });
    const c = smlReadings({ kind: 'sml-file', framing: 'messages', messages: [m!] });
    expect(c.readings).toEqual([
      { obis: '1-0:1.8.0', quantity: 'energy import', value: 12345.6, unit: 'Wh', timestamp: '2024-09-25T05:42:24Z' },
      { obis: '1-0:2.8.0', quantity: 'energy export', value: 0.5, unit: 'Wh', timestamp: '2024-09-25T05:42:24Z' },
    ]);
  });

  it('reads an AttentionResponse and warns with its number', () => {
    const [m] = decodeSmlMessages(message(`${HEAD} 72 63 FF01 74 ${SERVER} 07 8181C7C7FE03 06 4572726F72 01`));
    expect(m!.body).toEqual({ kind: 'attention-response', serverId: '0A01454D4800009F3846', attentionNo: '8181C7C7FE03', message: 'Error' });
    expect(smlReadings({ kind: 'sml-file', framing: 'messages', messages: [m!] }).warnings).toEqual(['meter attention 8181C7C7FE03: Error']);
  });

  it('frames but does not interpret other messages (a GetListRequest)', () => {
    const [m] = decodeSmlMessages(message(`${HEAD} 72 63 0700 75 01 ${SERVER} 01 01 01`));
    expect(m!.body).toEqual({ kind: 'other', tag: 0x0700 });
  });

  it('accepts a message CRC below 0x100 written as unsigned8', () => {
    // Find a transaction id whose CRC field value is below 0x100, then write it with TL 62.
    for (let t = 0; t < 5000; t++) {
      const body = hexToBytes(`7605${t.toString(16).padStart(8, '0')}62006200726302017101`);
      const c = crc16X25(body);
      const field = ((c & 0xff) << 8) | (c >>> 8);
      if (field >= 0x100) continue;
      const [m] = decodeSmlMessages(Uint8Array.of(...body, 0x62, field, 0x00));
      expect(m!.crc).toBe('x25');
      return;
    }
    throw new Error('no such transaction id found');
  });

  it.each<[string, string, CodecErrorCode]>([
    ['a message that is not a list of 6', '7501', 'CODEC_MALFORMED'],
    ['a missing end of message', `${Buffer.from(message(`${HEAD} 72 63 0201 71 01`)).toString('hex').slice(0, -2)}01`, 'CODEC_MALFORMED'],
    ['a body that is not a list', Buffer.from(message(`${HEAD} 62 05`)).toString('hex'), 'CODEC_MALFORMED'],
    ['a list entry with too few fields', Buffer.from(message(`${HEAD} 72 63 0701 77 01 ${SERVER} 01 01 71 72 07 0100010800FF 01 01 01`)).toString('hex'), 'CODEC_MALFORMED'],
    ['a wrong message CRC', Buffer.from(message(`${HEAD} 72 63 0201 71 01`)).toString('hex').replace(/..(..)00$/, '00$100'), 'CODEC_CRC_MISMATCH'],
  ])('rejects %s', (_name, hex, code) => {
    expect(() => decodeSmlMessages(hexToBytes(hex))).toThrowError(expect.objectContaining({ code }));
  });

  it('reports a wrong message CRC in lenient mode', () => {
    const bytes = message(`${HEAD} 72 63 0201 71 01`);
    bytes[bytes.length - 2]! ^= 0xff;
    expect(decodeSmlMessages(bytes, { messageCrc: 'lenient' })[0]!.crc).toBe('mismatch');
  });

  it.each([
    ['72620165001E3F7D', { kind: 'sec-index', value: 0x1e3f7d }],
    ['7262026566F3A2C0', { kind: 'timestamp', utc: '2024-09-25T05:42:24Z' }],
    ['726203736566F3A2C053003C530000', { kind: 'local-timestamp', utc: '2024-09-25T05:42:24Z', localOffsetMinutes: 60, seasonOffsetMinutes: 0 }],
    ['650000000A', { kind: 'sec-index', value: 10 }],
  ])('reads SML_Time %s', (hex, time) => {
    expect(smlTime(readSmlNode(new ByteReader(hexToBytes(hex), 'sml')), 'time')).toEqual(time);
  });

  it('reads every message of the corpus files as Open, GetList, Close', () => {
    const file = hexToBytes(smlRows[10]!.frame_hex);
    expect(decodeSmlMessages(file).map((m) => m.body.kind)).toEqual(['open-response', 'get-list-response', 'close-response']);
  });
});
