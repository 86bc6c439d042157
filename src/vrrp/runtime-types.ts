/**
 * The VRRP runtime's contract: the I/O adapters it runs on (`VrrpRuntimeDeps`: real ones in adapters.ts, fakes in
 * tests), the events it reports, its read-only views, the reload summary and its typed errors.
 */
import type { Clock } from '../clock.js';
import type { ResolvedTransport } from '../config/model.js';
import { LvsdError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Family } from './addr.js';
import type { FilteredAddress } from './io/accept-filter.js';
import type { Announcer } from './io/announcer.js';
import type { GroupState } from './io/group-notify.js';
import type { InstanceIoOptions } from './io/instance-io.js';
import type { ScriptCredentials } from './io/run-as.js';
import type { TransportOptions, VrrpTransport } from './io/transport.js';
import type { VrrpStateName } from './state-machine.js';
import type { TrackFileFs } from './track-file.js';
import type { FaultReason } from './tracking.js';

/** What opening an instance's advert transport needs: the socket options and the configured transport. */
export interface TransportRequest extends TransportOptions {
  readonly kind: ResolvedTransport;
}

/** Link states of the interfaces a monitor follows (a `LinkMonitor`). */
export interface LinkStates {
  /** Up and running per interface; a missing one counts as down. */
  readonly states: ReadonlyMap<string, boolean>;
  /** Hears every change; returns the unsubscribe function. */
  on(listener: (name: string, up: boolean) => void): () => void;
  close(): void;
}

/** The Accept_Mode filter (an `AcceptFilter`). */
export interface AcceptFilterPort {
  set(owner: string, addrs: readonly FilteredAddress[]): Promise<void>;
  clear(owner: string): Promise<void>;
  /** Deletes whatever a predecessor left; rejects when nftables cannot be used. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves user names to credentials; throws for an unknown user. */
export interface UserLookup {
  resolve(user: string): ScriptCredentials;
}

/** The I/O the runtime runs on. */
export interface VrrpRuntimeDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Opens an instance's advert transport (`ip` or `udp`); rejects when the socket cannot be opened. */
  readonly openTransport: (req: TransportRequest) => Promise<VrrpTransport>;
  /** Adds and removes virtual addresses (an `AddressManager`; its owner closes it). */
  readonly addresses: InstanceIoOptions['addresses'];
  /** Starts following the link state of `names`; resolves once each one's state is known. */
  readonly openLinks: (names: readonly string[]) => Promise<LinkStates>;
  /** Our address on an interface, for the advert source (IPv6: link-local), skipping `exclude`. */
  readonly interfaceAddress: (ifname: string, family: Family, exclude: readonly string[]) => string | undefined;
  /** Index and MAC address of an interface; throws when there is none. */
  readonly ifInfo: (dev: string) => { index: number; mac: Buffer };
  /** A new announcer for one instance's gratuitous ARPs / NAs. */
  readonly openAnnouncer: () => Announcer;
  /** A user resolver reading the user database afresh (one per start or reload). */
  readonly users: () => UserLookup;
  /** Runs a vrrp_script once (argv, no shell): true when it exits 0; aborting the signal kills it. */
  readonly runCheckScript: (argv: readonly string[], user: ScriptCredentials | undefined, signal: AbortSignal) => Promise<boolean>;
  /** Starts a notify program (argv, no shell) without waiting for it. */
  readonly runNotify: (argv: readonly string[], user: ScriptCredentials | undefined) => void;
  /** The Accept_Mode filter, made when an instance first needs one. */
  readonly createAcceptFilter: () => AcceptFilterPort;
  /** The file system track files are read from; default the real one. */
  readonly trackFileFs?: TrackFileFs;
  /** The daemon runs as root: scripts without a configured user are worth a warning. */
  readonly runsAsRoot: boolean;
}

/** What the runtime reports. */
export type VrrpRuntimeEvent =
  | {
      readonly type: 'transition';
      readonly instance: string;
      readonly vrid: number;
      readonly from: VrrpStateName;
      readonly to: VrrpStateName;
      readonly priority: number;
    }
  | { readonly type: 'syncGroup'; readonly group: string; readonly from: GroupState | 'INIT'; readonly to: GroupState }
  | {
      readonly type: 'tracking';
      readonly instance: string;
      readonly fault: boolean;
      /** The priority tracking gives (the configured one plus weights). */
      readonly priority: number;
      readonly reasons: readonly FaultReason[];
    };

export type VrrpRuntimeListener = (event: VrrpRuntimeEvent) => void;

/** Where an instance stands. */
export interface InstanceView {
  readonly name: string;
  readonly vrid: number;
  readonly state: VrrpStateName;
  /** The priority in use (advertised). */
  readonly priority: number;
  /** Tracking says it cannot serve (for a sync group member: the group's verdict). */
  readonly fault: boolean;
  /** The master it last heard, while backup. */
  readonly master?: string;
}

/** What a reload did, by instance name. */
export interface ReloadSummary {
  /** Unchanged: left running untouched. */
  readonly kept: readonly string[];
  /** Changed: updated in place (priority, tracking, notify) or replaced. */
  readonly changed: readonly string[];
  /** The changed instances that were stopped and started again with their new settings. */
  readonly replaced: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** The runtime could not start; whatever it had opened is closed. */
export class VrrpStartError extends LvsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EVRRPSTART', message, options);
  }
}

/** A reload was refused (nothing changed) or cut short by a stop. */
export class VrrpReloadError extends LvsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EVRRPRELOAD', message, options);
  }
}

/** The message of a thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
