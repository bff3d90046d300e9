import { VIF_RAW, VIF_TIME_POINT, VIF_UNSIGNED, type VifEntry, entry, fillDuration, fillScaled, reservedTable } from './vif-entry.js';

/** Primary VIF codes with a meaning other than a unit (EN 13757-3 Table 10, VIF & 7Fh). */
export const PRIMARY_VIF = {
  DATE: 0x6c, // E110 1100: date, type G
  DATE_TIME: 0x6d, // E110 1101: date and time, type F / I / J by size
  HCA: 0x6e, // E110 1110: units for heat cost allocation
  EXTENSION_FB: 0x7b, // E111 1011: true VIF in the next byte, Table 14
  PLAIN_TEXT: 0x7c, // E111 1100: unit given as text after the VIFEs
  EXTENSION_FD: 0x7d, // E111 1101: true VIF in the next byte, Table 12
  ANY: 0x7e, // E111 1110: any VIF (readout selection)
  MANUFACTURER: 0x7f, // E111 1111: manufacturer specific
} as const;

/** Primary VIF table (EN 13757-3 Table 10), indexed by VIF & 7Fh. */
export const PRIMARY_VIFS: readonly VifEntry[] = (() => {
  const t = reservedTable('');
  fillScaled(t, 0x00, 8, 'energy', 'Wh', -3); // E000 0nnn 10^(nnn-3) Wh
  fillScaled(t, 0x08, 8, 'energy', 'J', 0); // E000 1nnn 10^nnn J
  fillScaled(t, 0x10, 8, 'volume', 'm3', -6); // E001 0nnn 10^(nnn-6) m3
  fillScaled(t, 0x18, 8, 'mass', 'kg', -3); // E001 1nnn 10^(nnn-3) kg
  fillDuration(t, 0x20, 'on time'); // E010 00nn
  fillDuration(t, 0x24, 'operating time'); // E010 01nn
  fillScaled(t, 0x28, 8, 'power', 'W', -3); // E010 1nnn 10^(nnn-3) W
  fillScaled(t, 0x30, 8, 'power', 'J/h', 0); // E011 0nnn 10^nnn J/h
  fillScaled(t, 0x38, 8, 'volume flow', 'm3/h', -6); // E011 1nnn 10^(nnn-6) m3/h
  fillScaled(t, 0x40, 8, 'volume flow', 'm3/min', -7); // E100 0nnn 10^(nnn-7) m3/min
  fillScaled(t, 0x48, 8, 'volume flow', 'm3/s', -9); // E100 1nnn 10^(nnn-9) m3/s
  fillScaled(t, 0x50, 8, 'mass flow', 'kg/h', -3); // E101 0nnn 10^(nnn-3) kg/h
  fillScaled(t, 0x58, 4, 'flow temperature', '°C', -3); // E101 10nn 10^(nn-3) °C
  fillScaled(t, 0x5c, 4, 'return temperature', '°C', -3); // E101 11nn
  fillScaled(t, 0x60, 4, 'temperature difference', 'K', -3); // E110 00nn 10^(nn-3) K
  fillScaled(t, 0x64, 4, 'external temperature', '°C', -3); // E110 01nn
  fillScaled(t, 0x68, 4, 'pressure', 'bar', -3); // E110 10nn 10^(nn-3) bar
  t[PRIMARY_VIF.DATE] = entry('date', '', 0, VIF_TIME_POINT);
  t[PRIMARY_VIF.DATE_TIME] = entry('date time', '', 0, VIF_TIME_POINT);
  t[PRIMARY_VIF.HCA] = entry('heat cost allocation', '', 0);
  // 6Fh: reserved for a third extension table; stays raw.
  fillDuration(t, 0x70, 'averaging duration'); // E111 00nn
  fillDuration(t, 0x74, 'actuality duration'); // E111 01nn
  t[0x78] = entry('fabrication number', '', 0, VIF_UNSIGNED);
  t[0x79] = entry('enhanced identification', '', 0, VIF_UNSIGNED);
  t[0x7a] = entry('bus address', '', 0, VIF_UNSIGNED);
  t[PRIMARY_VIF.ANY] = entry('any VIF', '', 0, VIF_RAW);
  t[PRIMARY_VIF.MANUFACTURER] = entry('manufacturer specific', '', 0, VIF_RAW);
  return Object.freeze(t);
})();
