// A throwaway PostgreSQL cluster of a test's own (scripts/pg-cluster.sh),
// for tests that stop, restart or crash the server: the suite's cluster
// (MYSAAS_TEST_PG_URL) is shared by every test of the run. The commands run
// asynchronously, so a load the test drives keeps going while PostgreSQL
// stops and starts; each is bounded and its process stopped by its PID.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ROOT, psql, rmDir, tmpDir, track } from './server.mjs';

const SCRIPT = path.join(ROOT, 'scripts', 'pg-cluster.sh');

// Runs `sh scripts/pg-cluster.sh cmd dir`: resolves {code, stdout, stderr}.
function run(cmd, dir, ms = 90000) {
  return new Promise((resolve) => {
    const p = spawn('sh', [SCRIPT, cmd, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
    }, ms);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout: stdout.trim(), stderr });
    });
  });
}

// Starts a cluster; returns {url, halt(), resume(), stop(), backends(),
// sql(query)}. halt/resume/stop assert success; stop() also removes its
// folder and never throws.
export async function ownCluster(prefix = 'mysaas-pg-') {
  const parent = tmpDir(prefix);
  fs.chmodSync(parent, 0o755); // as root the cluster runs as "postgres"
  const dir = path.join(parent, 'cluster');
  const started = await run('start', dir);
  if (started.code !== 0) {
    await run('stop', dir);
    rmDir(parent);
    assert.fail(`pg-cluster.sh start: ${started.stderr}`);
  }
  const url = started.stdout;
  const step = async (cmd) => {
    const r = await run(cmd, dir);
    assert.equal(r.code, 0, `pg-cluster.sh ${cmd}: ${r.stderr}`);
  };
  return {
    url,
    halt: () => step('halt'),
    resume: () => step('resume'),
    async stop() {
      await run('stop', dir);
      rmDir(parent);
    },
    sql: (q) => psql(url, q),
    // The PIDs of the server processes serving mysaas's connections.
    backends() {
      const r = psql(url, "SELECT pid FROM pg_stat_activity WHERE application_name = 'mysaas'");
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').map((x) => x.trim()).filter(Boolean).map(Number);
    },
  };
}
