/**
 * A fast reader for the plain block YAML that configs are usually written in: block mappings and sequences,
 * one-line plain, quoted and flow scalars, comments. It builds the plain value directly, without the YAML
 * library's document of nodes and ranges, which costs most of a big config's load time and peak memory.
 *
 * It is an accelerator, not a second YAML parser: whatever it is not sure to read exactly as the YAML library
 * reads it (anchors, tags, block scalars, multi-line scalars, merge keys, duplicate or `__proto__` keys, tabs,
 * several documents, anything malformed) makes it answer undefined, and the caller parses the text with the
 * library, which also reports the problems with their positions. Scalars resolve by the YAML 1.2 core schema,
 * as the library does by default.
 */

/** Thrown internally when the text leaves the subset; never escapes fastYamlValue. */
class NotInSubset extends Error {}

const out = (): never => {
  throw new NotInSubset();
};

/** Characters that YAML forbids or treats specially, and tabs and carriage returns (left to the library). */
const UNSUPPORTED_CHARS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\t\r\u2028\u2029\ufeff\ufffe\uffff]/;
/** A plain key as configs write them; keys that would resolve to a number, bool or null are refused below. */
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*/;
/** Characters a plain scalar may not start with (YAML indicators), besides `-`, `?` and `:` before a space. */
const PLAIN_FIRST_FORBIDDEN = new Set([...',[]{}#&*!|>\'"%@`']);

const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** A plain scalar's value under the YAML 1.2 core schema (the tests in the library's order). */
export function resolvePlain(s: string): unknown {
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  const c = s.charCodeAt(0);
  // Every number starts with a digit, a sign or a dot.
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return s;
  if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_SPECIAL.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? Number.NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

interface Line {
  indent: number;
  /** The line without its indentation (comments still in). */
  text: string;
}

/** Adds a key to a mapping, leaving the subset on anything the library would treat differently or report. */
function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__' || key === '<<' || Object.hasOwn(map, key)) out();
  map[key] = value;
}

/** The end of a value: only blanks, or blanks and a comment, may follow. */
function expectEnd(s: string, i: number): void {
  let j = i;
  while (s.charCodeAt(j) === 0x20) j++;
  if (j < s.length && (s[j] !== '#' || j === i)) out();
}

const HEX_DIGITS = /^[0-9a-fA-F]+$/;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', '0': '\0', ' ': ' ' };

/** A double-quoted scalar starting at s[i] and closing on the same line: [value, index after the quote]. */
function doubleQuoted(s: string, i: number): [string, number] {
  let value = '';
  let j = i + 1;
  for (;;) {
    const k = s.indexOf('"', j);
    const b = s.indexOf('\\', j);
    if (k < 0) out();
    if (b < 0 || b > k) return [value + s.slice(j, k), k + 1];
    value += s.slice(j, b);
    const e = s[b + 1] ?? '';
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      j = b + 2;
    } else if (e === 'x' || e === 'u') {
      const n = e === 'x' ? 2 : 4;
      const hex = s.slice(b + 2, b + 2 + n);
      if (hex.length !== n || !HEX_DIGITS.test(hex)) out();
      const code = parseInt(hex, 16);
      if (code >= 0xd800 && code <= 0xdfff) out();
      value += String.fromCharCode(code);
      j = b + 2 + n;
    } else {
      out();
    }
  }
}

/** A single-quoted scalar starting at s[i] and closing on the same line: [value, index after the quote]. */
function singleQuoted(s: string, i: number): [string, number] {
  let value = '';
  let j = i + 1;
  for (;;) {
    const k = s.indexOf("'", j);
    if (k < 0) out();
    value += s.slice(j, k);
    if (s[k + 1] === "'") {
      value += "'";
      j = k + 2;
    } else {
      return [value, k + 1];
    }
  }
}

/**
 * Whether a plain scalar may start at s[i]: not on an indicator; `-`, `?`, `:` only before a non-blank, which
 * inside a flow collection must not be a flow indicator either.
 */
function plainMayStart(s: string, i: number, inFlow: boolean): boolean {
  const c = s[i];
  if (c === undefined || PLAIN_FIRST_FORBIDDEN.has(c)) return false;
  if (c === '-' || c === '?' || c === ':') {
    const next = s[i + 1];
    return next !== undefined && next !== ' ' && !(inFlow && ',[]{}'.includes(next));
  }
  return true;
}

