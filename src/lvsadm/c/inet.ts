/**
 * glibc's address text parsers as ipvsadm uses them: inet_aton (lenient IPv4 forms such as
 * "10.1" or "0x0a000001"), inet_pton(AF_INET) and inet_pton(AF_INET6) (strict).
 * All return network-order bytes, or undefined when glibc would return 0.
 */
import { isCDigit, isCSpace, strtoul } from './strtol.js';

/** Four decimal parts without leading zeros: inet_aton reads them as plain dotted decimal. */
const PLAIN_QUAD = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** glibc inet_aton: 1 to 4 parts in C notation, trailing white space and anything after it ignored. */
export function inetAton(text: string): Uint8Array | undefined {
  const quad = PLAIN_QUAD.exec(text);
  if (quad) {
    const out = new Uint8Array(4);
    for (let k = 0; k < 4; k++) {
      const v = Number(quad[k + 1]);
      if (v > 0xff) return undefined;
      out[k] = v;
    }
    return out;
  }
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    if (!isCDigit(text[i])) return undefined;
    const rest = text.slice(i);
    const r = strtoul(rest, 0);
    if (r.erange || r.value > 0xffffffffn) return undefined;
    val = Number(r.value);
    i += r.end;
    if (text[i] === '.') {
      if (parts.length > 2 || val > 0xff) return undefined;
      parts.push(val);
      i++;
    } else {
      break;
    }
  }
  const c = text[i];
  if (c !== undefined && !isCSpace(c)) return undefined;
  const max = [0xffffffff, 0xffffff, 0xffff, 0xff][parts.length] ?? 0;
  if (val > max) return undefined;
  const out = new Uint8Array(4);
  parts.forEach((p, k) => {
    out[k] = p;
  });
  const view = new DataView(out.buffer);
  view.setUint32(0, (view.getUint32(0) | val) >>> 0);
  return out;
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(text: string): Uint8Array | undefined {
  const tmp = new Uint8Array(4);
  let tp = 0;
  let sawDigit = false;
  let octets = 0;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      const cur = tmp[tp] ?? 0;
      const next = cur * 10 + (ch.charCodeAt(0) - 48);
      if (sawDigit && cur === 0) return undefined;
      if (next > 255) return undefined;
      tmp[tp] = next;
      if (!sawDigit) {
        if (++octets > 4) return undefined;
        sawDigit = true;
      }
    } else if (ch === '.' && sawDigit) {
      if (octets === 4) return undefined;
      tp++;
      tmp[tp] = 0;
      sawDigit = false;
    } else {
      return undefined;
    }
  }
  if (octets < 4) return undefined;
  return tmp;
}

function hexValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** glibc inet_pton(AF_INET6), including the dotted IPv4 tail; no zone ids. */
export function inetPton6(text: string): Uint8Array | undefined {
  const tmp = new Uint8Array(16);
  let tp = 0;
  let colonp = -1;
  let i = 0;
  const n = text.length;
  if (n === 0) return undefined;
  if (text[0] === ':') {
    i++;
    if (i === n || text[i] !== ':') return undefined;
  }
  let curtok = i;
  let xdigits = 0;
  let val = 0;
  while (i < n) {
    const ch = text[i++] ?? '';
    const digit = hexValue(ch);
    if (digit >= 0) {
      if (xdigits === 4) return undefined;
      val = (val << 4) | digit;
      if (val > 0xffff) return undefined;
      xdigits++;
      continue;
    }
    if (ch === ':') {
      curtok = i;
      if (xdigits === 0) {
        if (colonp >= 0) return undefined;
        colonp = tp;
        continue;
      } else if (i === n) {
        return undefined;
      }
      if (tp + 2 > 16) return undefined;
      tmp[tp++] = (val >> 8) & 0xff;
      tmp[tp++] = val & 0xff;
      xdigits = 0;
      val = 0;
      continue;
    }
    if (ch === '.' && tp + 4 <= 16) {
      const v4 = inetPton4(text.slice(curtok));
      if (v4) {
        tmp.set(v4, tp);
        tp += 4;
        xdigits = 0;
        break;
      }
    }
    return undefined;
  }
  if (xdigits > 0) {
    if (tp + 2 > 16) return undefined;
    tmp[tp++] = (val >> 8) & 0xff;
    tmp[tp++] = val & 0xff;
  }
  if (colonp >= 0) {
    if (tp === 16) return undefined;
    const moved = tmp.slice(colonp, tp);
    tmp.fill(0, colonp);
    tmp.set(moved, 16 - moved.length);
    tp = 16;
  }
  if (tp !== 16) return undefined;
  return tmp;
}
