/**
 * A re-implementation of the parts of popt 1.19's poptGetNextOpt that ipvsadm exercises (no
 * aliases, execs, callbacks or config files), so that argument vectors are split, clustered,
 * permuted and rejected exactly as ipvsadm does:
 *
 * - short options cluster ("-Ln") and take an attached argument ("-p600", "-p=600");
 * - long options are matched in full (no abbreviations), with "--opt value" or "--opt=value";
 * - a single-dash word is always read as a cluster of short options;
 * - an optional argument is taken from the next word only if that word does not start with "-";
 * - a required argument is taken from the next word whatever it looks like;
 * - non-option words are set aside as leftovers (all words after the first one when
 *   POSIXLY_CORRECT or POSIX_ME_HARDER is set), "--" ends option processing;
 * - "!#:+" inside an argument is replaced by the next unused non-option word.
 */

/** How an option takes its argument. */
export type PoptArgKind = 'none' | 'string' | 'optional';

/** One row of an option table. */
export interface PoptOption<V extends string> {
  readonly long?: string;
  readonly short?: string;
  readonly arg: PoptArgKind;
  readonly val: V;
}

/** popt error codes (POPT_ERROR_*). */
export const POPT_ERROR = {
  NOARG: -10,
  BADOPT: -11,
  UNWANTEDARG: -12,
} as const;

/** poptStrerror() texts of the errors this emulation can produce. */
export function poptStrerror(code: number): string {
  switch (code) {
    case POPT_ERROR.NOARG:
      return 'missing argument';
    case POPT_ERROR.UNWANTEDARG:
      return 'option does not take an argument';
    case POPT_ERROR.BADOPT:
      return 'unknown option';
    default:
      return 'unknown error';
  }
}

/** What {@link Popt.next} returns: an option (with its argument, null when absent), the end, or an error. */
export type PoptEvent<V extends string> =
  | { readonly kind: 'option'; readonly val: V; readonly arg: string | null }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly code: number };

interface TableIndex<V extends string> {
  readonly long: Map<string, PoptOption<V>>;
  readonly short: Map<string, PoptOption<V>>;
}

/** Lookup maps per option table, built at first use (an argument vector per restore line). */
const TABLE_INDEXES = new WeakMap<readonly PoptOption<string>[], TableIndex<string>>();

/** A popt context over one argument vector (argv[0] is the program name and is skipped). */
export class Popt<V extends string> {
  private next = 1;
  private charArg: { readonly word: string; readonly pos: number } | null = null;
  private restLeftover = false;
  private readonly consumed = new Set<number>();
  private readonly leftovers: string[] = [];
  private nextLeftover = 0;

  constructor(
    private readonly argv: readonly string[],
    private readonly table: readonly PoptOption<V>[],
    private readonly posixMeHarder = false,
  ) {}

  /** poptGetNextOpt: the next option, 'end' when none remain, or a popt error. */
  nextOpt(): PoptEvent<V> {
    const argc = this.argv.length;
    for (;;) {
      let opt: PoptOption<V> | undefined;
      let longArg: string | null = null;
      if (!this.charArg && this.next === argc) return { kind: 'end' };
      if (!this.charArg) {
        if (this.consumed.has(this.next)) {
          this.next++;
          continue;
        }
        const word = this.argv[this.next++] ?? '';
        if (this.restLeftover || word[0] !== '-' || word === '-') {
          if (this.posixMeHarder) this.restLeftover = true;
          this.leftovers.push(word);
          continue;
        }
        if (word === '--') {
          this.restLeftover = true;
          continue;
        }
        const doubleDash = word[1] === '-';
        const body = word.slice(doubleDash ? 2 : 1);
        const eq = body.indexOf('=');
        const name = eq < 0 ? body : body.slice(0, eq);
        longArg = eq < 0 ? null : body.slice(eq + 1);
        // No ipvsadm option carries POPT_ARGFLAG_ONEDASH, so single-dash words never match long names.
        opt = doubleDash ? this.index().long.get(name) : undefined;
        if (!opt && doubleDash) return { kind: 'error', code: POPT_ERROR.BADOPT };
        if (!opt) {
          this.charArg = { word, pos: 1 };
          longArg = null;
        }
      }
      if (this.charArg) {
        const { word, pos } = this.charArg;
        this.charArg = null;
        const ch = word[pos];
        opt = ch === undefined ? undefined : this.index().short.get(ch);
        if (!opt) return { kind: 'error', code: POPT_ERROR.BADOPT };
        if (pos + 1 < word.length) this.charArg = { word, pos: pos + 1 };
      }
      if (!opt) return { kind: 'error', code: POPT_ERROR.BADOPT };
      if (opt.arg === 'none') {
        if (longArg !== null || (this.charArg && this.charArg.word[this.charArg.pos] === '=')) {
          return { kind: 'error', code: POPT_ERROR.UNWANTEDARG };
        }
        return { kind: 'option', val: opt.val, arg: null };
      }
      let arg: string | null;
      if (longArg !== null) {
        arg = this.expand(longArg);
      } else if (this.charArg) {
        const rest = this.charArg.word.slice(this.charArg.pos);
        this.charArg = null;
        arg = this.expand(rest.startsWith('=') ? rest.slice(1) : rest);
      } else if (this.next === argc) {
        if (opt.arg !== 'optional') return { kind: 'error', code: POPT_ERROR.NOARG };
        arg = null;
      } else if (opt.arg === 'optional' && (this.argv[this.next] ?? '').startsWith('-')) {
        arg = null;
      } else {
        arg = this.expand(this.argv[this.next++] ?? '');
      }
      return { kind: 'option', val: opt.val, arg };
    }
  }

  /** The table's rows by long and short name, first row winning as in popt's linear search. */
  private index(): TableIndex<V> {
    let index = TABLE_INDEXES.get(this.table) as TableIndex<V> | undefined;
    if (index === undefined) {
      index = { long: new Map(), short: new Map() };
      for (const o of this.table) {
        if (o.long !== undefined && !index.long.has(o.long)) index.long.set(o.long, o);
        if (o.short !== undefined && !index.short.has(o.short)) index.short.set(o.short, o);
      }
      TABLE_INDEXES.set(this.table, index);
    }
    return index;
  }

  /** poptBadOption(con, POPT_BADOPTION_NOALIAS): the argument word consumed last. */
  badOption(): string {
    return this.argv[this.next - 1] ?? '';
  }

  /** poptGetArg: the next leftover (non-option) word, or null. */
  getArg(): string | null {
    if (this.nextLeftover < this.leftovers.length) return this.leftovers[this.nextLeftover++] ?? null;
    return null;
  }

  /** expandNextArg: replaces "!#:+" by the next unused non-option word (looked up once). */
  private expand(s: string): string {
    let out = '';
    let found: string | null | undefined;
    for (let i = 0; i < s.length; i++) {
      const c = s[i] ?? '';
      if (c === '!' && s.startsWith('#:+', i + 1)) {
        if (found === undefined) found = this.findNextArg();
        if (found !== null) {
          out += found;
          i += 3;
          continue;
        }
      }
      out += c;
    }
    return out;
  }

  private findNextArg(): string | null {
    for (let i = this.next; i < this.argv.length; i++) {
      if (this.consumed.has(i)) continue;
      const w = this.argv[i] ?? '';
      if (w.startsWith('-')) continue;
      this.consumed.add(i);
      return w;
    }
    return null;
  }
}
