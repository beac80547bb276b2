// Revocation visibility on a second instance (DESIGN §11.3): two `mysaas
// serve` processes on one database; for each of N sessions a token is used
// on B (so B holds it in its verified-token cache), session.revoked is
// delivered to A, and B is asked every 5 ms until it answers 401. The delay
// counts from A's 2xx to B's first 401. Prints the median, the 90th
// percentile and the worst, per backend.
//
// Usage: node bench/revocation.mjs [N] [BACKENDS]
//   N         revocations per backend (default 50)
//   BACKENDS  "sqlite", "postgres" or "sqlite postgres" (default); PostgreSQL
//             runs on a throwaway cluster (scripts/pg-cluster.sh)
//   MYSAAS_BIN  the binary (default build/release/mysaas)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.MYSAAS_BIN ??= path.join(ROOT, 'build/release/mysaas');

const { freshDb, sleep, startServer } = await import('../tests/integration/lib/server.mjs');
const { SECRET, deliver, userEvent } = await import('../tests/integration/lib/webhook.mjs');
const { me, mint, newKey, pemEnv } = await import('../tests/integration/lib/clerk.mjs');
const { sessionEvent } = await import('../tests/integration/sessions_helpers.mjs');

const N = Number(process.argv[2] || 50);
const BACKENDS = (process.argv[3] || 'sqlite postgres').split(/\s+/).filter(Boolean);
const POLL_MS = 5;
const GIVE_UP_MS = 5000;

async function post(url, ev) {
  const r = await deliver(url, JSON.stringify(ev));
  if (r.status !== 200) throw new Error(`${ev.type}: ${r.status} ${r.text}`);
}

async function measure(kind, adminUrl) {
  const key = await newKey();
  const db = freshDb({ kind, adminUrl });
  const env = { ...pemEnv(key), CLERK_WEBHOOK_SIGNING_SECRET: SECRET, LOG_LEVEL: 'warn' };
  const a = await startServer({ env, db });
  const b = await startServer({ env, db });
  const delays = [];
  try {
    const user = userEvent();
    await post(a.url, user);
    for (let i = 0; i < N; i++) {
      const created = sessionEvent({ userId: user.data.id, user: null });
      await post(a.url, created);
      const token = await mint(key, user.data.id, { claims: { sid: created.data.id } });
      for (let k = 0; k < 2; k++) {
        const r = await me(b, { token });
        if (r.status !== 200) throw new Error(`B before the revocation: ${r.status} ${r.text}`);
      }
      // Anywhere in B's poll period.
      await sleep(Math.floor(Math.random() * 200));
      await post(a.url, sessionEvent({ type: 'session.revoked', id: created.data.id, userId: user.data.id, user: null }));
      const acked = performance.now();
      for (;;) {
        const r = await me(b, { token });
        if (r.status === 401) break;
        if (performance.now() - acked > GIVE_UP_MS) throw new Error(`B still accepts after ${GIVE_UP_MS} ms`);
        await sleep(POLL_MS);
      }
      delays.push(performance.now() - acked);
    }
  } finally {
    await Promise.allSettled([a.stop(), b.stop()]);
    db.drop();
  }
  delays.sort((x, y) => x - y);
  const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))];
  return { median: at(0.5), p90: at(0.9), max: delays[delays.length - 1] };
}

function pgCluster() {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'mysaas-bench-'));
  fs.chmodSync(parent, 0o755); // the cluster may run as another user
  const dir = path.join(parent, 'c');
  const r = spawnSync('sh', [path.join(ROOT, 'scripts/pg-cluster.sh'), 'start', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg-cluster: ${r.stderr}`);
  return {
    url: r.stdout.trim(),
    stop() {
      spawnSync('sh', [path.join(ROOT, 'scripts/pg-cluster.sh'), 'stop', dir]);
      fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}

for (const kind of BACKENDS) {
  const cluster = kind === 'postgres' ? pgCluster() : null;
  try {
    const r = await measure(kind, cluster?.url);
    console.log(`${kind.padEnd(8)} ${N} revocations seen by the other instance: median ${r.median.toFixed(0)} ms, ` +
      `p90 ${r.p90.toFixed(0)} ms, max ${r.max.toFixed(0)} ms`);
  } finally {
    cluster?.stop();
  }
}
