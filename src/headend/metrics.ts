/**
 * Prometheus counters of this process (text exposition format 0.0.4). Each head-end process counts what it
 * handled; Prometheus sums over processes. Totals that must survive restarts come from the store instead.
 */

export type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly values: Map<string, { labels: Labels; value: number }>;
}

/** Label values escaped per the exposition format: backslash, double quote and newline. */
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (labels: Labels): string => {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
};

export const METRIC = {
  messages: 'gridwarden_headend_messages_total',
  errors: 'gridwarden_headend_errors_total',
  replays: 'gridwarden_headend_replay_attempts_total',
  handshakeFailures: 'gridwarden_headend_handshake_failures_total',
  commands: 'gridwarden_headend_commands_total',
  wakeUps: 'gridwarden_headend_wakeups_total',
} as const;

const HELP: Readonly<Record<string, string>> = {
  [METRIC.messages]: 'Meter data messages by EMT and outcome (stored, duplicate, refused)',
  [METRIC.errors]: 'Refusals and failures by HeadendError code',
  [METRIC.replays]: 'Messages refused as replays (known id, other content or sender)',
  [METRIC.handshakeFailures]: 'WAN connections refused at or right after the TLS handshake, by reason',
  [METRIC.commands]: 'Administration commands queued, by type',
  [METRIC.wakeUps]: 'Wake-up datagrams by outcome',
};

export class Metrics {
  private readonly families = new Map<string, Family>();

  inc(name: string, labels: Labels = {}, by = 1): void {
    let f = this.families.get(name);
    if (f === undefined) {
      f = { help: HELP[name] ?? name, values: new Map() };
      this.families.set(name, f);
    }
    const key = labelText(labels);
    const cur = f.values.get(key);
    if (cur === undefined) f.values.set(key, { labels, value: by });
    else cur.value += by;
  }

  get(name: string, labels: Labels = {}): number {
    return this.families.get(name)?.values.get(labelText(labels))?.value ?? 0;
  }

  /** The counters, plus gauges computed by the caller (from the store) appended as they are. */
  render(gauges: ReadonlyArray<{ name: string; help: string; samples: ReadonlyArray<{ labels: Labels; value: number }> }> = []): string {
    const out: string[] = [];
    for (const [name, f] of [...this.families].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} counter`);
      for (const [key, v] of [...f.values].sort(([a], [b]) => a.localeCompare(b))) out.push(`${name}${key} ${v.value}`);
    }
    for (const g of gauges) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const s of g.samples) out.push(`${g.name}${labelText(s.labels)} ${s.value}`);
    }
    return `${out.join('\n')}\n`;
  }
}
