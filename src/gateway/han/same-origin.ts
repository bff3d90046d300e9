import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.js';

/**
 * The portal's CSRF check of a state-changing request, on top of the SameSite=Strict session cookie: a browser
 * names where a request comes from (Fetch Metadata `Sec-Fetch-Site`, and `Origin` on every POST and DELETE), so
 * one sent by another site, or by a page of another host or port on the home network, is refused with
 * GW_HAN_CROSS_ORIGIN. Clients that send neither header (no browser, so no ambient cookie to abuse) pass.
 */
export function checkSameOrigin(headers: IncomingHttpHeaders): void {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new GatewayError('GW_HAN_CROSS_ORIGIN', 'a state-changing request from another site');
  const origin = headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new GatewayError('GW_HAN_CROSS_ORIGIN', 'a state-changing request with an unreadable Origin');
  }
  if (origin === 'null' || host === '' || host !== headers.host) throw new GatewayError('GW_HAN_CROSS_ORIGIN', 'a state-changing request from another origin');
}
