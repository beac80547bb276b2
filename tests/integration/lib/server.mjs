// Black-box helpers: start the real mysaas binary on 127.0.0.1 with a fresh
// database, run its CLI, talk raw HTTP. Every process is stopped by its PID,
// every wait is bounded.
//
// Environment:
//   MYSAAS_BIN          the binary (default build/mysaas)
//   MYSAAS_TEST_DB      sqlite (default) | postgres
//   MYSAAS_TEST_PG_URL  admin URL of the throwaway cluster (postgres only)
//   MYSAAS_TEST_VIA_PROXY  nginx: startServer() starts two instances on one
//                       PostgreSQL database behind Debian's nginx configured
//                       by deploy/nginx.conf, and answers nginx's URL
//                       (lib/nginx.mjs); a test about one process skips there
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.resolve(ROOT, process.env.MYSAAS_BIN || 'build/mysaas');
export const DB_KIND = process.env.MYSAAS_TEST_DB || 'sqlite';
export const PG_ADMIN_URL = process.env.MYSAAS_TEST_PG_URL || '';
export const VIA_PROXY = process.env.MYSAAS_TEST_VIA_PROXY || '';
// Under ASan everything is slower; waits are generous but always bounded.
export const START_TIMEOUT_MS = 20000;
export const STOP_TIMEOUT_MS = 20000;

if (DB_KIND !== 'sqlite' && DB_KIND !== 'postgres')
  throw new Error(`MYSAAS_TEST_DB must be sqlite or postgres, not ${DB_KIND}`);
if (DB_KIND === 'postgres' && !PG_ADMIN_URL)
  throw new Error('MYSAAS_TEST_DB=postgres needs MYSAAS_TEST_PG_URL');
if (VIA_PROXY !== '' && VIA_PROXY !== 'nginx')
  throw new Error(`MYSAAS_TEST_VIA_PROXY must be nginx or empty, not ${VIA_PROXY}`);
if (VIA_PROXY && DB_KIND !== 'postgres')
  throw new Error('MYSAAS_TEST_VIA_PROXY=nginx needs MYSAAS_TEST_DB=postgres (two instances, one database)');
// Why a test about one server process cannot run through the proxy
// (node:test's skip option), or false.
export const SKIP_VIA_PROXY = (why) => (VIA_PROXY ? `not through the proxy: ${why}` : false);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children still alive when this test process ends are killed by PID.
const live = new Set();
const onExit = new Map();
process.on('exit', () => {
  for (const child of live) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const own = onExit.get(child);
    if (own) own();
    try { process.kill(child.pid, own ? 'SIGTERM' : 'SIGKILL'); } catch { /* gone */ }
  }
});

// Another helper's child, stopped like ours if the test process ends while
// it runs. With lastly(), that runs first and the child gets SIGTERM, not
// SIGKILL (nginx's master stops its workers on SIGTERM).
export function track(child, lastly = null) {
  live.add(child);
  if (lastly) onExit.set(child, lastly);
  child.on('exit', () => { live.delete(child); onExit.delete(child); });
}

// Variables of the process's own environment that would change the
// server's configuration: the tests set what they need explicitly.
const CONFIG_VAR = /^(CLERK_|NEXT_PUBLIC_CLERK_|MYSAAS_|LOG_|DATABASE_URL$|HOST$|PORT$)/;

export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!CONFIG_VAR.test(k) || k.startsWith('MYSAAS_TEST_')) env[k] = v;
  }
  delete env.MYSAAS_BIN;
  delete env.MYSAAS_TEST_DB;
  delete env.MYSAAS_TEST_PG_URL;
  delete env.MYSAAS_TEST_VIA_PROXY;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

