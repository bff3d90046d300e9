/** Tiny benchmark harness: rates measured in the same run as the primitive they are bound by. */

export interface BenchLine {
  readonly name: string;
  /** Rate of the code under test, per second. */
  readonly rate: number;
  readonly unit: string;
  /** The raw primitive this figure is bound by, measured in the same run. */
  readonly primitive: { readonly name: string; readonly rate: number };
  /** Goal for rate / primitive.rate, when the issue sets one. */
  readonly goalRatio?: number;
  /** Goal for the absolute rate, when the issue sets one. */
  readonly goalRate?: number;
  readonly note?: string;
}

export interface Bench {
  readonly name: string;
  run(): Promise<readonly BenchLine[]>;
}

/**
 * Calls `batch` (which performs `opsPerBatch` operations) repeatedly for about `ms` milliseconds after a
 * warm-up, and returns operations per second.
 */
export async function measure(batch: () => void | Promise<void>, opsPerBatch: number, ms = 1500): Promise<number> {
  const warmUntil = performance.now() + Math.min(300, ms / 4);
  while (performance.now() < warmUntil) await batch();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await batch();
    ops += opsPerBatch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export function formatLine(l: BenchLine): string {
  const ratio = l.rate / l.primitive.rate;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const goals: string[] = [];
  if (l.goalRate !== undefined) goals.push(`goal ≥ ${fmt(l.goalRate)} ${l.unit} ${l.rate >= l.goalRate ? 'met' : 'MISSED'}`);
  if (l.goalRatio !== undefined) goals.push(`goal ratio ≥ ${(l.goalRatio * 100).toFixed(0)}% ${ratio >= l.goalRatio ? 'met' : 'MISSED'}`);
  return [
    `${l.name}: ${fmt(l.rate)} ${l.unit}`,
    `  beside ${l.primitive.name}: ${fmt(l.primitive.rate)}/s  ratio ${(ratio * 100).toFixed(1)}%`,
    goals.length > 0 ? `  ${goals.join('; ')}` : '',
    l.note !== undefined ? `  ${l.note}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}
