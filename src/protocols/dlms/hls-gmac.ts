import { CodecError } from '../errors.js';
import { SECURITY_CONTROL, SYSTEM_TITLE_LENGTH, suite0Aad } from './ciphering.js';
import { AES128_KEY_LENGTH, GCM_TAG_LENGTH, gcmSeal, suite0Iv, tagsEqual } from './gcm.js';

/**
 * HLS authentication mechanism 5, HLS-GMAC (IEC 62056-5-3 9.2.7.4, Green Book "HLS authentication").
 * Pass 3 (client): f(StoC) over the server's challenge with the client's system title and counter.
 * Pass 4 (server): f(CtoS) over the client's challenge with the server's system title and counter.
 * f(X) = SC || IC || GMAC(EK, IV = system title || IC, AAD = SC || AK || X), SC = 0x10 (suite 0).
 */

export const HLS_GMAC_SECURITY_CONTROL = SECURITY_CONTROL.authentication; // 0x10
const RESPONSE_LENGTH = 1 + 4 + GCM_TAG_LENGTH;

export interface HlsGmacParams {
  /** System title of the party that computes f(): the client for f(StoC), the server for f(CtoS). */
  readonly systemTitle: Uint8Array;
  readonly invocationCounter: number;
  readonly ek: Uint8Array;
  readonly ak: Uint8Array;
}

function checkParams(p: HlsGmacParams): void {
  if (p.ek.length !== AES128_KEY_LENGTH || p.ak.length !== AES128_KEY_LENGTH) throw new CodecError('CODEC_BAD_INPUT', 'dlms', 'HLS-GMAC keys must be 16 bytes');
  if (p.systemTitle.length !== SYSTEM_TITLE_LENGTH) throw new CodecError('CODEC_BAD_INPUT', 'dlms', `system title must be ${SYSTEM_TITLE_LENGTH} bytes`);
  if (!Number.isInteger(p.invocationCounter) || p.invocationCounter < 0 || p.invocationCounter > 0xffffffff) {
    throw new CodecError('CODEC_BAD_INPUT', 'dlms', 'invocation counter must be an unsigned 32-bit integer');
  }
}

/** f(challenge): 17 bytes, SC || IC || 12-byte GMAC tag. */
export function hlsGmacResponse(challenge: Uint8Array, p: HlsGmacParams): Uint8Array {
  checkParams(p);
  const { tag } = gcmSeal(p.ek, suite0Iv(p.systemTitle, p.invocationCounter), suite0Aad(HLS_GMAC_SECURITY_CONTROL, p.ak, challenge), new Uint8Array(0));
  const out = new Uint8Array(RESPONSE_LENGTH);
  out[0] = HLS_GMAC_SECURITY_CONTROL;
  new DataView(out.buffer).setUint32(1, p.invocationCounter, false);
  out.set(tag, 5);
  return out;
}

/** The client computes f(StoC) with its own system title; the server checks it with `verifyHlsGmac`. */
export const clientHlsResponse = (stoc: Uint8Array, client: HlsGmacParams): Uint8Array => hlsGmacResponse(stoc, client);
/** The server computes f(CtoS) with its own system title; the client checks it with `verifyHlsGmac`. */
export const serverHlsResponse = (ctos: Uint8Array, server: HlsGmacParams): Uint8Array => hlsGmacResponse(ctos, server);

export interface HlsGmacVerified {
  readonly invocationCounter: number;
}

/**
 * Verify a peer's f(challenge): `peerSystemTitle` is the title of the party that computed it. Returns its
 * invocation counter (for the caller's replay tracking). Throws CODEC_AUTH_FAILED on a bad tag.
 */
export function verifyHlsGmac(
  response: Uint8Array,
  challenge: Uint8Array,
  keys: { readonly ek: Uint8Array; readonly ak: Uint8Array; readonly peerSystemTitle: Uint8Array },
): HlsGmacVerified {
  if (response.length !== RESPONSE_LENGTH) {
    throw new CodecError(response.length < RESPONSE_LENGTH ? 'CODEC_TRUNCATED' : 'CODEC_LENGTH_MISMATCH', 'dlms', `HLS-GMAC response must be ${RESPONSE_LENGTH} bytes, got ${response.length}`);
  }
  if (response[0] !== HLS_GMAC_SECURITY_CONTROL) {
    throw new CodecError('CODEC_UNSUPPORTED', 'dlms', `HLS-GMAC security control 0x${response[0]!.toString(16)}: only suite 0 with authentication (0x10) is supported`, 0);
  }
  const invocationCounter = new DataView(response.buffer, response.byteOffset, response.byteLength).getUint32(1, false);
  const expected = hlsGmacResponse(challenge, { systemTitle: keys.peerSystemTitle, invocationCounter, ek: keys.ek, ak: keys.ak });
  if (!tagsEqual(expected, response)) throw new CodecError('CODEC_AUTH_FAILED', 'dlms', 'HLS-GMAC response does not verify: wrong key or wrong challenge');
  return { invocationCounter };
}
