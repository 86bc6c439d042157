/**
 * ipvsadm's -b parsing (parse_sched_flags) and the reverse, print_sched_flags: flag-1..3 for
 * any scheduler, sh-fallback/sh-port only with "sh", mh-fallback/mh-port only with "mh".
 */
import { SVC_F } from './model.js';

/** Result of parsing a -b list: the flag bits, an error message, or the crash ipvsadm has on a list with no tokens. */
export type SchedFlagsResult = { readonly flags: number } | { readonly error: string } | { readonly crash: true };

/** parse_sched_flags(sched, arg); `arg` is already cut to 127 bytes like ipvsadm's buffer. */
export function parseSchedFlags(sched: string, arg: string): SchedFlagsResult {
  const scheduler = sched !== '' ? sched : 'wlc';
  const tokens = arg.split(',').filter((t) => t !== '');
  // strtok() returns NULL for a list made only of commas and ipvsadm then dereferences it.
  if (tokens.length === 0) return { crash: true };
  let flags = 0;
  for (const flag of tokens) {
    switch (flag) {
      case 'flag-1':
        flags |= SVC_F.SCHED1;
        break;
      case 'flag-2':
        flags |= SVC_F.SCHED2;
        break;
      case 'flag-3':
        flags |= SVC_F.SCHED3;
        break;
      case 'sh-fallback':
      case 'sh-port':
      case 'mh-fallback':
      case 'mh-port':
        flags |= flag.endsWith('fallback') ? SVC_F.SCHED1 : SVC_F.SCHED2;
        if (scheduler !== flag.slice(0, 2)) return { error: `incompatible scheduler flag \`${flag}'` };
        break;
      default:
        return { error: `invalid scheduler flag \`${flag}'` };
    }
  }
  return { flags };
}

/** print_sched_flags: the names of the scheduler flags set, comma-separated ("" when none apply). */
export function schedFlagsText(sched: string, flags: number): string {
  const names: string[] = [];
  if (sched === 'sh' || sched === 'mh') {
    if (flags & SVC_F.SCHED1) names.push(`${sched}-fallback`);
    if (flags & SVC_F.SCHED2) names.push(`${sched}-port`);
  } else {
    if (flags & SVC_F.SCHED1) names.push('flag-1');
    if (flags & SVC_F.SCHED2) names.push('flag-2');
    if (flags & SVC_F.SCHED3) names.push('flag-3');
  }
  return names.join(',');
}
