// vrrp benchmark responder (scripts/bench/vrrp.sh), run in each director namespace: a TCP server on
// 0.0.0.0:PORT that answers each request line with the director's name, then closes (the server closes
// first, so TIME_WAIT stays on this side, not on the probing client). Bound to 0.0.0.0, it answers on the
// VIP exactly while the VIP is on this director.
// Usage: node responder.mjs NAME PORT
import net from 'node:net';

const [name = '?', port = '7000'] = process.argv.slice(2);
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.setTimeout(2_000, () => s.destroy());
  s.once('data', () => s.end(`${name}\n`));
  s.on('error', () => {});
});
server.on('error', (err) => {
  process.stderr.write(`responder ${name}: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(port), '0.0.0.0', () => process.stdout.write('listening\n'));
