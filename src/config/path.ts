/** A location in the document: object keys and list indices, outermost first. */
export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Renders a path as `a.b[2].c`; keys that are not plain identifiers are quoted: `nodes["lvs1.example.com"]`. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A problem found before positions are known: where it is (a path, or a source offset) and what is wrong. */
export interface Problem {
  readonly path: Path;
  readonly message: string;
  /** Point at the key rather than the value (unknown keys, duplicate keys, bad names). */
  readonly atKey?: boolean;
  /** An exact source offset, for YAML syntax errors. */
  readonly offset?: number;
}
