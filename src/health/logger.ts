/** Re-exports the shared logger (src/logger.ts) for code that imports it from here (src/director); import src/logger.ts instead. */
export { type LogFn, type Logger, silentLogger } from '../logger.js';
