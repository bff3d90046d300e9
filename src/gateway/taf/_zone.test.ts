import { describe, expect, it } from 'vitest';
import { addDays, dayNumber, isTimeZone, zone } from './_zone.js';

describe('zone', () => {
  it.each([
    ['Europe/Berlin', '2024-01-15T12:34:56.789Z', { year: 2024, month: 1, day: 15, msOfDay: (13 * 3600 + 34 * 60 + 56) * 1000 + 789, offset: 3_600_000 }],
    ['Europe/Berlin', '2024-07-15T22:30:00Z', { year: 2024, month: 7, day: 16, msOfDay: 30 * 60_000, offset: 7_200_000 }],
    ['Asia/Kolkata', '2024-03-01T18:30:00Z', { year: 2024, month: 3, day: 2, msOfDay: 0, offset: 19_800_000 }],
    ['America/New_York', '2024-03-10T07:00:00Z', { year: 2024, month: 3, day: 10, msOfDay: 3 * 3_600_000, offset: -14_400_000 }],
  ])('%s local time of %s', (name, at, expected) => {
    expect(zone(name).local(Date.parse(at))).toEqual(expected);
  });

  it.each([
    ['Europe/Berlin', { year: 2024, month: 3, day: 31 }, '2024-03-30T23:00:00.000Z'],
    ['Europe/Berlin', { year: 2024, month: 4, day: 1 }, '2024-03-31T22:00:00.000Z'],
    ['Europe/Berlin', { year: 2024, month: 10, day: 28 }, '2024-10-27T23:00:00.000Z'],
    // Chile skips local midnight on 8 September 2024 (00:00 -04 becomes 01:00 -03): the day starts at 01:00.
    ['America/Santiago', { year: 2024, month: 9, day: 8 }, '2024-09-08T04:00:00.000Z'],
    ['Asia/Kolkata', { year: 2024, month: 3, day: 2 }, '2024-03-01T18:30:00.000Z'],
  ])('%s day %o starts at %s', (name, date, expected) => {
    expect(new Date(zone(name).startOfDay(date)).toISOString()).toBe(expected);
  });

  it('calendar arithmetic crosses months and leap days', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2023, month: 12, day: 31 }, 1)).toEqual({ year: 2024, month: 1, day: 1 });
    expect(dayNumber({ year: 1970, month: 1, day: 2 })).toBe(1);
  });

  it('knows which zone names Intl accepts', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
