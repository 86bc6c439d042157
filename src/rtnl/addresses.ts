/**
 * Interface addresses through route netlink (the `netlink` package): add and remove the virtual addresses of a VRRP
 * instance, with labels, broadcast and scope, and IPv6 ones with IFA_F_NODAD (a VIP moving between directors must
 * not wait for, or fail, duplicate address detection). No dumps: every request is one address, so replies stay small.
 */
import { type RtNetlinkSocket, createRtNetlink } from 'netlink';
import { addrBytes, type Family } from '../ip.js';

const AF_INET = 2;
const AF_INET6 = 10;
const NLM_F_CREATE = 0x400;
const NLM_F_REPLACE = 0x100;

/** Scopes as the kernel numbers them. */
const SCOPES: Record<string, number> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** One address to put on an interface. */
export interface IfAddress {
  readonly address: string;
  readonly prefix: number;
  readonly family: Family;
  readonly ifindex: number;
  readonly label?: string | undefined;
  readonly broadcast?: string | undefined;
  readonly scope?: string | number | undefined;
}

function errnoOf(err: unknown): number | undefined {
  const e = err as { errno?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.errno === 'number') return Math.abs(e.errno);
  const m = /errno\s*(-?\d+)/i.exec(String(e?.message ?? ''));
  return m?.[1] !== undefined ? Math.abs(Number(m[1])) : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A route netlink socket for addresses. */
export class AddressManager {
  readonly #rt: RtNetlinkSocket;

  constructor() {
    this.#rt = createRtNetlink();
  }

  #parts(a: IfAddress) {
    const bytes = addrBytes(a.address, a.family);
    if (bytes === undefined) throw new RangeError(`not an ${a.family} address: ${a.address}`);
    const scope = typeof a.scope === 'number' ? a.scope : (SCOPES[a.scope ?? 'global'] ?? 0);
    const data = {
      family: a.family === 'ipv4' ? AF_INET : AF_INET6,
      prefixlen: a.prefix,
      scope,
      index: a.ifindex,
      ...(a.family === 'ipv6' ? { flags: { nodad: true as const } } : {}),
    };
    const attrs: Record<string, unknown> = { local: Buffer.from(bytes), address: Buffer.from(bytes) };
    if (a.family === 'ipv4') {
      if (a.label !== undefined) attrs.label = a.label;
      const brd = a.broadcast !== undefined ? addrBytes(a.broadcast, 'ipv4') : undefined;
      if (brd !== undefined) attrs.broadcast = Buffer.from(brd);
    } else {
      attrs.flags = { nodad: true };
    }
    return { data, attrs };
  }

  /** Adds (or refreshes) an address. */
  async add(a: IfAddress): Promise<void> {
    const { data, attrs } = this.#parts(a);
    try {
      await this.#rt.newAddress(data, attrs, { flags: NLM_F_CREATE | NLM_F_REPLACE });
    } catch (err) {
      throw new Error(`adding ${a.address}/${a.prefix}: ${messageOf(err)}`);
    }
  }

  /** Removes an address; true if it was there. */
  async remove(a: IfAddress): Promise<boolean> {
    const { data, attrs } = this.#parts(a);
    try {
      await this.#rt.delAddress(data, attrs);
      return true;
    } catch (err) {
      const e = errnoOf(err);
      // EADDRNOTAVAIL (99): not there.
      if (e === 99 || /EADDRNOTAVAIL|not available/i.test(messageOf(err))) return false;
      throw new Error(`removing ${a.address}/${a.prefix}: ${messageOf(err)}`);
    }
  }

  close(): void {
    try {
      this.#rt.socket.close();
    } catch {
      // already closed
    }
  }
}
