import { VIF_RAW, VIF_TIME_POINT, VIF_UNSIGNED, type VifEntry, entry, fillDuration, fillScaled, reservedTable } from './vif-entry.js';

/**
 * First extension table, true VIF after FDh (EN 13757-3 Table 12), indexed by code & 7Fh.
 * Codes the standard leaves reserved stay raw.
 */
export const FD_VIFS: readonly VifEntry[] = (() => {
  const t = reservedTable('FD');
  fillScaled(t, 0x00, 4, 'credit', 'currency units', -3); // E000 00nn 10^(nn-3) local currency
  fillScaled(t, 0x04, 4, 'debit', 'currency units', -3); // E000 01nn
  const id = (code: number, quantity: string): void => {
    t[code] = entry(quantity, '', 0, VIF_UNSIGNED);
  };
  id(0x08, 'access number'); // E000 1000 transmission count
  id(0x09, 'medium'); // E000 1001 device type
  id(0x0a, 'manufacturer'); // E000 1010
  id(0x0b, 'parameter set identification'); // E000 1011
  id(0x0c, 'model version'); // E000 1100
  id(0x0d, 'hardware version'); // E000 1101
  id(0x0e, 'firmware version'); // E000 1110
  id(0x0f, 'software version'); // E000 1111
  id(0x10, 'customer location'); // E001 0000
  id(0x11, 'customer'); // E001 0001
  id(0x12, 'access code user'); // E001 0010
  id(0x13, 'access code operator'); // E001 0011
  id(0x14, 'access code system operator'); // E001 0100
  id(0x15, 'access code developer'); // E001 0101
  id(0x16, 'password'); // E001 0110
  id(0x17, 'error flags'); // E001 0111 binary, device type specific
  id(0x18, 'error mask'); // E001 1000
  id(0x19, 'security key'); // E001 1001
  id(0x1a, 'digital output'); // E001 1010 binary
  id(0x1b, 'digital input'); // E001 1011 binary
  t[0x1c] = entry('baud rate', 'Bd', 0); // E001 1100
  t[0x1d] = entry('response delay time', 'bit times', 0); // E001 1101
  t[0x1e] = entry('retry', '', 0); // E001 1110
  id(0x1f, 'remote control'); // E001 1111 device type specific
  t[0x20] = entry('first storage number', '', 0); // E010 0000 cyclic storage
  t[0x21] = entry('last storage number', '', 0); // E010 0001
  t[0x22] = entry('storage block size', '', 0); // E010 0010
  id(0x23, 'tariff and subunit descriptor'); // E010 0011
  fillDuration(t, 0x24, 'storage interval'); // E010 01nn
  t[0x28] = entry('storage interval', 'month', 0); // E010 1000
  t[0x29] = entry('storage interval', 'year', 0); // E010 1001
  id(0x2a, 'operator specific data'); // E010 1010
  t[0x2b] = entry('time point second', 's', 0); // E010 1011
  fillDuration(t, 0x2c, 'duration since last readout'); // E010 11nn
  t[0x30] = entry('start of tariff', '', 0, VIF_TIME_POINT); // E011 0000
  for (let i = 1; i < 4; i++) t[0x30 + i] = entry('duration of tariff', ['', 'min', 'h', 'd'][i]!, 0); // E011 00nn, nn>0
  fillDuration(t, 0x34, 'period of tariff'); // E011 01nn
  t[0x38] = entry('period of tariff', 'month', 0); // E011 1000
  t[0x39] = entry('period of tariff', 'year', 0); // E011 1001
  t[0x3a] = entry('dimensionless', '', 0); // E011 1010
  t[0x3c] = entry('period of nominal transmission', 's', 0); // E011 110n (OMS)
  t[0x3d] = entry('period of nominal transmission', 'min', 0);
  fillScaled(t, 0x40, 16, 'voltage', 'V', -9); // E100 nnnn 10^(nnnn-9) V
  fillScaled(t, 0x50, 16, 'current', 'A', -12); // E101 nnnn 10^(nnnn-12) A
  t[0x60] = entry('reset counter', '', 0); // E110 0000
  t[0x61] = entry('cumulation counter', '', 0); // E110 0001
  id(0x62, 'control signal'); // E110 0010
  t[0x63] = entry('day of week', '', 0); // E110 0011 1 = Monday
  t[0x64] = entry('week number', '', 0); // E110 0100
  id(0x65, 'time point of day change'); // E110 0101
  id(0x66, 'state of parameter activation'); // E110 0110
  id(0x67, 'special supplier information'); // E110 0111
  fillDuration(t, 0x68, 'duration since last cumulation'); // E110 10nn
  fillDuration(t, 0x6c, 'battery operating time'); // E110 11nn
  t[0x70] = entry('battery change', '', 0, VIF_TIME_POINT); // E111 0000 date and time of battery change
  t[0x71] = entry('reception level', 'dBm', 0); // E111 0001 RF level
  id(0x72, 'daylight saving'); // E111 0010 begin, end, deviation
  id(0x73, 'listening window management'); // E111 0011
  t[0x74] = entry('remaining battery lifetime', 'd', 0); // E111 0100
  t[0x75] = entry('meter stopped count', '', 0); // E111 0101
  t[0x76] = entry('manufacturer protocol container', '', 0, VIF_RAW); // E111 0110
  return Object.freeze(t);
})();

