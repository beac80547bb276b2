// deploy/mysaas.service: `systemd-analyze verify` accepts it (its
// ExecStart pointed at the binary under test), it holds the sandboxing the
// deployment documents, and what mysaas really does fits inside it: every
// system call `mysaas serve` makes (traced with strace while it starts,
// migrates, answers pages, the admin, the docs and webhooks, and stops) is
// in @system-service, its sockets are of the allowed families, no memory is
// writable and executable at once, nothing is written outside its working
// folder, and no /proc file but its own is read.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  BIN, DB_KIND, ROOT, cleanEnv, freePort, freshDb, rmDir, sleep, tmpDir, track,
} from '../integration/lib/server.mjs';
import { SECRET, deliver, userEvent } from '../integration/lib/webhook.mjs';

const T = { timeout: 120000 };
const UNIT = path.join(ROOT, 'deploy', 'mysaas.service');
const has = (cmd, args = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const noAnalyze = has('systemd-analyze') ? false : 'systemd-analyze is not installed (Debian package systemd)';

// The unit with ExecStart on the binary under test, as dir/mysaas.service.
function unitCopy(dir) {
  const text = fs.readFileSync(UNIT, 'utf8');
  const from = 'ExecStart=/usr/local/bin/mysaas serve';
  assert.equal(text.split(from).length, 2, `${from} in deploy/mysaas.service`);
  const file = path.join(dir, 'mysaas.service');
  fs.writeFileSync(file, text.replace(from, `ExecStart=${BIN} serve`));
  return file;
}

// The [Service] settings: {key: [values]}.
function settings() {
  const out = {};
  let section = '';
  for (const raw of fs.readFileSync(UNIT, 'utf8').split('\n')) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('[')) { section = l; continue; }
    if (section !== '[Service]') continue;
    const i = l.indexOf('=');
    (out[l.slice(0, i)] ??= []).push(l.slice(i + 1));
  }
  return out;
}

test('systemd-analyze verify accepts deploy/mysaas.service', { ...T, skip: noAnalyze }, () => {
  const dir = tmpDir('mysaas-unit-');
  try {
    const r = spawnSync('systemd-analyze', ['verify', unitCopy(dir)], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 0, `systemd-analyze verify:\n${r.stdout}${r.stderr}`);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no warning either');
  } finally {
    rmDir(dir);
  }
});

