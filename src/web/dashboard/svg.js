/** Small SVG drawing helpers: elements built through the DOM (never markup strings), so no data becomes code. */

const NS = 'http://www.w3.org/2000/svg';

export function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Round axis ticks between min and max, about `wanted` intervals: steps of 1, 2 or 5 times a power of ten,
 * never below 1 for counts.
 */
export function niceTicks(min, max, wanted = 4, integer = false) {
  if (!(max > min)) return [min];
  // Aim a little below the exact step so a range like 1000..1009 gets 2-steps rather than two 5-steps.
  const target = ((max - min) / wanted) * 0.7;
  const pow = 10 ** Math.floor(Math.log10(target));
  let step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= target) ?? target;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export const shortTime = (ms) => new Date(ms).toISOString().slice(11, 16);
export const shortDate = (ms) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
