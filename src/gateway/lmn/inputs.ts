/**
 * The LMN inputs of the configuration, each feeding frames to the ingest one at a time. Listening inputs
 * (UDP, TCP) bind to the configured LMN address, loopback by default, never a WAN address on their own.
 * Stream inputs (DSMR P1, SML) are framed by the protocol's stream reader.
 */
import { createSocket } from 'node:dgram';
import { createReadStream } from 'node:fs';
import { type Server, type Socket, connect, createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { interpretTelegram } from '../../protocols/dsmr/readings.js';
import { DsmrStreamReader } from '../../protocols/dsmr/stream.js';
import type { DecodedFrame, Protocol } from '../../protocols/reading.js';
import { smlReadings } from '../../protocols/sml/readings.js';
import { SmlStreamReader } from '../../protocols/sml/stream.js';
import type { LmnInputConfig } from '../config.js';
import type { FrameInput } from '../ingest.js';
import { forEachLine, frameOfLine } from './lines.js';

export type FrameSink = (frame: FrameInput) => Promise<unknown>;

export interface LmnInput {
  /** A stable name: the key of a file input's persisted position. */
  readonly name: string;
  /** Settles when the input has ended (stdin or file read to the end) or was stopped. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export interface InputDeps {
  readonly sink: FrameSink;
  /** Where a file input resumes (persisted by the ingest with each frame). */
  readonly position: (name: string) => Promise<number>;
  readonly stdin?: Readable;
  /** Reports a stream-level framing error (CRC, cut-off telegram) for counting and logging. */
  readonly onError?: (input: string, code: string) => void;
}

export function inputName(c: LmnInputConfig, index: number): string {
  switch (c.kind) {
    case 'file':
    case 'p1-serial':
    case 'sml-serial':
      return `${c.kind}:${c.path}`;
    case 'udp':
    case 'tcp':
    case 'p1-tcp':
      return `${c.kind}:${c.host}:${c.port}`;
    case 'stdin':
      return `stdin:${index}`;
  }
}

export async function startInput(c: LmnInputConfig, index: number, deps: InputDeps): Promise<LmnInput> {
  const name = inputName(c, index);
  const pinned = 'meterId' in c && c.meterId !== undefined ? { meterId: c.meterId } : {};
  const hexFrame = (protocol: Protocol, text: string): FrameInput => ({ protocol, text, ...pinned });
  switch (c.kind) {
    case 'stdin': {
      const stream = deps.stdin ?? process.stdin;
      const done = forEachLine(stream, async (line) => {
        const t = frameOfLine(line);
        if (t !== undefined) await deps.sink(hexFrame(c.protocol, t));
      });
      return { name, done, stop: async () => void stream.pause() };
    }
    case 'file': {
      const start = await deps.position(name);
      const stream = createReadStream(c.path, { start });
      const done = forEachLine(
        stream,
        async (line, next) => {
          const t = frameOfLine(line);
          // Blank lines move the position too, so a restart never re-reads them.
          if (t !== undefined) await deps.sink({ ...hexFrame(c.protocol, t), position: { input: name, next } });
        },
        start,
      );
      return { name, done, stop: async () => void stream.destroy() };
    }
    case 'udp':
      return udpInput(name, c.host, c.port, (text) => deps.sink(hexFrame(c.protocol, text)));
    case 'tcp':
      return tcpLineInput(name, c.host, c.port, (text) => deps.sink(hexFrame(c.protocol, text)));
    case 'p1-tcp': {
      const socket = connect({ host: c.host, port: c.port });
      return streamInput(name, socket, p1Framer(name, c.meterId, deps), () => socket.destroy());
    }
    case 'p1-serial': {
      const stream = createReadStream(c.path);
      return streamInput(name, stream, p1Framer(name, c.meterId, deps), () => stream.destroy());
    }
    case 'sml-serial': {
      const stream = createReadStream(c.path);
      return streamInput(name, stream, smlFramer(name, c.meterId, deps), () => stream.destroy());
    }
  }
}

/** One frame per datagram; datagrams are handled strictly one after another. */
async function udpInput(name: string, host: string, port: number, sink: (text: string) => Promise<unknown>): Promise<LmnInput> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let chain: Promise<unknown> = Promise.resolve();
  socket.on('message', (msg) => {
    const t = frameOfLine(msg.toString('latin1'));
    if (t !== undefined) chain = chain.then(() => sink(t)).catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  return listening(name, async () => {
    await new Promise<void>((r) => socket.close(() => r()));
    await chain;
  });
}

/** A listening TCP socket; each connection sends hex lines. */
async function tcpLineInput(name: string, host: string, port: number, sink: (text: string) => Promise<unknown>): Promise<LmnInput> {
  const sockets = new Set<Socket>();
  let chain: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    const read = forEachLine(s, async (line) => {
      const t = frameOfLine(line);
      if (t !== undefined) {
        chain = chain.then(() => sink(t));
        await chain;
      }
    });
    read.catch(() => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return listening(name, async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await chain.catch(() => undefined);
  });
}

/** A listening input never ends on its own: `done` settles once `stop` has closed it and drained its frames. */
function listening(name: string, close: () => Promise<void>): LmnInput {
  let ended!: () => void;
  const done = new Promise<void>((r) => {
    ended = r;
  });
  return {
    name,
    done,
    stop: async () => {
      await close();
      ended();
    },
  };
}

type Framer = (chunk: Uint8Array | undefined) => Promise<void>;

/** Reads a byte stream through a framer; `undefined` tells the framer the stream ended. */
function streamInput(name: string, stream: Readable, framer: Framer, close: () => void): LmnInput {
  const done = (async () => {
    try {
      for await (const chunk of stream) await framer(chunk as Buffer);
    } catch {
      // A serial device unplugged or a socket reset ends the input; the supervisor sees `done`.
    }
    await framer(undefined);
  })();
  return { name, done, stop: async () => close() };
}

function p1Framer(name: string, meterId: string | undefined, deps: InputDeps): Framer {
  const reader = new DsmrStreamReader();
  return async (chunk) => {
    for (const ev of chunk === undefined ? reader.finish() : reader.push(chunk)) {
      if (ev.kind === 'telegram') {
        const content = interpretTelegram(ev.telegram);
        const decoded: DecodedFrame = {
          protocol: 'dsmr',
          meter: content.equipmentId === undefined ? {} : { id: content.equipmentId },
          security: 'none',
          verdict: 'plaintext',
          readings: content.readings,
          warnings: content.warnings,
        };
        await deps.sink({ protocol: 'dsmr', text: JSON.stringify([content.equipmentId, content.timestamp, content.readings]), decoded, ...(meterId === undefined ? {} : { meterId }) });
      } else if (ev.kind === 'encrypted-frame') {
        await deps.sink({ protocol: 'dsmr', text: Buffer.from(ev.frame).toString('hex'), ...(meterId === undefined ? {} : { meterId }) });
      } else if (ev.kind === 'error') deps.onError?.(name, ev.error.code);
    }
  };
}

function smlFramer(name: string, meterId: string | undefined, deps: InputDeps): Framer {
  const reader = new SmlStreamReader();
  return async (chunk) => {
    for (const ev of chunk === undefined ? reader.finish() : reader.push(chunk)) {
      if (ev.kind === 'file') {
        const content = smlReadings(ev.file);
        // SML files carry no time of their own and repeat unchanged values: the receive time keeps them apart.
        const decoded: DecodedFrame = {
          protocol: 'sml',
          meter: content.serverId === undefined ? {} : { id: content.serverId },
          security: 'none',
          verdict: 'plaintext',
          readings: content.readings,
          warnings: content.warnings,
        };
        await deps.sink({ protocol: 'sml', text: JSON.stringify([content.serverId, Date.now(), content.readings]), decoded, ...(meterId === undefined ? {} : { meterId }) });
      } else if (ev.kind === 'error') deps.onError?.(name, ev.error.code);
    }
  };
}
