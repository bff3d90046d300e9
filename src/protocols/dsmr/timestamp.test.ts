import { describe, expect, it } from 'vitest';
import { isEuSummerTime, looksLikeTimestamp, parseDsmrTimestamp } from './timestamp.js';

describe('DSMR timestamps', () => {
  it.each([
    ['170102192002W', '2017-01-02T18:20:02Z', 'W'],
    ['200426223325S', '2020-04-26T20:33:25Z', 'S'],
    ['700101010000W', '1970-01-01T00:00:00Z', 'W'],
    ['161107190000', '2016-11-07T18:00:00Z', undefined], // DSMR 2.2: no flag, winter by the EU rule
    ['160701120000', '2016-07-01T10:00:00Z', undefined], // no flag, summer
    ['240331030000', '2024-03-31T01:00:00Z', undefined], // first local hour of summer time
    ['240229235959W', '2024-02-29T22:59:59Z', 'W'], // leap day
  ])('%s -> %s', (text, utc, season) => {
    const ts = parseDsmrTimestamp(text);
    expect(ts?.utc).toBe(utc);
    expect(ts?.season).toBe(season);
  });

  it.each(['632525252525W', '230229120000W', '231301000000S', '2301011200', '230101120000X', ''])('rejects %j', (text) => {
    expect(parseDsmrTimestamp(text)).toBeUndefined();
  });

  it('tells timestamp-shaped values from others', () => {
    expect(looksLikeTimestamp('632525252525W')).toBe(true);
    expect(looksLikeTimestamp('00981.443')).toBe(false);
    expect(looksLikeTimestamp(null)).toBe(false);
  });

  it.each([
    ['2024-03-31T00:59:59Z', false],
    ['2024-03-31T01:00:00Z', true],
    ['2024-10-27T00:59:59Z', true],
    ['2024-10-27T01:00:00Z', false],
    ['2024-01-15T12:00:00Z', false],
  ])('EU summer time at %s: %s', (iso, summer) => {
    expect(isEuSummerTime(Date.parse(iso))).toBe(summer);
  });
});
