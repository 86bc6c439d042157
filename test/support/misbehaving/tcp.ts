/** Misbehaving TCP servers: silent, resetting, closed ports, and a listener that flaps. */
import net from 'node:net';
import { listenTcp, type TestServer } from './listen.js';

/** Accepts connections and never sends anything (nor closes, until the client does). */
export function silentServer(host = '127.0.0.1', port = 0): Promise<TestServer> {
  return listenTcp(
    net.createServer(() => {}),
    host,
    port,
  );
}

/** Accepts connections and resets each at once (RST, SO_LINGER 0). */
export function resetServer(host = '127.0.0.1', port = 0): Promise<TestServer> {
  return listenTcp(
    net.createServer((s) => s.resetAndDestroy()),
    host,
    port,
  );
}

/** A port on `host` that nobody listens on (bound once, then released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const s = await silentServer(host);
  await s.close();
  return s.port;
}

/** A state change of a flapping server, for tests to line verdicts up with. */
export interface Flip {
  /** When the change began and when it was complete (ms since the epoch). */
  readonly began: number;
  readonly done: number;
  /** The state after the change. */
  readonly listening: boolean;
}

/** A listener on a fixed port that alternates between accepting and refusing every `periodMs`. */
export interface FlappingServer {
  readonly port: number;
  readonly flips: readonly Flip[];
  stop(): Promise<void>;
}

/** Starts listening, then flips between refusing (closed) and accepting every `periodMs`. */
export async function flappingServer(periodMs: number, host = '127.0.0.1'): Promise<FlappingServer> {
  let current: TestServer | undefined = await silentServer(host);
  const port = current.port;
  const now = Date.now();
  const flips: Flip[] = [{ began: now, done: now, listening: true }];
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      if (stopped) return;
      const began = Date.now();
      if (current) {
        const s = current;
        current = undefined;
        await s.close();
        flips.push({ began, done: Date.now(), listening: false });
      } else {
        current = await silentServer(host, port);
        flips.push({ began, done: Date.now(), listening: true });
      }
    });
  }, periodMs);
  return {
    port,
    flips,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await busy;
      await current?.close();
    },
  };
}
