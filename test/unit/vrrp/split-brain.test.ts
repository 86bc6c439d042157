/**
 * A split brain healing, on the pure machines: both directors are master; the higher one's advert arrives first.
 * The lower one yields; unless it sends one last advert as it does (higher_prio_send_advert, lvsd's default), the
 * higher one never hears of the split brain and sends no gratuitous ARP, so the LAN keeps the lower one's MAC.
 * (The netns test test/netns/vrrp-split-brain.test.ts runs this on the wire.)
 */
import { describe, expect, it } from 'vitest';
import { type MachineAction, type MachineState, VrrpInstanceMachine } from '../../../src/vrrp/state-machine.js';
import { GARP_OFF, params } from './helpers.js';

function master(m: VrrpInstanceMachine): MachineState {
  let s = m.step(m.initialState(), { type: 'startup' }, 0).state;
  s = m.step(s, { type: 'masterDownTimerFired' }, 3_610).state;
  expect(s.name).toBe('master');
  return s;
}

const adverts = (actions: readonly MachineAction[]) => actions.flatMap((a) => (a.type === 'sendAdvert' ? [a.priority] : []));

describe('split brain heal', () => {
  for (const higherPrioSendAdvert of [true, false]) {
    it(`higher_prio_send_advert ${higherPrioSendAdvert}: the remaining master ${higherPrioSendAdvert ? 'sends' : 'never sends'} gratuitous ARPs`, () => {
      const garp = { ...GARP_OFF, lowerPrioRepeat: 5 };
      const m1 = new VrrpInstanceMachine(params({ priority: 150, localAddress: '192.0.2.1', garp }));
      const m2 = new VrrpInstanceMachine(params({ priority: 100, localAddress: '192.0.2.2', garp, higherPrioSendAdvert }));
      const s1 = master(m1);
      const s2 = master(m2);
      // Healed: d1's advert reaches d2 first.
      const y = m2.step(s2, { type: 'advertReceived', priority: 150, maxAdverIntMs: 1000, srcAddr: '192.0.2.1' }, 5_000);
      expect(y.row).toBe('M4');
      expect(y.state.name).toBe('backup');
      expect(adverts(y.actions)).toEqual(higherPrioSendAdvert ? [100] : []);
      // Whatever d2 sent reaches d1.
      const garps: MachineAction[] = [];
      let s = s1;
      for (const priority of adverts(y.actions)) {
        const r = m1.step(s, { type: 'advertReceived', priority, maxAdverIntMs: 1000, srcAddr: '192.0.2.2' }, 5_001);
        expect(r.row).toBe('M5');
        s = r.state;
        garps.push(...r.actions.filter((a) => a.type === 'sendGratuitous'));
      }
      expect(s.name).toBe('master');
      expect(garps).toEqual(higherPrioSendAdvert ? [{ type: 'sendGratuitous', reason: 'lower-prio', repeat: 5 }] : []);
    });
  }
});
