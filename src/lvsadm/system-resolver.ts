/**
 * The resolver lvsadm uses for real: host names through the C library's resolver (getaddrinfo
 * for gethostbyname, getnameinfo for gethostbyaddr, so /etc/hosts and DNS answer as they do
 * for ipvsadm) and service names from /etc/services.
 */
import { readFileSync } from 'node:fs';
import { formatAddress, isIPv4, parseAddress } from '../ipvs/addr.js';
import type { Resolver, ServiceProto } from './resolver.js';
import { ServicesDb } from './services-db.js';

/** Options of {@link systemResolver}. */
export interface SystemResolverOptions {
  /** Path of the services database; default /etc/services. */
  readonly servicesPath?: string;
}

/** A resolver backed by the system's name services. */
export function systemResolver(options: SystemResolverOptions = {}): Resolver {
  let db: ServicesDb | undefined;
  const services = (): ServicesDb => {
    if (!db) {
      let text = '';
      try {
        text = readFileSync(options.servicesPath ?? '/etc/services', 'utf8');
      } catch {
        // no services database: every port prints as a number
      }
      db = new ServicesDb(text);
    }
    return db;
  };
  return {
    async hostToIPv4(name: string): Promise<Uint8Array | undefined> {
      try {
        const { lookup } = await import('node:dns/promises');
        const { address } = await lookup(name, { family: 4 });
        return isIPv4(address) ? parseAddress(address).bytes : undefined;
      } catch {
        return undefined;
      }
    },
    async addrToHost(addr: Uint8Array): Promise<string | undefined> {
      try {
        const { lookupService } = await import('node:dns/promises');
        return (await lookupService(formatAddress(addr), 0)).hostname;
      } catch {
        return undefined;
      }
    },
    async serviceToPort(name: string, proto: ServiceProto): Promise<number | undefined> {
      return services().portOf(name, proto);
    },
    async portToService(port: number, proto: ServiceProto): Promise<string | undefined> {
      return services().nameOf(port, proto);
    },
  };
}
