// The Dockerfile and compose.yaml for real, on a Docker engine this test
// starts itself: Debian's dockerd with its own data-root, exec-root, socket
// and pid file in a temporary folder, no bridge and no iptables (every
// container runs on the host's network and listens on 127.0.0.1 only),
// stopped by its PID at the end. No image registry is needed: the Debian
// base the Dockerfile names (debian:bookworm, debian:bookworm-slim) is made
// with debootstrap from the machine's Debian mirror (cached in
// build/test-cache/), and compose.yaml's postgres:15-bookworm is stood in
// for by tests/deploy/postgres-standin/. The builds download packages from
// that mirror and the npm registry, as any `docker build` does.
//
// Skipped, saying why, without root, dockerd, a compose client or
// debootstrap, when dockerd cannot run containers here, or with
// MYSAAS_TEST_DOCKER=0.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { nginxConfig } from '../integration/lib/nginx.mjs';
import { ROOT, cleanEnv, freePort, rmDir, sleep, tmpDir, track } from '../integration/lib/server.mjs';
import { SECRET, deliver, msgId, userEvent } from '../integration/lib/webhook.mjs';

const BUILD_MS = 30 * 60 * 1000; // one image build, downloads included
const T = { timeout: BUILD_MS + 10 * 60 * 1000 };
const VERSION = fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim();
const IMAGE = 'mysaas:test';
const NGINX_IMAGE = 'mysaas-nginx:test';
const PROJECT = 'mysaastest';

// cmd's path: on PATH, else in /usr/sbin (root's tools); null if neither.
const which = (cmd) => [...(process.env.PATH || '').split(':'), '/usr/sbin'].map((d) => path.join(d, cmd))
  .find((f) => { try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; } }) ?? null;
const onPath = (cmd) => which(cmd) !== null;
const ok = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore', timeout: 20000 }).status === 0;
// The client of Debian's docker.io (the engine's own version) first.
const DOCKER = fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const COMPOSE = onPath('docker-compose') ? ['docker-compose'] : [DOCKER, 'compose'];

function whyNot() {
  if (process.env.MYSAAS_TEST_DOCKER === '0') return 'MYSAAS_TEST_DOCKER=0';
  if (process.getuid() !== 0) return 'dockerd and debootstrap need root';
  if (!onPath('dockerd')) return 'dockerd is not installed (apt-get install docker.io)';
  if (!onPath('debootstrap')) return 'debootstrap is not installed (apt-get install debootstrap)';
  if (!ok(COMPOSE[0], [...COMPOSE.slice(1), 'version'])) return 'no compose client (apt-get install docker-compose)';
  return false;
}
const SKIP = whyNot();

// Stopped from outside (a timeout): exit, so that the exit hook of
// lib/server.mjs sends dockerd its SIGTERM (it then stops its containers).
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(sig, () => process.exit(code));

