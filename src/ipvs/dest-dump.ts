/**
 * The destinations of many services in one go: with a client that has dumpFramed (the netlink client), every
 * GET_DEST dump is framed at once and run back to back from the receive callback, with no promise per service;
 * otherwise the listDestinations calls are all issued together. A reconciler reading a thousand services every
 * few seconds is what this is for.
 */
import type { IpvsApi } from './api.js';
import { toNfInetAddr } from './addr.js';
import { AF, IPPROTO } from './constants.js';
import { decodeDestReply } from './replies.js';
import { frameGetDests } from './requests.js';
import type { Destination, ServiceKey } from './types.js';

const PROTO = { tcp: IPPROTO.TCP, udp: IPPROTO.UDP, sctp: IPPROTO.SCTP } as const;

/** The destinations of each service, in the order of `keys`. Rejects with the first failure (an IpvsError). */
export async function listDestinationsOf(api: IpvsApi, keys: readonly ServiceKey[]): Promise<Destination[][]> {
  const out: Destination[][] = keys.map(() => []);
  if (keys.length === 0) return out;
  if (api.dumpFramed === undefined) return Promise.all(keys.map((k) => api.listDestinations(k)));
  const families = keys.map((k) => ('fwmark' in k ? k.family : k.address.includes(':') ? 'ipv6' : 'ipv4'));
  const identities = keys.map((k, i) => {
    const af = families[i] === 'ipv6' ? AF.INET6 : AF.INET;
    if ('fwmark' in k) return { af, protocol: 0, addr: new Uint8Array(16), port: 0, fwmark: k.fwmark };
    return { af, protocol: PROTO[k.protocol], addr: toNfInetAddr(k.address), port: k.port, fwmark: 0 };
  });
  const failure = await api.dumpFramed(frameGetDests(identities), (index, datagram, start, end) => {
    // The datagram is valid during the call only: decode now.
    out[index]?.push(decodeDestReply(datagram.subarray(start, end), families[index]));
  });
  if (failure !== undefined) throw failure.error;
  return out;
}