/** A key at s[i] (plain or simply quoted) followed by `:` and a blank or the end: [key, index after the colon]. */
function keyAt(s: string, i: number): [string, number] | undefined {
  let key: string;
  let j: number;
  const c = s[i];
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, i + 1);
    if (close < 0) return undefined;
    key = s.slice(i + 1, close);
    if (key.includes('\\') || key.includes('"') || key.includes("'")) return undefined;
    j = close + 1;
  } else {
    const m = PLAIN_KEY.exec(s.slice(i));
    if (m === null) return undefined;
    key = m[0];
    j = i + key.length;
  }
  if (s[j] !== ':' || (j + 1 < s.length && s[j + 1] !== ' ')) return undefined;
  // The library limits implicit keys to 1024 characters; a plain key that reads as a number, bool or null
  // would become a different string in JavaScript.
  if (key.length > 1000 || (c !== '"' && c !== "'" && typeof resolvePlain(key) !== 'string')) out();
  return [key, j + 1];
}

/** A flow collection or scalar inside a flow collection, at s[i]: [value, index after it]. */
function flowNode(s: string, i: number): [unknown, number] {
  const c = s[i];
  if (c === '[') return flowSeq(s, i);
  if (c === '{') return flowMap(s, i);
  if (c === '"') return doubleQuoted(s, i);
  if (c === "'") return singleQuoted(s, i);
  if (!plainMayStart(s, i, true)) out();
  let j = i;
  for (; j < s.length; j++) {
    const d = s[j];
    if (d === ',' || d === '[' || d === ']' || d === '{' || d === '}') break;
    if (d === ':' && (s[j + 1] === ' ' || s[j + 1] === ',' || s[j + 1] === ']' || s[j + 1] === '}' || j + 1 === s.length)) break;
    if (d === '#' && s[j - 1] === ' ') out();
  }
  const text = s.slice(i, j).trimEnd();
  if (text === '') out();
  return [resolvePlain(text), j];
}

function skipBlanks(s: string, i: number): number {
  let j = i;
  while (s.charCodeAt(j) === 0x20) j++;
  return j;
}

function flowSeq(s: string, i: number): [unknown[], number] {
  const items: unknown[] = [];
  let j = skipBlanks(s, i + 1);
  if (s[j] === ']') return [items, j + 1];
  for (;;) {
    const [value, after] = flowNode(s, j);
    items.push(value);
    j = skipBlanks(s, after);
    if (s[j] === ']') return [items, j + 1];
    if (s[j] !== ',') out();
    j = skipBlanks(s, j + 1);
    if (s[j] === ']') out(); // a trailing comma
  }
}

function flowMap(s: string, i: number): [Record<string, unknown>, number] {
  const map: Record<string, unknown> = {};
  let j = skipBlanks(s, i + 1);
  if (s[j] === '}') return [map, j + 1];
  for (;;) {
    const key = keyAt(s, j);
    if (key === undefined) out();
    const [name, afterColon] = key as [string, number];
    const [value, after] = flowNode(s, skipBlanks(s, afterColon));
    setKey(map, name, value);
    j = skipBlanks(s, after);
    if (s[j] === '}') return [map, j + 1];
    if (s[j] !== ',') out();
    j = skipBlanks(s, j + 1);
    if (s[j] === '}') out();
  }
}

/** A value written on the rest of a line (s[i] is not blank): a quoted, flow or plain scalar. */
function inlineValue(s: string, i: number): unknown {
  const c = s[i];
  if (c === '"' || c === "'" || c === '[' || c === '{') {
    const [value, after] = flowNode(s, i);
    expectEnd(s, after);
    return value;
  }
  if (!plainMayStart(s, i, false)) out();
  let end = s.length;
  const hash = s.indexOf(' #', i);
  if (hash >= 0) end = hash;
  const text = s.slice(i, end).trimEnd();
  if (text.includes(': ') || text.endsWith(':')) out();
  return resolvePlain(text);
}

function isSeqEntry(text: string): boolean {
  return text[0] === '-' && (text.length === 1 || text[1] === ' ');
}

