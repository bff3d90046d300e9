/**
 * Load-robust rates: the code under test and the primitive it is bound by run in alternating short slices,
 * and each figure is a sum over its slices. A colleague's job that steals the core for a while then slows
 * both alike instead of whichever happened to run at the time. Both wall time and this process's CPU time
 * (process.cpuUsage, user + system) are summed: on a loaded machine the CPU figure is the steadier one.
 */

export interface Contender {
  readonly name: string;
  /** Performs `ops` operations. */
  readonly batch: () => void;
  readonly ops: number;
}

export interface InterleavedRate {
  readonly name: string;
  /** Operations per second of CPU time. */
  readonly cpuRate: number;
  /** Operations per second of wall time. */
  readonly wallRate: number;
}

export interface InterleaveOptions {
  /** Wall time each contender gets in total, in ms (default 1500). */
  readonly ms?: number;
  /** Length of one slice, in ms (default 25). */
  readonly sliceMs?: number;
}

/** Runs the contenders round-robin in slices of about `sliceMs` until each has had about `ms`. */
export function interleaved(contenders: readonly Contender[], options: InterleaveOptions = {}): InterleavedRate[] {
  const ms = options.ms ?? 1500;
  const sliceMs = options.sliceMs ?? 25;
  // Warm-up: let every contender reach its optimised code before anything counts.
  for (const c of contenders) runFor(c, Math.min(300, ms / 4));
  const totals = contenders.map(() => ({ ops: 0, wallMs: 0, cpuUs: 0 }));
  // Every other round runs in reverse order: whoever follows a heavy allocator is charged for its garbage
  // collection, so each contender takes each position equally often.
  const order = contenders.map((c, k) => [c, k] as const);
  const reversed = [...order].reverse();
  for (let round = 0; round * sliceMs < ms; round++) {
    (round % 2 === 0 ? order : reversed).forEach(([c, k]) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ops = runFor(c, sliceMs);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const t = totals[k]!;
      t.ops += ops;
      t.wallMs += wall;
      t.cpuUs += cpu.user + cpu.system;
    });
  }
  return contenders.map((c, k) => {
    const t = totals[k]!;
    return { name: c.name, cpuRate: (t.ops * 1e6) / Math.max(t.cpuUs, 1), wallRate: (t.ops * 1000) / t.wallMs };
  });
}

function runFor(c: Contender, ms: number): number {
  const until = performance.now() + ms;
  let ops = 0;
  do {
    c.batch();
    ops += c.ops;
  } while (performance.now() < until);
  return ops;
}

/** "wall 1,234/s beside 5,678/s (21.7%)": the wall-time view of a CPU-time bench line. */
export function wallNote(rate: InterleavedRate, primitive: InterleavedRate): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return `wall time: ${fmt(rate.wallRate)}/s beside ${fmt(primitive.wallRate)}/s, ratio ${((100 * rate.wallRate) / primitive.wallRate).toFixed(1)}%`;
}

/** A contender whose operations await (a store, a security module): it runs its own loop until `until`. */
export interface AsyncContender {
  readonly name: string;
  /** Works until performance.now() reaches `until` (or it has nothing left); resolves to the operations done. */
  run(until: number): Promise<number>;
}

export interface AsyncInterleavedRate extends InterleavedRate {
  /** Operations done in all slices (0 in a slice ends the run: a contender ran dry). */
  readonly ops: number;
  /** CPU seconds the `outside` clock counted during this contender's slices. */
  readonly outsideCpuS: number;
}

export interface AsyncInterleaveOptions extends InterleaveOptions {
  /**
   * CPU seconds used so far by work this process waits for but does not run (a database server): read before
   * and after each slice, outside the process's own CPU window, and summed per contender.
   */
  readonly outside?: () => number;
}

/**
 * The async twin of `interleaved`: round-robin slices until each contender has had about `ms` or one ran dry.
 * No warm-up here: the caller warms each contender up, since their work is often finite (a queue of messages).
 */
export async function interleavedAsync(contenders: readonly AsyncContender[], options: AsyncInterleaveOptions = {}): Promise<AsyncInterleavedRate[]> {
  const ms = options.ms ?? 1500;
  const sliceMs = options.sliceMs ?? 25;
  const outside = options.outside ?? (() => 0);
  const totals = contenders.map(() => ({ ops: 0, wallMs: 0, cpuUs: 0, outsideS: 0 }));
  let dry = false;
  for (let round = 0; round * sliceMs < ms && !dry; round++) {
    for (const [k, c] of contenders.entries()) {
      const out0 = outside();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const ops = await c.run(t0 + sliceMs);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const t = totals[k]!;
      t.outsideS += outside() - out0;
      if (ops === 0) dry = true;
      t.ops += ops;
      t.wallMs += wall;
      t.cpuUs += cpu.user + cpu.system;
    }
  }
  return contenders.map((c, k) => {
    const t = totals[k]!;
    return {
      name: c.name,
      ops: t.ops,
      cpuRate: (t.ops * 1e6) / Math.max(t.cpuUs, 1),
      wallRate: (t.ops * 1000) / Math.max(t.wallMs, 1),
      outsideCpuS: t.outsideS,
    };
  });
}

/** A synchronous operation as an async contender (the bare primitives beside async code under test). */
export function syncContender(name: string, op: () => void): AsyncContender {
  return {
    name,
    async run(until) {
      let n = 0;
      do {
        op();
        n++;
      } while (performance.now() < until);
      return n;
    },
  };
}
