import { describe, expect, it } from 'vitest';
import { parseHeadendConfig } from './config.js';
import { HeadendError } from './errors.js';
import { Metrics } from './metrics.js';
import { sendError } from './wan-routes.js';

const minimal = {
  store: { kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/he' },
  securityModule: { kind: 'memory' },
  pkiDir: '/srv/pki',
  gwa: 'gwa-1',
  emts: ['supplier-a'],
};

describe('head-end configuration', () => {
  it('fills the defaults: operator API on loopback, WAN on all addresses', () => {
    const c = parseHeadendConfig(minimal);
    expect(c.operator).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.wan).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(c.gateways).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['store URL', { store: { kind: 'postgres', url: 'mysql://x' } }, 'store.url'],
    ['duplicate EMT', { emts: ['a', 'a'] }, 'emts'],
    ['wake-up port', { gateways: [{ name: 'gw-1', wakeUp: { host: 'h', port: 70_000 } }] }, 'gateways.0.wakeUp.port'],
    ['security module kind', { securityModule: { kind: 'cloud' } }, 'securityModule.kind'],
  ])('HE_CONFIG names the field: %s', (_name, over, field) => {
    try {
      parseHeadendConfig({ ...minimal, ...over });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(HeadendError);
      expect((e as HeadendError).code).toBe('HE_CONFIG');
      expect((e as HeadendError).message).toContain(field);
    }
  });
});

describe('error answers', () => {
  const reply = () => {
    const sent: { status?: number; body?: unknown } = {};
    const r = {
      code(s: number) {
        sent.status = s;
        return r;
      },
      send(b: unknown) {
        sent.body = b;
        return r;
      },
    };
    return { r, sent };
  };

  it("anything unexpected is a 500 'HE_INTERNAL' without its message", () => {
    const { r, sent } = reply();
    sendError(r as never, new Error('secret detail of the store'));
    expect(sent.status).toBe(500);
    expect(sent.body).toMatchObject({ error: { code: 'HE_INTERNAL' } });
    expect(JSON.stringify(sent.body)).not.toContain('secret detail');
  });

  it('a HeadendError keeps its code and status', () => {
    const { r, sent } = reply();
    sendError(r as never, new HeadendError('HE_REPLAY', 'seen'));
    expect(sent).toEqual({ status: 409, body: { error: { code: 'HE_REPLAY', message: 'seen' } } });
  });
});

describe('metrics exposition', () => {
  it('escapes label values and sums increments', () => {
    const m = new Metrics();
    m.inc('gridwarden_headend_errors_total', { code: 'a"b\\c' });
    m.inc('gridwarden_headend_errors_total', { code: 'a"b\\c' }, 2);
    expect(m.render()).toContain('gridwarden_headend_errors_total{code="a\\"b\\\\c"} 3\n');
    expect(m.render()).toContain('# TYPE gridwarden_headend_errors_total counter');
  });
});
