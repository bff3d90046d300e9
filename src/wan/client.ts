import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { TlsProfileError } from './errors.js';
import { type IdentifyParty, type Role, type WanCaller, identifyByPki, peerParty } from './peer-party.js';
import { type TlsProfileOptions, profileSecureContext } from './tls-profile.js';

export interface ExpectedServer {
  /** Roles the server may have: the administrator, or the EMTs this gateway has contracts with. */
  readonly roles: readonly Role[];
  /** When given, the server certificate's CN must be one of these. */
  readonly names?: readonly string[];
}

export interface WanClientOptions {
  readonly tls: Omit<TlsProfileOptions, 'side'>;
  readonly expect: ExpectedServer;
  readonly identify?: IdentifyParty;
  readonly timeoutMs?: number;
}

export interface WanResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The server party, read from its certificate. */
  readonly server: WanCaller;
}

export interface WanRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

export interface WanClient {
  request(url: string | URL, init?: WanRequest): Promise<WanResponse>;
  /** Drops the kept-alive connections. */
  close(): void;
}

/** node:tls chain verdicts that mean "this certificate is not trusted", as opposed to the network failing. */
const CHAIN_VERDICT = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_CERT|CRL_|INVALID_CA|PATH_LENGTH|ERR_SSL_.*CERTIFICATE)/;

/**
 * The gateway's HTTPS client on WAN: it only connects outward, keeps one kept-alive connection per peer
 * (maxSockets 1) and builds one SecureContext for all of them. TLS validates the server chain and revocation;
 * the certificate must then be the TLS certificate of an expected party (no host-name check: SM-PKI
 * certificates name parties, not hosts).
 */
export function createWanClient(o: WanClientOptions): WanClient {
  const variant = o.tls.variant;
  const identify = o.identify ?? identifyByPki;
  const { secureContext } = profileSecureContext({ ...o.tls, side: 'client' });
  const checkServer = (cert: PeerCertificate): WanCaller => {
    const party = peerParty(cert, { variant, purpose: 'serverAuth', roles: o.expect.roles, identify, wrongRole: 'WAN_PEER_UNEXPECTED' });
    if (o.expect.names !== undefined && !o.expect.names.includes(party.name)) {
      throw new TlsProfileError('WAN_PEER_UNEXPECTED', `server ${party.name} is not one this gateway expects`);
    }
    return party;
  };
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 1,
    secureContext,
    rejectUnauthorized: true,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      try {
        checkServer(cert);
        return undefined;
      } catch (e) {
        return e as Error;
      }
    },
  });

  const identified = new WeakMap<TLSSocket, WanCaller>();
  const request = (url: string | URL, init: WanRequest = {}): Promise<WanResponse> =>
    new Promise((resolve, reject) => {
      const u = typeof url === 'string' ? new URL(url) : url;
      if (u.protocol !== 'https:') {
        reject(new TlsProfileError('WAN_BAD_OPTIONS', `only https URLs are allowed on WAN, not ${u.protocol}`));
        return;
      }
      const req = httpsRequest(
        u,
        { agent, method: init.method ?? 'GET', headers: init.headers, servername: isIP(u.hostname) === 0 ? u.hostname : undefined, timeout: o.timeoutMs ?? 30_000 },
        (res) => {
          // Read the party now (once per connection): a kept-alive socket goes back to the agent after the body.
          const socket = res.socket as TLSSocket;
          let server = identified.get(socket);
          if (server === undefined) {
            try {
              server = checkServer(socket.getPeerCertificate());
            } catch (e) {
              res.destroy();
              reject(connectError(e));
              return;
            }
            identified.set(socket, server);
          }
          const party = server;
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(connectError(e)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), server: party }));
        },
      );
      req.on('timeout', () => req.destroy(new TlsProfileError('WAN_CONNECT', `no answer from ${u.host} in time`)));
      req.on('error', (e) => reject(connectError(e)));
      req.end(init.body);
    });

  return { request, close: () => agent.destroy() };
}

function connectError(e: unknown): TlsProfileError {
  if (e instanceof TlsProfileError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && CHAIN_VERDICT.test(code)) return new TlsProfileError('WAN_PEER_UNTRUSTED', `server certificate refused: ${code}`, { cause: e });
  return new TlsProfileError('WAN_CONNECT', `connection failed${typeof code === 'string' ? `: ${code}` : ''}`, { cause: e });
}
