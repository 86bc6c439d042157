/**
 * The protocol's timer arithmetic, in integer microseconds like keepalived (so both pick the same instants), and
 * returned in milliseconds (fractions allowed) for the Clock.
 *
 * - VRRPv3 (RFC 5798 / RFC 9568 section 6.1): Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256.
 * - VRRPv2 (RFC 3768 section 6.1): Skew_Time = (256 − Priority) / 256 seconds, whatever the interval.
 * - Master_Down_Interval = N × Master_Adver_Interval + Skew_Time, where N is 3 in the RFCs and keepalived's
 *   `down_timer_adverts` when configured.
 *
 * Master_Adver_Interval is the configured interval, except that a VRRPv3 backup takes it from the master's adverts.
 */

/** Skew_Time in whole microseconds (rounded down, as keepalived). */
export function skewUs(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  const factor = 256 - priority;
  if (version === 2) return Math.floor((factor * 1_000_000) / 256);
  return Math.floor((factor * Math.round(masterAdverIntMs * 1000)) / 256);
}

/** Skew_Time in milliseconds. */
export function skewMs(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return skewUs(version, priority, masterAdverIntMs) / 1000;
}

/** Master_Down_Interval in milliseconds. */
export function masterDownMs(version: 2 | 3, priority: number, masterAdverIntMs: number, downTimerAdverts: number): number {
  return (downTimerAdverts * Math.round(masterAdverIntMs * 1000) + skewUs(version, priority, masterAdverIntMs)) / 1000;
}
