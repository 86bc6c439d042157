/**
 * Connection probes run by the native addon (src/native/tcp_probe.cc) instead of a net.Socket each: the tcp check
 * and the status-only plain-http check, thousands a second. A probe is a C struct and an id here; its one event
 * arrives through one batched callback for the events of a few milliseconds. Why: every net.Socket hangs off a native wrapper the
 * young-generation GC keeps alive, so each probe's socket objects were promoted to the old generation (megabytes a
 * second at 5,000 checks a second), and the JavaScript of a net.Socket (streams, event emitters) was most of a
 * check's CPU. The addon loads on first use.
 */
import { loadAddon } from '../src/native/addon.js';
import { errnoName } from '../src/netlink/errno.js';

/** How a probe ended (or paused): the addon's event numbers. */
export const ProbeEvent = {
  /** Connected, and closed at once (no request). */
  CONNECTED: 1,
  /** A response head is complete; `paused` when its status line looks interim (1xx but 101). */
  HEAD: 2,
  /** The peer closed before a (final) head was complete. */
  END: 3,
  /** The unread head passed `headLimit` bytes. */
  TOO_BIG: 4,
  /** connect failed; `errno` says why. */
  CONNECT_ERROR: 5,
  /** A write or read after the connection failed; `errno` says why. */
  IO_ERROR: 6,
  /** The probe's time ran out; `connected` says in which phase. */
  TIMEOUT: 7,
  /** A final head, plainly well formed: `value` is its status (no data). Other heads come as HEAD. */
  STATUS: 8,
  /** Ended by abortProbe (never sent by the addon). */
  ABORTED: 9,
} as const;

/** What a probe does. */
export interface ProbeSpec {
  readonly address: string;
  readonly port: number;
  readonly bindAddress?: string | undefined;
  readonly bindPort?: number | undefined;
  /** Time limit from now, ms. */
  readonly timeoutMs: number;
  /** Bytes to send once connected; without them the probe ends at the connection. */
  readonly request?: Buffer | undefined;
  /** Most bytes a response head may take before TOO_BIG. */
  readonly headLimit?: number;
  /** Pause at interim-looking heads (HTTP/1.1). */
  readonly skipInterim?: boolean;
}

/**
 * A probe's outcome. `data` (HEAD, END) is every byte read so far, as a latin1 string (one character per byte);
 * `value` is the errno (CONNECT_ERROR, IO_ERROR), the status (STATUS), 1 for a paused HEAD or a TIMEOUT after
 * connecting, else 0.
 */
export type ProbeListener = (event: number, value: number, data: string | null) => void;

interface TcpProbeAddon {
  init(callback: (events: Int32Array, data: (string | null)[]) => void): void;
  start(
    id: number,
    address: string,
    port: number,
    bindAddress: string | null,
    bindPort: number,
    timeoutMs: number,
    request: Buffer | null,
    headLimit: number,
    skipInterim: boolean,
  ): number;
  cancel(id: number): void;
  resume(id: number, offset: number): void;
  pending(): number;
}

let addon: TcpProbeAddon | undefined;

/*
 * The listeners of the probes under way, in slots: an id is (generation << SLOT_BITS) | slot, the generation
 * (1..2047) telling a slot's probes apart, so an event that comes for a probe cancelled meanwhile finds no listener
 * even if its slot was reused. Arrays with a free list rather than a Map: a Map holding a few dozen entries that
 * come and go thousands of times a second keeps growing and shrinking its table, and each table outlived a young
 * generation collection often enough to be promoted, several MB a second at 5,000 probes a second.
 */
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const slotListener: (ProbeListener | undefined)[] = [];
const slotGeneration: number[] = [];
const freeSlots: number[] = [];

function claimSlot(listener: ProbeListener): number {
  let slot = freeSlots.pop();
  if (slot === undefined) {
    slot = slotListener.length;
    if (slot > SLOT_MASK) throw new Error(`native probes: more than ${SLOT_MASK + 1} under way`);
    slotListener.push(undefined);
    slotGeneration.push(0);
  }
  const generation = ((slotGeneration[slot] as number) % 2047) + 1;
  slotGeneration[slot] = generation;
  slotListener[slot] = listener;
  return (generation << SLOT_BITS) | slot;
}

/** The listener of probe `id` if it is still waiting for an event. */
function listenerOf(id: number): ProbeListener | undefined {
  const slot = id & SLOT_MASK;
  return slotGeneration[slot] === id >>> SLOT_BITS ? slotListener[slot] : undefined;
}

function releaseSlot(id: number): void {
  const slot = id & SLOT_MASK;
  slotListener[slot] = undefined;
  freeSlots.push(slot);
}

function deliver(events: Int32Array, data: (string | null)[]): void {
  for (let i = 0; i < data.length; i++) {
    const id = events[3 * i] as number;
    const event = events[3 * i + 1] as number;
    const value = events[3 * i + 2] as number;
    const listener = listenerOf(id);
    if (listener === undefined) continue; // cancelled meanwhile
    if (event !== ProbeEvent.HEAD || value !== 1) releaseSlot(id);
    try {
      listener(event, value, data[i] ?? null);
    } catch (err) {
      // One probe's listener must not lose the others' events.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

function probes(): TcpProbeAddon {
  if (addon === undefined) {
    const loaded = loadAddon<TcpProbeAddon>('tcp_probe');
    loaded.init(deliver);
    addon = loaded;
  }
  return addon;
}

/**
 * Starts a probe. Returns its id (> 0), whose one event (or paused HEADs, then one) goes to `listener`; or, when the
 * socket, bind or connect failed at once, the negative errno (the listener is not called).
 */
export function startProbe(spec: ProbeSpec, listener: ProbeListener): number {
  const native = probes();
  const id = claimSlot(listener);
  let err: number;
  try {
    err = native.start(
      id,
      spec.address,
      spec.port,
      spec.bindAddress ?? null,
      spec.bindPort ?? 0,
      Math.max(0, Math.ceil(spec.timeoutMs)),
      spec.request ?? null,
      spec.headLimit ?? 65536,
      spec.skipInterim ?? false,
    );
  } catch (e) {
    releaseSlot(id);
    throw e;
  }
  if (err !== 0) {
    releaseSlot(id);
    return -err;
  }
  return id;
}

/** Ends a probe without an event (aborted, or judged while paused). */
export function cancelProbe(id: number): void {
  if (listenerOf(id) === undefined) return;
  releaseSlot(id);
  addon?.cancel(id);
}

/** Ends a probe now, its listener getting an ABORTED event; ignored when it has ended already. */
export function abortProbe(id: number): void {
  const listener = listenerOf(id);
  if (listener === undefined) return;
  cancelProbe(id);
  listener(ProbeEvent.ABORTED, 0, null);
}

/** A paused probe reads on; the next head starts at `offset` of its data. */
export function resumeProbe(id: number, offset: number): void {
  addon?.resume(id, offset);
}

/** Probes under way (the addon's count): for leak tests. */
export function pendingProbes(): number {
  return addon?.pending() ?? 0;
}

/** The `{ code, message }` a Node socket error would carry for `errno` (for fromSocketError). */
export function socketErrorOf(errno: number, syscall: string, address: string, port: number): { code: string; message: string } {
  const code = errnoName(errno);
  return { code, message: `${syscall} ${code} ${address}:${port}` };
}
