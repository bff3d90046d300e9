import { spawn } from 'node:child_process';
import { TlsProfileError } from './errors.js';

/**
 * One handshake made by `openssl s_client`, for the probes node:tls cannot express (TLS 1.0/1.1, RSA and
 * SHA-1 suites, reading what a server negotiated in a handshake it refuses for lack of a client certificate).
 */

export interface SClientSummary {
  /** The handshake finished on our side (no alert, no error). */
  readonly handshake: 'completed' | 'failed';
  /** TLS version the server chose, when it got as far as ServerHello. */
  readonly protocol: string | undefined;
  readonly cipher: string | undefined;
  /** The ephemeral key exchange group (OpenSSL name). */
  readonly group: string | undefined;
  readonly secureRenegotiation: boolean;
  readonly compression: string | undefined;
  /** The server sent a TLS 1.2 NewSessionTicket (s_client prints its lifetime hint). */
  readonly sessionTicket: boolean;
  readonly certificatesPem: readonly string[];
  /** The TLS alert or OpenSSL reason on failure (e.g. "sslv3 alert handshake failure"). */
  readonly failure: string | undefined;
  /** The TCP connection itself failed. */
  readonly connectFailed: boolean;
  /** Application data the server sent back (what follows the session summary). */
  readonly response: string;
}

/** Reads s_client's human output; pure, so it is tested on recorded runs. */
export function parseSClient(stdout: string, stderr: string): SClientSummary {
  const all = `${stdout}\n${stderr}`;
  const newLine = /^(?:New|Reused), (\S+), Cipher is (\S+)$/m.exec(stdout);
  const none = (v: string | undefined) => (v === undefined || v === '(NONE)' ? undefined : v);
  const temp = /^Server Temp Key: (.+)$/m.exec(stdout)?.[1];
  // "ECDH, brainpoolP256r1, 256 bits" or "X25519, 253 bits"
  const tempParts = temp?.split(', ') ?? [];
  const group = tempParts[0] === 'ECDH' || tempParts[0] === 'DH' ? tempParts[1] : tempParts[0];
  const errLine = /:error:[0-9A-F]+:SSL routines:[^:]*:([^:\n]+)/.exec(all)?.[1];
  const connectFailed = /connect:errno=|Connection refused/.test(all) && !/CONNECTED\(/.test(stdout);
  const summaryEnd = stdout.search(/^ {4}Extended master secret: .*\n---\n/m);
  const response = summaryEnd < 0 ? '' : stdout.slice(stdout.indexOf('---\n', summaryEnd) + 4);
  return {
    handshake: errLine === undefined && !connectFailed && newLine !== null && none(newLine[2]) !== undefined ? 'completed' : 'failed',
    protocol: none(newLine?.[1]),
    cipher: none(newLine?.[2]),
    group,
    secureRenegotiation: /Secure Renegotiation IS supported/.test(stdout),
    compression: /^Compression: (.+)$/m.exec(stdout)?.[1],
    sessionTicket: /TLS session ticket lifetime hint/.test(stdout),
    certificatesPem: [...stdout.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/g)].map((m) => m[0]),
    failure: errLine ?? (connectFailed ? 'connection refused' : undefined),
    connectFailed,
    response,
  };
}

export interface SClientRequest {
  readonly host: string;
  readonly port: number;
  /** Extra s_client arguments: -tls1_2, -cipher, -groups, -cert, ... */
  readonly args: readonly string[];
  /** Sent after the handshake (then s_client waits for the server to close). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

export function runSClient(r: SClientRequest): Promise<SClientSummary> {
  return new Promise((resolve, reject) => {
    const args = ['s_client', '-connect', `${r.host}:${r.port}`, '-showcerts', ...(r.input === undefined ? [] : ['-ign_eof']), ...r.args];
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), r.timeoutMs ?? 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new TlsProfileError('WAN_PROBE_FAILED', 'cannot run the openssl command', { cause: e }));
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(parseSClient(stdout, stderr));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(r.input ?? '');
  });
}
