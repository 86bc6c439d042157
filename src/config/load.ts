/**
 * Loading a config: YAML with positions, schema validation, cross-field rules, per-node resolution. Every problem
 * in the file comes back at once, each with `file:line:column`, its path, and what was expected.
 */
import { readFile } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { LvsdError } from '../errors.js';
import { ConfigError, sortConfigErrors } from './errors.js';
import type { Config, ResolvedConfig } from './model.js';
import { partialFromConfig, partialFromRaw } from './partial.js';
import { formatPath, type Problem } from './path.js';
import { locate } from './positions.js';
import { resolveNode } from './resolve.js';
import { fileRules, nodeRules, pairRules } from './rules.js';
import { ConfigSchema } from './schema.js';
import { issuesToProblems } from './issues.js';
import { parseSource, type Source } from './source.js';

export interface LoadOptions {
  /** Name used in error messages (usually the path the file was read from). */
  readonly file: string;
  /** The node to resolve for (`lvsd --node`); default: this host's name. */
  readonly node?: string;
  /** This host's name, when node is not given; default: os.hostname(). */
  readonly hostname?: string;
}

export type LoadResult = { ok: true; config: ResolvedConfig } | { ok: false; errors: ConfigError[] };

function toError(p: Problem, source: Source, file: string): ConfigError {
  const offset = p.offset ?? locate(source.doc, p.path, p.atKey ? 'key' : 'value').offset;
  const pos = source.lineCounter.linePos(offset);
  return new ConfigError(file, Math.max(1, pos.line), Math.max(1, pos.col), formatPath(p.path), p.message);
}

type NodeChoice = { ok: true; node: string } | { ok: false; problem: Problem };

/** Picks the node: --node if given, else the host name (full, then up to the first dot). */
function chooseNode(known: readonly string[], opts: LoadOptions): NodeChoice {
  const list = known.join(', ');
  if (opts.node !== undefined) {
    if (known.length === 0 || known.includes(opts.node)) return { ok: true, node: opts.node };
    return { ok: false, problem: { path: ['nodes'], atKey: true, message: `unknown node '${opts.node}' (known nodes: ${list})` } };
  }
  const host = opts.hostname ?? osHostname();
  if (known.length === 0) return { ok: true, node: host };
  const short = host.split('.')[0] ?? host;
  for (const candidate of [host, short]) if (known.includes(candidate)) return { ok: true, node: candidate };
  return {
    ok: false,
    problem: {
      path: ['nodes'],
      atKey: true,
      message: `this host's name '${host}' is not in nodes (known nodes: ${list}); pass --node NAME`,
    },
  };
}

/** Runs the per-node rules for every node of the pair; a problem only some nodes have names them. */
function perNodeProblems(config: Config, selected: string | undefined): { models: Map<string, ResolvedConfig>; problems: Problem[] } {
  const names = Object.keys(config.nodes);
  const targets = names.length > 0 ? names : selected !== undefined ? [selected] : [];
  const models = new Map<string, ResolvedConfig>();
  const grouped = new Map<string, { problem: Problem; nodes: string[] }>();
  for (const node of targets) {
    const model = resolveNode(config, node);
    models.set(node, model);
    for (const p of nodeRules(config, model, node)) {
      const key = `${formatPath(p.path)}\0${p.message}`;
      const g = grouped.get(key);
      if (g) g.nodes.push(node);
      else grouped.set(key, { problem: p, nodes: [node] });
    }
  }
  const problems: Problem[] = [];
  for (const { problem, nodes } of grouped.values()) {
    // Name the nodes a problem is limited to, unless its path already does.
    const partial = names.length > 1 && nodes.length < names.length && problem.path[0] !== 'nodes';
    problems.push(
      partial ? { ...problem, message: `${problem.message} (for node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')})` } : problem,
    );
  }
  if (names.length > 1) problems.push(...pairRules(config, models));
  return { models, problems };
}

/** Validates config text and resolves the model for one node. Never throws for any input text. */
export function loadConfig(text: string, opts: LoadOptions): LoadResult {
  const { source, value, problems } = parseSource(text.startsWith('\uFEFF') ? text.slice(1) : text);
  let model: ResolvedConfig | undefined;
  if (value === null && source.doc.contents === null) {
    problems.push({
      path: [],
      message: 'expected a mapping with global, vrrp_instances, virtual_servers, ... at the top level, got an empty document',
    });
  } else if (value !== undefined) {
    const parsed = ConfigSchema.safeParse(value);
    if (!parsed.success) problems.push(...issuesToProblems(parsed.error.issues, value));
    const partial = parsed.success ? partialFromConfig(parsed.data) : partialFromRaw(value);
    problems.push(...fileRules(partial));
    const choice = chooseNode([...partial.nodes.keys()], opts);
    if (!choice.ok) problems.push(choice.problem);
    if (parsed.success) {
      const { models, problems: nodeProblems } = perNodeProblems(parsed.data, choice.ok ? choice.node : undefined);
      problems.push(...nodeProblems);
      if (choice.ok) model = models.get(choice.node);
    }
  }
  if (problems.length > 0 || model === undefined) {
    const errors = sortConfigErrors(problems.map((p) => toError(p, source, opts.file)));
    if (errors.length === 0) errors.push(new ConfigError(opts.file, 1, 1, '(root)', 'no usable configuration'));
    return { ok: false, errors };
  }
  return { ok: true, config: model };
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new LvsdError('ECONFIGREAD', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and loads a config file; rejects (code ECONFIGREAD) only when the file cannot be read. */
export async function loadConfigFile(path: string, opts: Omit<LoadOptions, 'file'> & { file?: string } = {}): Promise<LoadResult> {
  return loadConfig(await readConfigText(path), { ...opts, file: opts.file ?? path });
}

/**
 * loadConfigFile for a daemon that loads the same file again on every reload: when the text and the options are
 * those of the last successful load, that load's result is returned (the very same model objects, which lets the
 * director and the health monitor see at once that nothing changed). Loading is a pure function of them, so the
 * answer is what a new load would give; only a file that changed is parsed and validated again.
 */
export class ConfigFileLoader {
  #last: { text: string; path: string; hostname: string; requested: string | undefined; result: LoadResult & { ok: true } } | undefined;

  async load(path: string, opts: Omit<LoadOptions, 'file'> = {}): Promise<LoadResult> {
    const text = await readConfigText(path);
    const hostname = opts.hostname ?? osHostname();
    const last = this.#last;
    // The same node: asked for by name (the one the last load resolved to), or both times by the host name.
    const sameNode = opts.node === undefined ? last?.requested === undefined : opts.node === last?.result.config.node;
    if (last !== undefined && last.text === text && last.path === path && last.hostname === hostname && sameNode) return last.result;
    const result = loadConfig(text, { ...opts, file: path, hostname });
    this.#last = result.ok ? { text, path, hostname, requested: opts.node, result } : undefined;
    return result;
  }
}
