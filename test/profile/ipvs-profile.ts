/**
 * Host-side profile of lvsadm's restore and listing paths, without a kernel: runLvsadm over the
 * real IPVS client (src/ipvs/netlink-client.ts) whose transport is the in-memory IPVS model of the
 * unit tests. It shows where lvsadm's own CPU goes (parsing, encoding, decoding, formatting); the
 * model's share shows up under test/support/ipvs-model*.ts in a profile.
 * Not part of the test suite (it lives beside the tests because it runs on their IPVS model); the real benchmark
 * is `npm run bench -- ipvs` (kernel lab).
 *
 *   npx vite-node test/profile/ipvs-profile.ts -- [--services 1000] [--dests 10] [--rounds 3]
 *   (or bundle it with esbuild and run `node --cpu-prof` on the bundle)
 */
import { restoreInput } from '../../scripts/bench/ipvs-input.mjs';
import { openIpvs } from '../../src/ipvs/netlink-client.js';
import { runLvsadm } from '../../src/lvsadm/run.js';
import { systemResolver } from '../../src/lvsadm/system-resolver.js';
import { IpvsModel } from '../support/ipvs-model.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

const services = arg('services', 1000);
const dests = arg('dests', 10);
const rounds = arg('rounds', 3);
const input = restoreInput(services, dests);

async function lvsadm(kernel: IpvsModel, args: string[], stdin = ''): Promise<{ status: number; ms: number; bytes: number }> {
  let bytes = 0;
  const t0 = performance.now();
  const status = await runLvsadm(args, {
    stdout: { write: (s: string) => (bytes += s.length) },
    stderr: { write: (s: string) => process.stderr.write(s) },
    stdin: async () => stdin,
    // A socket of its own on the model for each run, as on the kernel.
    ipvs: () => openIpvs({ transport: kernel.transport({ dumpChunk: 64 }) }),
    resolver: systemResolver(),
    program: 'lvsadm',
    privileged: true,
  });
  return { status, ms: performance.now() - t0, bytes };
}

for (let r = 0; r < rounds; r++) {
  const kernel = new IpvsModel();
  const restore = await lvsadm(kernel, ['-R'], input);
  const list = await lvsadm(kernel, ['-Ln']);
  const save = await lvsadm(kernel, ['-S', '-n']);
  console.log(
    `round ${r + 1}: restore ${restore.ms.toFixed(0)} ms (status ${restore.status}), ` +
      `-Ln ${list.ms.toFixed(0)} ms (${list.bytes} chars), -S -n ${save.ms.toFixed(0)} ms (${save.bytes} chars)`,
  );
}
