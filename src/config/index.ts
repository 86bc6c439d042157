/** The config model: load, validate and resolve lvsd's YAML configuration. */
export { ConfigError, formatConfigError } from './errors.js';
export { ConfigFileLoader, type LoadOptions, type LoadResult, loadConfig, loadConfigFile } from './load.js';
export type * from './model.js';
export { resolveNode } from './resolve.js';
export { ConfigSchema } from './schema.js';
