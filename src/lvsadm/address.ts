/**
 * ipvsadm's argument parsers for addresses and numbers that identify services: parse_service
 * (host[:port], [v6]:port, names through the resolver), parse_netmask and parse_fwmark, with
 * their quirks (all-digit text rejected, "[1.2.3.4]:80" losing its port, v6 addresses taken
 * whole when unbracketed).
 */
import { inetAton, inetPton6 } from './c/inet.js';
import { isCDigit, stringToNumber, strtol } from './c/strtol.js';
import { AF_INET, AF_INET6 } from './model.js';
import { protoName, type Resolver } from './resolver.js';

/** parse_service result bits. */
export const SERVICE_NONE = 0;
export const SERVICE_ADDR = 1;
export const SERVICE_PORT = 2;

/** The fields of a service (or destination copy) that parse_service writes. */
export interface ServiceTarget {
  af: number;
  protocol: number;
  addr: Uint8Array;
  port: number;
  netmask: number;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isCDigit(s[i])) return false;
  return true;
}

function setAddr(target: ServiceTarget, bytes: Uint8Array): void {
  const a = new Uint8Array(16);
  a.set(bytes);
  target.addr = a;
}

/** gethostbyname restricted to AF_INET, as host_to_addr uses it. */
async function hostToAddr(name: string, resolver: Resolver): Promise<Uint8Array | undefined> {
  if (name === '') return undefined;
  return resolver.hostToIPv4(name);
}

/** getservbyname for the protocol's name; -1 when unknown (protocol 0 never resolves). */
async function serviceToPort(name: string, protocol: number, resolver: Resolver): Promise<number> {
  const proto = protoName(protocol);
  if (!proto) return -1;
  return (await resolver.serviceToPort(name, proto)) ?? -1;
}

/**
 * parse_service(buf, svc): fills af/addr/port (and netmask=128 for IPv6) and returns the
 * SERVICE_* bits; SERVICE_NONE means invalid (fields may be partly written, as in C).
 */
export async function parseService(buf: string | null, target: ServiceTarget, resolver: Resolver): Promise<number> {
  if (buf === null || allDigits(buf)) return SERVICE_NONE;
  let text = buf;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    text = text.slice(1);
    const close = text.indexOf(']');
    if (close < 0) return SERVICE_NONE;
    if (text[close + 1] !== ':') return SERVICE_NONE;
    portText = text.slice(close + 2);
    text = text.slice(0, close);
  }
  // inet_pton(AF_INET6) needs a ':' and fails on a '.' in the first group: skip it for "1.2.3.4:80".
  const colonAt = text.indexOf(':');
  const dotAt = text.indexOf('.');
  const v6 = colonAt < 0 || (dotAt >= 0 && dotAt < colonAt) ? undefined : inetPton6(text);
  if (v6) {
    setAddr(target, v6);
    target.af = AF_INET6;
    target.netmask = 128;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      portText = text.slice(colon + 1);
      text = text.slice(0, colon);
    } else {
      portText = null;
    }
    const v4 = inetAton(text) ?? (await hostToAddr(text, resolver));
    if (!v4) return SERVICE_NONE;
    setAddr(target, v4);
    target.af = AF_INET;
  }
  let result = SERVICE_ADDR;
  if (portText !== null) {
    result |= SERVICE_PORT;
    let port = stringToNumber(portText, 0, 65535);
    if (port === -1) port = await serviceToPort(portText, target.protocol, resolver);
    if (port === -1) return SERVICE_NONE;
    target.port = port;
  }
  return result;
}

/** parse_netmask: an IPv4 mask (inet_aton or a host name) as a big-endian number, or undefined. */
export async function parseNetmask(buf: string, resolver: Resolver): Promise<number | undefined> {
  const bytes = inetAton(buf) ?? (await hostToAddr(buf, resolver));
  if (!bytes) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}

/** parse_fwmark: a decimal 1..UINT_MAX (strtol semantics), or undefined. */
export function parseFwmark(buf: string): number | undefined {
  const r = strtol(buf, 10);
  if (r.end !== buf.length || r.end === 0 || r.erange) return undefined;
  const asUnsignedLong = BigInt.asUintN(64, r.value);
  if (asUnsignedLong <= 0n || asUnsignedLong > 0xffffffffn) return undefined;
  return Number(asUnsignedLong);
}
