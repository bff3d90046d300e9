import { describe, expect, it } from 'vitest';
import { crc16Kermit, crc16X25, matchCrc } from './crc16.js';

const CHECK = new TextEncoder().encode('123456789');

describe('SML CRC-16', () => {
  it('has the catalogue check values (X-25 0x906E, Kermit 0x2189)', () => {
    expect(crc16X25(CHECK)).toBe(0x906e);
    expect(crc16Kermit(CHECK)).toBe(0x2189);
  });

  it('reads X.25 low byte first and Kermit high byte first', () => {
    expect(matchCrc(0x6e90, CHECK, 0, CHECK.length)).toBe('x25');
    expect(matchCrc(0x2189, CHECK, 0, CHECK.length)).toBe('kermit');
    expect(matchCrc(0x906e, CHECK, 0, CHECK.length)).toBeUndefined();
  });

  it('works on a window of the bytes', () => {
    const framed = Uint8Array.of(0xaa, ...CHECK, 0xbb);
    expect(crc16X25(framed, 1, 10)).toBe(0x906e);
  });
});
