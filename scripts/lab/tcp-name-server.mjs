// A tiny TCP server for lab tests: answers every connection with its name and a newline, then closes.
// Usage: node tcp-name-server.mjs NAME PORT [HOST]   (prints "listening HOST:PORT" once ready)
import net from 'node:net';

const [name = 'server', port = '80', host = '::'] = process.argv.slice(2);
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.end(`${name}\n`);
});
server.listen(Number(port), host, () => {
  process.stdout.write(`listening ${host}:${port}\n`);
});
