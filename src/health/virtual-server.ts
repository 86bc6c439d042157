/**
 * A virtual server's quorum and sorry server, from its real servers' views, with keepalived's rules:
 *
 * - The weight sum is the sum of the weights of the real servers that are up.
 * - Quorum is gained when the sum reaches `quorum + hysteresis`, and lost when it falls below
 *   `quorum - hysteresis` or to 0; in between it stays as it was. At start it is up exactly when the sum reaches
 *   `quorum + hysteresis` (no event: the starting state is read from `quorumUp`).
 * - A sorry server, when configured, is in the pool exactly while quorum is down (`sorry-on` follows
 *   `quorum-down`; `sorry-off` precedes `quorum-up`).
 * - omega: keepalived runs the down notifiers (quorum_down, real servers' notify_down) on shutdown only with omega.
 *   Here `shutdown()` returns `quorum-down` when quorum was up and the server has omega, nothing otherwise; the
 *   real servers' `down` events are the monitor's part. Removing a virtual server on reload is not a shutdown: it
 *   reports `quorum-down` whatever omega says, as keepalived runs the notifiers then.
 *
 * `desiredPool` turns the state into the IPVS destinations the service should have, applying inhibit_on_failure
 * (a failed server stays with weight 0 instead of being removed) and the sorry server.
 */
import type { RealServerView } from './realserver.js';

/** A virtual server's quorum settings. */
export interface QuorumSettings {
  readonly quorum: number;
  readonly hysteresis: number;
}

/** What the tracker needs of a virtual server. */
export interface VirtualServerSettings extends QuorumSettings {
  readonly name: string;
  /** The sorry server as address:port, if one is configured. */
  readonly sorryServer?: string;
  readonly omega: boolean;
}

/** What every virtual server transition names: the service key (virtualServerKey) and the display name, for logs. */
interface VirtualServerId {
  readonly key: string;
  readonly vs: string;
}

/** A virtual server's transition. */
export type VirtualServerEvent = VirtualServerId &
  (
    | {
        readonly kind: 'quorum-up' | 'quorum-down';
        readonly reason: string;
        /** Sum of the weights of the real servers that are up. */
        readonly weightSum: number;
        /** The threshold that was crossed. */
        readonly threshold: number;
      }
    | { readonly kind: 'sorry-on' | 'sorry-off'; readonly reason: string; readonly sorryServer: string }
  );

/** Quorum at start: up when the sum reaches quorum + hysteresis. */
export function initialQuorum(weightSum: number, q: QuorumSettings): boolean {
  return weightSum >= q.quorum + q.hysteresis;
}

/** The next quorum state, with the hysteresis band around `quorum`. */
export function nextQuorum(up: boolean, weightSum: number, q: QuorumSettings): boolean {
  if (!up) return weightSum >= q.quorum + q.hysteresis;
  return !(weightSum === 0 || weightSum < q.quorum - q.hysteresis);
}

const contribution = (v: RealServerView) => (v.up ? v.weight : 0);

/** Tracks one virtual server's quorum. */
export class VirtualServerHealth {
  /** The service key (virtualServerKey), which names it in events. */
  readonly key: string;
  #settings: VirtualServerSettings;
  readonly #members = new Map<string, RealServerView>();
  #sum = 0;
  #quorumUp: boolean;

  /** `key`: the service key; `members`: each real server (by key) and its current view. */
  constructor(key: string, settings: VirtualServerSettings, members: Iterable<readonly [string, RealServerView]>) {
    this.key = key;
    this.#settings = settings;
    for (const [key, view] of members) this.#set(key, view);
    this.#quorumUp = initialQuorum(this.#sum, settings);
  }

  get name(): string {
    return this.#settings.name;
  }

  get settings(): VirtualServerSettings {
    return this.#settings;
  }

  get quorumUp(): boolean {
    return this.#quorumUp;
  }

  /** True while the sorry server is in the pool. */
  get sorryActive(): boolean {
    return this.#settings.sorryServer !== undefined && !this.#quorumUp;
  }

  get weightSum(): number {
    return this.#sum;
  }

  /** A real server's view changed (or it was added); returns the virtual server's transitions. */
  setRealServer(key: string, view: RealServerView, reason: string): VirtualServerEvent[] {
    return this.#transition(reason, () => this.#set(key, view));
  }

