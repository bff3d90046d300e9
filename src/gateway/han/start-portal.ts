import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { SecurityModule } from '../../crypto/security-module.js';
import { issuePortalCertificate } from './portal-certificate.js';
import { type HanAppOptions, createHanApp } from './portal-app.js';
import { type PortalTlsCredentials, portalTlsOptions } from './tls-options.js';

export interface HanPortalOptions extends Omit<HanAppOptions, 'server'> {
  /** Address on the home network (default 127.0.0.1: the operator names the HAN interface). */
  readonly host?: string;
  /** Port (default 8443; 0 picks a free one). */
  readonly port?: number;
  /** The portal's secp256r1 certificate and its key (see issuePortalCertificate). */
  readonly tls: PortalTlsCredentials;
}

export interface HanPortal {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export const DEFAULT_HAN_PORT = 8443;

/**
 * Starts the consumer portal over HTTPS with the HAN variant of the TLS profile. The hook the gateway runtime
 * calls with its configuration's HAN address, its store, clock and logs.
 */
export async function startHanPortal(o: HanPortalOptions): Promise<HanPortal> {
  const tls = portalTlsOptions(o.tls);
  const app = await createHanApp({
    ...o,
    server: {
      // fastify types its raw server as http.Server; an https.Server serves the same request events.
      serverFactory: (handler) => createHttpsServer(tls, handler) as unknown as HttpServer,
    },
  });
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port ?? DEFAULT_HAN_PORT });
  const addr = app.server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `https://${shown}:${addr.port}`, app, close: () => app.close() };
}

export interface GatewayPortalOptions extends Omit<HanPortalOptions, 'tls'> {
  readonly sm: SecurityModule;
  /** The gateway's name (certificate CN). */
  readonly gatewayName: string;
  /** Names and addresses the portal is reached under on the home network (certificate subjectAltName). */
  readonly hosts: readonly string[];
  /** Label of the portal's secp256r1 key (default `han-tls`); made on first start. */
  readonly keyLabel?: string;
}

export const DEFAULT_PORTAL_KEY_LABEL = 'han-tls';

/**
 * What the gateway runtime calls: issues the portal's certificate with the gateway's own security module
 * (self-signed secp256r1, key made on first start and kept) and starts the portal with it.
 */
export async function startGatewayPortal(o: GatewayPortalOptions): Promise<HanPortal & { readonly certPem: string }> {
  const keyLabel = o.keyLabel ?? DEFAULT_PORTAL_KEY_LABEL;
  const cert = await issuePortalCertificate(o.sm, { keyLabel, commonName: o.gatewayName, hosts: o.hosts, ...(o.clock === undefined ? {} : { now: o.clock() }) });
  const portal = await startHanPortal({ ...o, tls: { certPem: cert.certPem, key: await o.sm.tlsKeyOptions(keyLabel) } });
  return { ...portal, certPem: cert.certPem };
}
