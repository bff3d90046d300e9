/**
 * The dashboard's static files and headers (Fastify inject, no listener), and the page's pure helpers in
 * src/web/dashboard/format.js (plain JS with no type declarations, loaded by URL).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP, registerDashboard } from './dashboard.js';
import { HeadendError } from './errors.js';

const WEB = join(import.meta.dirname, '..', 'web', 'dashboard');

describe('registerDashboard', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ logger: false });
    registerDashboard(app);
    await app.ready();
  });
  afterAll(() => app.close());

  it.each([
    ['/', 'text/html', 'index.html'],
    ['/dashboard/app.js', 'text/javascript', 'app.js'],
    ['/dashboard/charts.js', 'text/javascript', 'charts.js'],
    ['/dashboard/dashboard.css', 'text/css', 'dashboard.css'],
  ])('GET %s serves %s with the security headers', async (url, type, file) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain(type);
    expect(r.body).toBe(readFileSync(join(WEB, file), 'utf8'));
    expect(r.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the policy allows only same-origin scripts, no inline code and no framing', () => {
    const directives = new Map(DASHBOARD_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });

  it('the page loads no inline script or style, only same-origin assets that are served', async () => {
    const html = (await app.inject({ method: 'GET', url: '/' })).body;
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) {
      expect(a.startsWith('/dashboard/')).toBe(true);
      expect((await app.inject({ method: 'GET', url: a })).statusCode).toBe(200);
    }
  });

  it.each([
    '/dashboard/nope.js',
    '/dashboard/',
    '/dashboard/..%2Fdashboard.test.ts',
    '/dashboard/%2e%2e%2f%2e%2e%2fheadend%2fdashboard.ts',
    '/dashboard/app.js/x',
    '/index.html',
    '/nowhere',
  ])('GET %s is 404', async (url) => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(404);
  });

  it('serves only known file types from its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-dash-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
      writeFileSync(join(dir, 'secret.key'), 'not for the web');
      writeFileSync(join(dir, 'extra.js'), 'export {};');
      const other = Fastify({ logger: false });
      registerDashboard(other, { dir });
      expect((await other.inject({ method: 'GET', url: '/dashboard/secret.key' })).statusCode).toBe(404);
      expect((await other.inject({ method: 'GET', url: '/dashboard/extra.js' })).statusCode).toBe(200);
      await other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder without index.html is HE_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-dash-'));
    try {
      let caught: unknown;
      try {
        registerDashboard(Fastify({ logger: false }), { dir });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(HeadendError);
      expect((caught as HeadendError).code).toBe('HE_CONFIG');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- the page's pure helpers ---

describe('dashboard axis ticks', () => {
  let niceTicks: (min: number, max: number, wanted?: number, integer?: boolean) => number[];
  beforeAll(async () => {
    ({ niceTicks } = (await import(pathToFileURL(join(WEB, 'svg.js')).href)) as { niceTicks: typeof niceTicks });
  });

  it.each([
    [0, 10, false, [0, 2, 4, 6, 8, 10]],
    [1000, 1009.25, false, [1000, 1002, 1004, 1006, 1008]],
    [-0.3, 0.3, false, [-0.2, 0, 0.2]],
    [0, 3, true, [0, 1, 2, 3]],
    [0, 1, true, [0, 1]],
  ])('niceTicks(%d, %d, integer %s)', (min, max, integer, ticks) => {
    expect(niceTicks(min, max, 4, integer)).toEqual(ticks);
  });

  it('ticks are evenly spaced round numbers inside the range', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (min, span) => {
        const t = niceTicks(min, min + span);
        expect(t.length).toBeGreaterThanOrEqual(2);
        expect(t.length).toBeLessThanOrEqual(7);
        const slack = (Math.abs(min) + span) * 1e-9;
        for (const v of t) {
          expect(v).toBeGreaterThanOrEqual(min - slack);
          expect(v).toBeLessThanOrEqual(min + span + slack);
        }
      }),
    );
  });
});

type Ev = { kind: string; at: string };
interface FormatModule {
  STALE_AFTER_MS: number;
  relativeTime(iso: string | null, now: number): string;
  contactState(iso: string | null, now: number, staleAfter?: number): 'never' | 'stale' | 'fresh';
  commandResult(c: { completed_at: string | null; delivered_at: string | null; result_ok: boolean | null; result_code: string | null }): string;
  latestValues<V extends { meter: string | null; pseudonym: string | null; obis: string }>(values: V[]): V[];
  bucketEvents(events: Ev[], end: number, windowMs: number, count: number): { kinds: string[]; buckets: Array<{ from: number; to: number; counts: Record<string, number> }> };
  eventFamily(kind: string): string;
}

describe('dashboard format helpers', () => {
  let f: FormatModule;
  const now = Date.parse('2026-11-23T12:00:00.000Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();
  beforeAll(async () => {
    f = (await import(pathToFileURL(join(WEB, 'format.js')).href)) as FormatModule;
  });

  it.each([
    [null, 'never'],
    [ago(1_000), 'just now'],
    [ago(42_000), '42 s ago'],
    [ago(3 * 60_000 + 5_000), '3 min ago'],
    [ago(5 * 3_600_000), '5 h ago'],
    [ago(2 * 86_400_000), '2 d ago'],
    [ago(-10 * 60_000), 'in 10 min'],
    ['not a date', 'unknown'],
  ])('relativeTime(%s) is %s', (iso, text) => {
    expect(f.relativeTime(iso, now)).toBe(text);
  });

  it.each([
    [null, 'never'],
    [ago(60_000), 'fresh'],
    [ago(0), 'fresh'],
    [ago(2 * 3_600_000), 'stale'],
  ])('contactState(%s) is %s', (iso, state) => {
    expect(f.contactState(iso, now)).toBe(state);
  });

  it('the stale threshold is the boundary', () => {
    expect(f.contactState(ago(f.STALE_AFTER_MS), now)).toBe('fresh');
    expect(f.contactState(ago(f.STALE_AFTER_MS + 1), now)).toBe('stale');
  });

  it.each([
    [{ completed_at: null, delivered_at: null, result_ok: null, result_code: null }, 'pending'],
    [{ completed_at: null, delivered_at: ago(1), result_ok: null, result_code: null }, 'delivered'],
    [{ completed_at: ago(1), delivered_at: ago(2), result_ok: true, result_code: null }, 'ok'],
    [{ completed_at: ago(1), delivered_at: ago(2), result_ok: false, result_code: 'GW_NO_METER' }, 'failed: GW_NO_METER'],
  ])('commandResult %#', (c, text) => {
    expect(f.commandResult(c)).toBe(text);
  });

  it('latestValues keeps the last value of each meter and register', () => {
    const v = (meter: string | null, obis: string, value: number, pseudonym: string | null = null) => ({ meter, pseudonym, obis, value });
    const rows = [v('m2', '1-0:1.8.0', 1), v('m1', '1-0:1.8.0', 2), v('m1', '1-0:2.8.0', 3), v('m1', '1-0:1.8.0', 4), v(null, '1-0:1.8.0', 5, 'p-9')];
    expect(f.latestValues(rows).map((r) => [r.meter ?? r.pseudonym, r.obis, r.value])).toEqual([
      ['m1', '1-0:1.8.0', 4],
      ['m1', '1-0:2.8.0', 3],
      ['m2', '1-0:1.8.0', 1],
      ['p-9', '1-0:1.8.0', 5],
    ]);
  });

  it('bucketEvents counts each kind per bucket and leaves out events outside the window', () => {
    const events: Ev[] = [
      { kind: 'HE_REPLAY', at: ago(1_000) },
      { kind: 'HE_REPLAY', at: ago(2_000) },
      { kind: 'HE_BAD_SIGNATURE', at: ago(30 * 60_000 + 1) },
      { kind: 'WAN_PEER_UNTRUSTED', at: ago(59 * 60_000) },
      { kind: 'HE_REPLAY', at: ago(61 * 60_000) },
      { kind: 'HE_REPLAY', at: 'garbage' },
    ];
    const { kinds, buckets } = f.bucketEvents(events, now, 3_600_000, 4);
    expect(kinds).toEqual(['HE_BAD_SIGNATURE', 'HE_REPLAY', 'WAN_PEER_UNTRUSTED']);
    expect(buckets.map((b) => [b.counts.HE_BAD_SIGNATURE, b.counts.HE_REPLAY, b.counts.WAN_PEER_UNTRUSTED])).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
      [0, 2, 0],
    ]);
    expect(buckets[0]!.from).toBe(now - 3_600_000);
    expect(buckets[3]!.to).toBe(now);
  });

  it('bucketEvents keeps every event of the window exactly once, whatever the times and kinds', () => {
    const kinds = ['HE_REPLAY', 'HE_BAD_SIGNATURE', 'WAN_PEER_UNTRUSTED', 'WAN_CONNECT'];
    const window = 3_600_000;
    fc.assert(
      fc.property(
        fc.array(fc.record({ kind: fc.constantFrom(...kinds), offset: fc.integer({ min: -window, max: 2 * window }) }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 48 }),
        (raw, count) => {
          const events = raw.map((e) => ({ kind: e.kind, at: new Date(now - e.offset).toISOString() }));
          const r = f.bucketEvents(events, now, window, count);
          expect(r.buckets).toHaveLength(count);
          const total = r.buckets.reduce((s, b) => s + Object.values(b.counts).reduce((a, n) => a + n, 0), 0);
          expect(total).toBe(raw.filter((e) => e.offset >= 0 && e.offset <= window).length);
          for (const b of r.buckets) expect(Object.keys(b.counts).sort()).toEqual(r.kinds);
        },
      ),
    );
  });

  it.each([
    ['HE_REPLAY', 'replay'],
    ['HE_BAD_SIGNATURE', 'signature'],
    ['HE_TAMPERED', 'signature'],
    ['HE_WRONG_KEY', 'message'],
    ['WAN_PEER_UNTRUSTED', 'handshake'],
  ])('eventFamily(%s) is %s', (kind, family) => {
    expect(f.eventFamily(kind)).toBe(family);
  });
});
