/** IP addresses in the config model: the shared strict parser (src/ip.ts). */
export * from '../ip.js';
