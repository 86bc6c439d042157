/**
 * CPU profiles of lvsd by phase, for the director benchmark's --profile (loaded with `node --import`). The profiler
 * runs from start-up; each SIGUSR2 writes what it sampled since the previous one to
 * $LVSD_BENCH_PROF_DIR/lvsd-N.cpuprofile (N = 1, 2, ...; Chrome DevTools' format, as node --cpu-prof writes) and
 * starts again. node --cpu-prof writes its profile only at a clean exit, which a saturated daemon may not reach,
 * and one profile of a whole run would mix start, steady state, reload and storm.
 */
import { Session } from 'node:inspector';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.LVSD_BENCH_PROF_DIR ?? '/tmp';
const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
await post('Profiler.enable');
await post('Profiler.setSamplingInterval', { interval: 1000 });
await post('Profiler.start');
let n = 0;
let busy = false;
process.on('SIGUSR2', async () => {
  if (busy) return;
  busy = true;
  const { profile } = await post('Profiler.stop');
  n++;
  writeFileSync(join(dir, `lvsd-${n}.cpuprofile.tmp`), JSON.stringify(profile));
  renameSync(join(dir, `lvsd-${n}.cpuprofile.tmp`), join(dir, `lvsd-${n}.cpuprofile`));
  await post('Profiler.start');
  busy = false;
});
