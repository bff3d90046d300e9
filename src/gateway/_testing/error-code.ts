import { GatewayError, type GatewayErrorCode } from '../errors.js';

/** The GatewayError code a promise (or call) fails with, undefined when it succeeds; any other error is rethrown. */
export async function gatewayCodeOf(p: Promise<unknown> | (() => unknown)): Promise<GatewayErrorCode | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    return e.code;
  }
}
