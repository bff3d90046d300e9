/**
 * A bounded hex line feed from simulated meters to a gateway's LMN input on loopback: every `everyMs` each
 * meter's frame goes out as one line (TCP) or one datagram (UDP), until a set time. It refuses any address
 * that is not loopback: the simulator is a test and demo tool, never a sender into a real network.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIP, type Socket as TcpSocket, connect } from 'node:net';
import { SimError } from './errors.js';
import { frameAt } from './fleet.js';
import type { SimMeter } from './meter.js';

/** Longest a feed may run: a demo lasts hours at most. */
export const MAX_FEED_MS = 7 * 24 * 3_600_000;
/** Simulated time must advance by a whole second per tick or counters repeat (see counterAt). */
const MIN_TIME_STEP_MS = 1000;
const MIN_EVERY_MS = 5;

export interface FeedOptions {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
  readonly meters: readonly SimMeter[];
  /** Wall-clock interval between ticks. */
  readonly everyMs: number;
  /** Wall-clock Unix ms at which the feed stops (at most MAX_FEED_MS ahead). */
  readonly until: number;
  /**
   * Simulated time added per tick (default `everyMs`, at least 1000): lets a test send a day of frames in a
   * second. Frame times start at the clock's time when the feed starts.
   */
  readonly timeStepMs?: number;
  /** Wall clock (default Date.now). */
  readonly clock?: () => number;
}

export interface FeedStats {
  readonly ticks: number;
  readonly frames: number;
  /** Simulated time of the last tick sent. */
  readonly lastFrameTimeMs?: number;
}

export interface Feed {
  /** Settles when the feed reached `until` or was stopped; rejects with SimError SIM_FEED_FAILED on a socket error. */
  readonly done: Promise<FeedStats>;
  stop(): Promise<FeedStats>;
}

/** 127.0.0.0/8, ::1 and "localhost" only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const kind = isIP(host);
  if (kind === 4) return host.startsWith('127.');
  if (kind === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** A frame as one line of the feed: hex frames only (clear-text DSMR telegrams span lines). */
function lineOf(meter: SimMeter, timeMs: number): string {
  const f = frameAt(meter, timeMs);
  return `${f.text}\n`;
}

function checkOptions(o: FeedOptions, now: number): number {
  if (!isLoopback(o.host)) throw new SimError('SIM_NOT_LOOPBACK', `feed target ${JSON.stringify(o.host)} is not a loopback address`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 0xffff) throw new SimError('SIM_BAD_OPTION', `port ${o.port} is not 1-65535`);
  if (o.protocol !== 'udp' && o.protocol !== 'tcp') throw new SimError('SIM_BAD_OPTION', `feed protocol ${String(o.protocol)} is not udp or tcp`);
  if (!Number.isFinite(o.everyMs) || o.everyMs < MIN_EVERY_MS) throw new SimError('SIM_BAD_OPTION', `everyMs ${o.everyMs} is below ${MIN_EVERY_MS}`);
  if (!Number.isFinite(o.until) || o.until - now > MAX_FEED_MS) throw new SimError('SIM_BAD_OPTION', `until ${o.until} is not within ${MAX_FEED_MS} ms from now`);
  const step = o.timeStepMs ?? o.everyMs;
  if (!Number.isFinite(step) || step < MIN_TIME_STEP_MS) throw new SimError('SIM_BAD_OPTION', `simulated time step ${step} ms is below ${MIN_TIME_STEP_MS} ms: counters would repeat`);
  if (o.meters.length === 0) throw new SimError('SIM_BAD_OPTION', 'a feed needs at least one meter');
  // A gateway LMN input decodes one protocol: a mixed feed would be refused frame by frame.
  const protocols = new Set(o.meters.map((m) => m.protocol));
  if (protocols.size > 1) throw new SimError('SIM_BAD_OPTION', `a feed carries one protocol, got ${[...protocols].join(', ')}: start one feed per input`);
  for (const m of o.meters) {
    if (m.kind === 'dsmr' && m.systemTitle === undefined) {
      throw new SimError('SIM_BAD_OPTION', `DSMR meter ${m.id} sends telegram text, which a hex line feed cannot carry: use an encrypted P1 meter`);
    }
  }
  return step;
}

interface Sender {
  send(line: string): Promise<void>;
  close(): Promise<void>;
}

function udpSender(o: FeedOptions): Sender {
  const socket: UdpSocket = createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
  return {
    send: (line) =>
      new Promise((resolve, reject) => {
        socket.send(line, o.port, o.host, (e) => (e ? reject(new SimError('SIM_FEED_FAILED', `UDP send to ${o.host}:${o.port} failed: ${e.message}`, { cause: e })) : resolve()));
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

async function tcpSender(o: FeedOptions): Promise<Sender> {
  const socket: TcpSocket = await new Promise((resolve, reject) => {
    const s = connect({ host: o.host, port: o.port });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new SimError('SIM_FEED_FAILED', `TCP connection to ${o.host}:${o.port} failed: ${e.message}`, { cause: e })));
  });
  let failure: SimError | undefined;
  socket.on('error', (e) => {
    failure = new SimError('SIM_FEED_FAILED', `TCP connection to ${o.host}:${o.port} failed: ${e.message}`, { cause: e });
  });
  return {
    send: (line) =>
      new Promise((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        socket.write(line, (e) => (e ? reject(failure ?? new SimError('SIM_FEED_FAILED', `TCP write failed: ${e.message}`, { cause: e })) : resolve()));
      }),
    close: () => new Promise((resolve) => socket.end(() => resolve())),
  };
}

/** Starts a feed. Throws SimError (SIM_NOT_LOOPBACK, SIM_BAD_OPTION) at once; socket errors reject `done`. */
export function startFeed(options: FeedOptions): Feed {
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const step = checkOptions(options, startedAt);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let ticks = 0;
  let frames = 0;
  let lastFrameTimeMs: number | undefined;
  const stats = (): FeedStats => (lastFrameTimeMs === undefined ? { ticks, frames } : { ticks, frames, lastFrameTimeMs });

  const run = async (): Promise<FeedStats> => {
    const sender = options.protocol === 'udp' ? udpSender(options) : await tcpSender(options);
    try {
      while (!stopped && clock() < options.until) {
        const t = startedAt + ticks * step;
        for (const m of options.meters) {
          await sender.send(lineOf(m, t));
          frames++;
        }
        lastFrameTimeMs = t;
        ticks++;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.max(0, Math.min(options.everyMs, options.until - clock())));
        });
      }
    } finally {
      await sender.close();
    }
    return stats();
  };

  const done = run();
  // A feed nobody awaits must not crash the process on a socket error; awaiting `done` still sees it.
  done.catch(() => undefined);
  return {
    done,
    async stop(): Promise<FeedStats> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      wake?.();
      return done;
    },
  };
}
