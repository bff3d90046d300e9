/** The operator API as the page uses it: same origin, JSON in and out, errors as {code, message}. */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

async function call(path, init) {
  const r = await fetch(path, { ...init, headers: { accept: 'application/json' } });
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
