/**
 * Retention per data class: what is older than its class's limit goes, in one transaction. A row exactly at
 * the limit stays (strictly older goes); times are ISO-8601 UTC text, so the comparison is a string one.
 *   - meter data: messages and their values, by received_at (when this head-end took them);
 *   - security events, by at;
 *   - commands with a result, by completed_at (a command still pending is never purged).
 */
import type { Db } from '../../store/index.js';

export interface RetentionPolicy {
  readonly valuesDays: number;
  readonly securityEventsDays: number;
  readonly commandsDays: number;
}

export interface PurgeCounts {
  readonly messages: number;
  readonly values: number;
  readonly securityEvents: number;
  readonly commands: number;
}

const DAY_MS = 86_400_000;

/** The instant before which a class with `days` of retention is expired. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** Deletes the expired rows of every class; call inside the job's transaction. */
export async function purgeExpired(db: Db, policy: RetentionPolicy, now: Date): Promise<PurgeCounts> {
  const data = retentionCutoff(now, policy.valuesDays).toISOString();
  // Values first: they reference their message.
  const values = await db.run('DELETE FROM he_values WHERE message IN (SELECT id FROM he_messages WHERE received_at < $1)', [data]);
  const messages = await db.run('DELETE FROM he_messages WHERE received_at < $1', [data]);
  const securityEvents = await db.run('DELETE FROM he_security_events WHERE at < $1', [retentionCutoff(now, policy.securityEventsDays).toISOString()]);
  const commands = await db.run('DELETE FROM he_commands WHERE completed_at IS NOT NULL AND completed_at < $1', [
    retentionCutoff(now, policy.commandsDays).toISOString(),
  ]);
  return { messages, values, securityEvents, commands };
}
