/**
 * The three gateway logs (after BSI TR-03109-1 and the protection profile PP-0073, which ask for a system
 * log for the administrator, a calibration log for metrology-relevant changes and a consumer log of what
 * was sent to whom) and the closed vocabulary of their records.
 */

export const LOG_NAMES = ['system', 'calibration', 'consumer'] as const;
export type LogName = (typeof LOG_NAMES)[number];

/** Event types per log: a record's `event` is one of its log's list. Append new names only; never rename. */
export const LOG_EVENTS = {
  system: [
    'gateway-started',
    'gateway-stopped',
    'configuration-changed',
    'administrator-access',
    'wakeup-accepted',
    'wakeup-rejected',
    'wan-connected',
    'wan-connection-failed',
    'tls-handshake-failed',
    'certificate-changed',
    'key-generated',
    'firmware-updated',
    'time-synchronised',
    'self-test',
    'security-alert',
    'log-purged',
    'retention-purged',
    'consent-withdrawn',
    'contract-erased',
  ],
  calibration: ['meter-added', 'meter-removed', 'meter-key-changed', 'firmware-updated', 'time-set', 'tariff-profile-changed', 'calibration-parameter-changed'],
  consumer: ['data-sent', 'contract-added', 'contract-changed', 'contract-removed', 'consumer-login', 'readings-viewed', 'data-exported', 'consent-granted', 'consent-withdrawn', 'contract-erased'],
} as const satisfies Readonly<Record<LogName, readonly string[]>>;

export type LogEvent<L extends LogName> = (typeof LOG_EVENTS)[L][number];

export const LOG_LEVELS = ['info', 'notice', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_OUTCOMES = ['success', 'failure', 'refused', 'none'] as const;
export type LogOutcome = (typeof LOG_OUTCOMES)[number];

/** How a checkpoint came about; `anchor` starts the chain anew after a purge. */
export const CHECKPOINT_KINDS = ['interval', 'on-demand', 'anchor'] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

interface EntryFields<L extends LogName> {
  readonly level: LogLevel;
  readonly event: LogEvent<L>;
  readonly text: string;
  readonly outcome: LogOutcome;
  readonly details?: JsonValue;
}

/** What a caller appends. The consumer log names the consumer of every record; the others may. */
export type LogEntry<L extends LogName> = L extends 'consumer' ? EntryFields<L> & { readonly consumerId: string } : EntryFields<L> & { readonly consumerId?: string };

export const isLogName = (v: unknown): v is LogName => typeof v === 'string' && (LOG_NAMES as readonly string[]).includes(v);
export const isLogEvent = <L extends LogName>(log: L, v: unknown): v is LogEvent<L> => typeof v === 'string' && (LOG_EVENTS[log] as readonly string[]).includes(v);
export const isLogLevel = (v: unknown): v is LogLevel => typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
export const isLogOutcome = (v: unknown): v is LogOutcome => typeof v === 'string' && (LOG_OUTCOMES as readonly string[]).includes(v);
export const isCheckpointKind = (v: unknown): v is CheckpointKind => typeof v === 'string' && (CHECKPOINT_KINDS as readonly string[]).includes(v);
