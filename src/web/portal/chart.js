// The load-curve chart: one SVG drawn from the API's points (consumption per step), with axes, labels and a
// dot per value. No library: a line, dots and a few ticks are all a consumer needs to read it.

const SVG = 'http://www.w3.org/2000/svg';
const W = 760;
const H = 300;
const M = { top: 16, right: 16, bottom: 44, left: 72 };

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A round upper bound and tick step for the value axis (1, 2 or 5 times a power of ten). */
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

function formatValue(v) {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2).replace(/\.?0+$/, '') : v.toPrecision(2).replace(/\.?0+$/, '');
}

/**
 * Draws `points` ({from, delta}) into `container`, replacing what was there. `period` is 'day' or 'week'
 * (axis labels by hour or by day). Returns a one-line summary for the caption.
 */
export function drawLoadCurve(container, points, { unit, period, title }) {
  container.replaceChildren();
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'curve' });
  const known = points.filter((p) => typeof p.delta === 'number');
  const total = known.reduce((s, p) => s + p.delta, 0);
  const peak = known.reduce((best, p) => (best === undefined || p.delta > best.delta ? p : best), undefined);
  const u = unit || '';
  const summary =
    known.length === 0
      ? 'No readings in this period.'
      : `${formatValue(total)} ${u} in total; highest ${formatValue(peak.delta)} ${u} at ${when(peak.from, period)}.`;
  svg.append(el('title', { id: 'chart-title' }, title), el('desc', { id: 'chart-desc' }, summary));

  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const { top, step } = niceScale(Math.max(0, ...known.map((p) => p.delta)));
  const x = (i) => M.left + (points.length <= 1 ? plotW / 2 : (i * plotW) / (points.length - 1));
  const y = (v) => M.top + plotH - (Math.max(0, v) / top) * plotH;

  const axes = el('g', { class: 'axes' });
  for (let v = 0; v <= top + step / 2; v += step) {
    axes.append(el('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: v === 0 ? 'axis' : 'grid' }));
    axes.append(el('text', { x: M.left - 8, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, formatValue(v)));
  }
  axes.append(el('text', { x: 14, y: M.top + plotH / 2, transform: `rotate(-90 14 ${M.top + plotH / 2})`, 'text-anchor': 'middle', class: 'label' }, `${u} per ${period === 'week' ? 'hour' : '15 min'}`));
  const every = period === 'week' ? 24 : 12;
  points.forEach((p, i) => {
    if (i % every !== 0) return;
    axes.append(el('line', { x1: x(i), x2: x(i), y1: M.top + plotH, y2: M.top + plotH + 5, class: 'axis' }));
    axes.append(el('text', { x: x(i), y: M.top + plotH + 20, 'text-anchor': 'middle', class: 'tick' }, axisLabel(p.from, period)));
  });
  axes.append(el('line', { x1: M.left, x2: M.left, y1: M.top, y2: M.top + plotH, class: 'axis' }));
  svg.append(axes);

  // The line breaks where a value is unknown rather than bridging the gap.
  let run = [];
  const runs = [];
  points.forEach((p, i) => {
    if (typeof p.delta === 'number') run.push(`${x(i).toFixed(1)},${y(p.delta).toFixed(1)}`);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length > 0) runs.push(run);
  for (const r of runs) svg.append(el('polyline', { points: r.join(' '), class: 'line' }));

  const dots = el('g', { class: 'points' });
  points.forEach((p, i) => {
    if (typeof p.delta !== 'number') return;
    const c = el('circle', { cx: x(i).toFixed(1), cy: y(p.delta).toFixed(1), r: 2.6, class: 'point' });
    c.append(el('title', {}, `${when(p.from, period)}: ${formatValue(p.delta)} ${u}`));
    dots.append(c);
  });
  svg.append(dots);
  container.append(svg);
  return summary;
}

function axisLabel(iso, period) {
  const d = new Date(iso);
  return period === 'week'
    ? d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

function when(iso, period) {
  const d = new Date(iso);
  return period === 'week'
    ? d.toLocaleString(undefined, { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
