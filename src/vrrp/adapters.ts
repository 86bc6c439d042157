/**
 * The real I/O of the VRRP runtime: `ip` (raw sockets) and `udp` transports, addresses and link states through
 * route netlink, the native addon for interface lookups and gratuitous ARPs / NAs, /etc/passwd, spawned scripts
 * and notify programs (argv, no shell), and nft for Accept_Mode off.
 */
import { networkInterfaces } from 'node:os';
import { systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import { AddressManager } from '../rtnl/addresses.js';
import { LinkMonitor } from '../rtnl/links.js';
import { type Family, canonicalAddr } from './addr.js';
import { AcceptFilter } from './io/accept-filter.js';
import { NativeAnnouncer } from './io/announcer.js';
import { IpTransport } from './io/ip.js';
import { vrrpNative } from './io/native.js';
import { UserResolver, runCheckScript, runNotify } from './io/run-as.js';
import type { VrrpTransport } from './io/transport.js';
import { UdpTransport } from './io/udp.js';
import type { TransportRequest, VrrpRuntimeDeps } from './runtime-types.js';

/**
 * Our address on an interface for the advert source: IPv4, the first address that is not a virtual one; IPv6, the
 * link-local address (RFC 5798 section 5.1.2.1).
 */
export function interfaceAddress(ifname: string, family: Family, exclude: readonly string[]): string | undefined {
  const list = networkInterfaces()[ifname] ?? [];
  const skip = new Set(exclude.map((a) => canonicalAddr(a) ?? a));
  for (const a of list) {
    const fam = a.family === 'IPv4' ? 'ipv4' : 'ipv6';
    if (fam !== family) continue;
    const addr = canonicalAddr(a.address.replace(/%.*$/, ''));
    if (addr === undefined || skip.has(addr)) continue;
    if (family === 'ipv6' && !addr.startsWith('fe80:')) continue;
    return addr;
  }
  return undefined;
}

/** Opens the transport an instance is configured with. */
export async function openTransport(req: TransportRequest): Promise<VrrpTransport> {
  const { kind, ...opts } = req;
  if (kind.type === 'udp') return UdpTransport.open({ ...opts, port: kind.port });
  return new IpTransport(opts);
}

/** The real adapters, and `close` for what they keep open (the address socket): call it once the runtime is done. */
export function systemVrrpAdapters(log: Logger): { readonly deps: VrrpRuntimeDeps; close(): void } {
  const addresses = new AddressManager();
  const deps: VrrpRuntimeDeps = {
    clock: systemClock,
    log,
    openTransport,
    addresses,
    openLinks: (names) => LinkMonitor.open(names),
    interfaceAddress,
    ifInfo: (dev) => vrrpNative().ifInfo(dev),
    openAnnouncer: () => new NativeAnnouncer(),
    users: () => new UserResolver(),
    runCheckScript: (argv, user, signal) => runCheckScript(argv, user, signal),
    runNotify: (argv, user) => runNotify(argv, user, log),
    createAcceptFilter: () => new AcceptFilter(),
    runsAsRoot: process.getuid?.() === 0,
  };
  return { deps, close: () => addresses.close() };
}
