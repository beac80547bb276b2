// PostgreSQL only: the database going away and coming back. The test runs
// its own small cluster (scripts/pg-cluster.sh), since it stops and restarts
// it; the shared cluster of the run is not touched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  DB_KIND, ROOT, freePort, health, runCli, spawnMysaas, startServer, tmpDir, rmDir, until,
} from './lib/server.mjs';

const T = { timeout: 90000 };
const skip = DB_KIND !== 'postgres' && 'PostgreSQL only';
const SCRIPT = path.join(ROOT, 'scripts', 'pg-cluster.sh');
let dir;
let url;

function cluster(cmd) {
  const r = spawnSync('sh', [SCRIPT, cmd, dir], { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL' });
  assert.equal(r.status, 0, `pg-cluster.sh ${cmd}: ${r.stderr}`);
  return r.stdout.trim();
}

before(() => {
  if (skip) return;
  const parent = tmpDir('mysaas-pgown-');
  fs.chmodSync(parent, 0o755); // as root the cluster runs as "postgres"
  dir = path.join(parent, 'cluster');
  url = cluster('start');
});

after(() => {
  if (!dir) return;
  spawnSync('sh', [SCRIPT, 'stop', dir], { timeout: 60000, killSignal: 'SIGKILL' });
  rmDir(path.dirname(dir));
});

async function healthOrNull(srvUrl) {
  try { return await health(srvUrl, { timeout: 8000 }); } catch { return null; }
}

test('health follows the database: 200, 503 while it is down, 200 again', { ...T, skip }, async () => {
  const srv = await startServer({ env: { DATABASE_URL: url } });
  try {
    let h = await health(srv.url);
    assert.equal(h.status, 200);
    assert.equal(h.body, '{"status":"ok"}');

    cluster('halt');
    h = await until(async () => {
      const x = await healthOrNull(srv.url);
      return x && x.status === 503 ? x : null;
    }, { ms: 10000, every: 200 });
    assert.ok(h, `health answers 503 within 10 s of the database stopping:\n${srv.stderr().slice(-2000)}`);
    assert.equal(h.body, '{"status":"unavailable"}');
    assert.match(h.headers.get('content-type'), /^application\/json\b/);
    assert.equal(srv.proc.exitCode, null, 'the server is still running');
    // Still answering, not just once.
    for (let i = 0; i < 3; i++) assert.equal((await health(srv.url, { timeout: 8000 })).status, 503);
    const nf = await fetch(`${srv.url}/nope`);
    assert.equal(nf.status, 404, 'routes that need no database still answer');
    await nf.text();

    cluster('resume');
    h = await until(async () => {
      const x = await healthOrNull(srv.url);
      return x && x.status === 200 ? x : null;
    }, { ms: 15000, every: 200 });
    assert.ok(h, `health is 200 again within 15 s of the database coming back:\n${srv.stderr().slice(-2000)}`);
    assert.equal(h.body, '{"status":"ok"}');

    // Every pooled connection works again, not just one.
    const many = await Promise.all(Array.from({ length: 20 }, () => health(srv.url, { timeout: 8000 })));
    assert.deepEqual([...new Set(many.map((x) => x.status))], [200]);
  } finally {
    await srv.stop();
  }
});

test('serve while the database is down: exit 1 with a clear message', { ...T, skip }, async () => {
  cluster('halt');
  try {
    const port = await freePort();
    const child = spawnMysaas(['serve', '--port', String(port)], { env: { DATABASE_URL: url } });
    let r = await child.wait(30000);
    if (r === null) {
      child.kill('SIGKILL');
      r = await child.wait(5000);
      assert.fail(`serve kept running with the database down:\n${child.stderr()}`);
    }
    assert.equal(r.code, 1, child.stderr());
    assert.match(child.stderr(), /DATABASE_URL|reachable|connect/i);
    assert.ok(!child.stderr().includes(':mysaas@'), 'the password is not printed');

    const m = runCli(['migrate'], { env: { DATABASE_URL: url }, timeout: 30000 });
    assert.equal(m.code, 1, m.stderr);
    assert.match(m.stderr, /DATABASE_URL|reachable|connect/i);
  } finally {
    cluster('resume');
  }
});
