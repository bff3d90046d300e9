import { describe, expect, it } from 'vitest';
import { CodecError } from '../errors.js';
import { buildTelegram, SAMPLE_RECORDS } from './_build.js';
import { bytesOf } from './_corpus.js';
import { decodeTpl, decryptTpl } from './tpl.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    throw e;
  }
  return undefined;
};

describe('transport layer', () => {
  it('decodes a long header with the meter behind a radio converter', () => {
    // CI 72, ID 72233396, M DME (0x11A5), version 0x40, type 0x0A, ACC FA, ST 28, CW 0x0530.
    const b = bytesOf('729633237 2A511400AFA283005'.replace(/ /g, ''));
    const { header, next } = decodeTpl(b, 0, b.length);
    expect(header).toMatchObject({
      header: 'long',
      payload: 'records',
      accessNumber: 0xfa,
      status: 0x28,
      securityMode: 5,
      encryptedBlocks: 3,
      meter: { id: '72233396', manufacturer: 'DME', version: 0x40, medium: 'cooling load volume at outlet' },
    });
    expect(header.statusText).toEqual(['no error', 'permanent error', 'manufacturer status 20']);
    expect(next).toBe(13);
  });

  it.each([
    { ci: '78', header: 'none', payload: 'records', next: 1 },
    { ci: '79', header: 'none', payload: 'compact', next: 1 },
    { ci: '7A', header: 'short', payload: 'records', next: 5 },
    { ci: '7B', header: 'short', payload: 'compact', next: 5 },
    { ci: '7D', header: 'short', payload: 'cosem', next: 5 },
  ])('CI $ci: $header header, $payload', ({ ci, header, payload, next }) => {
    const b = bytesOf(`${ci}01000000AABB`);
    const r = decodeTpl(b, 0, b.length);
    expect(r.header).toMatchObject({ header, payload });
    expect(r.next).toBe(next);
  });

  it('reads the mode 7 configuration extension byte', () => {
    const b = bytesOf('7A75002007102F2F');
    const r = decodeTpl(b, 0, b.length);
    expect(r.header).toMatchObject({ securityMode: 7, encryptedBlocks: 2, configurationExtension: 0x10 });
    expect(r.next).toBe(6);
  });

  it.each([
    { what: 'an unknown CI', hex: '5100', code: 'CODEC_UNSUPPORTED' },
    { what: 'a cut short header', hex: '7A0100', code: 'CODEC_TRUNCATED' },
    { what: 'a cut long header', hex: '72785634129315', code: 'CODEC_TRUNCATED' },
  ])('rejects $what', ({ hex, code }) => {
    const b = bytesOf(hex);
    expect(codeOf(() => decodeTpl(b, 0, b.length))).toBe(code);
  });

  const key = new Uint8Array(16).fill(0x42);
  const telegram = buildTelegram({ mode: 5, key, records: SAMPLE_RECORDS });

  it('mode 5: decrypts in place with IV M || A || ACC x 8', () => {
    const b = telegram.slice();
    const { header, next } = decodeTpl(b, 10, b.length);
    decryptTpl(b, next, b.length, header, key, b.subarray(2, 10));
    expect(b.subarray(next, next + SAMPLE_RECORDS.length)).toEqual(SAMPLE_RECORDS);
  });

  it.each([
    { what: 'a wrong key', key: new Uint8Array(16).fill(0x43), cut: 0, code: 'CODEC_WRONG_KEY' },
    { what: 'fewer bytes than the blocks announced', key, cut: 1, code: 'CODEC_LENGTH_MISMATCH' },
  ])('mode 5: $what is $code', ({ key: k, cut, code }) => {
    const b = telegram.slice(0, telegram.length - cut);
    const { header, next } = decodeTpl(b, 10, b.length);
    expect(codeOf(() => decryptTpl(b, next, b.length, header, k, b.subarray(2, 10)))).toBe(code);
  });
});
