// Target of the checks benchmark: one process answering every address on PORT (bind 0.0.0.0). A connection
// that sends a request head (up to the blank line) gets a minimal `HTTP/1.1 200` with a fixed body and is
// closed; a bare connect (tcp check) is just accepted. Counters (accepted connections, answered requests) go to
// STATS_FILE as JSON every 100 ms, with the time they were taken, so a driver can count checks over a window.
//
//   node checks-server.mjs PORT STATS_FILE
import { renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';

const [portArg = '80', statsFile = '/tmp/checks-server.json'] = process.argv.slice(2);
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');
let accepted = 0;
let requests = 0;
const noop = () => {};

const server = net.createServer({ noDelay: true }, (socket) => {
  accepted++;
  socket.on('error', noop);
  let head = '';
  socket.on('data', (chunk) => {
    if (head === null) return;
    head += chunk.toString('latin1');
    if (head.includes('\r\n\r\n')) {
      head = null;
      requests++;
      socket.end(RESPONSE);
    } else if (head.length > 65536) socket.destroy();
  });
  socket.on('end', () => socket.end());
});
server.on('error', (err) => {
  console.error(`checks-server: ${err.message}`);
  process.exit(1);
});
server.listen({ port: Number(portArg), host: '0.0.0.0', backlog: 4096 }, () => {
  console.error(`checks-server: listening on 0.0.0.0:${portArg}`);
});

const tmp = `${statsFile}.tmp`;
const dump = () => {
  writeFileSync(tmp, JSON.stringify({ t: Date.now(), accepted, requests }));
  renameSync(tmp, statsFile);
};
dump();
setInterval(dump, 100);
for (const sig of ['SIGTERM', 'SIGINT'])
  process.on(sig, () => {
    dump();
    process.exit(0);
  });
