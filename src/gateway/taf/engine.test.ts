import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { METER, MINUTE, OTHER_METER, contract, iso, ms, reading, series } from './_testing/builders.js';
import { applyContract, requestReading } from './engine.js';
import type { MeterReading } from './meter-reading.js';
import { stampReadings } from './meter-reading.js';
import { initialState, parseTafState } from './state.js';

const H = 60 * MINUTE;
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof GatewayError ? e.code : `not a GatewayError: ${String(e)}`;
  }
  return undefined;
};

describe('TAF 7 load curve', () => {
  const c = contract(7, { validFrom: '2024-01-15T00:00:00+01:00', validTo: '2024-01-16T00:00:00+01:00', registers: ['1-0:1.8.0'] });
  const dayStart = ms(c.validFrom);

  it('96 values for a day of 15-minute intervals from a reading every 5 minutes, each measured at its end', () => {
    const readings = series('1-0:1.8.0', dayStart, 5 * MINUTE, 24 * 12 + 1, (i) => 1000 + i * 0.25);
    const { messages, notices } = applyContract(c, initialState(c), readings, iso(dayStart + 24 * H + MINUTE));
    expect(messages).toHaveLength(96);
    messages.forEach((m, i) => {
      const end = dayStart + (i + 1) * 15 * MINUTE;
      expect(m.period).toEqual({ from: iso(end - 15 * MINUTE), to: iso(end) });
      expect(m.values).toEqual([{ obis: '1-0:1.8.0', value: 1000 + (i + 1) * 3 * 0.25, unit: 'kWh', at: iso(end), source: 'measured' }]);
    });
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(96);
    expect(notices).toEqual([]);
  });

  it('marks the last reading before the end when none is exactly at it, and never invents one', () => {
    const readings = series('1-0:1.8.0', dayStart + 2 * MINUTE, 5 * MINUTE, 12, (i) => 500 + i);
    const { messages } = applyContract(c, initialState(c), readings, iso(dayStart + H + MINUTE));
    expect(messages.map((m) => m.values[0])).toEqual(
      [2, 5, 8, 11].map((i) => ({ obis: '1-0:1.8.0', value: 500 + i, unit: 'kWh', at: iso(dayStart + 2 * MINUTE + i * 5 * MINUTE), source: 'last-before' })),
    );
  });

  it('an interval without readings sends nothing and is reported as a gap, merged with its empty neighbours', () => {
    const readings = [...series('1-0:1.8.0', dayStart + 5 * MINUTE, 5 * MINUTE, 3, (i) => i), ...series('1-0:1.8.0', dayStart + 2 * H + 5 * MINUTE, 5 * MINUTE, 3, (i) => 10 + i)];
    const { messages, notices } = applyContract(c, initialState(c), readings, iso(dayStart + 2 * H + 16 * MINUTE));
    expect(messages.map((m) => m.period.to)).toEqual([iso(dayStart + 15 * MINUTE), iso(dayStart + 2 * H + 15 * MINUTE)]);
    expect(notices).toEqual([{ kind: 'gap', period: { from: iso(dayStart + 15 * MINUTE), to: iso(dayStart + 2 * H) }, missing: ['1-0:1.8.0'] }]);
  });

  it('an interval with only some registers sends those and names the missing ones', () => {
    const two = contract(7, { validFrom: c.validFrom, validTo: c.validTo, registers: ['1-0:1.8.0', '1-0:2.8.0'] });
    const readings = series('1-0:1.8.0', dayStart + 15 * MINUTE, 15 * MINUTE, 1, () => 7);
    const { messages, notices } = applyContract(two, initialState(two), readings, iso(dayStart + 16 * MINUTE));
    expect(messages[0]!.values.map((v) => v.obis)).toEqual(['1-0:1.8.0']);
    expect(notices).toContainEqual({ kind: 'gap', period: { from: iso(dayStart), to: iso(dayStart + 15 * MINUTE) }, missing: ['1-0:2.8.0'] });
  });

  it('sends the last, shorter period at validTo and then stops', () => {
    const short = contract(7, { validFrom: c.validFrom, validTo: '2024-01-15T00:20:00+01:00', registers: ['1-0:1.8.0'] });
    const readings = series('1-0:1.8.0', dayStart, 5 * MINUTE, 5, (i) => i);
    const { messages, state } = applyContract(short, initialState(short), readings, iso(dayStart + 3 * H));
    expect(messages.map((m) => m.period.to)).toEqual([iso(dayStart + 15 * MINUTE), iso(dayStart + 20 * MINUTE)]);
    expect(state.closedUntil).toBe(iso(dayStart + 20 * MINUTE));
  });
});

