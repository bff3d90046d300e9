import { CodecError } from '../errors.js';
import { COMBINABLE_EXTENSION_VIFES, COMBINABLE_VIFES, DURATION_UNITS, VIFE_EFFECT, type VifeEntry } from './vif-combinable.js';
import { VIF_RAW, VIF_TIME_POINT, type VifEntry } from './vif-entry.js';
import { FB_VIFS, FD_VIFS } from './vif-extension.js';
import { PRIMARY_VIF, PRIMARY_VIFS } from './vif-primary.js';

/** EN 13757-3 6.5: at most 10 VIFEs follow a VIF. */
export const MAX_VIFES = 10;

const EXTENSION_BIT = 0x80;

/**
 * The meaning of one VIB (VIF + VIFEs [+ plain-text unit]) after every combinable VIFE was applied.
 * Mutable and reused from record to record by one decode call, so the common record costs no allocation.
 */
export class VibState {
  quantity = '';
  unit = '';
  exponent = 0;
  flags = 0;
  /** Notes from the VIFEs, or null when there are none. */
  notes: string[] | null = null;
  errorCode: number | undefined = undefined;
  /** Manufacturer-specific VIF or VIFE: value kept raw. */
  manufacturer = false;
  /** Why the last `readVib` returned VIB_UNDECODABLE, and where. */
  fault = '';
  faultAt = 0;

  reset(e: VifEntry): void {
    this.quantity = e.quantity;
    this.unit = e.unit;
    this.exponent = e.exponent;
    this.flags = e.flags;
    this.notes = null;
    this.errorCode = undefined;
    this.manufacturer = false;
  }

  note(text: string): void {
    if (this.notes === null) this.notes = [text];
    else this.notes.push(text);
  }
}

const PLAIN_TEXT: VifEntry = Object.freeze({ quantity: 'custom unit', unit: '', exponent: 0, flags: 0 });

function truncated(what: string, at: number): CodecError {
  return new CodecError('CODEC_TRUNCATED', 'records', `${what} missing at offset ${at}`, at);
}

/** What `readVib` returns for an extension VIF/VIFE that lacks the byte naming its true meaning. */
export const VIB_UNDECODABLE = -1;

/**
 * Parse the VIB at b[at] (limit end) into `state`; returns the offset after it.
 * Throws CodecError (layer records) for a VIB that runs past the end or breaks the rules.
 */
export function parseVib(b: Uint8Array, at: number, end: number, state: VibState): number {
  const next = readVib(b, at, end, state);
  if (next === VIB_UNDECODABLE) throw new CodecError('CODEC_MALFORMED', 'records', state.fault, state.faultAt);
  return next;
}

function undecodable(state: VibState, fault: string, at: number): number {
  state.fault = fault;
  state.faultAt = at;
  return VIB_UNDECODABLE;
}

/**
 * As `parseVib`, but an extension VIF or VIFE without its true VIF (the rest cannot be told apart from
 * manufacturer data) returns VIB_UNDECODABLE with `state.fault` set instead of throwing: a record decoder
 * may then keep the rest of the data raw. Truncation and other rule breaks still throw.
 */
