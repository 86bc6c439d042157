/**
 * Wires the instances of one sync group together (sync-group.ts decides, this applies): their transitions and
 * "want master" requests become commands to the other members, and their faults are pooled, so the director gives
 * each member's own tracking fault to `setOwnFault` instead of to the instance.
 */
import type { VrrpInstance } from './instance.js';
import { type SyncMemberView, type SyncTrigger, groupFault, syncCommands } from './sync-group.js';

/** One sync group's members, kept together. */
export class SyncGroupLink {
  readonly #members: readonly VrrpInstance[];
  readonly #ownFault = new Map<string, boolean>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    readonly name: string,
    members: readonly VrrpInstance[],
  ) {
    this.#members = members;
    for (const m of members) {
      this.#ownFault.set(m.name, false);
      this.#unsubscribe.push(
        m.on((e) => {
          if (e.type === 'transition') this.#apply({ kind: 'transition', member: m.name, from: e.from, to: e.to });
          else if (e.type === 'wantMaster') this.#apply({ kind: 'wantMaster', member: m.name });
        }),
      );
    }
  }

  /** The members as the group logic sees them. */
  view(): SyncMemberView[] {
    return this.#members.map((m) => ({ name: m.name, state: m.state.name, wantMaster: m.state.wantMaster }));
  }

  /** One member's own tracking verdict; every member gets the group's. */
  setOwnFault(member: string, fault: boolean): void {
    if (!this.#ownFault.has(member)) throw new RangeError(`${member} is not in sync group ${this.name}`);
    this.#ownFault.set(member, fault);
    const f = groupFault(this.#ownFault.values());
    for (const m of this.#members) m.setFault(f);
  }

  /** Stops listening to the members. */
  close(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  #apply(trigger: SyncTrigger): void {
    for (const c of syncCommands(this.view(), trigger)) this.#members.find((m) => m.name === c.member)?.dispatch(c.event);
  }
}