describe('TAF 1 billing', () => {
  it.each([
    ['January (31 days)', '2024-01-01T00:00:00+01:00', '2024-02-01T00:00:00+01:00'],
    ['February of a leap year (29 days)', '2024-02-01T00:00:00+01:00', '2024-03-01T00:00:00+01:00'],
    ['February (28 days)', '2023-02-01T00:00:00+01:00', '2023-03-01T00:00:00+01:00'],
    ['March, ending in summer time (31 days less an hour)', '2024-03-01T00:00:00+01:00', '2024-04-01T00:00:00+02:00'],
    ['April (30 days)', '2024-04-01T00:00:00+02:00', '2024-05-01T00:00:00+02:00'],
    ['October, ending in winter time', '2024-10-01T00:00:00+02:00', '2024-11-01T00:00:00+01:00'],
  ])('%s: the register value at local midnight of the 1st', (_what, from, to) => {
    const c = contract(1, { validFrom: from, validTo: '2026-01-01T00:00:00Z', registers: ['1-0:1.8.0'] });
    // hourly readings through the month end and a little beyond
    const readings = series('1-0:1.8.0', ms(from), H, Math.round((ms(to) - ms(from)) / H) + 3, (i) => 100 + i);
    const { messages } = applyContract(c, initialState(c), readings, iso(ms(to) + 3 * H));
    expect(messages).toHaveLength(1);
    const m = messages[0]!;
    expect(m.period).toEqual({ from: iso(ms(from)), to: iso(ms(to)) });
    expect(m.values).toEqual([{ obis: '1-0:1.8.0', value: 100 + (ms(to) - ms(from)) / H, unit: 'kWh', at: iso(ms(to)), source: 'measured' }]);
  });

  it('a month without readings: no message, a gap notice', () => {
    const c = contract(1);
    const jan = series('1-0:1.8.0', ms('2024-01-10T00:00:00Z'), H, 2, (i) => i);
    const mar = series('1-0:1.8.0', ms('2024-03-10T00:00:00Z'), H, 2, (i) => 10 + i);
    const { messages, notices } = applyContract(c, initialState(c), [...jan, ...mar], '2024-04-02T00:00:00Z');
    expect(messages.map((m) => m.period.to)).toEqual(['2024-01-31T23:00:00.000Z', '2024-03-31T22:00:00.000Z']);
    expect(notices).toContainEqual({ kind: 'gap', period: { from: '2024-01-31T23:00:00.000Z', to: '2024-02-29T23:00:00.000Z' }, missing: ['1-0:1.8.0', '1-0:2.8.0'] });
    // both registers asked for, only A+ delivered
    expect(notices).toContainEqual({ kind: 'gap', period: { from: '2023-12-31T23:00:00.000Z', to: '2024-01-31T23:00:00.000Z' }, missing: ['1-0:2.8.0'] });
  });

  it('a period closes only when now has passed its end or a later reading came', () => {
    const c = contract(1, { registers: ['1-0:1.8.0'] });
    const readings = series('1-0:1.8.0', ms('2024-01-31T22:00:00Z'), H, 2, (i) => i);
    expect(applyContract(c, initialState(c), readings, '2024-01-31T23:00:00Z').messages).toEqual([]);
    expect(applyContract(c, initialState(c), readings, '2024-01-31T23:00:00.001Z').messages).toHaveLength(1);
  });
});

