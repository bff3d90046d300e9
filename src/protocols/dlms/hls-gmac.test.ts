import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../bytes.js';
import { codeOf } from './_testing/code-of.js';
import { bytes, flipBit, label, loadDlmsVectors } from './_testing/vectors.js';
import { clientHlsResponse, hlsGmacResponse, serverHlsResponse, verifyHlsGmac } from './hls-gmac.js';

const rows = loadDlmsVectors().filter((v) => v.kind === 'hls-gmac');


describe('HLS-GMAC (mechanism 5) Green Book passes 3 and 4', () => {
  it('has both passes', () => {
    expect(rows).toHaveLength(2);
  });

  it.each(rows.map((v) => [label(v), v] as const))('%s: computes f() and verifies it', (_l, v) => {
    const params = { systemTitle: bytes(v.system_title), invocationCounter: Number.parseInt(v.invocation_counter, 16), ek: bytes(v.ek), ak: bytes(v.ak) };
    const challenge = bytes(v.plaintext_apdu);
    expect(bytesToHex(hlsGmacResponse(challenge, params))).toBe(v.ciphered_apdu);
    const peer = { ek: params.ek, ak: params.ak, peerSystemTitle: params.systemTitle };
    expect(verifyHlsGmac(bytes(v.ciphered_apdu), challenge, peer).invocationCounter).toBe(params.invocationCounter);
  });

  it.each(rows.map((v) => [label(v), v] as const))('%s: wrong challenge, title, key or tag fail with CODEC_AUTH_FAILED', (_l, v) => {
    const resp = bytes(v.ciphered_apdu);
    const challenge = bytes(v.plaintext_apdu);
    const peer = { ek: bytes(v.ek), ak: bytes(v.ak), peerSystemTitle: bytes(v.system_title) };
    expect(codeOf(() => verifyHlsGmac(resp, flipBit(challenge, 0), peer))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => verifyHlsGmac(resp, challenge, { ...peer, peerSystemTitle: flipBit(peer.peerSystemTitle, 7) }))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => verifyHlsGmac(resp, challenge, { ...peer, ak: flipBit(peer.ak, 3) }))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => verifyHlsGmac(resp, challenge, { ...peer, ek: flipBit(peer.ek, 3) }))).toBe('CODEC_AUTH_FAILED');
    expect(codeOf(() => verifyHlsGmac(flipBit(resp, 16, 1), challenge, peer))).toBe('CODEC_AUTH_FAILED');
    // the counter is inside the IV: another counter with the same tag fails
    expect(codeOf(() => verifyHlsGmac(flipBit(resp, 4, 0), challenge, peer))).toBe('CODEC_AUTH_FAILED');
  });

  it('client and server helpers are the two directions of the same function', () => {
    const [p3, p4] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const client = { systemTitle: bytes(p3.system_title), invocationCounter: 1, ek: bytes(p3.ek), ak: bytes(p3.ak) };
    const server = { systemTitle: bytes(p4.system_title), invocationCounter: 0x01234567, ek: bytes(p4.ek), ak: bytes(p4.ak) };
    expect(bytesToHex(clientHlsResponse(bytes(p3.plaintext_apdu), client))).toBe(p3.ciphered_apdu);
    expect(bytesToHex(serverHlsResponse(bytes(p4.plaintext_apdu), server))).toBe(p4.ciphered_apdu);
  });

  it('malformed responses and parameters are typed', () => {
    const v = rows[0]!;
    const peer = { ek: bytes(v.ek), ak: bytes(v.ak), peerSystemTitle: bytes(v.system_title) };
    const resp = bytes(v.ciphered_apdu);
    expect(codeOf(() => verifyHlsGmac(resp.subarray(0, 16), bytes(v.plaintext_apdu), peer))).toBe('CODEC_TRUNCATED');
    expect(codeOf(() => verifyHlsGmac(Uint8Array.from([...resp, 0]), bytes(v.plaintext_apdu), peer))).toBe('CODEC_LENGTH_MISMATCH');
    expect(codeOf(() => verifyHlsGmac(flipBit(resp, 0, 5), bytes(v.plaintext_apdu), peer))).toBe('CODEC_UNSUPPORTED');
    expect(codeOf(() => hlsGmacResponse(bytes('00'), { systemTitle: new Uint8Array(8), invocationCounter: 1, ek: new Uint8Array(8), ak: new Uint8Array(16) }))).toBe(
      'CODEC_BAD_INPUT',
    );
  });
});
