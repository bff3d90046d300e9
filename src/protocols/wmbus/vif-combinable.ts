import { DURATION_UNITS } from './vif-entry.js';

/** What a combinable (orthogonal) VIFE does to the record (EN 13757-3 Tables 15-17). */
export const VIFE_EFFECT = {
  NOTE: 0, // adds a note, value unchanged
  ERROR: 1, // record error code (Table 16): the value is not to be trusted
  UNIT_SUFFIX: 2, // "per hour", "per m3" ...: appends to the unit
  EXPONENT: 3, // multiplies by 10^arg
  TIME_POINT: 4, // "date (/time) of": the value becomes a date, type by data size
  DURATION: 5, // "duration of": the value becomes a duration in DURATION_UNITS[arg]
  COUNT: 6, // "number of exceeds": a count without unit
  EXTENSION: 7, // FCh: the next VIFE comes from Table 17
  MANUFACTURER: 8, // FFh: the next VIFEs and the data are manufacturer specific
  ADDITIVE: 9, // additive correction constant 10^arg x unit of VIF
} as const;

export type VifeEffect = (typeof VIFE_EFFECT)[keyof typeof VIFE_EFFECT];

export interface VifeEntry {
  readonly effect: VifeEffect;
  readonly text: string;
  readonly arg: number;
}

// Notes that readings.ts looks for: energy direction and phase.
export const NOTE_FORWARD = 'accumulation only if positive';
export const NOTE_BACKWARD = 'accumulation of abs value only if negative';
export const NOTE_PHASE = ['', 'at phase L1', 'at phase L2', 'at phase L3', 'at neutral'] as const;

const e = (effect: VifeEffect, text: string, arg = 0): VifeEntry => Object.freeze({ effect, text, arg });