describe('TAF 2 tariff stages', () => {
  const c = contract(2); // stage 1 06:00-22:00, stage 2 22:00-06:00, Europe/Berlin
  const at = (local: string, value: number): MeterReading => ({ meterId: METER, at: local, reading: reading('1-0:1.8.0', value, 'kWh', 'energy') });

  it('splits consumption across stage boundaries pro rata and sends per-stage registers at billing-period end', () => {
    const readings = [
      at('2024-01-15T05:50:00+01:00', 100),
      at('2024-01-15T06:10:00+01:00', 102), // 1 + 1 across 06:00
      at('2024-01-15T21:00:00+01:00', 110), // 8 in stage 1
      at('2024-01-16T07:00:00+01:00', 130), // 10 h: 1 h stage 1, 8 h stage 2, 1 h stage 1
    ];
    const { messages } = applyContract(c, initialState(c), readings, '2024-02-01T01:00:00+01:00');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.values).toEqual([
      { obis: '1-0:1.8.1', value: 13, unit: 'kWh', at: '2024-01-16T06:00:00.000Z', source: 'derived' },
      { obis: '1-0:1.8.2', value: 17, unit: 'kWh', at: '2024-01-16T06:00:00.000Z', source: 'derived' },
    ]);
  });

  it('keeps the registers running over billing periods', () => {
    const readings = [at('2024-01-31T12:00:00+01:00', 0), at('2024-01-31T23:00:00+01:00', 11), at('2024-02-01T12:00:00+01:00', 24)];
    const { messages } = applyContract(c, initialState(c), readings, '2024-03-01T01:00:00+01:00');
    expect(messages.map((m) => m.values.map((v) => v.value))).toEqual([
      [10, 1],
      [16, 8],
    ]);
  });

  it('on the spring DST night the night stage gets seven hours', () => {
    const readings = [at('2024-03-30T22:00:00+01:00', 0), at('2024-03-31T06:00:00+02:00', 7)];
    const { messages } = applyContract(c, initialState(c), readings, '2024-04-01T01:00:00+02:00');
    expect(messages.at(-1)!.values.map((v) => v.value)).toEqual([0, 7]);
  });

  it('a register going backwards is not attributed and is reported', () => {
    const readings = [at('2024-01-15T08:00:00+01:00', 100), at('2024-01-15T09:00:00+01:00', 50), at('2024-01-15T10:00:00+01:00', 52)];
    const { messages, notices } = applyContract(c, initialState(c), readings, '2024-02-01T01:00:00+01:00');
    expect(messages[0]!.values.map((v) => v.value)).toEqual([2, 0]);
    expect(notices).toContainEqual({ kind: 'register-decreased', obis: '1-0:1.8.0', at: '2024-01-15T08:00:00.000Z' });
  });
});

describe('readings the engine does not use are counted', () => {
  const c = contract(7, { registers: ['1-0:1.8.0'] });
  const ok = (at: string, value: unknown = 1, obis: string | null = '1-0:1.8.0', meterId = METER): MeterReading => ({
    meterId,
    at,
    reading: { ...(obis !== null ? { obis } : {}), quantity: 'energy', value: value as number },
  });

  it.each([
    ['other-meter', ok('2024-01-01T00:05:00+01:00', 1, '1-0:1.8.0', OTHER_METER)],
    ['outside-validity', ok('2023-12-31T23:55:00+01:00')],
    ['outside-validity', ok('2025-01-01T00:00:01+01:00')],
    ['bad-time', ok('yesterday')],
    ['bad-time', ok('2024-01-01')],
    ['future', ok('2024-01-01T02:00:00+01:00')],
    ['not-in-contract', ok('2024-01-01T00:05:00+01:00', 1, '1-0:2.8.0')],
    ['not-in-contract', ok('2024-01-01T00:05:00+01:00', 1, null)],
    ['not-in-contract', ok('2024-01-01T00:05:00+01:00', 1, '1-0:1.8.0*3')],
    ['not-numeric', ok('2024-01-01T00:05:00+01:00', 'n/a')],
    ['not-numeric', ok('2024-01-01T00:05:00+01:00', Number.NaN)],
  ])('%s', (reason, r) => {
    const { notices, messages } = applyContract(c, initialState(c), [r], '2024-01-01T01:00:00+01:00');
    expect(notices).toContainEqual({ kind: 'ignored', reason, count: 1 });
    expect(messages).toEqual([]);
  });

  it('out-of-order and late readings', () => {
    const first = applyContract(c, initialState(c), [ok('2024-01-01T00:20:00+01:00', 5), ok('2024-01-01T00:10:00+01:00', 4)], '2024-01-01T00:40:00+01:00');
    expect(first.notices).toContainEqual({ kind: 'ignored', reason: 'out-of-order', count: 1 });
    // the 00:30 interval end has passed (now 00:40); a reading for it arriving now is late
    const second = applyContract(c, first.state, [ok('2024-01-01T00:25:00+01:00', 6)], '2024-01-01T00:41:00+01:00');
    expect(second.notices).toContainEqual({ kind: 'ignored', reason: 'late', count: 1 });
    expect(second.messages).toEqual([]);
  });

  it('TAF 6 steps use nothing and count it', () => {
    const six = contract(6);
    const { messages, notices, state } = applyContract(six, initialState(six), [ok('2024-01-01T00:05:00+01:00'), ok('2024-01-01T00:05:00+01:00', 1, '1-0:1.8.0', OTHER_METER)], '2024-01-01T01:00:00+01:00');
    expect(messages).toEqual([]);
    expect(notices).toEqual([
      { kind: 'ignored', reason: 'on-demand', count: 1 },
      { kind: 'ignored', reason: 'other-meter', count: 1 },
    ]);
    expect(state).toEqual(initialState(six));
  });
});

