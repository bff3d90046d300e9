import { createRequire } from 'node:module';
import type * as Pkcs11js from 'pkcs11js';
import { SecurityModuleError } from './errors.js';

export type Pkcs11Binding = typeof Pkcs11js;
export type Pkcs11 = Pkcs11js.PKCS11;
export type Handle = Pkcs11js.Handle;

/** Where Debian and Ubuntu put SoftHSM2's PKCS#11 library. */
export const SOFTHSM2_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

let binding: Pkcs11Binding | undefined;

/** pkcs11js is a native add-on: loaded on first use, so the software back ends never need it. */
export function pkcs11Binding(): Pkcs11Binding {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('pkcs11js') as Pkcs11Binding;
    } catch {
      throw new SecurityModuleError('SM_TOKEN', 'the pkcs11js native add-on cannot be loaded');
    }
  }
  return binding;
}

/**
 * The CKR_* name of a failed pkcs11js call, or undefined for anything else. Not every pkcs11js method wraps its
 * failures in Pkcs11Error: some throw a plain Error whose message starts "CKR_NAME:number".
 */
export function ckrName(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  return /^(CKR_[A-Z0-9_]+)(?::\d+)?/.exec(e.message)?.[1];
}

/** SM_TOKEN naming the step and the CKR code; pkcs11js messages carry no arguments, so no PIN can leak here. */
export function tokenError(step: string, e: unknown): SecurityModuleError {
  if (e instanceof SecurityModuleError) return e;
  return new SecurityModuleError('SM_TOKEN', `${step}: ${ckrName(e) ?? 'PKCS#11 call failed'}`);
}

interface Loaded {
  readonly p11: Pkcs11;
  users: number;
}

/**
 * One loaded and initialised instance per library path: a second C_Initialize in the same process shares the
 * library's state anyway, and an early C_Finalize from one user would end every other user's sessions.
 */
const loaded = new Map<string, Loaded>();

export function acquireLibrary(path: string): Pkcs11 {
  const known = loaded.get(path);
  if (known !== undefined) {
    known.users++;
    return known.p11;
  }
  const b = pkcs11Binding();
  const p11 = new b.PKCS11();
  try {
    p11.load(path);
  } catch {
    throw new SecurityModuleError('SM_TOKEN', `cannot load the PKCS#11 library ${path}`);
  }
  try {
    p11.C_Initialize();
  } catch (e) {
    if (ckrName(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      p11.close();
      throw tokenError('C_Initialize', e);
    }
  }
  loaded.set(path, { p11, users: 1 });
  return p11;
}

export function releaseLibrary(path: string): void {
  const known = loaded.get(path);
  if (known === undefined) return;
  if (--known.users > 0) return;
  loaded.delete(path);
  try {
    known.p11.C_Finalize();
  } catch {
    // the library is going away either way
  }
  known.p11.close();
}