  /** A real server left the configuration. */
  removeRealServer(key: string, reason: string): VirtualServerEvent[] {
    return this.#transition(reason, () => {
      const old = this.#members.get(key);
      if (old === undefined) return;
      this.#sum -= contribution(old);
      this.#members.delete(key);
    });
  }

  /** Reload: new settings (quorum, hysteresis, sorry server, omega); the quorum state carries over. */
  reconfigure(settings: VirtualServerSettings, reason: string): VirtualServerEvent[] {
    return this.#transition(reason, () => {
      this.#settings = settings;
    });
  }

  /** Shutdown: `quorum-down` when quorum is up and omega is set (see above). */
  shutdown(reason: string): VirtualServerEvent[] {
    if (!this.#quorumUp || !this.#settings.omega) return [];
    this.#quorumUp = false;
    const threshold = this.#settings.quorum - this.#settings.hysteresis;
    return [{ kind: 'quorum-down', key: this.key, vs: this.#settings.name, reason, weightSum: this.#sum, threshold }];
  }

  /** Removal on reload: `quorum-down` when quorum is up, `sorry-off` when the sorry server serves. */
  remove(reason: string): VirtualServerEvent[] {
    return this.#transition(
      reason,
      () => {
        this.#settings = {
          name: this.#settings.name,
          quorum: this.#settings.quorum,
          hysteresis: this.#settings.hysteresis,
          omega: this.#settings.omega,
        };
      },
      false,
    );
  }

  #set(key: string, view: RealServerView): void {
    const old = this.#members.get(key);
    if (old !== undefined) this.#sum -= contribution(old);
    this.#members.set(key, view);
    this.#sum += contribution(view);
  }

  /** The sorry server while it serves. */
  #serving(): string | undefined {
    return this.#quorumUp ? undefined : this.#settings.sorryServer;
  }

  /**
   * Applies `change`, re-evaluates quorum (or forces it to `force`), and reports what changed, in the order
   * quorum-down, sorry-off, sorry-on, quorum-up.
   */
  #transition(reason: string, change: () => void, force?: boolean): VirtualServerEvent[] {
    const wasUp = this.#quorumUp;
    const sorryBefore = this.#serving();
    change();
    const s = this.#settings;
    this.#quorumUp = force ?? nextQuorum(wasUp, this.#sum, s);
    const sorryAfter = this.#serving();
    const id = { key: this.key, vs: s.name };
    const weightSum = this.#sum;
    const events: VirtualServerEvent[] = [];
    let why = reason;
    if (wasUp && !this.#quorumUp) {
      const threshold = s.quorum - s.hysteresis;
      if (force === undefined) why = `${reason}: weight sum ${weightSum} fell below ${s.quorum}-${s.hysteresis}`;
      events.push({ kind: 'quorum-down', ...id, reason: why, weightSum, threshold });
    } else if (!wasUp && this.#quorumUp) {
      why = `${reason}: weight sum ${weightSum} reached ${s.quorum}+${s.hysteresis}`;
    }
    if (sorryBefore !== undefined && sorryBefore !== sorryAfter)
      events.push({ kind: 'sorry-off', ...id, reason: why, sorryServer: sorryBefore });
    if (sorryAfter !== undefined && sorryAfter !== sorryBefore)
      events.push({ kind: 'sorry-on', ...id, reason: why, sorryServer: sorryAfter });
    if (!wasUp && this.#quorumUp) events.push({ kind: 'quorum-up', ...id, reason: why, weightSum, threshold: s.quorum + s.hysteresis });
    return events;
  }
}

// ----- The pool ---------------------------------------------------------------------------------------------------

/** A real server as the pool sees it. */
export interface PoolMember {
  readonly address: string;
  readonly port?: number;
  readonly inhibitOnFailure: boolean;
  readonly view: RealServerView;
}

/** The sorry server as the pool sees it. */
export interface PoolSorryServer {
  readonly address: string;
  readonly port?: number;
  /** Keep it in the pool with weight 0 while not needed. */
  readonly inhibit: boolean;
}

/** One IPVS destination the service should have. */
export interface PoolDestination {
  readonly address: string;
  readonly port?: number;
  readonly weight: number;
  readonly sorry: boolean;
}

/** The weight IPVS gives the sorry server while it serves (keepalived's default real server weight). */
export const SORRY_SERVER_WEIGHT = 1;

/**
 * The destinations a service should have:
 * - quorum up, or no sorry server: an up server with its weight; a down one with weight 0 if inhibit_on_failure,
 *   else absent; an inhibit sorry server with weight 0, else absent;
 * - quorum down with a sorry server: the sorry server with weight 1; every real server with weight 0 if
 *   inhibit_on_failure, else absent (keepalived takes the live servers out while the sorry server serves).
 */
export function desiredPool(members: Iterable<PoolMember>, sorry: PoolSorryServer | undefined, quorumUp: boolean): PoolDestination[] {
  const out: PoolDestination[] = [];
  const sorryServes = sorry !== undefined && !quorumUp;
  const dest = (m: { address: string; port?: number }, weight: number, isSorry: boolean): PoolDestination => ({
    address: m.address,
    ...(m.port !== undefined ? { port: m.port } : {}),
    weight,
    sorry: isSorry,
  });
  for (const m of members) {
    if (!sorryServes && m.view.up) out.push(dest(m, m.view.weight, false));
    else if (m.inhibitOnFailure) out.push(dest(m, 0, false));
  }
  if (sorry !== undefined && (sorryServes || sorry.inhibit)) out.push(dest(sorry, sorryServes ? SORRY_SERVER_WEIGHT : 0, true));
  return out;
}