/** Second extension table, true VIF after FBh (EN 13757-3 Table 14), indexed by code & 7Fh. */
export const FB_VIFS: readonly VifEntry[] = (() => {
  const t = reservedTable('FB');
  fillScaled(t, 0x00, 2, 'energy', 'MWh', -1); // E000 000n 10^(n-1) MWh
  fillScaled(t, 0x02, 2, 'reactive energy', 'kvarh', 0); // E000 001n 10^n kvarh
  fillScaled(t, 0x04, 2, 'apparent energy', 'kVAh', 0); // E000 010n 10^n kVAh
  fillScaled(t, 0x08, 2, 'energy', 'GJ', -1); // E000 100n 10^(n-1) GJ
  fillScaled(t, 0x0c, 4, 'energy', 'Mcal', -1); // E000 11nn 10^(nn-1) Mcal
  fillScaled(t, 0x10, 2, 'volume', 'm3', 2); // E001 000n 10^(n+2) m3
  fillScaled(t, 0x14, 4, 'reactive power', 'kvar', -3); // E001 01nn 10^(nn-3) kvar
  fillScaled(t, 0x18, 2, 'mass', 't', 2); // E001 100n 10^(n+2) t
  fillScaled(t, 0x1a, 2, 'relative humidity', '%', -1); // E001 101n 10^(n-1) %
  t[0x20] = entry('volume', 'ft3', 0); // E010 0000
  t[0x21] = entry('volume', 'ft3', -1); // E010 0001 0.1 ft3
  fillScaled(t, 0x22, 2, 'volume', 'US gal', -1); // E010 001n 10^(n-1) US gallon
  t[0x24] = entry('volume flow', 'US gal/min', -3); // E010 0100
  t[0x25] = entry('volume flow', 'US gal/min', 0); // E010 0101
  t[0x26] = entry('volume flow', 'US gal/h', 0); // E010 0110
  fillScaled(t, 0x28, 2, 'power', 'MW', -1); // E010 100n 10^(n-1) MW
  t[0x2a] = entry('phase angle voltage-voltage', '°', -1); // E010 1010
  t[0x2b] = entry('phase angle voltage-current', '°', -1); // E010 1011
  fillScaled(t, 0x2c, 4, 'frequency', 'Hz', -3); // E010 11nn 10^(nn-3) Hz
  fillScaled(t, 0x30, 2, 'power', 'GJ/h', -1); // E011 000n 10^(n-1) GJ/h
  fillScaled(t, 0x34, 4, 'apparent power', 'kVA', -3); // E011 01nn 10^(nn-3) kVA
  fillScaled(t, 0x58, 4, 'flow temperature', '°F', -3); // E101 10nn 10^(nn-3) °F
  fillScaled(t, 0x5c, 4, 'return temperature', '°F', -3); // E101 11nn
  fillScaled(t, 0x60, 4, 'temperature difference', '°F', -3); // E110 00nn
  fillScaled(t, 0x64, 4, 'external temperature', '°F', -3); // E110 01nn
  fillScaled(t, 0x70, 4, 'cold/warm temperature limit', '°F', -3); // E111 00nn
  fillScaled(t, 0x74, 4, 'cold/warm temperature limit', '°C', -3); // E111 01nn
  fillScaled(t, 0x78, 8, 'cumulative count max power', 'W', -3); // E111 1nnn 10^(nnn-3) W
  return Object.freeze(t);
})();
