import { describe, expect, it } from 'vitest';
import { contract, ms } from './_testing/builders.js';
import { stageClock } from './stages.js';
import { zone } from './_zone.js';

const HOUR = 3_600_000;

const c2 = contract(2);
const clock = c2.taf === 2 ? stageClock(c2.stages, zone('Europe/Berlin')) : undefined;

describe('stageClock', () => {
  it.each([
    ['2024-01-15T05:59:59+01:00', 1],
    ['2024-01-15T06:00:00+01:00', 0],
    ['2024-01-15T21:59:00+01:00', 0],
    ['2024-01-15T22:00:00+01:00', 1],
    ['2024-01-15T00:00:00+01:00', 1],
    ['2024-07-15T06:30:00+02:00', 0], // summer time: the local hour counts
    ['2024-07-15T04:30:00Z', 0],
    ['2024-07-15T03:30:00Z', 1],
  ])('at %s the stage is %i', (at, stage) => {
    expect(clock!.stageAt(ms(at))).toBe(stage);
  });

  it.each([
    ['inside one stage', '2024-01-15T08:00:00+01:00', '2024-01-15T09:00:00+01:00', [HOUR, 0]],
    ['across 06:00', '2024-01-15T05:50:00+01:00', '2024-01-15T06:10:00+01:00', [10 * 60_000, 10 * 60_000]],
    ['across 22:00 and midnight', '2024-01-15T21:00:00+01:00', '2024-01-16T07:00:00+01:00', [2 * HOUR, 8 * HOUR]],
    ['a whole day', '2024-01-15T00:00:00+01:00', '2024-01-16T00:00:00+01:00', [16 * HOUR, 8 * HOUR]],
    ['three days', '2024-01-15T12:00:00+01:00', '2024-01-18T12:00:00+01:00', [48 * HOUR, 24 * HOUR]],
    // 31 March 2024: 02:00 CET jumps to 03:00 CEST; the night stage loses the hour.
    ['the spring DST night', '2024-03-30T22:00:00+01:00', '2024-03-31T06:00:00+02:00', [0, 7 * HOUR]],
    ['the spring DST day', '2024-03-31T00:00:00+01:00', '2024-04-01T00:00:00+02:00', [16 * HOUR, 7 * HOUR]],
    // 27 October 2024: 03:00 CEST falls back to 02:00 CET; the night stage has nine hours.
    ['the autumn DST night', '2024-10-26T22:00:00+02:00', '2024-10-27T06:00:00+01:00', [0, 9 * HOUR]],
  ])('splits %s', (_what, from, to, expected) => {
    const shares = clock!.split(ms(from), ms(to));
    expect(shares).toEqual(expected);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(ms(to) - ms(from));
  });

  it('splits at stage edges that fall into the skipped DST hour', () => {
    const four = contract(2, {
      stages: [
        { windows: [{ from: '00:00', to: '02:30' }] },
        { windows: [{ from: '02:30', to: '12:00' }] },
        { windows: [{ from: '12:00', to: '24:00' }] },
      ],
    });
    const c = four.taf === 2 ? stageClock(four.stages, zone('Europe/Berlin')) : undefined;
    // 00:00 CET .. 02:00 CET (= 03:00 CEST) .. 12:00 CEST
    const shares = c!.split(ms('2024-03-31T00:00:00+01:00'), ms('2024-03-31T12:00:00+02:00'));
    expect(shares).toEqual([2 * HOUR, 9 * HOUR, 0]);
  });
});
