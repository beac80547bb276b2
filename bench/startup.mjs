// Measures the time from spawning `mysaas serve` on an already migrated
// SQLite database to the port accepting connections. Prints the median and
// the worst of N runs. Usage: node bench/startup.mjs BIN DBURL PORT [N]
import { spawn } from 'node:child_process';
import net from 'node:net';

const [bin, dbUrl, port, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 10);

function tryConnect() {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(port) });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function once() {
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, ['serve', '--port', port], {
    env: { PATH: process.env.PATH, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  let ms = null;
  for (let i = 0; i < 5000; i++) {
    if (await tryConnect()) {
      ms = Number(process.hrtime.bigint() - t0) / 1e6;
      break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  if (ms === null) throw new Error('server did not start within 5 s');
  return ms;
}

const times = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);
console.log(`startup_ms median=${times[Math.floor(runs / 2)].toFixed(1)} ` +
  `max=${times[runs - 1].toFixed(1)} runs=${runs}`);
