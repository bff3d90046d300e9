import { GatewayError } from '../errors.js';

// Deep enough for any details a gateway writes; deeper input is refused rather than recursed into.
const MAX_DEPTH = 32;

/**
 * Canonical JSON of a details value: object keys sorted by UTF-16 code units, no whitespace, strings and
 * numbers as JSON.stringify writes them. Anything JSON cannot carry exactly (undefined, functions, bigint,
 * NaN, Infinity, class instances, cycles) is GW_BAD_INPUT, so the stored text always parses back to the
 * same value.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, 0, '$');
}

function encode(v: unknown, depth: number, path: string): string {
  if (depth > MAX_DEPTH) throw new GatewayError('GW_BAD_INPUT', `details nest deeper than ${MAX_DEPTH} levels at ${path}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new GatewayError('GW_BAD_INPUT', `details hold a number JSON cannot carry at ${path}`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x, i) => encode(x, depth + 1, `${path}[${i}]`)).join(',')}]`;
  if (typeof v === 'object' && isPlain(v)) {
    const keys = Object.keys(v).sort();
    const record = v as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${encode(record[k], depth + 1, `${path}.${k}`)}`).join(',')}}`;
  }
  throw new GatewayError('GW_BAD_INPUT', `details hold a ${typeof v} at ${path}, which JSON cannot carry`);
}

function isPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  return proto === Object.prototype || proto === null;
}