/** Whether the rest of a line from i holds nothing but blanks or a comment. */
function restIsEmpty(s: string, i: number): boolean {
  const j = skipBlanks(s, i);
  return j === s.length || (s[j] === '#' && (j === i || s[j - 1] === ' '));
}

/** Reads the block structure of the lines, from the first one, with an index that moves forward. */
class BlockReader {
  #next = 0;

  constructor(private readonly lines: Line[]) {}

  get done(): boolean {
    return this.#next >= this.lines.length;
  }

  #peek(): Line | undefined {
    return this.lines[this.#next];
  }

  /** A block node (mapping or sequence) whose first line is the next one. */
  block(): unknown {
    const line = this.#peek() as Line;
    return isSeqEntry(line.text) ? this.seq(line.indent) : this.map(line.indent);
  }

  /**
   * The value of a key or entry (at `indent`) whose inline part was empty: a more indented block, a sequence at
   * the key's own indentation (`key:` then `- item` below it), or null.
   */
  #nested(indent: number, sequenceAtSameIndent: boolean): unknown {
    const next = this.#peek();
    if (next === undefined || next.indent < indent) return null;
    if (next.indent > indent) return this.block();
    return sequenceAtSameIndent && isSeqEntry(next.text) ? this.seq(indent) : null;
  }

  /** After an inline value: the next line may not be more indented (that would continue the scalar). */
  #afterInline(indent: number): void {
    const next = this.#peek();
    if (next !== undefined && next.indent > indent) out();
  }

  map(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (;;) {
      const line = this.#peek();
      if (line === undefined || line.indent < indent) return map;
      if (line.indent > indent || isSeqEntry(line.text)) out();
      const key = keyAt(line.text, 0);
      if (key === undefined) out();
      const [name, afterColon] = key as [string, number];
      this.#next++;
      let value: unknown;
      if (restIsEmpty(line.text, afterColon)) {
        value = this.#nested(indent, true);
      } else {
        value = inlineValue(line.text, skipBlanks(line.text, afterColon));
        this.#afterInline(indent);
      }
      setKey(map, name, value);
    }
  }

  seq(indent: number): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      const line = this.#peek();
      // A line at this indentation that is no entry ends the sequence; the caller decides if it may follow.
      if (line === undefined || line.indent < indent || (line.indent === indent && !isSeqEntry(line.text))) return items;
      if (line.indent > indent) out();
      const start = skipBlanks(line.text, 1);
      if (restIsEmpty(line.text, 1)) {
        this.#next++;
        items.push(this.#nested(indent, false));
        continue;
      }
      if (isSeqEntry(line.text.slice(start))) out(); // `- - a`
      if (keyAt(line.text, start) !== undefined) {
        // A compact mapping: its keys sit at the column of the first one.
        this.lines[this.#next] = { indent: indent + start, text: line.text.slice(start) };
        items.push(this.map(indent + start));
        continue;
      }
      this.#next++;
      items.push(inlineValue(line.text, start));
      this.#afterInline(indent);
    }
  }
}

/** The lines that carry content, with their indentation; comment-only and blank lines are dropped. */
function contentLines(text: string): Line[] {
  const lines: Line[] = [];
  let first = true;
  for (const raw of text.split('\n')) {
    const indent = skipBlanks(raw, 0);
    if (indent === raw.length || raw[indent] === '#') continue;
    const content = raw.slice(indent);
    if (indent === 0 && (content.startsWith('---') || content.startsWith('...') || content[0] === '%')) {
      // One leading `---` alone on its line opens the document; any other marker or directive is left to the library.
      if (first && content.startsWith('---') && restIsEmpty(content, 3)) {
        first = false;
        continue;
      }
      out();
    }
    first = false;
    lines.push({ indent, text: content.trimEnd() });
  }
  return lines;
}

/**
 * The value of YAML `text` when it is a block mapping in the subset described above and reads without any
 * problem the YAML path would report; undefined otherwise (the caller then parses it with the YAML library).
 */
export function fastYamlValue(text: string): Record<string, unknown> | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  try {
    const lines = contentLines(text);
    const first = lines[0];
    if (first === undefined || isSeqEntry(first.text)) return undefined;
    const reader = new BlockReader(lines);
    const value = reader.map(first.indent);
    return reader.done ? value : undefined;
  } catch (err) {
    if (err instanceof NotInSubset) return undefined;
    throw err;
  }
}
