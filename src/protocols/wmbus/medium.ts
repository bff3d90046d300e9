/**
 * Device type (medium) byte of the address field, EN 13757-3:2018 and OMS vol. 2.
 * Codes not listed are reserved.
 */
export const DEVICE_TYPES: ReadonlyMap<number, string> = new Map([
  [0x00, 'other'],
  [0x01, 'oil'],
  [0x02, 'electricity'],
  [0x03, 'gas'],
  [0x04, 'heat'], // heat meter, volume measured at return temperature (outlet)
  [0x05, 'steam'],
  [0x06, 'warm water'], // 30 °C to 90 °C
  [0x07, 'water'],
  [0x08, 'heat cost allocation'],
  [0x09, 'compressed air'],
  [0x0a, 'cooling load volume at outlet'],
  [0x0b, 'cooling load volume at inlet'],
  [0x0c, 'heat volume at inlet'],
  [0x0d, 'heat/cooling load'],
  [0x0e, 'bus/system component'],
  [0x0f, 'unknown'],
  [0x14, 'calorific value'],
  [0x15, 'hot water'], // at least 90 °C
  [0x16, 'cold water'],
  [0x17, 'hot/cold water'],
  [0x18, 'pressure'],
  [0x19, 'a/d converter'],
  [0x1a, 'smoke detector'],
  [0x1b, 'room sensor'],
  [0x1c, 'gas detector'],
  [0x20, 'breaker'],
  [0x21, 'valve'],
  [0x25, 'customer unit (display device)'],
  [0x28, 'waste water'],
  [0x29, 'garbage'],
  [0x31, 'communication controller'], // OMS MUC
  [0x32, 'unidirectional repeater'],
  [0x33, 'bidirectional repeater'],
  [0x36, 'radio converter (system side)'],
  [0x37, 'radio converter (meter side)'],
  [0x38, 'wired adapter'],
]);

export const mediumName = (deviceType: number): string => DEVICE_TYPES.get(deviceType) ?? 'reserved';
