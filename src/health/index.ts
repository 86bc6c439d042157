/** Health checking: the check scheduler, per-check state machine, real server and virtual server health. */
export {
  DEFAULT_CHECK_TIMER_SLACK_MS,
  type HealthEvent,
  HealthMonitor,
  type HealthMonitorOptions,
  type RealServerSnapshot,
  type VirtualServerSnapshot,
} from './monitor.js';
export { virtualServerKey } from './keys.js';
export { type CheckParams, checkParams } from './params.js';
export { type CheckVerdict, combineChecks, type RealServerEvent, RealServerHealth, type RealServerView } from './realserver.js';
export {
  type AttemptStart,
  type CheckEvent,
  CheckScheduler,
  type ScheduledCheck,
  type SchedulerOptions,
  type SchedulerStats,
  type UpdateSummary,
} from './scheduler.js';
export { type CheckState, type CheckTransition, initialCheckState, recoveryInterval, step, warmupDelay } from './state.js';
export {
  desiredPool,
  initialQuorum,
  nextQuorum,
  type PoolDestination,
  type VirtualServerEvent,
  VirtualServerHealth,
} from './virtual-server.js';
export type { Logger } from '../logger.js';
