/** The operator API's OpenAPI 3.1 document, written by hand beside the routes in operator-api.ts. */

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (name: string) => ({ type: 'array', items: ref(name) });
const errorResponse = { description: 'refused', ...json(ref('Error')) };
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const queryParam = (name: string, description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } });
const nullable = (type: string) => ({ type: [type, 'null'] });

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'gridwarden head-end operator API',
    version: '1.0.0',
    description: 'Gateway inventory, administration commands, stored meter data per market participant, per-consumer export, the privacy log, security events and metrics. Served on loopback; every data route needs the operator token as a bearer token (401 HE_UNAUTHORIZED without it).',
  },
  paths: {
    '/gateways': {
      get: { summary: 'The gateway inventory', responses: { 200: { description: 'gateways', ...json({ type: 'object', properties: { gateways: list('Gateway') } }) } } },
      post: {
        summary: 'Add or update a gateway of the inventory',
        requestBody: { required: true, ...json(ref('GatewayInput')) },
        responses: { 201: { description: 'stored', ...json(ref('Gateway')) }, 400: errorResponse, 404: errorResponse },
      },
    },
    '/gateways/{name}': {
      get: { summary: 'One gateway', parameters: [pathParam('name', 'gateway name')], responses: { 200: { description: 'gateway', ...json(ref('Gateway')) }, 404: errorResponse } },
    },
    '/gateways/{name}/wake-up': {
      post: {
        summary: 'Send a signed wake-up datagram to the gateway',
        parameters: [pathParam('name', 'gateway name')],
        responses: { 202: { description: 'sent', ...json({ type: 'object', properties: { status: { const: 'sent' } } }) }, 404: errorResponse, 502: errorResponse },
      },
    },
    '/gateways/{name}/commands': {
      post: {
        summary: 'Queue an administration command (signed by the administrator, encrypted for the gateway), then wake the gateway',
        parameters: [pathParam('name', 'gateway name')],
        requestBody: { required: true, ...json(ref('CommandRequest')) },
        responses: { 201: { description: 'queued', ...json(ref('QueuedCommand')) }, 400: errorResponse, 404: errorResponse },
      },
    },
    '/commands': {
      get: { summary: 'Commands and their results', parameters: [queryParam('gateway', 'only this gateway')], responses: { 200: { description: 'commands', ...json({ type: 'object', properties: { commands: list('Command') } }) } } },
    },
    '/emts': {
      get: { summary: 'Hosted market participants', responses: { 200: { description: 'names', ...json({ type: 'object', properties: { emts: { type: 'array', items: { type: 'string' } } } }) } } },
    },
    '/emts/{emt}/messages': {
      get: {
        summary: "One market participant's stored messages",
        parameters: [pathParam('emt', 'market participant'), queryParam('meter', 'only this meter'), queryParam('pseudonym', 'only this pseudonym')],
        responses: { 200: { description: 'messages', ...json({ type: 'object', properties: { messages: list('Message') } }) }, 404: errorResponse },
      },
    },
    '/emts/{emt}/values': {
      get: {
        summary: "One market participant's stored values",
        parameters: [pathParam('emt', 'market participant'), queryParam('meter', 'only this meter')],
        responses: { 200: { description: 'values', ...json({ type: 'object', properties: { values: list('Value') } }) }, 404: errorResponse },
      },
    },
    '/security-events': {
      get: { summary: 'Refused messages, failed handshakes and other security events, newest first', responses: { 200: { description: 'events', ...json({ type: 'object', properties: { events: list('SecurityEvent') } }) } } },
    },
    '/consumers/{consumerId}/export': {
      get: {
        summary: 'Everything each hosted market participant holds about one consumer (direct rows by meter, pseudonymised rows by gateway pseudonym and contract), with registration and contracts',
        parameters: [
          pathParam('consumerId', 'consumer id as register-meter and add-contract named it'),
          { name: 'format', in: 'query', required: false, description: 'json (default) or csv', schema: { enum: ['json', 'csv'] } },
        ],
        responses: {
          200: {
            description: 'the export, as an attachment',
            content: {
              'application/json': { schema: ref('ConsumerExport') },
              'text/csv': { schema: { type: 'string', description: 'RFC 4180, one table; column `record` is registration, contract, message or value; formula-like text cells start with an apostrophe' } },
            },
          },
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    '/privacy/events': {
      get: { summary: 'What the privacy job removed (retention purges, erasures at contract end), newest first', responses: { 200: { description: 'events', ...json({ type: 'object', properties: { events: list('PrivacyEvent') } }) } } },
    },
    '/metrics': {
      get: { summary: 'Prometheus text metrics', responses: { 200: { description: 'exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } } },
    },
    '/openapi.json': { get: { summary: 'This document (open: no token needed)', security: [], responses: { 200: { description: 'OpenAPI 3.1', ...json({ type: 'object' }) } } } },
  },
  security: [{ operatorToken: [] }],
  components: {
    securitySchemes: {
      operatorToken: { type: 'http', scheme: 'bearer', description: 'operator.tokenFile, or the token the head-end prints at start' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', pattern: '^HE_' }, message: { type: 'string' } } } },
      },
      WakeUpAddress: { type: 'object', required: ['host', 'port'], properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 65535 } } },
      GatewayInput: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, state: { type: 'string' }, wakeUp: ref('WakeUpAddress') } },
      Gateway: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          state: { type: 'string' },
          wakeup_host: nullable('string'),
          wakeup_port: nullable('integer'),
          created_at: { type: 'string', format: 'date-time' },
          last_contact: nullable('string'),
        },
      },
      CommandRequest: {
        type: 'object',
        required: ['type', 'payload'],
        properties: {
          type: { enum: ['register-meter', 'remove-meter', 'add-contract', 'remove-contract', 'set-emt-certificates'] },
          payload: {
            description:
              'register-meter {meterId, protocol, keyHex? (32 hex digits; 64 = EK || AK for dlms and dsmr), consumerId (at most 64)}; remove-meter {meterId}; add-contract {contract, as src/gateway/taf/contract.ts; id, meterId, consumerId, recipient.name, taf, validFrom, validTo required here}; remove-contract {contractId}; set-emt-certificates {emt}',
            type: 'object',
          },
        },
      },
      QueuedCommand: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, type: { type: 'string' }, wakeUp: { enum: ['sent', 'failed', 'no-address'] } } },
      Command: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          gateway: { type: 'string' },
          type: { type: 'string' },
          created_at: { type: 'string' },
          delivered_at: nullable('string'),
          completed_at: nullable('string'),
          result_ok: nullable('boolean'),
          result_code: nullable('string'),
          result_message: nullable('string'),
        },
      },
      Message: {
        type: 'object',
        properties: {
          message_id: { type: 'string' },
          provenance: { enum: ['direct', 'pseudonymised'] },
          gateway: nullable('string'),
          pseudonym: nullable('string'),
          meter: nullable('string'),
          contract_id: { type: 'string' },
          taf: { type: 'integer' },
          period_from: { type: 'string' },
          period_to: { type: 'string' },
          signature: { const: 'verified' },
          signer: { type: 'string' },
          received_at: { type: 'string' },
        },
      },
      Value: {
        type: 'object',
        properties: {
          message_id: { type: 'string' },
          meter: nullable('string'),
          pseudonym: nullable('string'),
          obis: { type: 'string' },
          value: { type: 'number' },
          unit: { type: 'string' },
          at: { type: 'string' },
          quality: nullable('string'),
        },
      },
      ConsumerExport: {
        type: 'object',
        required: ['consumerId', 'exportedAt', 'registrations', 'contracts', 'recipients'],
        properties: {
          consumerId: { type: 'string' },
          exportedAt: { type: 'string', format: 'date-time' },
          registrations: {
            type: 'array',
            items: {
              type: 'object',
              properties: { gateway: { type: 'string' }, meterId: { type: 'string' }, protocol: { type: 'string' }, registeredAt: { type: 'string' }, supersededAt: nullable('string'), removedAt: nullable('string') },
            },
          },
          contracts: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                contractId: { type: 'string' },
                gateway: { type: 'string' },
                meterId: { type: 'string' },
                consumerId: { type: 'string' },
                recipient: { type: 'string' },
                taf: { type: 'integer' },
                validFrom: { type: 'string' },
                validTo: { type: 'string' },
                issuedAt: { type: 'string' },
                removedAt: nullable('string'),
                endedAt: nullable('string'),
              },
            },
          },
          recipients: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                emt: { type: 'string' },
                messages: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      messageId: { type: 'string' },
                      provenance: { enum: ['direct', 'pseudonymised'] },
                      gateway: nullable('string'),
                      pseudonym: nullable('string'),
                      meter: nullable('string'),
                      contractId: { type: 'string' },
                      taf: { type: 'integer' },
                      periodFrom: { type: 'string' },
                      periodTo: { type: 'string' },
                      signer: { type: 'string' },
                      receivedAt: { type: 'string' },
                    },
                  },
                },
                values: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      messageId: { type: 'string' },
                      seq: { type: 'integer' },
                      obis: { type: 'string' },
                      value: { type: 'number' },
                      unit: { type: 'string' },
                      at: { type: 'string' },
                      quality: nullable('string'),
                    },
                  },
                },
              },
            },
          },
        },
      },
      PrivacyEvent: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { enum: ['retention-purge', 'contract-erasure', 'privacy-job-failed'] },
          emt: nullable('string'),
          contractId: nullable('string'),
          counts: { type: 'object', additionalProperties: { type: ['integer', 'string'] } },
          at: { type: 'string' },
        },
      },
      SecurityEvent: {
        type: 'object',
        properties: { id: { type: 'string' }, kind: { type: 'string' }, peer: nullable('string'), emt: nullable('string'), detail: { type: 'string' }, at: { type: 'string' } },
      },
    },
  },
} as const;
