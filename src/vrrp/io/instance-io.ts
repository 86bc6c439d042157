/**
 * The real `VrrpIo` of one instance: adverts through a `VrrpTransport`, virtual addresses through route netlink,
 * gratuitous ARPs (AF_PACKET) and unsolicited NAs (raw ICMPv6), notify scripts run with argv (no shell).
 *
 * The driver's calls are synchronous; address changes and announcements are asynchronous, so they run in order on
 * one queue (a GARP burst goes out after the addresses it announces are in place). `idle()` waits for the queue.
 */
import type { Logger } from '../../logger.js';
import type { AddressManager, IfAddress } from '../../rtnl/addresses.js';
import type { GarpReason, VrrpStateName } from '../state-machine.js';
import type { VrrpIo } from '../instance.js';
import type { AcceptFilter } from './accept-filter.js';
import { type Announcer, NativeAnnouncer } from './announcer.js';
import { vrrpNative } from './native.js';
import { type ScriptCredentials, runNotify } from './run-as.js';
import type { VrrpTransport } from './transport.js';

/** A virtual address and the interface it goes on. */
export interface VipSpec extends Omit<IfAddress, 'ifindex'> {
  readonly dev: string;
}

/** The notify commands of an instance (keepalived notify_*). */
export interface NotifyCommands {
  readonly master?: readonly string[] | undefined;
  readonly backup?: readonly string[] | undefined;
  readonly fault?: readonly string[] | undefined;
  readonly stop?: readonly string[] | undefined;
  /** Run on every change with: INSTANCE name STATE priority. */
  readonly any?: readonly string[] | undefined;
}

export interface InstanceIoOptions {
  readonly name: string;
  readonly vrid: number;
  readonly transport: VrrpTransport;
  /** Adds and removes the addresses (an `AddressManager`). */
  readonly addresses: Pick<AddressManager, 'add' | 'remove'>;
  /** Addresses added when master (virtual_ipaddress, then virtual_ipaddress_excluded). */
  readonly vips: readonly VipSpec[];
  readonly notify: NotifyCommands;
  /** Where failed address changes, announcements and notify runs are logged (a Logger; only these methods are used). */
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Runs a notify command; default: spawn it detached from our stdio, as `scriptUser`. */
  readonly runCommand?: (argv: readonly string[]) => void;
  /** Who notify commands run as (keepalived global script_user); default: the daemon's user. */
  readonly scriptUser?: ScriptCredentials;
  /**
   * Accept_Mode off: the filter that drops traffic to the addresses while they are held without accept. Without
   * one, accept off is not enforced.
   */
  readonly acceptFilter?: Pick<AcceptFilter, 'set' | 'clear'>;
  /** Looks an interface up; default: the native addon's (ioctl). */
  readonly ifInfo?: (dev: string) => { index: number; mac: Buffer };
  /** Sends the gratuitous ARPs / NAs (closed by `close`); default: a `NativeAnnouncer`. */
  readonly announcer?: Announcer;
}

const KEEPALIVED_STATE: Record<VrrpStateName, string> = {
  initialize: 'STOP',
  leaving: 'STOP',
  backup: 'BACKUP',
  master: 'MASTER',
  fault: 'FAULT',
};

export class InstanceIo implements VrrpIo {
  #queue: Promise<void> = Promise.resolve();
  readonly #ifs = new Map<string, { index: number; mac: Buffer }>();
  readonly #announcer: Announcer;
  #notify: NotifyCommands;
  /** GARP / NA messages sent, for tests and status. */
  gratuitousSent = 0;

  constructor(readonly opts: InstanceIoOptions) {
    this.#announcer = opts.announcer ?? new NativeAnnouncer();
    this.#notify = opts.notify;
  }

  /** Replaces the notify commands (a config reload that changed only them). */
  setNotify(notify: NotifyCommands): void {
    this.#notify = notify;
  }

  #if(dev: string): { index: number; mac: Buffer } {
    let i = this.#ifs.get(dev);
    if (i === undefined) {
      i = (this.opts.ifInfo ?? vrrpNative().ifInfo)(dev);
      this.#ifs.set(dev, i);
    }
    return i;
  }

  #enqueue(what: string, fn: () => Promise<void> | void): void {
    this.#queue = this.#queue.then(fn).catch((err: unknown) => {
      this.opts.log.error({ instance: this.opts.name, vrid: this.opts.vrid, err: String(err) }, `${what} failed`);
    });
  }

  /** Resolves when every queued address change and announcement is done. */
  idle(): Promise<void> {
    return this.#queue;
  }

  sendAdvert(payload: Uint8Array, dstAddr: string): void {
    this.opts.transport.send(payload, dstAddr);
  }

  addVips(accept = true): void {
    // Accept_Mode off: the drop rules go in before the addresses, so they never accept traffic meanwhile.
    const filter = this.opts.acceptFilter;
    if (filter !== undefined) {
      const name = this.opts.name;
      const addrs = this.opts.vips.map((v) => ({ address: v.address, family: v.family }));
      this.#enqueue('accept filter', () => (accept ? filter.clear(name) : filter.set(name, addrs)));
    }
    for (const v of this.opts.vips) {
      this.#enqueue(`adding ${v.address}`, () => this.opts.addresses.add({ ...v, ifindex: this.#if(v.dev).index }));
    }
  }

  removeVips(): void {
    for (const v of this.opts.vips) {
      this.#enqueue(`removing ${v.address}`, async () => {
        await this.opts.addresses.remove({ ...v, ifindex: this.#if(v.dev).index });
      });
    }
    const filter = this.opts.acceptFilter;
    if (filter !== undefined) this.#enqueue('accept filter', () => filter.clear(this.opts.name));
  }

  /** Removes the addresses whatever the state (at startup: left over by a killed predecessor). */
  async removeStale(): Promise<void> {
    this.removeVips();
    await this.idle();
  }

  sendGratuitous(reason: GarpReason, repeat: number): void {
    this.#enqueue(`gratuitous ${reason}`, () => {
      for (let i = 0; i < repeat; i++) {
        for (const v of this.opts.vips) this.#announce(v);
      }
    });
  }

  #announce(v: VipSpec): void {
    this.#announcer.announce(v, this.#if(v.dev));
    this.gratuitousSent++;
  }

  notify(change: { readonly from: VrrpStateName; readonly to: VrrpStateName; readonly priority: number }): void {
    const run = this.opts.runCommand ?? ((argv: readonly string[]) => runNotify(argv, this.opts.scriptUser, this.opts.log));
    const n = this.#notify;
    const state = KEEPALIVED_STATE[change.to];
    if (state === KEEPALIVED_STATE[change.from]) return;
    const specific = change.to === 'master' ? n.master : change.to === 'backup' ? n.backup : change.to === 'fault' ? n.fault : n.stop;
    if (specific) run(specific);
    if (n.any) run([...n.any, 'INSTANCE', this.opts.name, state, String(change.priority)]);
  }

  /** Closes the announcement sockets (the transport and address manager belong to the caller). */
  close(): void {
    this.#announcer.close();
  }
}