export function readVib(b: Uint8Array, at: number, end: number, state: VibState): number {
  if (at >= end) throw truncated('VIF', at);
  const vif = b[at++]!;
  const code = vif & 0x7f;
  let ext = vif & EXTENSION_BIT;
  let plainText = false;
  let mfrVifes = false;
  if (code === PRIMARY_VIF.EXTENSION_FB || code === PRIMARY_VIF.EXTENSION_FD) {
    if (ext === 0) return undecodable(state, `extension VIF ${vif.toString(16)}h without the VIFE that holds the true VIF`, at - 1);
    if (at >= end) throw truncated('extension VIFE', at);
    const v2 = b[at++]!;
    state.reset((code === PRIMARY_VIF.EXTENSION_FB ? FB_VIFS : FD_VIFS)[v2 & 0x7f]!);
    ext = v2 & EXTENSION_BIT;
  } else if (code === PRIMARY_VIF.PLAIN_TEXT) {
    state.reset(PLAIN_TEXT);
    plainText = true;
  } else {
    state.reset(PRIMARY_VIFS[code]!);
    if (code === PRIMARY_VIF.MANUFACTURER) {
      state.manufacturer = true;
      mfrVifes = true;
    }
  }
  let count = 0;
  while (ext !== 0) {
    if (at >= end) throw truncated('VIFE', at);
    if (++count > MAX_VIFES) throw new CodecError('CODEC_MALFORMED', 'records', `more than ${MAX_VIFES} VIFEs at offset ${at}`, at);
    const vife = b[at++]!;
    ext = vife & EXTENSION_BIT;
    if (mfrVifes) continue; // kept as raw bytes in the VIB
    let ce: VifeEntry = COMBINABLE_VIFES[vife & 0x7f]!;
    if (ce.effect === VIFE_EFFECT.EXTENSION) {
      if (ext === 0) return undecodable(state, `VIFE FCh without the VIFE it extends at offset ${at - 1}`, at - 1);
      if (at >= end) throw truncated('VIFE', at);
      if (++count > MAX_VIFES) throw new CodecError('CODEC_MALFORMED', 'records', `more than ${MAX_VIFES} VIFEs at offset ${at}`, at);
      const v2 = b[at++]!;
      ext = v2 & EXTENSION_BIT;
      ce = COMBINABLE_EXTENSION_VIFES[v2 & 0x7f]!;
    }
    applyVife(state, ce);
    if (ce.effect === VIFE_EFFECT.MANUFACTURER) mfrVifes = true;
  }
  if (plainText) {
    // The unit text follows the last VIFE: a length byte, then the characters, last one first.
    if (at >= end) throw truncated('plain-text VIF length', at);
    const len = b[at++]!;
    if (at + len > end) throw truncated('plain-text VIF unit', at);
    let unit = '';
    for (let i = at + len - 1; i >= at; i--) unit += String.fromCharCode(b[i]!);
    state.unit = unit + state.unit;
    at += len;
  }
  return at;
}

function applyVife(s: VibState, ce: VifeEntry): void {
  switch (ce.effect) {
    case VIFE_EFFECT.NOTE:
      s.note(ce.text);
      return;
    case VIFE_EFFECT.ERROR:
      s.errorCode = ce.arg;
      s.note(ce.text);
      return;
    case VIFE_EFFECT.UNIT_SUFFIX:
      s.unit += ce.text;
      return;
    case VIFE_EFFECT.EXPONENT:
      s.exponent += ce.arg;
      return;
    case VIFE_EFFECT.TIME_POINT:
      s.quantity = `${ce.text} ${s.quantity}`;
      s.unit = '';
      s.exponent = 0;
      s.flags |= VIF_TIME_POINT;
      return;
    case VIFE_EFFECT.DURATION:
      s.quantity = `${ce.text} ${s.quantity}`;
      s.unit = DURATION_UNITS[ce.arg]!;
      s.exponent = 0;
      return;
    case VIFE_EFFECT.COUNT:
      s.quantity = `${ce.text} ${s.quantity}`;
      s.unit = '';
      s.exponent = 0;
      return;
    case VIFE_EFFECT.ADDITIVE:
      // The value is an offset in 10^(nn-3) of the VIF's unit, replacing the VIF's own exponent.
      s.quantity = `${ce.text} ${s.quantity}`;
      s.exponent = ce.arg;
      return;
    case VIFE_EFFECT.MANUFACTURER:
      s.manufacturer = true;
      s.note(ce.text);
      return;
    case VIFE_EFFECT.EXTENSION:
      return; // resolved by the caller
  }
}

/** Whether a VIB's value is to be kept as raw bytes. */
export const isRawVib = (s: VibState): boolean => s.manufacturer || (s.flags & VIF_RAW) !== 0;
