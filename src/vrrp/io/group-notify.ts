/**
 * The notify programs of a sync group (keepalived send_group_notifies): when the group's state changes (FAULT if a
 * member is in fault, else MASTER if one is master, else BACKUP; STOP once every member has stopped), the group's
 * notify_master / notify_backup / notify_fault / notify_stop runs, and `notify` with the arguments
 * `GROUP name STATE 0` (keepalived passes priority 0 for groups).
 */
import type { VrrpInstance } from '../instance.js';
import { syncGroupState } from '../sync-group.js';
import type { NotifyCommands } from './instance-io.js';

export type GroupState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export interface SyncGroupNotifierOptions {
  readonly name: string;
  readonly members: readonly VrrpInstance[];
  readonly notify: NotifyCommands;
  /** Runs one command (argv, no shell). */
  readonly run: (argv: readonly string[]) => void;
  /** Hears every change of the group's state, e.g. for the log. */
  readonly onChange?: (state: GroupState, from: GroupState | undefined) => void;
  /** The state already notified, when this replaces the notifier of the same group (a reload): not told again. */
  readonly initialState?: GroupState;
}

/** Follows the members' transitions and runs the group's notify programs. */
export class SyncGroupNotifier {
  #state: GroupState | undefined;
  readonly #off: (() => void)[];

  constructor(readonly opts: SyncGroupNotifierOptions) {
    this.#state = opts.initialState;
    this.#off = opts.members.map((m) => m.on((e) => (e.type === 'transition' ? this.#update() : undefined)));
  }

  /** The group's state as last notified (undefined before any member left initialize). */
  get state(): GroupState | undefined {
    return this.#state;
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
  }

  #update(): void {
    const s = syncGroupState(this.opts.members.map((m) => ({ name: m.name, state: m.state.name, wantMaster: m.state.wantMaster })));
    // All members in initialize (or leaving): stopped, worth telling only once the group had a state.
    const next: GroupState | undefined = s === 'INIT' ? (this.#state === undefined ? undefined : 'STOP') : s;
    if (next === undefined || next === this.#state) return;
    const from = this.#state;
    this.#state = next;
    this.opts.onChange?.(next, from);
    const n = this.opts.notify;
    const specific = next === 'MASTER' ? n.master : next === 'BACKUP' ? n.backup : next === 'FAULT' ? n.fault : n.stop;
    if (specific) this.opts.run(specific);
    if (n.any) this.opts.run([...n.any, 'GROUP', this.opts.name, next, '0']);
  }
}