describe('TAF 6 on demand', () => {
  const c = contract(6);
  it('returns the latest value of each billing register and nothing else', () => {
    const readings = [
      ...stampReadings(METER, [reading('1-0:1.8.0', 10, 'kWh'), reading('1-0:2.8.0', 3, 'kWh'), reading('1-0:1.7.0', 2, 'kW'), reading('1-0:32.7.0', 231, 'V')], '2024-03-01T10:00:00Z'),
      ...stampReadings(METER, [reading('1-0:1.8.0', 11, 'kWh')], '2024-03-01T10:15:00Z'),
      ...stampReadings(OTHER_METER, [reading('1-0:1.8.0', 99, 'kWh')], '2024-03-01T10:20:00Z'),
      ...stampReadings(METER, [reading('1-0:1.8.0', 12, 'kWh')], '2024-03-01T11:00:00Z'), // after now
    ];
    const { message, notices } = requestReading(c, readings, '2024-03-01T10:30:00Z');
    expect(message!.values).toEqual([
      { obis: '1-0:1.8.0', value: 11, unit: 'kWh', at: '2024-03-01T10:15:00.000Z', source: 'last-before' },
      { obis: '1-0:2.8.0', value: 3, unit: 'kWh', at: '2024-03-01T10:00:00.000Z', source: 'last-before' },
    ]);
    expect(message!.period).toEqual({ from: '2024-03-01T10:00:00.000Z', to: '2024-03-01T10:30:00.000Z' });
    expect(notices).toEqual(
      expect.arrayContaining([
        { kind: 'ignored', reason: 'not-in-contract', count: 2 },
        { kind: 'ignored', reason: 'other-meter', count: 1 },
        { kind: 'ignored', reason: 'future', count: 1 },
      ]),
    );
  });

  it('the meter time stamp wins over the receive time', () => {
    const r = stampReadings(METER, [{ ...reading('1-0:1.8.0', 5, 'kWh'), timestamp: '2024-03-01T09:00:00Z' }], '2024-03-01T09:00:30Z');
    expect(requestReading(c, r, '2024-03-01T09:01:00Z').message!.values[0]!.at).toBe('2024-03-01T09:00:00.000Z');
  });

  it('nothing to report: no message, a gap', () => {
    const { message, notices } = requestReading(c, [], '2024-03-01T10:30:00Z');
    expect(message).toBeUndefined();
    expect(notices[0]!.kind).toBe('gap');
  });

  it('GW_TAF_WRONG_TAF for a contract of another TAF', () => {
    expect(codeOf(() => requestReading(contract(7), [], '2024-03-01T10:30:00Z'))).toBe('GW_TAF_WRONG_TAF');
  });
});

describe('engine errors', () => {
  it('GW_TAF_BAD_STATE: state of another contract or TAF', () => {
    const c7 = contract(7);
    expect(codeOf(() => applyContract(c7, initialState(contract(9)), [], '2024-01-01T01:00:00Z'))).toBe('GW_TAF_BAD_STATE');
    expect(codeOf(() => applyContract(c7, initialState(contract(7, { id: 'c-other' })), [], '2024-01-01T01:00:00Z'))).toBe('GW_TAF_BAD_STATE');
    const three = contract(2, {
      stages: [{ windows: [{ from: '00:00', to: '08:00' }] }, { windows: [{ from: '08:00', to: '16:00' }] }, { windows: [{ from: '16:00', to: '24:00' }] }],
    });
    expect(codeOf(() => applyContract(three, initialState(contract(2)), [], '2024-01-01T01:00:00Z'))).toBe('GW_TAF_BAD_STATE');
  });

  it.each(['yesterday', '2024-01-01', '', '2024-13-01T00:00:00Z'])('GW_TAF_BAD_TIME for now = %j', (now) => {
    const c = contract(7);
    expect(codeOf(() => applyContract(c, initialState(c), [], now))).toBe('GW_TAF_BAD_TIME');
  });

  it.each([
    ['not an object', 'state'],
    ['kind missing', { contractId: 'c', taf: 7, closedUntil: null, lastReadingAt: null, lastSent: null, held: {} }],
    ['a held value that is not a number', { kind: 'snapshot', contractId: 'c', taf: 7, closedUntil: null, lastReadingAt: null, lastSent: null, held: { '1-0:1.8.0': { value: 'x', at: '2024-01-01T00:00:00Z' } } }],
    ['a bad time', { kind: 'snapshot', contractId: 'c', taf: 7, closedUntil: 'soon', lastReadingAt: null, lastSent: null, held: {} }],
    ['an unknown TAF', { kind: 'on-demand', contractId: 'c', taf: 5, closedUntil: null, lastReadingAt: null, lastSent: null }],
  ])('parseTafState rejects %s with GW_TAF_BAD_STATE', (_what, json) => {
    expect(codeOf(() => parseTafState(json))).toBe('GW_TAF_BAD_STATE');
  });
});
