/** lvsd's VRRP core: codec, receive validation, state machine, tracking, sync groups and the clock-driven driver. */
export * from './addr.js';
export * from './checksum.js';
export * from './constants.js';
export * from './instance.js';
export * from './packet.js';
export * from './params.js';
export * from './script-runner.js';
export * from './state-machine.js';
export * from './sync-group.js';
export * from './sync-link.js';
export * from './timers.js';
export * from './tracking.js';
export * from './validate.js';
