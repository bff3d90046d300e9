import { describe, expect, it } from 'vitest';
import { parseSClient } from './openssl-probe.js';

// Output of `openssl s_client` 3.0.19 against our head-end server, abridged (certificate bodies, session ids
// and the master key left out).
const REFUSED_AFTER_SERVER_HELLO = {
  stdout: `CONNECTED(00000003)
---
Certificate chain
 0 s:C = DE, O = Admin GmbH, OU = 9900000000001, CN = gwa-1
   i:C = DE, O = gridwarden test, CN = gridwarden test GWA-CA
---
Server certificate
subject=C = DE, O = Admin GmbH, OU = 9900000000001, CN = gwa-1
---
Acceptable client certificate CA names
CN = gridwarden test root, O = gridwarden test, C = DE
Client Certificate Types: ECDSA sign
Peer signing digest: SHA256
Peer signature type: ECDSA
Server Temp Key: ECDH, brainpoolP256r1, 256 bits
---
SSL handshake has read 1456 bytes and written 318 bytes
Verification: OK
---
New, TLSv1.2, Cipher is ECDHE-ECDSA-AES256-GCM-SHA384
Server public key is 256 bit
Secure Renegotiation IS supported
Compression: NONE
Expansion: NONE
No ALPN negotiated
SSL-Session:
    Protocol  : TLSv1.2
    Cipher    : ECDHE-ECDSA-AES256-GCM-SHA384
    Verify return code: 0 (ok)
    Extended master secret: yes
---
`,
  stderr: `Can't use SSL_get_servername
depth=0 C = DE, O = Admin GmbH, OU = 9900000000001, CN = gwa-1
verify return:1
40F7313C197F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40
`,
};

const NO_SHARED_CIPHER = {
  stdout: `CONNECTED(00000003)
---
no peer certificate available
---
No client certificate CA names sent
---
SSL handshake has read 7 bytes and written 112 bytes
Verification: OK
---
New, (NONE), Cipher is (NONE)
Secure Renegotiation IS NOT supported
Compression: NONE
Expansion: NONE
No ALPN negotiated
SSL-Session:
    Protocol  : TLSv1.2
    Cipher    : 0000
    Verify return code: 0 (ok)
    Extended master secret: no
---
`,
  stderr: '4017B565327F0000:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40\n',
};

const COMPLETED_WITH_RESPONSE = {
  stdout: `CONNECTED(00000003)
---
Server Temp Key: X25519, 253 bits
---
New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384
Secure Renegotiation IS NOT supported
Compression: NONE
SSL-Session:
    Protocol  : TLSv1.3
    TLS session ticket lifetime hint: 7200 (seconds)
    Extended master secret: no
---
HTTP/1.1 200 OK\r
content-length: 4\r
\r
pong`,
  stderr: '',
};

describe('parseSClient', () => {
  it('reads what the server chose in a handshake it then refused', () => {
    expect(parseSClient(REFUSED_AFTER_SERVER_HELLO.stdout, REFUSED_AFTER_SERVER_HELLO.stderr)).toMatchObject({
      handshake: 'failed',
      protocol: 'TLSv1.2',
      cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384',
      group: 'brainpoolP256r1',
      secureRenegotiation: true,
      compression: 'NONE',
      sessionTicket: false,
      failure: 'sslv3 alert handshake failure',
      connectFailed: false,
    });
  });

  it('reads a refusal at ServerHello as nothing negotiated', () => {
    expect(parseSClient(NO_SHARED_CIPHER.stdout, NO_SHARED_CIPHER.stderr)).toMatchObject({ handshake: 'failed', protocol: undefined, cipher: undefined, group: undefined });
  });

  it('reads a completed handshake, a non-ECDH group and the application data after the summary', () => {
    expect(parseSClient(COMPLETED_WITH_RESPONSE.stdout, '')).toMatchObject({
      handshake: 'completed',
      protocol: 'TLSv1.3',
      group: 'X25519',
      sessionTicket: true,
      response: 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\npong',
    });
  });

  it('tells a refused TCP connection apart', () => {
    const r = parseSClient('', '402746B6A47F0000:error:8000006F:system library:BIO_connect:Connection refused:../crypto/bio/bio_sock2.c:117:calling connect()\nconnect:errno=111\n');
    expect(r).toMatchObject({ handshake: 'failed', connectFailed: true });
  });
});
