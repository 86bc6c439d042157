/**
 * Link state through route netlink: whether an interface is up and running (IFF_UP and IFF_RUNNING, as keepalived
 * judges a tracked interface), first asked per interface (one GETLINK each, no dump: the `netlink` package aborts
 * the process on a receive-buffer overrun, so replies are kept small) and then followed through the RTNLGRP_LINK
 * notifications. A deleted interface counts as down.
 */
import { type RtNetlinkSocket, createRtNetlink } from 'netlink';

export type LinkListener = (name: string, up: boolean) => void;

interface LinkPart {
  readonly kind: string;
  readonly data?: { readonly flags?: { readonly up?: true; readonly running?: true }; readonly index?: number };
  readonly attrs?: { readonly ifname?: string };
}

export class LinkMonitor {
  readonly #rt: RtNetlinkSocket;
  readonly #watch: Set<string>;
  readonly #state = new Map<string, boolean>();
  readonly #listeners = new Set<LinkListener>();

  private constructor(names: readonly string[]) {
    this.#watch = new Set(names);
    this.#rt = createRtNetlink();
  }

  /** Follows `names`; resolves once each one's current state is known. */
  static async open(names: readonly string[]): Promise<LinkMonitor> {
    const m = new LinkMonitor(names);
    m.#rt.addMembership('LINK');
    m.#rt.on('message', (msg: readonly unknown[]) => {
      for (const part of msg as readonly LinkPart[]) m.#onPart(part);
    });
    for (const name of m.#watch) {
      try {
        const parts = await m.#rt.getLink({}, { ifname: name });
        for (const p of parts) m.#onPart(p as unknown as LinkPart);
      } catch {
        m.#state.set(name, false); // no such interface
      }
    }
    return m;
  }

  #onPart(part: LinkPart): void {
    if (part.kind !== 'link') return;
    const name = part.attrs?.ifname;
    if (name === undefined || !this.#watch.has(name)) return;
    const f = part.data?.flags;
    // The package does not tell RTM_NEWLINK from RTM_DELLINK here: a deleted link is seen as down because it is
    // brought down before it goes.
    const up = f?.up === true && f.running === true;
    const before = this.#state.get(name);
    this.#state.set(name, up);
    if (before !== undefined && before !== up) for (const l of [...this.#listeners]) l(name, up);
  }

  /** Up and running; false when unknown. */
  isUp(name: string): boolean {
    return this.#state.get(name) ?? false;
  }

  /** The current map, for `evaluateTracking`. */
  get states(): ReadonlyMap<string, boolean> {
    return this.#state;
  }

  on(listener: LinkListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#listeners.clear();
    try {
      this.#rt.socket.close();
    } catch {
      // already closed
    }
  }
}
