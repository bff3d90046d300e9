import { describe, expect, it } from 'vitest';
import { catchUpClock } from './virtual-clock.js';

describe('catchUpClock', () => {
  it('starts a backlog in the past, runs speed times faster, then keeps the real time', () => {
    let real = 10_000_000;
    const c = catchUpClock(3_600_000, 121, () => real);
    expect(c.now()).toBe(10_000_000 - 3_600_000);
    real += 1_000;
    expect(c.now()).toBe(10_000_000 - 3_600_000 + 121_000);
    expect(c.caughtUpAt).toBe(10_000_000 + 30_000);
    real = c.caughtUpAt;
    expect(c.now()).toBe(real);
    real += 5_000;
    expect(c.now()).toBe(real);
    expect(c.date().getTime()).toBe(real);
  });

  it('refuses a speed that would never catch up', () => {
    expect(() => catchUpClock(1000, 1)).toThrowError(RangeError);
  });
});
