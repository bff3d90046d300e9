import { connect as netConnect } from 'node:net';
import { type ConnectionOptions, DEFAULT_CIPHERS, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { certificateFacts, pemToDerList } from './certificate-facts.js';
import { TlsProfileError } from './errors.js';
import { type SClientSummary, runSClient } from './openssl-probe.js';
import { type CheckLine, FORBIDDEN_GROUPS, FORBIDDEN_TLS12_SUITES, type NegotiationSeen, type TlsObservations, type TlsVersionName, evaluateTls, isCompliant } from './tls-compliance.js';
import { TLS12_SUITES, TLS_GROUPS, type TlsCredentials, type TlsTrust, type TlsVariant, cipherList, groupList, profileSecureContext } from './tls-profile.js';

export interface TlsCheckOptions {
  readonly host: string;
  readonly port: number;
  readonly variant: TlsVariant;
  /** Our party's TLS credentials and trust (from --dir/--as): completes the handshake with mutual-TLS servers. */
  readonly client?: { readonly credentials: TlsCredentials; readonly trust: TlsTrust };
  readonly timeoutMs?: number;
  readonly now?: Date;
}

export interface TlsCheckReport {
  readonly target: string;
  readonly profile: TlsVariant;
  readonly compliant: boolean;
  readonly checks: readonly CheckLine[];
  readonly observed: TlsObservations;
}

/** Every group s_client may offer: brainpool first, since TLS 1.2 needs a brainpool certificate's curve listed. */
const ALL_GROUPS = 'brainpoolP256r1:brainpoolP384r1:brainpoolP512r1:prime256v1:secp384r1:secp521r1:X25519:X448';
const ANY_CIPHER = 'ALL:@SECLEVEL=0';

/**
 * Probes a TLS endpoint against the profile: openssl s_client handshakes without a client certificate (they
 * still show what the server chose in its ServerHello, and reach TLS 1.0/1.1 and RSA suites, which node:tls
 * cannot offer), then one node:tls handshake with our credentials for what only a completed handshake shows:
 * session tickets, renegotiation and chain validation.
 */
export async function checkTls(o: TlsCheckOptions): Promise<TlsCheckReport> {
  await reachable(o.host, o.port, o.timeoutMs ?? 5000);
  const probe = (args: readonly string[]) => runSClient({ host: o.host, port: o.port, args, timeoutMs: o.timeoutMs ?? 10_000 });
  const asSeen = (s: SClientSummary, want?: string): NegotiationSeen => ({
    negotiated: s.protocol !== undefined && (want === undefined || s.protocol === want),
    ...(s.protocol === undefined ? {} : { protocol: s.protocol }),
    ...(s.cipher === undefined ? {} : { cipher: s.cipher }),
    ...(s.group === undefined ? {} : { group: s.group }),
  });

  const v12 = await probe(['-tls1_2', '-groups', ALL_GROUPS]);
  const [v10, v11, v13] = await Promise.all([
    probe(['-tls1', '-cipher', ANY_CIPHER, '-groups', ALL_GROUPS]),
    probe(['-tls1_1', '-cipher', ANY_CIPHER, '-groups', ALL_GROUPS]),
    // Groups outside the profile first: with the client's preference a lax server picks one of them.
    probe(['-tls1_3', '-groups', 'X25519:X448:secp521r1:prime256v1:secp384r1']),
  ]);
  const leafPem = v12.certificatesPem[0];
  const certificate = leafPem === undefined ? undefined : certificateFacts(pemToDerList(leafPem)[0]!, 'WAN_PROBE_FAILED');
  const certCurve = certificate?.curve;

  const suites = await inBatches([...TLS12_SUITES.map((s) => s.name), ...FORBIDDEN_TLS12_SUITES], 4, async (name) => {
    const s = await probe(['-tls1_2', '-cipher', `${name}:@SECLEVEL=0`, '-groups', ALL_GROUPS]);
    return { name, negotiated: s.protocol === 'TLSv1.2' && s.cipher === name };
  });
  const groups = await inBatches([...TLS_GROUPS.map((g) => g.name), ...FORBIDDEN_GROUPS], 4, async (name) => {
    const offer = certCurve === undefined || certCurve === name ? name : `${name}:${certCurve}`;
    const s = await probe(['-tls1_2', '-groups', offer]);
    return { name, negotiated: s.protocol === 'TLSv1.2' && s.group === name };
  });

  const completed = await nodeHandshake(o);
  const versions: Record<TlsVersionName, NegotiationSeen> = {
    TLSv1: asSeen(v10, 'TLSv1'),
    'TLSv1.1': asSeen(v11, 'TLSv1.1'),
    'TLSv1.2': asSeen(v12, 'TLSv1.2'),
    'TLSv1.3': asSeen(v13, 'TLSv1.3'),
  };
  const observed: TlsObservations = {
    versions,
    suites,
    groups,
    certificate,
    // Refused after the server had chosen its parameters: it insists on a client certificate.
    clientCertificateRequired: v12.protocol === undefined ? undefined : v12.handshake === 'failed',
    compression: v12.compression,
    sessionTicket: completed?.ticket ?? (v12.handshake === 'completed' ? v12.sessionTicket : undefined),
    renegotiation: completed?.renegotiation,
    chainTrusted: o.client === undefined || completed === undefined ? undefined : completed.authorized,
    ...(completed?.authorizationError === undefined ? {} : { chainError: completed.authorizationError }),
  };
  const checks = evaluateTls(observed, o.variant, o.now ?? new Date());
  return { target: `${o.host}:${o.port}`, profile: o.variant, compliant: isCompliant(checks), checks, observed };
}

function reachable(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    const fail = (why: string) => {
      s.destroy();
      reject(new TlsProfileError('WAN_PROBE_FAILED', `cannot reach ${host}:${port}: ${why}`));
    };
    s.setTimeout(timeoutMs, () => fail('timeout'));
    s.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'error'));
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
  });
}

