/**
 * The /etc/services "files" backend as glibc reads it: "name port/proto [aliases...]", comments
 * from "#", the first matching line wins. getservbyname matches the name or an alias;
 * getservbyport returns the official name.
 */
import { isCSpace, strtoul } from './c/strtol.js';

/** One parsed /etc/services line. */
export interface ServiceEntryLine {
  readonly name: string;
  readonly port: number;
  readonly proto: string;
  readonly aliases: readonly string[];
}

/** Parses one line; undefined for blank, comment-only or malformed lines (glibc skips them). */
export function parseServicesLine(raw: string): ServiceEntryLine | undefined {
  const hash = raw.indexOf('#');
  const line = hash >= 0 ? raw.slice(0, hash) : raw;
  let i = 0;
  while (isCSpace(line[i])) i++;
  const start = i;
  while (i < line.length && !isCSpace(line[i])) i++;
  const name = line.slice(start, i);
  if (name === '') return undefined;
  while (isCSpace(line[i])) i++;
  const rest = line.slice(i);
  const r = strtoul(rest, 10);
  if (r.end === 0) return undefined;
  if (rest[r.end] !== '/') return undefined;
  const port = Number(BigInt.asUintN(16, r.value));
  const words = rest
    .slice(r.end + 1)
    .split(/[ \t\n\v\f\r]+/)
    .filter((w) => w !== '');
  const [proto, ...aliases] = words;
  if (proto === undefined) return undefined;
  return { name, port, proto, aliases };
}

/** A parsed services database. */
export class ServicesDb {
  private readonly entries: readonly ServiceEntryLine[];

  constructor(text: string) {
    this.entries = text
      .split('\n')
      .map(parseServicesLine)
      .filter((e): e is ServiceEntryLine => e !== undefined);
  }

  /** getservbyname(name, proto)->s_port. */
  portOf(name: string, proto: string): number | undefined {
    return this.entries.find((e) => e.proto === proto && (e.name === name || e.aliases.includes(name)))?.port;
  }

  /** getservbyport(port, proto)->s_name. */
  nameOf(port: number, proto: string): string | undefined {
    return this.entries.find((e) => e.proto === proto && e.port === port)?.name;
  }
}
