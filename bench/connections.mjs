// Holds many hostile or idle connections against a running server, for
// section 6 of bench/run.sh (loopback only):
//   idle        connections that never send a byte (reopened when closed);
//   keepalive   connections that send one GET /api/v1/health, then idle
//               (not reopened: the server may close the oldest of them);
//   slowloris   connections that send a request head one byte a second and
//               never finish it (reopened when closed, as an attacker would);
//               each one's life from its first byte to its close is recorded.
// The clients spread over --addresses source addresses (127.0.0.2 up; loopback
// is 127/8 on Linux), so that each stays under the per-address cap.
// It prints "ready ..." once every connection is open, holds them for --hold
// seconds, sampling the server's resident memory (--pid) every second, and
// meanwhile, every --probe milliseconds (0: never), times a GET
// /api/v1/health from a new client (a new connection from 127.0.0.1, whose
// answer must come within 2 s); then it prints one summary line and closes
// everything.
//
// Usage: node bench/connections.mjs --port P --pid PID [--idle N]
//        [--keepalive N] [--slowloris N] [--addresses N] [--hold S]
//        [--probe MS]
import fs from 'node:fs';
import net from 'node:net';

const opts = { port: 0, pid: 0, idle: 0, keepalive: 0, slowloris: 0, addresses: 50, hold: 20, probe: 0 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opts)) throw new Error(`unknown option ${process.argv[i]}`);
  opts[k] = Number(process.argv[i + 1]);
}
if (!opts.port) throw new Error('--port is required');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKb = () => {
  if (!opts.pid) return 0;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${opts.pid}/status`, 'utf8'))[1]);
  } catch { return 0; }
};
let next = 0;
const source = () => `127.0.0.${2 + (next++ % opts.addresses)}`;

let running = true;
const socks = new Set();
const stats = { idleReopened: 0, keepaliveAnswered: 0, keepaliveClosed: 0, slowOpened: 0, errors: 0 };
const lifetimes = []; // ms from a slowloris's first byte to its close

function open(onConnect) {
  return new Promise((resolve) => {
    const s = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: source() });
    socks.add(s);
    s.on('error', () => { stats.errors++; });
    s.on('close', () => socks.delete(s));
    s.once('connect', () => { onConnect(s); resolve(s); });
    s.once('close', () => resolve(s));
  });
}

function idle() {
  return open((s) => {
    s.once('close', () => { if (running) { stats.idleReopened++; idle(); } });
  });
}

function keepalive() {
  return new Promise((resolve) => {
    open((s) => {
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        if (buf.includes('{"status":"ok"}')) { stats.keepaliveAnswered++; buf = ''; resolve(); }
      });
      s.once('close', () => { if (running) stats.keepaliveClosed++; resolve(); });
      s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
  });
}

const HEAD = 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(4096);

function slowloris() {
  stats.slowOpened++;
  return open((s) => {
    let i = 0;
    const first = Date.now();
    const send = () => { if (!s.destroyed) s.write(HEAD[i++ % HEAD.length]); };
    send();
    const timer = setInterval(send, 1000);
    s.once('close', () => {
      clearInterval(timer);
      if (!running) return;
      lifetimes.push(Date.now() - first);
      slowloris();
    });
  });
}

// A health check from a new client: resolves its ms, or null when no
// complete answer came within 2 s.
function probe() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect({ port: opts.port, host: '127.0.0.1', localAddress: '127.0.0.1' });
    let buf = '';
    const done = (ms) => { clearTimeout(timer); s.destroy(); resolve(ms); };
    const timer = setTimeout(() => done(null), 2000);
    s.on('error', () => done(null));
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('{"status":"ok"}')) done(Number(process.hrtime.bigint() - t0) / 1e6);
    });
    s.on('connect', () => s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
  });
}

// Opens n connections with f, 200 at a time.
async function many(n, f) {
  for (let i = 0; i < n; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => f()));
  }
}

const t0 = Date.now();
await many(opts.idle, idle);
await many(opts.keepalive, keepalive);
await many(opts.slowloris, slowloris);
const openNow = () => socks.size;
const holding = opts.idle + opts.keepalive + opts.slowloris > 0;
if (holding) console.log(`ready open=${openNow()} idle=${opts.idle} keepalive=${opts.keepalive} ` +
  `slowloris=${opts.slowloris} addresses=${opts.addresses} setup_ms=${Date.now() - t0} rss_kb=${rssKb()}`);

let maxRss = 0;
let minOpen = Infinity;
const probes = [];
let unanswered = 0;
const prober = (async () => {
  while (opts.probe > 0 && running) {
    const ms = await probe();
    if (ms === null) unanswered++;
    else probes.push(ms);
    await sleep(opts.probe);
  }
})();
for (let i = 0; i < opts.hold; i++) {
  await sleep(1000);
  maxRss = Math.max(maxRss, rssKb());
  minOpen = Math.min(minOpen, openNow());
}
running = false;
await prober;
const pct = (a, p) => (a.length ? a[Math.min(a.length - 1, Math.floor(p * a.length))] : 0);
lifetimes.sort((a, b) => a - b);
probes.sort((a, b) => a - b);
const probeLine = opts.probe > 0
  ? `health_probes=${probes.length + unanswered} unanswered=${unanswered} health_ms_p50=${pct(probes, 0.5).toFixed(2)} ` +
    `p99=${pct(probes, 0.99).toFixed(2)} max=${(probes.at(-1) ?? 0).toFixed(2)} `
  : '';
if (!holding) console.log(`probes ${probeLine.trim()}`);
else console.log(`done held_s=${opts.hold} max_rss_kb=${maxRss} min_open=${minOpen} ${probeLine}` +
  `slowloris_closed=${lifetimes.length} slowloris_life_ms_p50=${pct(lifetimes, 0.5)} p99=${pct(lifetimes, 0.99)} max=${lifetimes.at(-1) ?? 0} ` +
  `idle_reopened=${stats.idleReopened} keepalive_answered=${stats.keepaliveAnswered} ` +
  `keepalive_closed_by_server=${stats.keepaliveClosed} socket_errors=${stats.errors}`);
for (const s of socks) s.destroy();
