import { describe, expect, it } from 'vitest';
import { commandRequestSchema } from './admin.js';

const register = (payload: Record<string, unknown>) => commandRequestSchema.safeParse({ type: 'register-meter', payload: { meterId: 'm-1', consumerId: 'c-1', ...payload } });
const K16 = '000102030405060708090a0b0c0d0e0f';
const K32 = `${K16}d0d1d2d3d4d5d6d7d8d9dadbdcdddedf`;

describe('register-meter requests', () => {
  it.each([
    ['wmbus', K16],
    ['dlms', K16],
    ['dlms', K32],
    ['dsmr', K32],
  ])('%s with a %s-digit key is accepted', (protocol, keyHex) => {
    expect(register({ protocol, keyHex }).success).toBe(true);
  });

  it.each([
    ['a 32-byte key for wM-Bus', { protocol: 'wmbus', keyHex: K32 }],
    ['a key of 20 bytes', { protocol: 'dlms', keyHex: `${K16}00112233` }],
    ['a consumer id longer than the gateway takes', { protocol: 'sml', consumerId: 'c'.repeat(65) }],
  ])('refuses %s', (_what, payload) => {
    expect(register(payload).success).toBe(false);
  });
});
