import { describe, expect, it } from 'vitest';
import { GRID_VALUES, type TafNumber, isInstantaneous, normaliseObis, tafCarries } from './allowed.js';

describe('tafCarries', () => {
  it.each([
    [1, '1-0:1.8.0', true],
    [1, '1-0:2.8.0', true],
    [1, '7-0:3.0.0', true],
    [1, '8-0:1.0.0', true],
    [1, '6-0:1.0.0', true],
    [1, '1-0:1.8.1', false],
    [1, '1-0:1.8.0*3', false], // a historic value is not the register now
    [1, '1-0:1.7.0', false],
    [2, '1-0:1.8.1', true],
    [2, '1-0:1.8.4', true],
    [2, '1-0:1.8.5', false],
    [2, '1-0:1.8.0', false],
    [6, '1-0:1.8.0', true],
    [6, '1-0:32.7.0', false],
    [7, '1-0:2.8.0', true],
    [7, '1-0:16.7.0', false],
    [9, '1-0:2.8.0', true],
    [9, '1-0:2.7.0', true],
    [9, '1-0:1.8.0', false],
    [10, '1-0:32.7.0', true],
    [10, '1-0:71.7.0', true],
    [10, '1-0:61.7.0', true],
    [10, '1-0:81.7.4', true],
    [10, '1-0:81.7.26', true],
    [10, '1-0:81.7.3', false], // index 3 names no quantity in the angle table
    [10, '1-0:81.7.11', false], // an angle of a quantity against itself
    [10, '1-0:14.7.0', false],
    [10, '1-0:1.8.0', false],
    [14, '1-0:14.7.0', true],
    [14, '1-0:1.7.0', true],
    [14, '1-0:1.8.0', false],
    [14, '1-1:1.7.0', false], // another channel than the main meter
    [14, '1-0:1.7.0*1', false],
    [14, '8-0:2.0.0', false],
  ] as const)('TAF %i carries %s: %s', (taf, obis, expected) => {
    expect(tafCarries(taf as TafNumber, obis)).toBe(expected);
  });

  it('TAF 10 carries 11 U/I/P values and 42 phase angles', () => {
    expect(GRID_VALUES).toHaveLength(11 + 42);
    expect(new Set(GRID_VALUES).size).toBe(GRID_VALUES.length);
    for (const o of GRID_VALUES) expect(isInstantaneous(o), o).toBe(true);
  });

  it.each([
    ['1-0:1.8.0*255', '1-0:1.8.0'],
    ['1.8.0', '0-0:1.8.0'],
    ['energy', undefined],
    ['1-0:1.8.256', undefined],
  ])('normaliseObis(%j) = %j', (text, expected) => {
    expect(normaliseObis(text)).toBe(expected);
  });
});
