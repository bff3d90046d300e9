/** The two charts of the dashboard, drawn as SVG from plain data. */
import { el, niceTicks, shortDate, shortTime } from './svg.js';

const W = 640;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** Up to eight kinds get their own colour class (palette in dashboard.css, readable on white). */
export const SERIES_CLASSES = 8;

function frame(label) {
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart-svg' });
  svg.append(el('title', {}, label));
  return svg;
}

function yAxis(svg, ticks, y) {
  for (const t of ticks) {
    const py = y(t);
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: py, y2: py, class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: py + 4, class: 'tick', 'text-anchor': 'end' }, String(t)));
  }
}

function xLabels(svg, from, to, x) {
  const span = to - from;
  const fmt = span > 86_400_000 ? shortDate : shortTime;
  for (let i = 0; i <= 4; i++) {
    const t = from + (span * i) / 4;
    svg.append(el('text', { x: x(t), y: H - 8, class: 'tick', 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, fmt(t)));
  }
}

/** A line with dots of one register of one meter over time; `points` are {t: ms, v: number} sorted by t. */
export function lineChart(points, label) {
  const svg = frame(label);
  if (points.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' }, 'no values'));
    return svg;
  }
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.v);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  const [vMin, vMax] = [Math.min(...vs), Math.max(...vs)];
  const ticks = niceTicks(vMin === vMax ? vMin - 1 : vMin, vMin === vMax ? vMax + 1 : vMax);
  const lo = Math.min(ticks[0], vMin);
  const hi = Math.max(ticks[ticks.length - 1], vMax);
  const x = (t) => PAD.left + (t1 === t0 ? PLOT_W / 2 : ((t - t0) / (t1 - t0)) * PLOT_W);
  const y = (v) => PAD.top + PLOT_H - ((v - lo) / (hi - lo || 1)) * PLOT_H;
  yAxis(svg, ticks, y);
  xLabels(svg, t0, t1 === t0 ? t0 + 1 : t1, x);
  svg.append(el('polyline', { points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' '), class: 'series-line' }));
  for (const p of points) {
    const dot = el('circle', { cx: x(p.t), cy: y(p.v), r: 3, class: 'series-dot' });
    dot.append(el('title', {}, `${new Date(p.t).toISOString()}: ${p.v}`));
    svg.append(dot);
  }
  return svg;
}

/** Stacked bars of event counts per kind per bucket, with a legend; `kinds` fix the stacking order. */
export function stackedBars({ kinds, buckets }, label) {
  const svg = frame(label);
  const totals = buckets.map((b) => kinds.reduce((s, k) => s + b.counts[k], 0));
  const ticks = niceTicks(0, Math.max(1, ...totals), 4, true);
  const hi = ticks[ticks.length - 1];
  const y = (v) => PAD.top + PLOT_H - (v / hi) * PLOT_H;
  const from = buckets[0]?.from ?? 0;
  const to = buckets[buckets.length - 1]?.to ?? 1;
  const x = (t) => PAD.left + ((t - from) / (to - from)) * PLOT_W;
  yAxis(svg, ticks, y);
  xLabels(svg, from, to, x);
  buckets.forEach((b) => {
    let base = 0;
    const bx = x(b.from) + 1;
    const bw = Math.max(1, x(b.to) - x(b.from) - 2);
    kinds.forEach((k, i) => {
      const n = b.counts[k];
      if (n === 0) return;
      const rect = el('rect', { x: bx, y: y(base + n), width: bw, height: y(base) - y(base + n), class: `series-${i % SERIES_CLASSES}`, 'data-kind': k });
      rect.append(el('title', {}, `${k}: ${n} (${new Date(b.from).toISOString()} to ${new Date(b.to).toISOString()})`));
      svg.append(rect);
      base += n;
    });
  });
  return svg;
}

/** The legend as an HTML list, so screen readers and the table share the same names. */
export function legend(kinds, counts) {
  const ul = document.createElement('ul');
  ul.className = 'legend';
  kinds.forEach((k, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch series-${i % SERIES_CLASSES}`;
    swatch.setAttribute('aria-hidden', 'true');
    li.append(swatch, `${k}: ${counts[k] ?? 0}`);
    ul.append(li);
  });
  return ul;
}