/** Combinable orthogonal VIFE table (EN 13757-3 Table 15, record errors Table 16), indexed by VIFE & 7Fh. */
export const COMBINABLE_VIFES: readonly VifeEntry[] = (() => {
  const t: VifeEntry[] = [];
  for (let code = 0; code < 128; code++) t.push(e(VIFE_EFFECT.NOTE, `reserved VIFE ${code.toString(16).toUpperCase().padStart(2, '0')}`));
  // E000 xxxx / E001 xxxx: record errors, meter to controller (Table 16)
  const errors: ReadonlyArray<readonly [number, string]> = [
    [0x01, 'too many DIFEs'],
    [0x02, 'storage number not implemented'],
    [0x03, 'unit number not implemented'],
    [0x04, 'tariff number not implemented'],
    [0x05, 'function not implemented'],
    [0x06, 'data class not implemented'],
    [0x07, 'data size not implemented'],
    [0x0b, 'too many VIFEs'],
    [0x0c, 'illegal VIF group'],
    [0x0d, 'illegal VIF exponent'],
    [0x0e, 'VIF/DIF mismatch'],
    [0x0f, 'unimplemented action'],
    [0x15, 'no data available'],
    [0x16, 'data overflow'],
    [0x17, 'data underflow'],
    [0x18, 'data error'],
    [0x1c, 'premature end of record'],
  ];
  for (const [code, text] of errors) t[code] = e(VIFE_EFFECT.ERROR, `error: ${text}`, code);
  t[0x00] = e(VIFE_EFFECT.NOTE, 'no error');
  t[0x12] = e(VIFE_EFFECT.NOTE, 'average value'); // E001 0010
  t[0x13] = e(VIFE_EFFECT.NOTE, 'inverse compact profile'); // E001 0011
  t[0x14] = e(VIFE_EFFECT.NOTE, 'relative deviation'); // E001 0100
  t[0x1d] = e(VIFE_EFFECT.NOTE, 'standard conform data content'); // E001 1101
  t[0x1e] = e(VIFE_EFFECT.NOTE, 'compact profile with register'); // E001 1110
  t[0x1f] = e(VIFE_EFFECT.NOTE, 'compact profile'); // E001 1111
  // E010 0xxx: per unit of time
  const perTime = ['/s', '/min', '/h', '/d', '/week', '/month', '/year'];
  perTime.forEach((suffix, i) => {
    t[0x20 + i] = e(VIFE_EFFECT.UNIT_SUFFIX, suffix);
  });
  t[0x27] = e(VIFE_EFFECT.UNIT_SUFFIX, '/measurement'); // per revolution / measurement
  t[0x28] = e(VIFE_EFFECT.NOTE, 'increment per input pulse on input channel 0');
  t[0x29] = e(VIFE_EFFECT.NOTE, 'increment per input pulse on input channel 1');
  t[0x2a] = e(VIFE_EFFECT.NOTE, 'increment per output pulse on output channel 0');
  t[0x2b] = e(VIFE_EFFECT.NOTE, 'increment per output pulse on output channel 1');
  const perUnit = ['/l', '/m3', '/kg', '/K', '/kWh', '/GJ', '/kW', '/(K*l)', '/V', '/A', '*s', '*s/V', '*s/A'];
  perUnit.forEach((suffix, i) => {
    t[0x2c + i] = e(VIFE_EFFECT.UNIT_SUFFIX, suffix); // 2Ch..38h
  });
  t[0x39] = e(VIFE_EFFECT.TIME_POINT, 'start date/time of'); // E011 1001
  t[0x3a] = e(VIFE_EFFECT.NOTE, 'uncorrected unit'); // E011 1010
  t[0x3b] = e(VIFE_EFFECT.NOTE, NOTE_FORWARD); // E011 1011
  t[0x3c] = e(VIFE_EFFECT.NOTE, NOTE_BACKWARD); // E011 1100
  t[0x3e] = e(VIFE_EFFECT.NOTE, 'value at base conditions'); // E011 1110
  // E100 u000 / E100 u001: limit value, number of exceeds; E100 uf1b: date of limit exceed
  for (const u of [0, 1]) {
    const limit = u === 0 ? 'lower' : 'upper';
    const base = 0x40 | (u << 3);
    t[base] = e(VIFE_EFFECT.NOTE, `${limit} limit value`);
    t[base | 0x01] = e(VIFE_EFFECT.COUNT, `number of exceeds of ${limit} limit`);
    for (const f of [0, 1]) {
      for (const b of [0, 1]) {
        const text = `date/time of ${b === 0 ? 'begin' : 'end'} of ${f === 0 ? 'first' : 'last'} ${limit} limit exceed`;
        t[base | (f << 2) | 0x02 | b] = e(VIFE_EFFECT.TIME_POINT, text);
      }
    }
    // E101 ufnn: duration of limit exceed
    for (const f of [0, 1]) {
      for (let nn = 0; nn < 4; nn++) {
        t[0x50 | (u << 3) | (f << 2) | nn] = e(VIFE_EFFECT.DURATION, `duration of ${f === 0 ? 'first' : 'last'} ${limit} limit exceed`, nn);
      }
    }
  }
  // E110 0fnn: duration of (the record's quantity); E110 1f1b: date of begin/end
  for (const f of [0, 1]) {
    const which = f === 0 ? 'first' : 'last';
    for (let nn = 0; nn < 4; nn++) t[0x60 | (f << 2) | nn] = e(VIFE_EFFECT.DURATION, `duration of ${which}`, nn);
    t[0x6a | (f << 2)] = e(VIFE_EFFECT.TIME_POINT, `date/time of ${which} begin`);
    t[0x6b | (f << 2)] = e(VIFE_EFFECT.TIME_POINT, `date/time of ${which} end`);
  }
  // E111 0nnn: multiplicative correction factor 10^(nnn-6)
  for (let n = 0; n < 8; n++) t[0x70 + n] = e(VIFE_EFFECT.EXPONENT, 'multiplicative correction factor', n - 6);
  // E111 10nn: additive correction constant 10^(nn-3) x unit of VIF (offset)
  for (let n = 0; n < 4; n++) t[0x78 + n] = e(VIFE_EFFECT.ADDITIVE, 'additive correction constant', n - 3);
  t[0x7c] = e(VIFE_EFFECT.EXTENSION, 'combinable extension'); // E111 1100: next VIFE from Table 17
  t[0x7d] = e(VIFE_EFFECT.EXPONENT, 'multiplicative correction factor', 3); // E111 1101: 10^3
  t[0x7e] = e(VIFE_EFFECT.NOTE, 'future value'); // E111 1110
  t[0x7f] = e(VIFE_EFFECT.MANUFACTURER, 'manufacturer specific'); // E111 1111
  return Object.freeze(t);
})();

/** Extension of the combinable VIFEs, the VIFE after FCh (EN 13757-3 Table 17), indexed by code & 7Fh. */
export const COMBINABLE_EXTENSION_VIFES: readonly VifeEntry[] = (() => {
  const t: VifeEntry[] = [];
  for (let code = 0; code < 128; code++) t.push(e(VIFE_EFFECT.NOTE, `reserved VIFE FC ${code.toString(16).toUpperCase().padStart(2, '0')}`));
  for (let p = 1; p <= 4; p++) t[p] = e(VIFE_EFFECT.NOTE, NOTE_PHASE[p as 1 | 2 | 3 | 4]); // 01h-04h
  t[0x05] = e(VIFE_EFFECT.NOTE, 'between phase L1 and L2');
  t[0x06] = e(VIFE_EFFECT.NOTE, 'between phase L2 and L3');
  t[0x07] = e(VIFE_EFFECT.NOTE, 'between phase L3 and L1');
  for (let q = 1; q <= 4; q++) t[0x07 + q] = e(VIFE_EFFECT.NOTE, `at quadrant Q${q}`); // 08h-0Bh
  t[0x0c] = e(VIFE_EFFECT.NOTE, 'delta between import and export');
  t[0x10] = e(VIFE_EFFECT.NOTE, 'accumulation of abs value');
  t[0x11] = e(VIFE_EFFECT.NOTE, 'data presented with type C');
  t[0x12] = e(VIFE_EFFECT.NOTE, 'data presented with type D');
  return Object.freeze(t);
})();

export { DURATION_UNITS };
