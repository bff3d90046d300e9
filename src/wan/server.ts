import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type HTTPMethods } from 'fastify';
import { TlsProfileError } from './errors.js';
import { type IdentifyParty, type Role, type WanCaller, identifyByPki, peerParty } from './peer-party.js';
import { type TlsProfileOptions, profileTlsOptions } from './tls-profile.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The TLS-authenticated caller; set before any route handler runs. */
    caller: WanCaller;
  }
}

export interface HeadEndServerOptions {
  /**
   * The profile for this endpoint (`side` is forced to server). Every caller must present the TLS certificate
   * of a known party, whatever the variant: a HAN portal that lets consumers in without one builds its own
   * server from `profileTlsOptions`.
   */
  readonly tls: Omit<TlsProfileOptions, 'side'>;
  /** Roles that may connect at all; routes narrow this further. Default: all four. */
  readonly roles?: readonly Role[];
  readonly identify?: IdentifyParty;
  /** Called once per refused connection (for the system log); never gets key material. */
  readonly onRefused?: (error: TlsProfileError, info: RefusalInfo) => void;
}

export interface RefusalInfo {
  readonly remoteAddress: string | undefined;
  /** Node's or OpenSSL's reason: CERT_REVOKED, CERT_HAS_EXPIRED, ERR_SSL_NO_SHARED_CIPHER, ... or our code. */
  readonly reason: string;
}

export interface RoleRoute {
  readonly method: HTTPMethods | HTTPMethods[];
  readonly url: string;
  /** Roles that may call this route; every other caller gets 403 WAN_FORBIDDEN. */
  readonly roles: readonly Role[];
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => unknown;
}

export interface HeadEndServer {
  readonly app: FastifyInstance;
  route(r: RoleRoute): void;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

const ALL_ROLES: readonly Role[] = ['gateway', 'gwa', 'emt', 'gwh'];
/** Bound on remembered peer verdicts; past it the memory starts afresh. */
const MAX_REMEMBERED_PEERS = 4096;

/**
 * The head-end HTTPS server: fastify over the profile's TLS options. TLS validates the chain and revocation;
 * each new connection is then mapped to a party, and a connection whose certificate is not the TLS
 * certificate of an allowed role is closed before any request is read.
 */
export function createHeadEndServer(o: HeadEndServerOptions): HeadEndServer {
  const variant = o.tls.variant;
  const roles = o.roles ?? ALL_ROLES;
  const identify = o.identify ?? identifyByPki;
  const callers = new WeakMap<TLSSocket, WanCaller>();
  const verdicts = new Map<string, WanCaller>();
  const app = Fastify({ https: profileTlsOptions({ ...o.tls, side: 'server' }), logger: false });

  app.server.on('secureConnection', (socket: TLSSocket) => {
    try {
      // TLS rejects bad chains itself unless the variant makes client certificates optional (HAN).
      if (!socket.authorized) throw new TlsProfileError('WAN_PEER_UNTRUSTED', `client certificate not validated: ${String(socket.authorizationError)}`);
      const cert = socket.getPeerCertificate();
      // The verdict depends only on the certificate's bytes (TLS checked chain and revocation just now):
      // remembered by fingerprint, so a returning peer costs no certificate parsing.
      const known = cert?.fingerprint256 === undefined ? undefined : verdicts.get(cert.fingerprint256);
      const caller = known ?? peerParty(cert, { variant, purpose: 'clientAuth', roles, identify });
      if (known === undefined && cert?.fingerprint256 !== undefined) {
        if (verdicts.size >= MAX_REMEMBERED_PEERS) verdicts.clear();
        verdicts.set(cert.fingerprint256, caller);
      }
      callers.set(socket, caller);
    } catch (e) {
      const error = e instanceof TlsProfileError ? e : new TlsProfileError('WAN_PEER_UNKNOWN', 'peer check failed', { cause: e });
      o.onRefused?.(error, { remoteAddress: socket.remoteAddress, reason: error.code });
      socket.destroy();
    }
  });
  // Handshakes that TLS itself refused; node keeps the chain verdict in authorizationError.
  app.server.on('tlsClientError', (e: NodeJS.ErrnoException, socket: TLSSocket) => {
    const verdict: unknown = socket.authorizationError;
    const chainRefused = typeof verdict === 'string' && verdict !== '';
    const reason = chainRefused ? verdict : (e.code ?? 'handshake failure');
    const untrusted = chainRefused || e.code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE';
    const error = untrusted
      ? new TlsProfileError('WAN_PEER_UNTRUSTED', `client certificate refused: ${reason}`)
      : new TlsProfileError('WAN_CONNECT', `handshake refused: ${reason}`);
    o.onRefused?.(error, { remoteAddress: socket.remoteAddress, reason });
  });

  app.decorateRequest('caller', null as unknown as WanCaller);
  app.addHook('onRequest', async (request, reply) => {
    const caller = callers.get(request.raw.socket as TLSSocket);
    if (caller === undefined) return reply.code(403).send(refusal('WAN_PEER_UNKNOWN', 'connection has no identified caller'));
    request.caller = caller;
  });

  const route = (r: RoleRoute): void => {
    app.route({
      method: r.method,
      url: r.url,
      preHandler: async (request, reply) => {
        if (!r.roles.includes(request.caller.role)) return reply.code(403).send(refusal('WAN_FORBIDDEN', `role ${request.caller.role} may not call ${r.url}`));
      },
      handler: r.handler,
    });
  };

  return {
    app,
    route,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      return app.server.address() as AddressInfo;
    },
    close: () => app.close(),
  };
}

const refusal = (code: 'WAN_FORBIDDEN' | 'WAN_PEER_UNKNOWN', message: string) => ({ error: { code, message } });
