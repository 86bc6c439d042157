// vrrp benchmark probe (scripts/bench/vrrp.sh), run in the client namespace.
//
// - Every INTERVAL ms it opens a TCP connection to VIP:PORT, sends one line and waits for the answering
//   director's name; a probe fails when that takes longer than TIMEOUT ms or the connection errors.
//   Probes overlap: a new one starts every INTERVAL whatever the others do.
// - It watches VRRP adverts on eth0 (IP protocol 112, 224.0.0.18, through lvsd's native addon) and records
//   their arrival times, sources and priorities.
// - The driver (drill.mjs) talks to it in JSON lines on stdin/stdout: {id, cmd, ...} -> {id, ...}.
//   Times are epoch ms (performance.timeOrigin + performance.now()), comparable across processes.
//     probes {from, to}            completed probes started in [from, to]: [[start, end, ok, who], ...]
//     adverts {from, to}           adverts received in [from, to]: [[time, src, priority], ...]
//     stalls {from, to}            probe starts more than 20 ms late in [from, to]: [[time, ms late], ...]
//     fire {src, delayMs, timeoutMs}  answers DELAY ms after the next advert from SRC with priority > 0
//                                  ({advertAt, firedAt}; {error} on timeout)
// Usage: node probe.mjs ROOT VIP PORT INTERVAL_MS TIMEOUT_MS
import net from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [root = '.', vip = '203.0.113.10', port = '7000', intervalArg = '10', timeoutArg = '150'] = process.argv.slice(2);
const intervalMs = Number(intervalArg);
const timeoutMs = Number(timeoutArg);
const now = () => performance.timeOrigin + performance.now();

/** @type {{ s: number, e: number, ok: boolean, who: string }[]} */
const probes = [];
/** @type {[number, string, number][]} */
const adverts = [];
/** Times this process started a probe more than 20 ms late (its event loop held up): [time, ms late]. */
const stalls = [];
/** @type {{ src: string, delayMs: number, reply: (o: object) => void, timer: NodeJS.Timeout }[]} */
let waiters = [];

function probe() {
  const p = { s: now(), e: 0, ok: false, who: '' };
  probes.push(p);
  let buf = '';
  const sock = net.connect({ host: vip, port: Number(port) });
  const done = (ok) => {
    if (p.e !== 0) return;
    p.e = now();
    p.ok = ok;
    p.who = ok ? buf.trim() : '';
    clearTimeout(timer);
    sock.destroy();
  };
  // The verdict waits for the check phase: when this process was held up (a loaded machine), an answer that came in
  // meanwhile is read in the poll phase first, so a stall of the prober does not count as a failed probe.
  const timer = setTimeout(() => setImmediate(() => done(false)), timeoutMs);
  sock.setNoDelay(true);
  sock.on('connect', () => sock.write('probe\n'));
  sock.on('data', (d) => {
    buf += d.toString();
    if (buf.includes('\n')) done(true);
  });
  sock.on('error', () => done(false));
  sock.on('close', () => done(buf.includes('\n')));
}

let next = now();
function tick() {
  const late = now() - next;
  if (late > 20) stalls.push([now(), late]);
  probe();
  next += intervalMs;
  const t = now();
  if (next < t - 100) next = t; // fell far behind (a stalled event loop): do not burst to catch up
  setTimeout(tick, Math.max(0, next - t));
}

const { vrrpNative } = await import(pathToFileURL(`${root}/dist/src/vrrp/io/native.js`).href);
const n = vrrpNative();
const ifindex = n.ifInfo('eth0').index;
const h = n.openVrrp(4, 'eth0', 112);
n.membership(h, Buffer.from([224, 0, 0, 18]), ifindex, true);
// The handle must stay reachable: the addon closes the socket when its handle is garbage collected.
globalThis.vrrpSocket = h;
n.startReceive(h, (payload, src) => {
  const t = now();
  const from = [...src].join('.');
  const prio = payload[2] ?? -1;
  adverts.push([t, from, prio]);
  if (prio <= 0) return;
  const hit = waiters.filter((w) => w.src === from);
  waiters = waiters.filter((w) => w.src !== from);
  for (const w of hit) {
    clearTimeout(w.timer);
    setTimeout(() => w.reply({ advertAt: t, firedAt: now() }), Math.max(0, w.delayMs - (now() - t)));
  }
});

const send = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line);
  const reply = (o) => send({ id: req.id, ...o });
  switch (req.cmd) {
    case 'probes':
      reply({
        probes: probes.filter((p) => p.e !== 0 && p.s >= req.from && p.s <= req.to).map((p) => [p.s, p.e, p.ok, p.who]),
      });
      break;
    case 'stalls':
      reply({ stalls: stalls.filter((x) => x[0] >= req.from && x[0] <= req.to) });
      break;
    case 'adverts':
      reply({ adverts: adverts.filter((a) => a[0] >= req.from && a[0] <= req.to) });
      break;
    case 'fire': {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w.timer !== timer);
        reply({ error: `no advert from ${req.src} within ${req.timeoutMs} ms` });
      }, req.timeoutMs);
      waiters.push({ src: req.src, delayMs: req.delayMs, reply, timer });
      break;
    }
    default:
      reply({ error: `unknown command ${req.cmd}` });
  }
});
rl.on('close', () => process.exit(0));

// Keep the arrays bounded on long runs: drop what is older than 10 minutes now and then.
setInterval(() => {
  const old = now() - 600_000;
  while (probes.length > 0 && (probes[0]?.s ?? 0) < old) probes.shift();
  while (adverts.length > 0 && (adverts[0]?.[0] ?? 0) < old) adverts.shift();
}, 30_000).unref();

tick();
send({ ready: true });
