import { AesCmac, type AesKey } from './cmac.js';

/**
 * OMS key derivation function A (OMS vol. 2, EN 13757-7 / CEN/TR 17167 annex F):
 * K = CMAC(MK, DC || C(4, LE) || ID(4) || 07 x 7), one 16-byte block.
 */

/** Derivation constants (DC) of KDF-A. */
export const OMS_DERIVATION = {
  /** 0x00: encryption key, meter to gateway */
  kenc: 0x00,
  /** 0x01: MAC key, meter to gateway */
  kmac: 0x01,
  /** 0x10: encryption key, gateway to meter */
  lenc: 0x10,
  /** 0x11: MAC key, gateway to meter */
  lmac: 0x11,
} as const;

export type OmsDerivation = keyof typeof OMS_DERIVATION;

/** Padding byte of the KDF-A input block. */
const PAD = 0x07;

/**
 * Derive one ephemeral key. `counter` is the AFL message counter; `meterId` the 4 ID bytes as sent on
 * the wire (least significant byte first, for example 78 56 34 12 for meter 12345678).
 * `master` may be a reusable `AesCmac` of the master key (saves the subkey derivation per call).
 */
export function omsKdfA(master: AesKey | AesCmac, kind: OmsDerivation, counter: number, meterId: Uint8Array): Uint8Array {
  checkInputs(counter, meterId);
  const input = new Uint8Array(16);
  writeInput(input, 0, kind, counter, meterId);
  const cmac = master instanceof AesCmac ? master : new AesCmac(master);
  return cmac.mac(input);
}

/**
 * Kenc and Kmac (meter to gateway) of one message counter together: both inputs are one whole block, so
 * their CMACs come out of a single ECB call (`AesCmac.eachBlock`). Same keys as two `omsKdfA` calls.
 */
export function omsKdfAMeterKeys(master: AesCmac, counter: number, meterId: Uint8Array): { readonly kenc: Uint8Array; readonly kmac: Uint8Array } {
  checkInputs(counter, meterId);
  const input = new Uint8Array(32);
  writeInput(input, 0, 'kenc', counter, meterId);
  writeInput(input, 16, 'kmac', counter, meterId);
  const tags = master.eachBlock(input);
  return { kenc: tags.subarray(0, 16), kmac: tags.subarray(16, 32) };
}

function checkInputs(counter: number, meterId: Uint8Array): void {
  if (meterId.length !== 4) throw new RangeError(`KDF-A needs a 4-byte meter id, got ${meterId.length}`);
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) throw new RangeError('KDF-A counter must be a 32-bit unsigned integer');
}

/** DC || C(4, LE) || ID(4) || 07 x 7 at `at`. */
function writeInput(out: Uint8Array, at: number, kind: OmsDerivation, counter: number, meterId: Uint8Array): void {
  out[at] = OMS_DERIVATION[kind];
  out[at + 1] = counter & 0xff;
  out[at + 2] = (counter >>> 8) & 0xff;
  out[at + 3] = (counter >>> 16) & 0xff;
  out[at + 4] = (counter >>> 24) & 0xff;
  out.set(meterId, at + 5);
  out.fill(PAD, at + 9, at + 16);
}
