/** The operator API as the page uses it: same origin, JSON in and out, errors as {code, message}, the operator token as a bearer token. */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = 'gridwarden-operator-token';

/**
 * The operator token: handed over in the address's fragment (#token=..., which browsers never send), kept for
 * this tab only (sessionStorage) and taken out of the address bar, so a copied link or the history holds none.
 */
export function takeTokenFromFragment() {
  const m = /^#token=([A-Za-z0-9._~+/=-]+)$/.exec(location.hash);
  if (m === null) return;
  sessionStorage.setItem(TOKEN_KEY, m[1]);
  history.replaceState(null, '', location.pathname + location.search);
}

export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token.trim());
export const hasToken = () => sessionStorage.getItem(TOKEN_KEY) !== null;

async function call(path, init) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = token === null ? { accept: 'application/json' } : { accept: 'application/json', authorization: `Bearer ${token}` };
  const r = await fetch(path, { ...init, headers });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body?.error?.code ?? `HTTP_${r.status}`, body?.error?.message ?? r.statusText);
  return body;
}

const seg = encodeURIComponent;

export const api = {
  gateways: async () => (await call('/gateways')).gateways,
  commands: async () => (await call('/commands')).commands,
  emts: async () => (await call('/emts')).emts,
  values: async (emt) => (await call(`/emts/${seg(emt)}/values`)).values,
  securityEvents: async () => (await call('/security-events')).events,
  wakeUp: async (gateway) => call(`/gateways/${seg(gateway)}/wake-up`, { method: 'POST' }),
};
