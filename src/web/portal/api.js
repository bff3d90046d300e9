// Calls of the portal's JSON API. Every answer that is not 2xx becomes an ApiError with the server's code.

export class ApiError extends Error {
  constructor(status, code, message, extra) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

async function call(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return undefined;
  let data;
  try {
    data = await res.json();
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code || 'unknown', e.message || `HTTP ${res.status}`, e);
  }
  return data;
}

export const api = {
  login: (username, password) => call('POST', '/api/login', { username, password }),
  logout: () => call('POST', '/api/logout'),
  me: () => call('GET', '/api/me'),
  meters: () => call('GET', '/api/meters'),
  readings: (meterId, from, to, step) =>
    call('GET', `/api/meters/${encodeURIComponent(meterId)}/readings?${new URLSearchParams({ from, to, step })}`),
  consumerLog: () => call('GET', '/api/consumer-log'),
  contracts: () => call('GET', '/api/contracts'),
  consents: () => call('GET', '/api/consents'),
  grantConsent: (contractId) => call('POST', `/api/consents/${encodeURIComponent(contractId)}`),
  withdrawConsent: (contractId) => call('DELETE', `/api/consents/${encodeURIComponent(contractId)}`),
};
