/**
 * Combining the results of the several checks of one real server, as keepalived does: the server is up only
 * when every check passes. Pure.
 */
import type { CheckResult } from './checker.js';

/**
 * All up: up, with the smallest weight any check reported (exec in dynamic mode), else no weight (keep the
 * configured one). Any down: down with the first failure's code and every failure's reason, joined by "; ".
 * No checks at all: up (a real server without checks is always in service).
 */
export function combine(results: readonly CheckResult[]): CheckResult {
  const failed = results.filter((r) => !r.up);
  const first = failed[0];
  if (first && !first.up) {
    const reason = failed.map((r) => r.reason).join('; ');
    return first.code !== undefined ? { up: false, code: first.code, reason } : { up: false, reason };
  }
  const weights = results.flatMap((r) => (r.up && r.weight !== undefined ? [r.weight] : []));
  const reason = results.length === 0 ? 'no checks' : results.map((r) => r.reason).join('; ');
  return weights.length > 0 ? { up: true, code: 'OK', reason, weight: Math.min(...weights) } : { up: true, code: 'OK', reason };
}
