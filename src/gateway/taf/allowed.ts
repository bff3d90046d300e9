/**
 * Per TAF, the closed set of OBIS values (IEC 62056-61 / EN 62056-6-1 naming) it may ever carry. A contract
 * selects from its TAF's set; the engine passes on nothing outside the contract's selection.
 */
import { CodecError } from '../../protocols/errors.js';
import { formatObis, parseObis } from '../../protocols/obis/obis.js';

export const TAF_NUMBERS = [1, 2, 6, 7, 9, 10, 14] as const;
export type TafNumber = (typeof TAF_NUMBERS)[number];

/** Billing registers: cumulative totals a bill is made of (value group D 8 for electricity, 0 otherwise). */
export const REGISTERS = {
  /** A+ active energy import, total (C 01, D 08). */
  ENERGY_IMPORT: '1-0:1.8.0',
  /** A- active energy export (feed-in), total (C 02, D 08). */
  ENERGY_EXPORT: '1-0:2.8.0',
  /** Gas volume, total (A 07, C 03). */
  GAS_VOLUME: '7-0:3.0.0',
  /** Water volume, total (A 08, C 01). */
  WATER_VOLUME: '8-0:1.0.0',
  /** Heat energy, total (A 06, C 01). */
  HEAT_ENERGY: '6-0:1.0.0',
} as const;

const REGISTER_SET: readonly string[] = Object.values(REGISTERS);

/** TAF 2 tariff stage registers: A+ with value group E = stage number 1..4. */
export const stageRegister = (stage: number): string => `1-0:1.8.${stage}`;
export const MAX_STAGES = 4;

/** TAF 9: feed-in energy register and feed-in power (C 02; D 08 register, D 07 instantaneous). */
export const FEED_IN = ['1-0:2.8.0', '1-0:2.7.0'] as const;

/**
 * TAF 10 grid status values: voltage (C 32/52/72, D 07) and current (C 31/51/71) per phase, active power
 * total (C 01/02) and per phase (C 21/41/61), and phase angles C 81 D 07 with E = 10 a + b between the
 * quantities a, b of IEC 62056-61's angle table (0 U L1, 1 U L2, 2 U L3, 4 I L1, 5 I L2, 6 I L3, 7 I N).
 */
export const GRID_VALUES: readonly string[] = [
  '1-0:32.7.0',
  '1-0:52.7.0',
  '1-0:72.7.0',
  '1-0:31.7.0',
  '1-0:51.7.0',
  '1-0:71.7.0',
  '1-0:1.7.0',
  '1-0:2.7.0',
  '1-0:21.7.0',
  '1-0:41.7.0',
  '1-0:61.7.0',
  ...phaseAngles(),
];

function phaseAngles(): string[] {
  const q = [0, 1, 2, 4, 5, 6, 7];
  return q.flatMap((a) => q.filter((b) => b !== a).map((b) => `1-0:81.7.${10 * a + b}`));
}

/** OBIS value group D 07: instantaneous value (electricity). */
const D_INSTANTANEOUS = 7;
/** OBIS value group A 01: electricity. */
const A_ELECTRICITY = 1;

/** TAF 14: any instantaneous electricity value of the main meter (1-0:C.7.E, no historic F). */
export function isInstantaneous(obis: string): boolean {
  const o = normaliseObis(obis);
  if (o === undefined) return false;
  const g = parseObis(o);
  return g[0] === A_ELECTRICITY && g[1] === 0 && g[2] >= 1 && g[2] <= 99 && g[3] === D_INSTANTANEOUS && g[5] === 255;
}

/** Whether a TAF may carry the value at all, whatever the contract says. */
export function tafCarries(taf: TafNumber, obis: string): boolean {
  const o = normaliseObis(obis);
  if (o === undefined) return false;
  switch (taf) {
    case 1:
    case 6:
    case 7:
      return REGISTER_SET.includes(o);
    case 2:
      return [1, 2, 3, 4].some((s) => stageRegister(s) === o);
    case 9:
      return (FEED_IN as readonly string[]).includes(o);
    case 10:
      return GRID_VALUES.includes(o);
    case 14:
      return isInstantaneous(o);
  }
}

/** Canonical text of an OBIS id ("1-0:1.8.0*255" -> "1-0:1.8.0"), or undefined when it is none. */
export function normaliseObis(text: string): string | undefined {
  try {
    return formatObis(parseObis(text));
  } catch (e) {
    if (e instanceof CodecError) return undefined;
    throw e;
  }
}
