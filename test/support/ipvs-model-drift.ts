/**
 * Drift: changes to the IPVS model's table made behind its faces' back, as another tool (an admin
 * with ipvsadm) would make them behind a director's. Synchronous, checked as the kernel checks
 * them (failures throw IpvsModelError), and neither logged, counted nor subject to faults.
 */
import type { DaemonConfig, DestinationSpec, ServiceKey, ServiceSpec, SyncState, Timeouts } from '../../src/ipvs/types.js';
import { ERRNO } from '../../src/netlink/errno.js';
import { IpvsModelError } from './ipvs-model-calls.js';
import type { DestRef, IpvsTable } from './ipvs-model-table.js';

/** Changes behind the faces' back (model.drift). */
export interface IpvsDrift {
  addService(service: ServiceSpec): void;
  /** Changes some fields of a service (say its scheduler). */
  updateService(key: ServiceKey, change: Partial<Omit<ServiceSpec, 'key'>>): void;
  deleteService(key: ServiceKey): void;
  addDestination(key: ServiceKey, dest: DestinationSpec): void;
  /** Changes some fields of a destination (say its weight). */
  updateDestination(key: ServiceKey, dest: DestRef, change: Partial<Omit<DestinationSpec, 'address' | 'port'>>): void;
  deleteDestination(key: ServiceKey, dest: DestRef): void;
  flush(): void;
  setTimeouts(timeouts: Timeouts): void;
  startDaemon(daemon: DaemonConfig): void;
  stopDaemon(state: SyncState): void;
}

/** The drift operations of `table`. */
export function driftOf(table: IpvsTable): IpvsDrift {
  return {
    addService: (service) => table.addService(service),
    updateService: (key, change) => {
      const was = table.storedService(key);
      if (was === undefined) throw new IpvsModelError(ERRNO.ESRCH);
      table.editService({ ...was, ...change, key: was.key });
    },
    deleteService: (key) => table.deleteService(key),
    addDestination: (key, dest) => table.addDestination(key, dest),
    updateDestination: (key, dest, change) => {
      const was = table.storedDestination(key, dest);
      if (was === undefined) throw new IpvsModelError(table.storedService(key) === undefined ? ERRNO.ESRCH : ERRNO.ENOENT);
      table.editDestination(key, { ...was, ...change, address: was.address, port: was.port });
    },
    deleteDestination: (key, dest) => table.deleteDestination(key, dest),
    flush: () => table.flush(),
    setTimeouts: (timeouts) => table.setTimeouts(timeouts),
    startDaemon: (daemon) => table.startDaemon(daemon),
    stopDaemon: (state) => table.stopDaemon(state),
  };
}
