// Connects COUNT times (one after another) to HOST:PORT and prints each reply's first line, or
// "ERR <code>" for a failed attempt. Usage: node tcp-probe.mjs HOST PORT [COUNT] [TIMEOUT_MS]
import net from 'node:net';

const [host, port, count = '1', timeoutMs = '2000'] = process.argv.slice(2);

function probe() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    let data = '';
    socket.setTimeout(Number(timeoutMs), () => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('end', () => resolve(data.split('\n')[0]));
    socket.on('error', (err) => resolve(`ERR ${err.code ?? err.message}`));
  });
}

for (let i = 0; i < Number(count); i++) process.stdout.write(`${await probe()}\n`);
