/** Pure formatting helpers of the dashboard: no DOM, no clock (the caller passes `now`). */

/** A gateway silent for longer than this is flagged stale (four 15-minute load-curve periods). */
export const STALE_AFTER_MS = 60 * 60_000;

const UNITS = [
  { ms: 86_400_000, name: 'd' },
  { ms: 3_600_000, name: 'h' },
  { ms: 60_000, name: 'min' },
  { ms: 1_000, name: 's' },
];

/** "3 min ago", "in 2 h", "just now"; "never" for a missing time. */
export function relativeTime(iso, now) {
  if (iso === null || iso === undefined) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'unknown';
  const diff = now - t;
  const abs = Math.abs(diff);
  if (abs < 5_000) return 'just now';
  const unit = UNITS.find((u) => abs >= u.ms) ?? UNITS[UNITS.length - 1];
  const n = Math.floor(abs / unit.ms);
  return diff >= 0 ? `${n} ${unit.name} ago` : `in ${n} ${unit.name}`;
}

/** 'never' (no contact yet), 'stale' (silent too long) or 'fresh'. */
export function contactState(iso, now, staleAfter = STALE_AFTER_MS) {
  if (iso === null || iso === undefined) return 'never';
  const t = Date.parse(iso);
  return Number.isNaN(t) || now - t > staleAfter ? 'stale' : 'fresh';
}

/** The result column of a command: pending, delivered, ok, or the failure code. */
export function commandResult(c) {
  if (c.completed_at === null) return c.delivered_at === null ? 'pending' : 'delivered';
  return c.result_ok ? 'ok' : `failed: ${c.result_code ?? 'unknown'}`;
}

/** The latest value of each (meter, register); rows come sorted by time, the last one wins. */
export function latestValues(values) {
  const latest = new Map();
  for (const v of values) latest.set(`${v.meter ?? v.pseudonym ?? '?'}|${v.obis}`, v);
  return [...latest.values()].sort((a, b) => meterOf(a).localeCompare(meterOf(b)) || a.obis.localeCompare(b.obis));
}

/** A meter's identity as the EMT sees it: its id, or the pseudonym for pseudonymised data. */
export function meterOf(v) {
  return v.meter ?? v.pseudonym ?? '?';
}

/** Counts of events per kind in `count` equal buckets ending at `end`; events outside the window are left out. */
export function bucketEvents(events, end, windowMs, count) {
  const start = end - windowMs;
  const size = windowMs / count;
  const kinds = [...new Set(events.map((e) => e.kind))].sort();
  const buckets = Array.from({ length: count }, (_, i) => ({ from: start + i * size, to: start + (i + 1) * size, counts: Object.fromEntries(kinds.map((k) => [k, 0])) }));
  for (const e of events) {
    const t = Date.parse(e.at);
    if (Number.isNaN(t) || t < start || t > end) continue;
    const i = Math.min(count - 1, Math.floor((t - start) / size));
    buckets[i].counts[e.kind] += 1;
  }
  return { kinds, buckets };
}

/** Which family a security event belongs to, for the table and legend. */
export function eventFamily(kind) {
  if (kind === 'HE_REPLAY') return 'replay';
  if (kind === 'HE_BAD_SIGNATURE' || kind === 'HE_UNTRUSTED_SIGNER' || kind === 'HE_SIGNER_NOT_CALLER' || kind === 'HE_TAMPERED') return 'signature';
  if (kind.startsWith('HE_')) return 'message';
  return 'handshake';
}
