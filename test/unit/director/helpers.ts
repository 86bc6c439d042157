/** Config models and an in-memory application of IPVS ops, for the director's pure tests. */
import { stringify } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import type { ResolvedConfig } from '../../../src/config/model.js';
import type { IpvsOp } from '../../../src/ipvs/api.js';
import type { Destination, DestinationSpec, Service } from '../../../src/ipvs/types.js';
import { destKey, serviceKeyId } from '../../../src/director/desired.js';
import type { ObservedService } from '../../../src/director/diff.js';

/** The resolved model of a config given as a plain object. */
export function model(config: Record<string, unknown>, node = 'lvs1'): ResolvedConfig {
  const r = loadConfig(stringify(config), { file: 'test.yaml', hostname: node });
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.config;
}

/** A destination as the kernel reports it. */
export function reported(spec: DestinationSpec, conns: Partial<Pick<Destination, 'activeConns' | 'inactiveConns'>> = {}): Destination {
  return {
    ...spec,
    family: spec.address.includes(':') ? 'ipv6' : 'ipv4',
    activeConns: conns.activeConns ?? 0,
    inactiveConns: conns.inactiveConns ?? 0,
    persistentConns: 0,
  };
}

/**
 * Applies ops to a table as the kernel would, failing (throwing) where it would: a destination for a missing
 * service, a service added twice, a destination deleted that is not there.
 */
export function applyOps(table: Map<string, ObservedService>, ops: readonly IpvsOp[]): Map<string, ObservedService> {
  const out = new Map([...table].map(([k, v]) => [k, { service: v.service, dests: [...v.dests] }]));
  for (const op of ops) {
    switch (op.op) {
      case 'addService': {
        const id = serviceKeyId(op.service.key);
        if (out.has(id)) throw new Error(`EEXIST ${id}`);
        out.set(id, { service: { ...op.service, flags: op.service.flags | 2 } as Service, dests: [] });
        break;
      }
      case 'editService': {
        const id = serviceKeyId(op.service.key);
        const s = out.get(id);
        if (s === undefined) throw new Error(`ESRCH ${id}`);
        out.set(id, { service: { ...op.service, flags: op.service.flags | 2 } as Service, dests: s.dests });
        break;
      }
      case 'deleteService': {
        const id = serviceKeyId(op.key);
        if (!out.delete(id)) throw new Error(`ESRCH ${id}`);
        break;
      }
      case 'addDestination':
      case 'editDestination':
      case 'deleteDestination': {
        const id = serviceKeyId(op.key);
        const s = out.get(id);
        if (s === undefined) throw new Error(`ESRCH ${id}`);
        const dk = destKey(op.dest);
        const i = s.dests.findIndex((d) => destKey(d) === dk);
        if (op.op === 'addDestination') {
          if (i >= 0) throw new Error(`EEXIST ${id} ${dk}`);
          s.dests.push(reported(op.dest));
        } else if (i < 0) {
          throw new Error(`ENOENT ${id} ${dk}`);
        } else if (op.op === 'editDestination') {
          s.dests[i] = { ...(s.dests[i] as Destination), ...op.dest };
        } else {
          s.dests.splice(i, 1);
        }
        break;
      }
      default:
        throw new Error(`unexpected op ${op.op}`);
    }
  }
  return out;
}
