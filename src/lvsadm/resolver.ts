/**
 * The name-service calls ipvsadm makes, behind one interface so tests can inject answers:
 * gethostbyname (IPv4 only), gethostbyaddr, getservbyname and getservbyport.
 */
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './model.js';

/** A protocol name as /etc/services spells it. */
export type ServiceProto = 'tcp' | 'udp' | 'sctp';

/** Name lookups; every method resolves to undefined when the C call would return NULL. */
export interface Resolver {
  /** gethostbyname(name) when it yields an AF_INET entry: its first address, 4 bytes. */
  hostToIPv4(name: string): Promise<Uint8Array | undefined>;
  /** gethostbyaddr(addr)->h_name for a 4- or 16-byte address. */
  addrToHost(addr: Uint8Array): Promise<string | undefined>;
  /** getservbyname(name, proto)->s_port, in host order. */
  serviceToPort(name: string, proto: ServiceProto): Promise<number | undefined>;
  /** getservbyport(port, proto)->s_name. */
  portToService(port: number, proto: ServiceProto): Promise<string | undefined>;
}

/** The /etc/services protocol of an IP protocol number; undefined for the ones ipvsadm never looks up. */
export function protoName(protocol: number): ServiceProto | undefined {
  if (protocol === IPPROTO_TCP) return 'tcp';
  if (protocol === IPPROTO_UDP) return 'udp';
  if (protocol === IPPROTO_SCTP) return 'sctp';
  return undefined;
}
