// Debian's nginx in front of mysaas, for the tests: the configuration is
// deploy/nginx.conf itself, with its marked lines (ports, paths, the load
// balancer's address, the HTTPS lines) substituted; every substitution must
// find its line, so the tests follow the file a user copies. nginx runs in
// the foreground (daemon off) from a temporary prefix folder holding its
// pid file, logs and temporary folders, listens on 127.0.0.1 only and is
// stopped by its PID.
//
// MYSAAS_TEST_VIA_PROXY=nginx makes startServer() (lib/server.mjs) start
// two instances on one PostgreSQL database behind such an nginx: see
// startProxied().
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  DB_KIND, ROOT, START_TIMEOUT_MS, STOP_TIMEOUT_MS, freePort, freshDb, rmDir, sleep,
  startInstance, tmpDir, track,
} from './server.mjs';

export const NGINX_CONF = path.join(ROOT, 'deploy', 'nginx.conf');

// The nginx binary, or null when nginx is not installed.
export function nginxBin() {
  const cands = [process.env.NGINX_BIN, '/usr/sbin/nginx',
    ...(process.env.PATH || '').split(':').map((d) => path.join(d, 'nginx'))];
  for (const c of cands) {
    if (!c) continue;
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return null;
}

// Replaces `from` (a string or a RegExp with the g flag) by `to` in text,
// and throws unless it occurred exactly `times` times.
function sub(text, from, to, times = 1) {
  const n = typeof from === 'string' ? text.split(from).length - 1 : (text.match(from) || []).length;
  if (n !== times) {
    throw new Error(`deploy/nginx.conf: expected ${times} × ${from}, found ${n} ` +
      '(the file changed: update tests/integration/lib/nginx.mjs)');
  }
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
}

// Uncomments the lines from the one matching `begin` to the one matching
// `end` (exclusive): "    # listen ..." becomes "    listen ...".
function uncomment(text, begin, end) {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => begin.test(l));
  const j = lines.findIndex((l, k) => k > i && end.test(l));
  if (i < 0 || j < 0) throw new Error(`deploy/nginx.conf: no block ${begin} .. ${end}`);
  for (let k = i + 1; k < j; k++) lines[k] = lines[k].replace(/^(\s*)# ?/, '$1');
  return lines.join('\n');
}

// deploy/nginx.conf made runnable in `dir`:
//   port        plain HTTP port on 127.0.0.1 (null: none, with https.redirect)
//   upstreams   the two instances' ports
//   lb          address (CIDR) of a trusted load balancer, or null
//   https       {port, cert, key, redirect (bool: also the redirect server,
//               the plain listen lines removed, as the comments say)} or null
//   dir         the prefix folder (pid, logs, temporary files), or null to
//               keep the file's user and paths (Debian's, as in a container)
export function nginxConfig({ dir = null, port, upstreams, lb = null, https = null }) {
  let t = fs.readFileSync(NGINX_CONF, 'utf8');
  if (dir !== null) {
    // Who runs the test runs nginx; paths into the prefix folder.
    t = sub(t, 'user www-data;', `user ${os.userInfo().username};`);
    t = sub(t, 'pid /run/nginx.pid;', `pid ${dir}/nginx.pid;`);
    t = sub(t, '/var/log/nginx/', `${dir}/`, 2);
    t = sub(t, '/var/lib/nginx/', `${dir}/tmp/`, 5);
  }
  t = sub(t, /server 127\.0\.0\.1:8001;/g, `server 127.0.0.1:${upstreams[0]};`);
  t = sub(t, /server 127\.0\.0\.1:8002;/g, `server 127.0.0.1:${upstreams[1]};`);
  if (lb) {
    t = sub(t, /# 10\.0\.0\.0\/8 1;/g, `${lb} 1;`);
    t = sub(t, /# set_real_ip_from 10\.0\.0\.0\/8;/g, `set_real_ip_from ${lb};`);
  }
  if (https) {
    t = uncomment(t, /# ---- HTTPS begin/, /# ---- HTTPS end/);
    t = sub(t, /listen 443 ssl http2 default_server;/g, `listen 127.0.0.1:${https.port} ssl http2 default_server;`);
    t = sub(t, /\n\s*listen \[::\]:443 ssl http2 default_server;/g, '');
    t = sub(t, /\/etc\/letsencrypt\/live\/app\.example\.com\/fullchain\.pem/g, https.cert);
    t = sub(t, /\/etc\/letsencrypt\/live\/app\.example\.com\/privkey\.pem/g, https.key);
    if (https.redirect) {
      t = uncomment(t, /# ---- HTTPS redirect/, /^\s*server \{/);
      t = sub(t, /\n\s*listen 80 default_server;[^\n]*/g, '');
      t = sub(t, /\n\s*listen \[::\]:80 default_server;/g, '');
      t = sub(t, /listen 80;/g, `listen 127.0.0.1:${port};`);
      t = sub(t, /\n\s*listen \[::\]:80;/g, '');
      return t;
    }
  }
  t = sub(t, /listen 80 default_server;/g, `listen 127.0.0.1:${port} default_server;`);
  t = sub(t, /\n\s*listen \[::\]:80 default_server;/g, '');
  return t;
}

// A prefix folder for nginx: {dir, conf, tmp}; the folder is traversable
// by nginx's workers.
function nginxDir() {
  const dir = tmpDir('mysaas-nginx-');
  fs.mkdirSync(path.join(dir, 'tmp'));
  return dir;
}

// `nginx -t` on a configuration text: {ok, output}.
export function nginxTest(text, dir = null) {
  const own = dir === null;
  const d = dir ?? nginxDir();
  try {
    const conf = path.join(d, 'test.conf');
    fs.writeFileSync(conf, text);
    const r = spawnSync(nginxBin(), ['-t', '-q', '-p', d, '-c', conf, '-e', path.join(d, 'error.log')], {
      encoding: 'utf8', timeout: 20000, killSignal: 'SIGKILL',
    });
    let log = '';
    try { log = fs.readFileSync(path.join(d, 'error.log'), 'utf8'); } catch { /* none */ }
    return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${log}` };
  } finally {
    if (own) rmDir(d);
  }
}

// p's value, or null after ms (the timer does not outlive p).
async function within(p, ms) {
  let timer;
  const r = await Promise.race([p, new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); })]);
  clearTimeout(timer);
  return r;
}

// The PIDs of pid's child processes (nginx's workers), from /proc.
function childPids(pid) {
  const out = [];
  let names = [];
  try { names = fs.readdirSync('/proc'); } catch { return out; }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so after the ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(n));
    } catch { /* gone */ }
  }
  return out;
}

// GET path on 127.0.0.1:port: {status, headers, body}, or null when
// nothing answers.
function probe(port, p, ms = 2000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: ms }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

// Starts nginx with nginxConfig(opts) (port chosen here unless given) and
// waits until GET /api/v1/health answers 200 through it. Returns
//   {url, port, dir, pid, conf, accessLog(), errorLog(), stop()}.
export async function startNginx(opts) {
  const bin = nginxBin();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)');
  let lastErr = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    const dir = nginxDir();
    const port = opts.port ?? await freePort();
    const https = opts.https ? { ...opts.https, port: opts.https.port ?? await freePort() } : null;
    const text = nginxConfig({ ...opts, dir, port, https });
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, text);
    const errFile = path.join(dir, 'error.log');
    const readLog = (f) => { try { return fs.readFileSync(path.join(dir, f), 'utf8'); } catch { return ''; } };
    const t = nginxTest(text, dir);
    if (!t.ok) {
      rmDir(dir);
      throw new Error(`nginx -t refused the configuration:\n${t.output}\n${text}`);
    }
    fs.rmSync(errFile, { force: true });
    const proc = spawn(bin, ['-p', dir, '-c', conf, '-e', errFile, '-g', 'daemon off;'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { out += d; });
    let workers = [];
    // An unexpected end of the test process: the master stops its workers
    // on SIGTERM; the workers get it too in case the master cannot.
    track(proc, () => { for (const w of workers) { try { process.kill(w, 'SIGTERM'); } catch { /* gone */ } } });
    const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    const gone = () => proc.exitCode !== null || proc.signalCode !== null;

    const deadline = Date.now() + START_TIMEOUT_MS;
    let up = false;
    while (Date.now() < deadline && !gone()) {
      const r = await probe(port, '/api/v1/health');
      if (r && r.status === 200) { up = true; break; }
      await sleep(50);
    }
    const url = `http://127.0.0.1:${port}`;
    const stopNginx = async () => {
      if (!gone()) {
        // SIGQUIT: graceful; the master waits for its workers.
        try { process.kill(proc.pid, 'SIGQUIT'); } catch { /* gone */ }
      }
      let r = await within(exited, STOP_TIMEOUT_MS);
      if (r === null) {
        for (const w of workers) { try { process.kill(w, 'SIGKILL'); } catch { /* gone */ } }
        try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ }
        r = await within(exited, 5000);
        throw new Error(`nginx did not exit within ${STOP_TIMEOUT_MS} ms of SIGQUIT\n${readLog('error.log')}`);
      }
      return r;
    };
    if (up) {
      workers = childPids(proc.pid);
      let stopped = null;
      return {
        url, port, dir, pid: proc.pid, conf: text, https,
        httpsUrl: https ? `https://127.0.0.1:${https.port}` : null,
        accessLog: () => readLog('access.log'),
        errorLog: () => readLog('error.log'),
        async stop({ keep = false } = {}) {
          if (!stopped) {
            stopped = stopNginx().finally(() => { if (!keep) rmDir(dir); });
          }
          const r = await stopped;
          if (r.code !== 0) throw new Error(`nginx exited with ${r.code ?? r.signal}\n${out}${readLog('error.log')}`);
          return r;
        },
      };
    }
    lastErr = `${out}${readLog('error.log')}`;
    await stopNginx().catch(() => {});
    rmDir(dir);
    if (!/in use/.test(lastErr) || opts.port) {
      throw new Error(`nginx did not serve ${url}/api/v1/health within ${START_TIMEOUT_MS} ms:\n${lastErr}`);
    }
  }
  throw new Error(`nginx: no free port after 4 attempts:\n${lastErr}`);
}

// startServer() through nginx: two instances (MYSAAS_TRUST_PROXY=1 unless
// env says otherwise) on one PostgreSQL database behind nginx, whose
// trusted load balancer is the test itself (127.0.0.1), so the
// X-Forwarded-For and X-Forwarded-Proto a test sends reach mysaas as a
// load balancer's would. Returns what startServer() returns, with url and
// port nginx's; logs(), stdout(), stderr() join both instances'; the
// process itself (proc, pid, kill, wait, exited) has no meaning here and
// throws. Also: instances, nginx.
export async function startProxied({ env = {}, args = [], db, cwd, files = {} } = {}) {
  if (DB_KIND !== 'postgres') throw new Error('MYSAAS_TEST_VIA_PROXY needs MYSAAS_TEST_DB=postgres');
  const ownDb = db === undefined && env.DATABASE_URL === undefined;
  if (ownDb) db = freshDb();
  const ownCwd = cwd === undefined;
  const dir = cwd ?? tmpDir('mysaas-cwd-');
  const ienv = { MYSAAS_TRUST_PROXY: 1, ...env };
  const started = [];
  let proxy = null;
  const cleanup = () => {
    if (ownDb && db) db.drop();
    if (ownCwd) rmDir(dir);
  };
  try {
    // One after the other: the first applies the migrations.
    for (let i = 0; i < 2; i++) {
      started.push(await startInstance({ env: ienv, args, db, cwd: dir, files }));
    }
    proxy = await startNginx({ upstreams: started.map((s) => s.port), lb: '127.0.0.1' });
  } catch (e) {
    for (const s of started) await s.stop({ expectCode: null }).catch(() => {});
    cleanup();
    throw e;
  }
  const [a, b] = started;
  const noProcess = (what) => () => {
    throw new Error(`${what}: there are two mysaas processes behind nginx ` +
      '(MYSAAS_TEST_VIA_PROXY); skip this test there');
  };
  let stopped = null;
  const srv = {
    url: proxy.url, port: proxy.port, host: '127.0.0.1', db, cwd: dir,
    instances: started, nginx: proxy,
    logs: () => a.logs() + b.logs(),
    stdout: () => a.stdout() + b.stdout(),
    stderr: () => a.stderr() + b.stderr(),
    wait: noProcess('wait()'),
    kill: noProcess('kill()'),
    async stop({ expectCode = 0 } = {}) {
      if (!stopped) {
        stopped = (async () => {
          try {
            const errs = [];
            await proxy.stop().catch((e) => errs.push(e));
            const rs = await Promise.all(started.map((s) => s.stop({ expectCode }).catch((e) => { errs.push(e); })));
            if (errs.length) throw errs[0];
            return rs[0];
          } finally {
            cleanup();
          }
        })();
      }
      return stopped;
    },
  };
  for (const k of ['proc', 'pid', 'exited']) {
    Object.defineProperty(srv, k, { get: noProcess(k), enumerable: false });
  }
  return srv;
}
