/**
 * A real TLS head-end peer for gateway tests, built with src/wan's createHeadEndServer: the intake route
 * unprotects each message as the EMT it is addressed to (src/cms unprotect against the PKI folder), checks the
 * signer is the calling gateway and the Idempotency-Key is the content's messageId, and stores each message id
 * once (201 the first time, 200 "duplicate" after). It also serves administration commands.
 */
import 'reflect-metadata';
import { protect, unprotect } from '../../cms/protect.js';
import type { SecurityModule } from '../../crypto/security-module.js';
import type { PkiDir } from '../../pki/index.js';
import { createHeadEndServer, type HeadEndServer } from '../../wan/server.js';
import { partyTlsFromPkiDir } from '../../wan/pki-credentials.js';

export interface ReceivedMessage {
  readonly emt: string;
  readonly content: Record<string, unknown>;
  /** Times the message was posted (1 + duplicates). */
  posts: number;
}

export interface HeadEndPeer {
  readonly port: number;
  readonly url: string;
  readonly received: Map<string, ReceivedMessage>;
  readonly refusals: string[];
  readonly results: Map<string, unknown>;
  /** Queues a command for the gateway, protected by the administrator for the gateway's ENC certificate. */
  queueCommand(command: Record<string, unknown>, opts?: { signerParty?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface PeerOptions {
  readonly pkiDir: string;
  readonly pki: PkiDir;
  readonly sm: SecurityModule;
  readonly admin: string;
  readonly gateway: string;
  readonly port?: number;
  /** Answer every intake with this status instead (5xx outage simulation). */
  readonly forceStatus?: () => number | undefined;
  /** Shared across restarts of the peer (an outage is a stopped peer). */
  readonly received?: Map<string, ReceivedMessage>;
}

export async function startHeadEndPeer(o: PeerOptions): Promise<HeadEndPeer> {
  const tls = await partyTlsFromPkiDir(o.pkiDir, o.admin, o.sm);
  const server: HeadEndServer = createHeadEndServer({ tls: { variant: 'wan', credentials: tls.credentials, trust: tls.trust } });
  server.app.addContentTypeParser('application/cms', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const received = o.received ?? new Map<string, ReceivedMessage>();
  const refusals: string[] = [];
  const results = new Map<string, unknown>();
  const pending: Array<{ id: string; cms: string }> = [];

  server.route({
    method: 'POST',
    url: '/v1/emt/:emt/messages',
    roles: ['gateway'],
    handler: async (request, reply) => {
      const forced = o.forceStatus?.();
      if (forced !== undefined) return reply.code(forced).send({ error: { code: 'HE_UNAVAILABLE', message: 'try later' } });
      const emt = (request.params as { emt: string }).emt;
      const header = request.headers['idempotency-key'];
      const key = typeof header === 'string' ? header : '';
      try {
        const party = await o.pki.party(emt);
        const opened = await unprotect(new Uint8Array(request.body as Buffer), { sm: o.sm, recipient: { keyLabel: party.enc.keyLabel, cert: party.enc.cert }, trust: o.pki });
        const signer = opened.signer.subjectName.getField('2.5.4.3')[0];
        if (signer !== request.caller.name) throw Object.assign(new Error('signer is not the caller'), { code: 'HE_SIGNER_NOT_CALLER' });
        const content = JSON.parse(Buffer.from(opened.content).toString('utf8')) as Record<string, unknown>;
        if (content.messageId !== key) throw Object.assign(new Error('idempotency key mismatch'), { code: 'HE_MALFORMED' });
        const seen = received.get(key);
        if (seen !== undefined) {
          seen.posts++;
          return reply.code(200).send({ messageId: key, status: 'duplicate' });
        }
        received.set(key, { emt, content, posts: 1 });
        return reply.code(201).send({ messageId: key, status: 'stored' });
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'HE_MALFORMED';
        refusals.push(code);
        return reply.code(400).send({ error: { code, message: 'refused' } });
      }
    },
  });
  server.route({
    method: 'GET',
    url: '/v1/gwa/commands',
    roles: ['gateway'],
    handler: async () => ({ commands: pending.splice(0) }),
  });
  server.route({
    method: 'POST',
    url: '/v1/gwa/commands/:id/result',
    roles: ['gateway'],
    handler: async (request) => {
      results.set((request.params as { id: string }).id, request.body);
      return { ok: true };
    },
  });

  const address = await server.listen(o.port ?? 0);
  return {
    port: address.port,
    url: `https://127.0.0.1:${address.port}`,
    received,
    refusals,
    results,
    async queueCommand(command, opts = {}) {
      const signer = await o.pki.party(opts.signerParty ?? o.admin);
      const gw = await o.pki.party(o.gateway);
      const der = await protect(new TextEncoder().encode(JSON.stringify(command)), {
        sm: o.sm,
        signer: { keyLabel: signer.sig.keyLabel, cert: signer.sig.cert },
        recipients: [gw.enc.cert],
        includeCerts: signer.sig.chain,
      });
      pending.push({ id: String(command.id), cms: Buffer.from(der).toString('base64') });
    },
    close: () => server.close(),
  };
}