// Unmounts what is mounted under dir (deepest first: dockerd leaves its
// network namespace's), then deletes dir.
function removeDir(dir) {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`))).sort().reverse();
  for (const m of mounts) spawnSync('umount', ['-l', m], { timeout: 20000 });
  rmDir(dir);
}

// The folders of earlier runs stopped from outside (a timeout's SIGTERM
// stops dockerd, but leaves its folder): those whose dockerd is gone.
function sweep() {
  for (const n of fs.readdirSync(os.tmpdir())) {
    if (!n.startsWith('mysaas-docker-')) continue;
    const d = path.join(os.tmpdir(), n);
    try {
      const pid = Number(fs.readFileSync(path.join(d, 'dockerd.pid'), 'utf8'));
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dockerd')) continue;
    } catch { /* no pid file, or its process is gone */ }
    try {
      if (Date.now() - fs.statSync(d).mtimeMs < 120000) continue; // a run starting now
    } catch { continue; }
    removeDir(d);
  }
}

// The first Debian mirror of the machine's apt sources.
function debianMirror() {
  const texts = [];
  for (const f of ['/etc/apt/sources.list', ...(() => {
    try { return fs.readdirSync('/etc/apt/sources.list.d').map((n) => `/etc/apt/sources.list.d/${n}`); } catch { return []; }
  })()]) {
    try { texts.push(fs.readFileSync(f, 'utf8')); } catch { /* none */ }
  }
  for (const t of texts) {
    const deb = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(t);
    if (deb) return deb[1];
    const uris = /^URIs:\s*(\S+\/debian)\s*$/m.exec(t);
    if (uris) return uris[1];
  }
  return 'http://deb.debian.org/debian';
}

describe('Dockerfile and compose.yaml on a Docker engine of the test\'s own', { skip: SKIP }, () => {
  let dir;
  let dockerd = null;
  let engineError = null; // why the engine cannot run here
  let env;
  const logs = [];

  // A docker (or compose) command: {code, out} (stdout + stderr).
  const docker = (args, { timeout = 120000, input, cmd = [DOCKER] } = {}) => {
    const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], {
      env, input, timeout, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, killSignal: 'SIGKILL',
    });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
    return { code: r.error ? -1 : r.status, out };
  };
  const must = (args, opts) => {
    const r = docker(args, opts);
    assert.equal(r.code, 0, `${(opts?.cmd ?? [DOCKER]).join(' ')} ${args.join(' ')}:\n${r.out.slice(-6000)}`);
    return r.out;
  };
  const compose = (args, opts = {}) => docker(['-f', path.join(ROOT, 'compose.yaml'), '-p', PROJECT,
    '--env-file', path.join(dir, 'compose.env'), ...args], { ...opts, cmd: COMPOSE });
  const inspect = (what, format) => docker(['inspect', '--format', format, what]).out.trim();

  before(async () => {
    sweep();
    dir = tmpDir('mysaas-docker-');
    const sock = path.join(dir, 'docker.sock');
    env = cleanEnv({ DOCKER_HOST: `unix://${sock}` });
    const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
    dockerd = spawn(which('dockerd'), ['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
      '--pidfile', path.join(dir, 'dockerd.pid'), '--host', `unix://${sock}`, '--bridge=none',
      '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--log-level=warn'],
    { stdio: ['ignore', log, log], env: cleanEnv({}) });
    fs.closeSync(log);
    let spawnError = '';
    dockerd.on('error', (e) => { spawnError = String(e); });
    track(dockerd, () => {});
    const dockerdLog = () => spawnError || fs.readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-3000);
    for (let i = 0; i < 120; i++) {
      if (spawnError || dockerd.exitCode !== null || dockerd.signalCode !== null) break;
      if (docker(['version'], { timeout: 10000 }).code === 0) break;
      await sleep(500);
    }
    const v = docker(['version'], { timeout: 10000 });
    if (v.code !== 0) {
      engineError = `dockerd did not start: ${dockerdLog() || v.out.slice(-2000)}`;
      return;
    }
    // The base image: a debootstrap of Debian 12 from the machine's mirror.
    const cache = path.join(ROOT, 'build', 'test-cache', 'debian-bookworm-minbase.tar');
    if (!fs.existsSync(cache)) {
      fs.mkdirSync(path.dirname(cache), { recursive: true });
      const rootfs = path.join(dir, 'rootfs');
      const r = spawnSync(which('debootstrap'), ['--variant=minbase', 'bookworm', rootfs, debianMirror()],
        { encoding: 'utf8', timeout: 20 * 60 * 1000, killSignal: 'SIGKILL' });
      assert.equal(r.status, 0, `debootstrap:\n${(r.stdout ?? '').slice(-3000)}${r.stderr ?? ''}`);
      const tar = spawnSync('tar', ['-C', rootfs, '-cf', `${cache}.tmp`, '.'], { encoding: 'utf8', timeout: 600000 });
      assert.equal(tar.status, 0, `tar: ${tar.stderr}`);
      fs.renameSync(`${cache}.tmp`, cache);
      rmDir(rootfs);
    }
    must(['import', cache, 'mysaas-test/bookworm-rootfs'], { timeout: 600000 });
    // The machine's certificate authorities join the base's, so that TLS
    // through the machine's network (the npm registry) verifies as on the
    // machine itself.
    const base = path.join(dir, 'base');
    fs.mkdirSync(base);
    let dockerfile = 'FROM mysaas-test/bookworm-rootfs\n';
    if (fs.existsSync('/etc/ssl/certs/ca-certificates.crt')) {
      fs.copyFileSync('/etc/ssl/certs/ca-certificates.crt', path.join(base, 'machine-ca.crt'));
      dockerfile += 'COPY machine-ca.crt /usr/local/share/ca-certificates/machine-ca.crt\n';
    }
    fs.writeFileSync(path.join(base, 'Dockerfile'), dockerfile);
    must(['build', '--network', 'host', '-t', 'debian:bookworm', base], { timeout: 600000 });
    must(['tag', 'debian:bookworm', 'debian:bookworm-slim']);
    // Can this engine run a container at all?
    const probe = docker(['run', '--rm', '--network', 'host', 'debian:bookworm-slim', 'true'], { timeout: 120000 });
    if (probe.code !== 0) engineError = `dockerd cannot run a container here: ${probe.out.slice(-2000)}\n${dockerdLog()}`;
  }, { timeout: 40 * 60 * 1000 });

  after(async () => {
    if (dockerd && dockerd.exitCode === null && dockerd.signalCode === null) {
      if (fs.existsSync(path.join(dir, 'compose.env'))) compose(['down', '-v', '--timeout', '20'], { timeout: 180000 });
      const ids = docker(['ps', '-aq']).out.trim().split(/\s+/).filter(Boolean);
      if (ids.length) docker(['rm', '-f', '-v', ...ids], { timeout: 120000 });
      const exited = new Promise((resolve) => dockerd.on('exit', resolve));
      try { process.kill(dockerd.pid, 'SIGTERM'); } catch { /* gone */ }
      let timer;
      const r = await Promise.race([exited.then(() => 'exited'),
        new Promise((resolve) => { timer = setTimeout(() => resolve(null), 60000); })]);
      clearTimeout(timer);
      if (r === null) {
        try { process.kill(dockerd.pid, 'SIGKILL'); } catch { /* gone */ }
        await Promise.race([exited, sleep(10000)]);
      }
    }
    if (dir) removeDir(dir);
  }, { timeout: 5 * 60 * 1000 });

  // Skips (saying why) when the engine cannot run here.
  const engine = (t) => {
    if (engineError) t.skip(engineError.split('\n').slice(0, 3).join(' '));
    return !engineError;
  };

  test('docker build: a runtime image with the binary, its libraries, a user of its own, port 8000 and a health check', T, async (t) => {
    if (!engine(t)) return;
    const t0 = Date.now();
    const r = docker(['build', '--network', 'host', '-t', IMAGE, ROOT], { timeout: BUILD_MS });
    logs.push(r.out);
    assert.equal(r.code, 0, `docker build:\n${r.out.slice(-8000)}`);
    t.diagnostic(`docker build: ${Math.round((Date.now() - t0) / 1000)} s`);
    const cfg = JSON.parse(must(['image', 'inspect', '--format', '{{json .Config}}', IMAGE]));
    assert.equal(cfg.User, 'mysaas');
    assert.deepEqual(Object.keys(cfg.ExposedPorts ?? {}), ['8000/tcp']);
    assert.deepEqual(Object.keys(cfg.Volumes ?? {}), ['/var/lib/mysaas']);
    assert.deepEqual(cfg.Entrypoint, ['mysaas']);
    assert.deepEqual(cfg.Cmd, ['serve']);
    assert.ok(cfg.Env.includes('HOST=0.0.0.0'), cfg.Env.join(' '));
    assert.match(cfg.Healthcheck?.Test?.join(' ') ?? '', /\/api\/v1\/health/);
    assert.equal(must(['run', '--rm', '--network', 'host', IMAGE, '--version']).trim(), `mysaas ${VERSION}`);
    const sh = (script) => must(['run', '--rm', '--network', 'host', '--entrypoint', 'sh', IMAGE, '-c', script]).trim();
    assert.equal(sh('id -u; id -g'), '10001\n10001', 'a non-root user');
    assert.doesNotMatch(sh('ldd /usr/local/bin/mysaas'), /not found/, 'every library is there');
    assert.equal(sh('command -v cc gcc make node npm pkg-config || true'), '', 'no build tools in the runtime image');
    assert.equal(sh('ls /usr/include 2>/dev/null | wc -l'), '0', 'no headers');
    const size = Number(must(['image', 'inspect', '--format', '{{.Size}}', IMAGE]));
    t.diagnostic(`runtime image: ${(size / 1e6).toFixed(0)} MB`);
  });

  test('docker run: SQLite in the volume, healthy, a webhook applied, docker stop exits 0', T, async (t) => {
    if (!engine(t)) return;
    assert.equal(docker(['image', 'inspect', IMAGE]).code, 0, 'the image of the previous test');
    const port = await freePort();
    const name = 'mysaas-test-sqlite';
    must(['run', '-d', '--name', name, '--network', 'host', '-e', 'HOST=127.0.0.1', '-e', `PORT=${port}`,
      '-e', `CLERK_WEBHOOK_SIGNING_SECRET=${SECRET}`, IMAGE]);
    try {
      const url = `http://127.0.0.1:${port}`;
      let up = false;
      for (let i = 0; i < 120 && !up; i++) {
        try { up = (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) })).status === 200; } catch { await sleep(250); }
      }
      assert.ok(up, `the container did not answer:\n${docker(['logs', name]).out}`);
      const ev = userEvent();
      const r = await deliver(url, JSON.stringify(ev));
      assert.equal(r.status, 200, r.text);
      const files = must(['exec', name, 'ls', '-ln', '/var/lib/mysaas']);
      assert.match(files, /10001\s+10001\s+\d+ .* mysaas\.db$/m, files);
      const users = must(['exec', name, 'sh', '-c', 'echo $HOME; id -un']).trim();
      assert.equal(users, '/var/lib/mysaas\nmysaas');
      // HEALTHCHECK: a first check after 10 s.
      let health = '';
      for (let i = 0; i < 90 && health !== 'healthy'; i++) {
        health = inspect(name, '{{.State.Health.Status}}');
        if (health !== 'healthy') await sleep(1000);
      }
      assert.equal(health, 'healthy', inspect(name, '{{json .State.Health}}'));
      must(['stop', '--time', '30', name], { timeout: 60000 });
      assert.equal(inspect(name, '{{.State.ExitCode}}'), '0', docker(['logs', name]).out.slice(-3000));
      assert.match(docker(['logs', name]).out, /msg=listening url=http:\/\/127\.0\.0\.1:\d+ threads=\d+ database=sqlite/);
    } finally {
      docker(['rm', '-f', '-v', name]);
    }
  });

  test('compose.yaml: PostgreSQL, two instances and nginx (deploy/nginx.conf) on the host network', T, async (t) => {
    if (!engine(t)) return;
    const t0 = Date.now();
    must(['build', '--network', 'host', '-t', 'postgres:15-bookworm', path.join(ROOT, 'tests', 'deploy', 'postgres-standin')],
      { timeout: BUILD_MS });
    const [pg, p1, p2, web] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const password = randomBytes(12).toString('hex');
    // deploy/nginx.conf with its ports moved (its paths and user are the
    // container's, Debian's).
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConfig({ port: web, upstreams: [p1, p2] }));
    // compose reads its variables from here, not from a .env in the tree.
    fs.writeFileSync(path.join(dir, 'compose.env'), [
      `MYSAAS_IMAGE=${IMAGE}`, `MYSAAS_NGINX_IMAGE=${NGINX_IMAGE}`, `POSTGRES_PASSWORD=${password}`,
      `POSTGRES_PORT=${pg}`, `MYSAAS_PORT_1=${p1}`, `MYSAAS_PORT_2=${p2}`, `MYSAAS_NGINX_CONF=${conf}`,
      `CLERK_WEBHOOK_SIGNING_SECRET=${SECRET}`, '',
    ].join('\n'));
    const up = compose(['up', '-d', '--build'], { timeout: BUILD_MS });
    const composeLogs = () => compose(['logs', '--no-color'], { timeout: 60000 }).out.slice(-8000);
    assert.equal(up.code, 0, `compose up:\n${up.out.slice(-8000)}\n${composeLogs()}`);
    t.diagnostic(`postgres stand-in, nginx image and compose up: ${Math.round((Date.now() - t0) / 1000)} s`);
    const url = `http://127.0.0.1:${web}`;
    let ready = false;
    for (let i = 0; i < 240 && !ready; i++) {
      try { ready = (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) })).status === 200; } catch { /* not yet */ }
      if (!ready) await sleep(500);
    }
    assert.ok(ready, `nginx did not answer /api/v1/health:\n${composeLogs()}`);

    // Both instances answer through nginx.
    const prefixes = new Set();
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${url}/api/v1/health`);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      prefixes.add(r.headers.get('x-request-id').slice(0, 8));
    }
    assert.equal(prefixes.size, 2, `two instances: ${[...prefixes]}`);
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 404, 'metrics are not public');
    await metrics.arrayBuffer();
    // A webhook delivered to both instances is applied once, in PostgreSQL.
    const ev = userEvent({ email: 'compose@deploy.test' });
    const id = msgId();
    const by = new Set();
    for (let i = 0; i < 8 && by.size < 2; i++) {
      const r = await deliver(url, JSON.stringify(ev), { id });
      assert.equal(r.status, 200, r.text);
      by.add(r.headers.get('x-request-id').slice(0, 8));
    }
    assert.equal(by.size, 2);
    const psql = spawnSync('psql', [`postgres://mysaas:${password}@127.0.0.1:${pg}/mysaas`, '-X', '-A', '-t', '-c',
      `SELECT status || ' ' || attempts FROM webhook_events WHERE svix_id = '${id}'`], { encoding: 'utf8', timeout: 20000 });
    assert.equal(psql.status, 0, psql.stderr);
    assert.equal(psql.stdout.trim(), 'applied 1');
    // The instances' health checks pass.
    const ids = compose(['ps', '-q']).out.trim().split(/\s+/).filter(Boolean);
    assert.equal(ids.length, 4, `four containers: ${compose(['ps']).out}`);
    const apps = ids.filter((c) => inspect(c, '{{.Config.Image}}') === IMAGE);
    assert.equal(apps.length, 2);
    for (const c of apps) {
      let h = '';
      for (let i = 0; i < 90 && h !== 'healthy'; i++) {
        h = inspect(c, '{{.State.Health.Status}}');
        if (h !== 'healthy') await sleep(1000);
      }
      assert.equal(h, 'healthy', inspect(c, '{{json .State.Health}}'));
    }
    // Stopped, every container exits cleanly (mysaas and PostgreSQL on
    // their stop signals, nginx on SIGQUIT).
    const stop = compose(['stop', '--timeout', '30'], { timeout: 180000 });
    assert.equal(stop.code, 0, stop.out);
    for (const c of ids) {
      assert.equal(inspect(c, '{{.State.ExitCode}}'), '0',
        `${inspect(c, '{{.Name}}')} exit code:\n${docker(['logs', c]).out.slice(-3000)}`);
    }
    const down = compose(['down', '-v', '--timeout', '20'], { timeout: 180000 });
    assert.equal(down.code, 0, down.out);
  });
});
