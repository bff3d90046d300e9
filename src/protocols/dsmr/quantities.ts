/**
 * What the OBIS ids of a P1 telegram measure (DSMR 5.0.2 P1 companion standard table 6.12; e-MUCS H 1.7.1
 * for Belgium), keyed "C.D" or "C.D.E", and the M-Bus device types of 0-n:24.1.0 (EN 13757-3 table 3, medium).
 */
import type { ObisCode } from '../obis/index.js';

const BY_CDE: Readonly<Record<string, string>> = {
  '0.2.8': 'p1 version',
  '1.0.0': 'date time',
  '96.1.4': 'p1 version',
  '96.3.10': 'breaker state',
  '96.7.21': 'power failures',
  '96.7.9': 'long power failures',
  '96.7.19': 'power failure duration',
  '96.14.0': 'tariff indicator',
  '96.13.0': 'text message',
  '96.13.1': 'text message code',
  '0.0.0': 'equipment id',
  '96.1.0': 'equipment id',
  '96.1.1': 'equipment id',
  '96.1.255': 'equipment id',
  '42.0.0': 'logical device name',
  '17.0.0': 'limiter threshold',
  '24.1.0': 'device type',
  '24.4.0': 'valve position',
};

const BY_CD: Readonly<Record<string, string>> = {
  '1.8': 'energy import',
  '2.8': 'energy export',
  '3.8': 'reactive energy import',
  '4.8': 'reactive energy export',
  '5.8': 'reactive energy QI',
  '6.8': 'reactive energy QII',
  '7.8': 'reactive energy QIII',
  '8.8': 'reactive energy QIV',
  '15.8': 'absolute energy',
  '1.7': 'power import',
  '2.7': 'power export',
  '3.7': 'reactive power import',
  '4.7': 'reactive power export',
  '5.7': 'reactive power QI',
  '6.7': 'reactive power QII',
  '7.7': 'reactive power QIII',
  '8.7': 'reactive power QIV',
  '21.7': 'power import L1',
  '41.7': 'power import L2',
  '61.7': 'power import L3',
  '22.7': 'power export L1',
  '42.7': 'power export L2',
  '62.7': 'power export L3',
  '32.7': 'voltage L1',
  '52.7': 'voltage L2',
  '72.7': 'voltage L3',
  '31.7': 'current L1',
  '51.7': 'current L2',
  '71.7': 'current L3',
  '13.7': 'power factor',
  '33.7': 'power factor L1',
  '53.7': 'power factor L2',
  '73.7': 'power factor L3',
  '14.7': 'frequency',
  '32.32': 'voltage sags L1',
  '52.32': 'voltage sags L2',
  '72.32': 'voltage sags L3',
  '32.36': 'voltage swells L1',
  '52.36': 'voltage swells L2',
  '72.36': 'voltage swells L3',
  '1.4': 'current average demand',
  '1.6': 'maximum demand',
  '31.4': 'current limit L1',
  '51.4': 'current limit L2',
  '71.4': 'current limit L3',
  '98.1': 'billing values',
  '24.2': 'meter reading',
  '24.3': 'meter reading',
};

/** The tables keyed by numbers (C << 16 | D << 8 | E, and C << 8 | D): this runs once per line. */
const numericKeys = (table: Readonly<Record<string, string>>): ReadonlyMap<number, string> =>
  new Map(Object.entries(table).map(([k, v]) => [k.split('.').reduce((n, g) => (n << 8) | Number(g), 0), v]));
const CDE = numericKeys(BY_CDE);
const CD = numericKeys(BY_CD);

/** A plain-words name for a DSMR OBIS id; "value" when we do not know it. */
export function dsmrQuantity(code: ObisCode): string {
  const cd = (code[2] << 8) | code[3];
  return CDE.get((cd << 8) | code[4]) ?? CD.get(cd) ?? 'value';
}

/** M-Bus device types (EN 13757-3 table 3 "medium") that P1 reports in 0-n:24.1.0. */
export const MBUS_DEVICE_TYPE: Readonly<Record<number, string>> = {
  0: 'other', // 0x00
  2: 'electricity', // 0x02
  3: 'gas', // 0x03
  4: 'heat', // 0x04
  6: 'warm water', // 0x06
  7: 'water', // 0x07
  10: 'cooling', // 0x0A
  11: 'cooling (inlet)', // 0x0B
  12: 'heat (inlet)', // 0x0C
  13: 'heat / cooling', // 0x0D
};
