import { mediumName } from './medium.js';

/** The 8-byte address block M(2) ID(4) version(1) device type(1) of EN 13757-4 / EN 13757-3 headers. */
export interface MeterAddress {
  /** Three-letter FLAG manufacturer code ("KAM"). */
  readonly manufacturer: string;
  /** Manufacturer flag id as sent (little-endian u16), e.g. 0x2C2D. */
  readonly manufacturerId: number;
  /** Identification number as printed on the meter: the 4 BCD bytes, most significant first ("33221100"). */
  readonly id: string;
  readonly version: number;
  readonly deviceType: number;
  readonly medium: string;
}

const HEX = '0123456789ABCDEF';

/** Letters of the FLAG code: three 5-bit groups, 1 = 'A' (EN 13757-3, manufacturer field). */
export function manufacturerCode(flagId: number): string {
  return String.fromCharCode(((flagId >>> 10) & 0x1f) + 64, ((flagId >>> 5) & 0x1f) + 64, (flagId & 0x1f) + 64);
}

/** The 4 ID bytes at `at` (least significant first on the wire) as the 8-digit string of the name plate. */
export function idString(bytes: Uint8Array, at: number): string {
  const b3 = bytes[at + 3]!;
  const b2 = bytes[at + 2]!;
  const b1 = bytes[at + 1]!;
  const b0 = bytes[at]!;
  // One flat string at once (joined pieces would be a tree that every map lookup by id has to flatten first).
  return String.fromCharCode(
    HEX_CODE[b3 >>> 4]!,
    HEX_CODE[b3 & 0x0f]!,
    HEX_CODE[b2 >>> 4]!,
    HEX_CODE[b2 & 0x0f]!,
    HEX_CODE[b1 >>> 4]!,
    HEX_CODE[b1 & 0x0f]!,
    HEX_CODE[b0 >>> 4]!,
    HEX_CODE[b0 & 0x0f]!,
  );
}

/** Character codes of the hex digits 0-9, A-F. */
const HEX_CODE: readonly number[] = Array.from(HEX, (c) => c.charCodeAt(0));

/** Reads M, ID, version and device type in the order of the link layer (caller checked the bounds). */
export function readAddressMFirst(bytes: Uint8Array, at: number): MeterAddress {
  const manufacturerId = bytes[at]! | (bytes[at + 1]! << 8);
  const deviceType = bytes[at + 7]!;
  return {
    manufacturer: manufacturerCode(manufacturerId),
    manufacturerId,
    id: idString(bytes, at + 2),
    version: bytes[at + 6]!,
    deviceType,
    medium: mediumName(deviceType),
  };
}

/** Reads ID, M, version and device type in the order of the long transport header (caller checked the bounds). */
export function readAddressIdFirst(bytes: Uint8Array, at: number): MeterAddress {
  const manufacturerId = bytes[at + 4]! | (bytes[at + 5]! << 8);
  const deviceType = bytes[at + 7]!;
  return {
    manufacturer: manufacturerCode(manufacturerId),
    manufacturerId,
    id: idString(bytes, at),
    version: bytes[at + 6]!,
    deviceType,
    medium: mediumName(deviceType),
  };
}
