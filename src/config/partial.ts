/**
 * The parts of a config that passed validation, so cross-field rules can check them even when other parts of
 * the file are broken: every problem is reported in one run, not one layer at a time.
 */
import type {
  Config,
  ControlConfig,
  GlobalConfig,
  LoggingConfig,
  LvsSyncDaemonConfig,
  NodeConfig,
  VirtualServerConfig,
  VrrpInstanceConfig,
  VrrpScriptConfig,
  VrrpSyncGroupConfig,
  VrrpTrackFileConfig,
} from './model.js';
import { sectionSchemas } from './schema.js';

/** Entries of a named collection; `undefined` marks an entry that exists but failed validation. */
export type Named<T> = ReadonlyMap<string, T | undefined>;

export interface PartialConfig {
  readonly global?: GlobalConfig;
  readonly logging?: LoggingConfig;
  readonly control?: ControlConfig;
  /** Whether the file has an lvs_sync_daemon section at all (valid or not). */
  readonly hasSyncDaemon: boolean;
  readonly lvs_sync_daemon?: LvsSyncDaemonConfig;
  readonly vrrp_scripts: Named<VrrpScriptConfig>;
  readonly vrrp_track_files: Named<VrrpTrackFileConfig>;
  readonly vrrp_sync_groups: Named<VrrpSyncGroupConfig>;
  readonly vrrp_instances: Named<VrrpInstanceConfig>;
  readonly virtual_servers: readonly (VirtualServerConfig | undefined)[];
  readonly nodes: Named<NodeConfig>;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function entries<T>(record: Record<string, T>): Map<string, T> {
  return new Map(Object.keys(record).map((k) => [k, record[k] as T]));
}

/** The partial view of a fully valid config. */
export function partialFromConfig(c: Config): PartialConfig {
  return {
    global: c.global,
    logging: c.logging,
    control: c.control,
    hasSyncDaemon: c.lvs_sync_daemon !== undefined,
    lvs_sync_daemon: c.lvs_sync_daemon,
    vrrp_scripts: entries(c.vrrp_scripts),
    vrrp_track_files: entries(c.vrrp_track_files),
    vrrp_sync_groups: entries(c.vrrp_sync_groups),
    vrrp_instances: entries(c.vrrp_instances),
    virtual_servers: c.virtual_servers,
    nodes: entries(c.nodes),
  };
}

type Parser<T> = { safeParse(v: unknown): { success: true; data: T } | { success: false } };

function parsed<T>(schema: Parser<T>, v: unknown): T | undefined {
  const r = schema.safeParse(v);
  return r.success ? r.data : undefined;
}

function named<T>(schema: Parser<T>, v: unknown): Map<string, T | undefined> {
  const out = new Map<string, T | undefined>();
  if (!isPlainObject(v)) return out;
  for (const k of Object.keys(v)) out.set(k, parsed(schema, v[k]));
  return out;
}

/** Validates each section and collection entry of a config that failed validation as a whole. */
export function partialFromRaw(raw: unknown): PartialConfig {
  const r = isPlainObject(raw) ? raw : {};
  const has = (k: string) => Object.hasOwn(r, k);
  return {
    global: parsed(sectionSchemas.global as Parser<GlobalConfig>, r.global),
    logging: parsed(sectionSchemas.logging as Parser<LoggingConfig>, r.logging),
    control: parsed(sectionSchemas.control as Parser<ControlConfig>, r.control),
    hasSyncDaemon: has('lvs_sync_daemon'),
    lvs_sync_daemon: has('lvs_sync_daemon')
      ? parsed(sectionSchemas.lvs_sync_daemon as Parser<LvsSyncDaemonConfig>, r.lvs_sync_daemon)
      : undefined,
    vrrp_scripts: named(sectionSchemas.vrrp_scripts as Parser<VrrpScriptConfig>, r.vrrp_scripts),
    vrrp_track_files: named(sectionSchemas.vrrp_track_files as Parser<VrrpTrackFileConfig>, r.vrrp_track_files),
    vrrp_sync_groups: named(sectionSchemas.vrrp_sync_groups as Parser<VrrpSyncGroupConfig>, r.vrrp_sync_groups),
    vrrp_instances: named(sectionSchemas.vrrp_instances as Parser<VrrpInstanceConfig>, r.vrrp_instances),
    virtual_servers: Array.isArray(r.virtual_servers)
      ? r.virtual_servers.map((v) => parsed(sectionSchemas.virtual_servers as Parser<VirtualServerConfig>, v))
      : [],
    nodes: named(sectionSchemas.nodes as Parser<NodeConfig>, r.nodes),
  };
}
