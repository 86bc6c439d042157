// A real server for the director tests: greets every connection with its name, then echoes each line it
// receives as "NAME LINE", so a client sees which server it reached, on a short or a long-lived connection.
// Usage: node echo-server.mjs NAME PORT [HOST]   (prints "listening HOST:PORT" once ready)
import net from 'node:net';

const [name = 'server', port = '80', host = '::'] = process.argv.slice(2);
const server = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.write(`${name}\n`);
  let buf = '';
  socket.on('data', (chunk) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      socket.write(`${name} ${buf.slice(0, i)}\n`);
      buf = buf.slice(i + 1);
    }
  });
  socket.on('end', () => socket.end());
});
server.listen(Number(port), host, () => {
  process.stdout.write(`listening ${host}:${port}\n`);
});