export function tmpDir(prefix = 'mysaas-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir) {
  try { fs.rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
}

// A port that was free a moment ago on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// psql against a PostgreSQL URL: {code, stdout, stderr}.
export function psql(url, sql, { timeout = 20000 } = {}) {
  const r = spawnSync('psql', [url, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8', timeout, env: cleanEnv({ PGCONNECT_TIMEOUT: 5 }),
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

// sqlite3 CLI against a file: {code, stdout, stderr}.
export function sqlite(file, sql, { timeout = 20000 } = {}) {
  const r = spawnSync('sqlite3', ['-batch', '-bail', file], {
    input: sql, encoding: 'utf8', timeout,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function pgUrlWithDb(adminUrl, dbname) {
  const u = new URL(adminUrl);
  u.pathname = '/' + dbname;
  return u.toString();
}

// A new, empty database of the selected backend:
//   {kind, url, path (sqlite), name (postgres), sql(query), drop()}
// sql() runs through the sqlite3 / psql command-line clients and returns
// {code, stdout, stderr}.
export function freshDb({ kind = DB_KIND, adminUrl = PG_ADMIN_URL } = {}) {
  if (kind === 'sqlite') {
    const dir = tmpDir('mysaas-db-');
    const file = path.join(dir, 'test.db');
    return {
      kind, url: `sqlite:${file}`, path: file,
      sql: (q) => sqlite(file, q),
      drop: () => rmDir(dir),
    };
  }
  const name = 't_' + randomBytes(6).toString('hex');
  const r = psql(adminUrl, `CREATE DATABASE ${name}`);
  if (r.code !== 0) throw new Error(`CREATE DATABASE ${name} failed: ${r.stderr}`);
  const url = pgUrlWithDb(adminUrl, name);
  return {
    kind, url, name,
    sql: (q) => psql(url, q),
    drop: () => { psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); },
  };
}

// Runs the CLI synchronously: {code, signal, stdout, stderr}.
// cwd defaults to a new empty folder (no stray .env); env is cleaned.
export function runCli(args, { env = {}, cwd, timeout = 20000, input } = {}) {
  const dir = cwd ?? tmpDir('mysaas-cli-');
  try {
    const r = spawnSync(BIN, args, {
      cwd: dir, env: cleanEnv(env), encoding: 'utf8', timeout, input,
      killSignal: 'SIGKILL',
    });
    if (r.error && r.error.code === 'ETIMEDOUT')
      throw new Error(`mysaas ${args.join(' ')}: no exit within ${timeout} ms`);
    if (r.error) throw r.error;
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (cwd === undefined) rmDir(dir);
  }
}

// Runs the CLI without blocking the event loop (for tests that serve a fake
// Backend API from this same process): resolves {code, stdout, stderr}.
export function runCliAsync(args, { env = {}, timeout = 60000 } = {}) {
  const cwd = tmpDir('mysaas-cli-');
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rmDir(cwd);
      reject(new Error(`mysaas ${args.join(' ')}: no exit within ${timeout} ms`));
    }, timeout);
    child.on('exit', (code) => {
      clearTimeout(timer);
      live.delete(child);
      rmDir(cwd);
      resolve({ code, stdout, stderr });
    });
  });
}

// Spawns the binary (asynchronously) and returns {proc, logs(), wait(ms)}.
// For processes a test wants to watch itself (e.g. ones expected to fail).
export function spawnMysaas(args, { env = {}, cwd } = {}) {
  const proc = spawn(BIN, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  // 'close' comes after both pipes are drained: the logs are complete.
  const closed = new Promise((resolve) => proc.on('close', resolve));
  exited.then(() => live.delete(proc));
  return {
    proc,
    exited,
    stdout: () => out,
    stderr: () => err,
    // Resolves {code, signal} once exited, or null after ms.
    async wait(ms) {
      let timer;
      const r = await Promise.race([
        exited.then(async (x) => { await Promise.race([closed, sleep(1000)]); return x; }),
        new Promise((resolve) => { timer = setTimeout(() => resolve(null), ms); }),
      ]);
      clearTimeout(timer);
      return r;
    },
    // Signals the child by its PID, unless it has already exited (its
    // PID could then belong to another process).
    kill(sig = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try { process.kill(proc.pid, sig); } catch { /* gone */ }
    },
  };
}

async function waitForHealth(url, child, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return true; // any HTTP answer: the server is up
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  return false;
}

// Starts `mysaas serve --port P` with a fresh database (unless env gives a
// DATABASE_URL or db is passed) in a new empty working folder, and waits
// until GET /api/v1/health answers. Returns
//   {url, port, host, proc, db, cwd, logs(), stdout(), stderr(), stop()}.
// stop() sends SIGTERM, waits (bounded) and throws unless the exit code is
// 0: under ASan a leak or any sanitizer report makes it non-zero.
// With MYSAAS_TEST_VIA_PROXY=nginx: two instances behind nginx, the same
// answer with nginx's url and port (lib/nginx.mjs, startProxied).
export async function startServer(opts = {}) {
  if (VIA_PROXY) {
    const { startProxied } = await import('./nginx.mjs');
    return startProxied(opts);
  }
  return startInstance(opts);
}

// startServer() without the proxy: always one mysaas process.
export async function startInstance({ env = {}, args = [], db, cwd, files = {} } = {}) {
  const ownDb = db === undefined && env.DATABASE_URL === undefined;
  if (ownDb) db = freshDb();
  const ownCwd = cwd === undefined;
  const dir = cwd ?? tmpDir('mysaas-cwd-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const fullEnv = { MYSAAS_THREADS: 4, ...env };
  if (db && fullEnv.DATABASE_URL === undefined) fullEnv.DATABASE_URL = db.url;

  let child;
  let port;
  let lastErr = '';
  const cleanupAll = () => {
    if (ownDb && db) db.drop();
    if (ownCwd) rmDir(dir);
  };
  // A port picked free can be taken before the server binds it: retry.
  for (let attempt = 0; attempt < 4; attempt++) {
    port = await freePort();
    child = spawnMysaas(['serve', '--port', String(port), ...args], { env: fullEnv, cwd: dir });
    const url = `http://127.0.0.1:${port}`;
    if (await waitForHealth(url, child, START_TIMEOUT_MS)) break;
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.kill('SIGKILL');
      await child.wait(5000);
      cleanupAll();
      throw new Error(`mysaas serve did not answer within ${START_TIMEOUT_MS} ms\n${child.stderr()}`);
    }
    await child.wait(5000);
    lastErr = child.stderr();
    if (!/in use/.test(lastErr)) {
      cleanupAll();
      throw new Error(`mysaas serve exited (${child.proc.exitCode ?? child.proc.signalCode}) ` +
        `before answering:\n${child.stdout()}${lastErr}`);
    }
    child = null;
  }
  if (!child) {
    cleanupAll();
    throw new Error(`no free port after 4 attempts:\n${lastErr}`);
  }

  let stopped = null;
  const url = `http://127.0.0.1:${port}`;
  return {
    url, port, host: '127.0.0.1', proc: child.proc, pid: child.proc.pid, db, cwd: dir,
    logs: () => child.stdout() + child.stderr(),
    stdout: () => child.stdout(),
    stderr: () => child.stderr(),
    exited: child.exited,
    // Waits for the exit after a signal the test sent itself.
    wait: (ms) => child.wait(ms),
    kill: (sig) => child.kill(sig),
    async stop({ expectCode = 0 } = {}) {
      if (stopped) return stopped;
      try {
        child.kill('SIGTERM');
        const r = await child.wait(STOP_TIMEOUT_MS);
        if (r === null) {
          child.kill('SIGKILL');
          await child.wait(5000);
          throw new Error(`mysaas serve did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n` +
            child.stderr().slice(-4000));
        }
        stopped = r;
        if (expectCode !== null && (r.code !== expectCode || r.signal !== null)) {
          throw new Error(`mysaas serve exited with code ${r.code} signal ${r.signal} ` +
            `(expected ${expectCode})\n${child.stderr().slice(-8000)}`);
        }
        return r;
      } finally {
        cleanupAll();
      }
    },
  };
}

// Raw HTTP over one TCP connection: sends `data` (string or Buffer, or an
// array of chunks sent with `gapMs` between them) and collects the answer
// until the server closes or `timeout` ms pass. Returns
// {status, headers, body, raw, closed, error}.
export function rawRequest(port, data, { timeout = 10000, gapMs = 0, half = false } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect({ host: '127.0.0.1', port });
    let done = false;
    let error = null;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...parseResponse(Buffer.concat(chunks)), closed, error });
    };
    const timer = setTimeout(() => finish(false), timeout);
    sock.on('data', (d) => {
      chunks.push(d);
      const r = parseResponse(Buffer.concat(chunks));
      if (r.complete) finish(false);
    });
    sock.on('error', (e) => { error = e.code || String(e); });
    sock.on('close', () => finish(true));
    sock.on('connect', async () => {
      const parts = Array.isArray(data) ? data : [data];
      for (const p of parts) {
        if (done || sock.destroyed) return;
        sock.write(p);
        if (gapMs) await sleep(gapMs);
      }
      if (half) sock.end();
    });
  });
}

// Parses one HTTP/1.1 response (Content-Length bodies only).
export function parseResponse(buf) {
  const raw = buf.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: null, headers: {}, body: '', raw, complete: false };
  const lines = raw.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const status = m ? Number(m[1]) : null;
  if (status === 100) {
    // Skip an interim "100 Continue".
    const rest = parseResponse(buf.subarray(end + 4));
    return rest.status ? rest : { status: null, headers: {}, body: '', raw, complete: false };
  }
  const body = buf.subarray(end + 4).toString('utf8');
  const len = headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
  const complete = len !== null && Buffer.byteLength(body) >= len;
  return { status, headers, body, raw, complete };
}

// GET /api/v1/health: {status, body}.
export async function health(url, { timeout = 5000 } = {}) {
  const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(timeout) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

// Polls fn() (async, truthy = done) every `every` ms for at most ms.
export async function until(fn, { ms = 10000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(every);
  }
  return last;
}