async function inBatches<T, R>(items: readonly T[], size: number, job: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(job))));
  return out;
}

interface CompletedHandshake {
  readonly ticket: boolean;
  readonly renegotiation: 'refused' | 'accepted';
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
}

/**
 * One node:tls handshake with the profile's client options (and our credentials when given); undefined when
 * the server does not complete it (for example mutual TLS without credentials).
 */
function nodeHandshake(o: TlsCheckOptions): Promise<CompletedHandshake | undefined> {
  // Without credentials the client is lax on purpose: the point is to complete a TLS 1.2 handshake and look.
  const base: ConnectionOptions =
    o.client === undefined
      ? { ciphers: `${DEFAULT_CIPHERS}:${cipherList('wan')}`, ecdhCurve: `${groupList(['secp384r1', 'brainpoolP512r1'])}:X25519`, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }
      : { secureContext: profileSecureContext({ variant: o.variant, side: 'client', ...o.client }).secureContext };
  return new Promise((resolve) => {
    const socket: TLSSocket = tlsConnect({ host: o.host, port: o.port, ...base, rejectUnauthorized: false, checkServerIdentity: () => undefined }, () => {
      const ticket = socket.getTLSTicket() !== undefined;
      const authorized = socket.authorized;
      const authErr: unknown = socket.authorizationError;
      const authorizationError = typeof authErr === 'string' ? authErr : authErr instanceof Error ? authErr.message : undefined;
      const finish = (renegotiation: 'refused' | 'accepted') => {
        socket.destroy();
        resolve({ ticket, renegotiation, authorized, authorizationError });
      };
      socket.removeAllListeners('error');
      socket.once('error', () => finish('refused'));
      socket.once('close', () => finish('refused'));
      const started = socket.renegotiate({ rejectUnauthorized: false }, (e) => finish(e ? 'refused' : 'accepted'));
      if (!started) finish('refused');
    });
    socket.setTimeout(o.timeoutMs ?? 10_000, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** The human table for stderr. */
export function formatReport(r: TlsCheckReport): string {
  const mark = (ok: boolean | null) => (ok === null ? ' -- ' : ok ? 'PASS' : 'FAIL');
  const width = Math.max(...r.checks.map((c) => c.requirement.length));
  const rows = r.checks.map((c) => `${mark(c.ok)}  ${c.requirement.padEnd(width)}  ${c.observed}`);
  return [`tls-check ${r.target} (profile ${r.profile}): ${r.compliant ? 'COMPLIANT' : 'NOT COMPLIANT'}`, ...rows].join('\n');
}
