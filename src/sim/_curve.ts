/**
 * Rates with a closed-form integral, so a register at any time is a pure function of t (no stepping through
 * history): a rate is a sum of terms that each repeat every day, and the integral over [0, t] is
 * (whole days) x (one day's integral) + the integral over the part of the last day.
 */

export const DAY_S = 86_400;
const OMEGA = (2 * Math.PI) / DAY_S;

/** One term of a rate: its value at t and its integral over [0, t] for t within one day (0 <= t <= DAY_S). */
export type Term =
  /** A constant rate. */
  | { readonly kind: 'constant'; readonly value: number }
  /** A daily peak ((1 + cos(w(t - at))) / 2)^2, at `at` seconds after midnight UTC, height `height`. */
  | { readonly kind: 'peak'; readonly height: number; readonly at: number }
  /** A ripple `amplitude` x sin(2 pi k t / day + phase): k whole cycles a day, so the rate repeats daily. */
  | { readonly kind: 'ripple'; readonly amplitude: number; readonly cyclesPerDay: number; readonly phase: number }
  /** A half sine from `from` to `to` seconds after midnight (a PV plant), zero outside. */
  | { readonly kind: 'daylight'; readonly height: number; readonly from: number; readonly to: number };

function rateOf(term: Term, s: number): number {
  switch (term.kind) {
    case 'constant':
      return term.value;
    case 'peak': {
      const c = (1 + Math.cos(OMEGA * (s - term.at))) / 2;
      return term.height * c * c;
    }
    case 'ripple':
      return term.amplitude * Math.sin(OMEGA * term.cyclesPerDay * s + term.phase);
    case 'daylight':
      return s <= term.from || s >= term.to ? 0 : term.height * Math.sin((Math.PI * (s - term.from)) / (term.to - term.from));
  }
}

/** Integral of one term over [0, s], 0 <= s <= DAY_S. */
function integralOf(term: Term, s: number): number {
  switch (term.kind) {
    case 'constant':
      return term.value * s;
    case 'peak': {
      // ((1 + cos x) / 2)^2 = 3/8 + cos(x) / 2 + cos(2x) / 8
      const x = (u: number): number => OMEGA * (u - term.at);
      const f = (u: number): number => (3 * u) / 8 + Math.sin(x(u)) / (2 * OMEGA) + Math.sin(2 * x(u)) / (16 * OMEGA);
      return term.height * (f(s) - f(0));
    }
    case 'ripple': {
      const w = OMEGA * term.cyclesPerDay;
      return (term.amplitude / w) * (Math.cos(term.phase) - Math.cos(w * s + term.phase));
    }
    case 'daylight': {
      const span = term.to - term.from;
      const u = Math.min(Math.max(s, term.from), term.to) - term.from;
      return ((term.height * span) / Math.PI) * (1 - Math.cos((Math.PI * u) / span));
    }
  }
}

/** A rate that repeats daily, and its integral from the origin. */
export class DailyCurve {
  readonly terms: readonly Term[];
  /** Integral over one whole day. */
  readonly perDay: number;

  constructor(terms: readonly Term[]) {
    this.terms = terms;
    this.perDay = this.withinDay(DAY_S);
  }

  /** Rate at t seconds after the origin. */
  rate(t: number): number {
    const s = t - Math.floor(t / DAY_S) * DAY_S;
    let sum = 0;
    for (const term of this.terms) sum += rateOf(term, s);
    return sum;
  }

  private withinDay(s: number): number {
    let sum = 0;
    for (const term of this.terms) sum += integralOf(term, s);
    return sum;
  }

  /** Integral over [0, t]. */
  integral(t: number): number {
    const days = Math.floor(t / DAY_S);
    return days * this.perDay + this.withinDay(t - days * DAY_S);
  }

  /**
   * Integral over [0, t] counting only the daily windows [from, to) (seconds after midnight, from < to): a
   * tariff stage. Windows of one stage must not overlap.
   */
  integralWithin(t: number, windows: readonly (readonly [number, number])[]): number {
    const days = Math.floor(t / DAY_S);
    const s = t - days * DAY_S;
    let perDay = 0;
    let partial = 0;
    for (const [from, to] of windows) {
      perDay += this.withinDay(to) - this.withinDay(from);
      if (s > from) partial += this.withinDay(Math.min(s, to)) - this.withinDay(from);
    }
    return days * perDay + partial;
  }
}