test('the unit runs mysaas as its own user, sandboxed, restarted on failure', { ...T, skip: noAnalyze }, () => {
  const s = settings();
  const want = {
    User: 'mysaas', Type: 'exec', Restart: 'on-failure', ProtectSystem: 'strict', ProtectHome: 'yes',
    PrivateTmp: 'yes', NoNewPrivileges: 'yes', CapabilityBoundingSet: '', AmbientCapabilities: '',
    RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX', SystemCallFilter: '@system-service',
    ReadWritePaths: '/var/lib/mysaas', WorkingDirectory: '/var/lib/mysaas',
    EnvironmentFile: '/etc/mysaas/mysaas.env', MemoryDenyWriteExecute: 'yes',
  };
  for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k], [v], k);
  assert.ok(Number(s.LimitNOFILE?.[0]) >= 65536, `LimitNOFILE=${s.LimitNOFILE}`);
  // systemd's own score of the sandbox (0 = most, 10 = least confined).
  const dir = tmpDir('mysaas-unit-');
  try {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitCopy(dir)],
      { encoding: 'utf8', timeout: 60000 });
    const m = /Overall exposure level for mysaas\.service: (\d+\.\d+)/.exec(r.stdout);
    if (m) assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}:\n${r.stdout}`);
    else assert.match(r.stderr, /offline|unrecognized|unknown/i, `systemd-analyze security:\n${r.stdout}${r.stderr}`);
  } finally {
    rmDir(dir);
  }
});

// The system calls of @set (groups expanded), from systemd-analyze.
function syscallSet(set, seen = new Set()) {
  const out = new Set();
  if (seen.has(set)) return out;
  seen.add(set);
  const r = spawnSync('systemd-analyze', ['syscall-filter', '--no-pager', set], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `systemd-analyze syscall-filter ${set}: ${r.stderr}`);
  for (const raw of r.stdout.split('\n').slice(1)) {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    if (l.startsWith('@')) for (const x of syscallSet(l, seen)) out.add(x);
    else out.add(l);
  }
  return out;
}

// The PIDs of pid's children, from /proc.
function childPids(pid) {
  const out = [];
  for (const n of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = fs.readFileSync(`/proc/${n}/stat`, 'utf8');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(n));
    } catch { /* gone */ }
  }
  return out;
}

// `mysaas serve` under strace -f on database url, through a workload, then
// SIGTERM: {trace (lines), cwd, code}.
async function traced(dbUrl) {
  const cwd = tmpDir('mysaas-strace-');
  const out = path.join(tmpDir('mysaas-strace-out-'), 'trace');
  const port = await freePort();
  const tracer = spawn('strace', ['-f', '-qq', '-s', '256', '-o', out, '--', BIN, 'serve', '--port', String(port)], {
    cwd, stdio: ['ignore', 'pipe', 'pipe'],
    env: cleanEnv({ DATABASE_URL: dbUrl, MYSAAS_THREADS: 2, CLERK_WEBHOOK_SIGNING_SECRET: SECRET }),
  });
  track(tracer);
  let log = '';
  tracer.stdout.on('data', (d) => { log += d; });
  tracer.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => tracer.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  let server = null;
  try {
    let up = false;
    for (let i = 0; i < 300 && !up; i++) {
      try {
        up = (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) })).status === 200;
      } catch { await sleep(100); }
    }
    assert.ok(up, `mysaas under strace did not answer:\n${log}`);
    [server] = childPids(tracer.pid);
    assert.ok(server, 'the traced server process');
    for (const p of ['/', '/sign-in', '/dashboard', '/admin/login/', '/docs', '/docs/swagger-ui-bundle.js',
      '/openapi.json', '/static/style.css', '/metrics', '/api/v1/users/me']) {
      await (await fetch(url + p, { redirect: 'manual' })).arrayBuffer();
    }
    const form = new URLSearchParams({ username: 'x@example.com', password: 'wrong' });
    await (await fetch(`${url}/admin/login/`, { method: 'POST', body: form, headers: { origin: url } })).arrayBuffer();
    for (let i = 0; i < 5; i++) {
      const r = await deliver(url, JSON.stringify(userEvent()));
      assert.equal(r.status, 200, `a webhook under strace: ${r.text}`);
    }
  } finally {
    if (server) { try { process.kill(server, 'SIGTERM'); } catch { /* gone */ } }
    else { try { process.kill(tracer.pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  let timer;
  const code = await Promise.race([exited, new Promise((r) => { timer = setTimeout(() => r('timeout'), 30000); })]);
  clearTimeout(timer);
  if (code === 'timeout') {
    try { process.kill(server, 'SIGKILL'); } catch { /* gone */ }
    try { process.kill(tracer.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  const trace = fs.readFileSync(out, 'utf8').split('\n');
  rmDir(path.dirname(out));
  return { trace, cwd, code, log };
}

const noStrace = noAnalyze || (has('strace', ['-V']) ? false : 'strace is not installed');

test('what mysaas serve does fits the unit\'s sandbox (strace, SQLite and PostgreSQL)', { ...T, skip: noStrace }, async (t) => {
  const allowed = syscallSet('@system-service');
  assert.ok(allowed.has('openat') && allowed.has('accept4'), 'the @system-service set was read');
  const dbs = [freshDb({ kind: 'sqlite' })];
  if (DB_KIND === 'postgres') dbs.push(freshDb({ kind: 'postgres' }));
  try {
    for (const db of dbs) {
      const { trace, cwd, code, log } = await traced(db.url);
      try {
        assert.equal(code, 0, `${db.kind}: mysaas under strace exited ${code}\n${log}`);
        const calls = new Set();
        const families = new Set();
        const problems = [];
        for (const line of trace) {
          const m = /^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]/.exec(line);
          if (!m || /^\d+\s+\+\+\+|^\d+\s+---/.test(line)) continue;
          if (/ resumed>/.test(line)) continue;
          calls.add(m[1]);
          const s = /\bsocket\((AF_[A-Z0-9]+)/.exec(line);
          if (s) families.add(s[1]);
          if (/\b(mmap|mprotect|pkey_mprotect)\(/.test(line) && /PROT_WRITE/.test(line) && /PROT_EXEC/.test(line))
            problems.push(`writable and executable memory: ${line}`);
          const o = /\bopenat\([^,]+, "([^"]+)", ([A-Z_|]+)/.exec(line);
          if (o && /O_WRONLY|O_RDWR|O_CREAT/.test(o[2]) && !o[1].startsWith(cwd) &&
            !o[1].startsWith(db.path ? path.dirname(db.path) : '\0') && !/^\/dev\/(null|u?random)$/.test(o[1]))
            problems.push(`written outside its folder: ${line}`);
          if (o && /^\/proc\//.test(o[1]) && !/^\/proc\/(self|thread-self|\d+)\//.test(o[1]))
            problems.push(`reads /proc beyond its own (ProcSubset=pid): ${line}`);
        }
        const outside = [...calls].filter((c) => !allowed.has(c)).sort();
        t.diagnostic(`${db.kind}: ${calls.size} system calls, socket families ${[...families].sort().join(' ')}`);
        assert.deepEqual(outside, [], `${db.kind}: system calls outside @system-service`);
        assert.deepEqual([...families].filter((f) => !['AF_INET', 'AF_INET6', 'AF_UNIX'].includes(f)), [],
          `${db.kind}: socket families outside RestrictAddressFamilies`);
        assert.deepEqual(problems.slice(0, 5), [], db.kind);
        assert.ok(calls.has('accept4') && calls.has('execve'), `${db.kind}: the trace is complete (${calls.size} calls)`);
      } finally {
        rmDir(cwd);
      }
    }
  } finally {
    for (const db of dbs) db.drop();
  }
});
