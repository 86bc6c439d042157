// The client side of the director tests.
//   node tcp-client.mjs burst HOST PORT COUNT [TIMEOUT_MS]
//     COUNT short connections one after another; prints the greeting (the server's name) of each, or
//     "ERR <code>" for one that failed.
//   node tcp-client.mjs hold HOST PORT
//     One long-lived connection: prints "connected NAME", then sends each line read on stdin and prints each
//     line the server sends back; prints "closed" or "ERR <code>" when the connection ends.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [mode, host, port, count = '1', timeoutMs = '2000'] = process.argv.slice(2);

function greeting() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    let data = '';
    socket.setTimeout(Number(timeoutMs), () => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.on('data', (chunk) => {
      data += chunk;
      if (data.includes('\n')) {
        socket.end();
        resolve(data.split('\n')[0]);
      }
    });
    socket.on('error', (err) => resolve(`ERR ${err.code ?? err.message}`));
    socket.on('close', () => resolve(`ERR closed before a greeting`));
  });
}

if (mode === 'burst') {
  for (let i = 0; i < Number(count); i++) process.stdout.write(`${await greeting()}\n`);
} else if (mode === 'hold') {
  const socket = net.connect({ host, port: Number(port) });
  let buf = '';
  let greeted = false;
  socket.on('data', (chunk) => {
    buf += chunk;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      process.stdout.write(greeted ? `${line}\n` : `connected ${line}\n`);
      greeted = true;
    }
  });
  socket.on('error', (err) => {
    process.stdout.write(`ERR ${err.code ?? err.message}\n`);
    process.exit(1);
  });
  socket.on('close', () => {
    process.stdout.write('closed\n');
    process.exit(0);
  });
  createInterface({ input: process.stdin }).on('line', (line) => socket.write(`${line}\n`));
} else {
  process.stderr.write('usage: tcp-client.mjs burst HOST PORT COUNT [TIMEOUT_MS] | hold HOST PORT\n');
  process.exit(2);
}
