// Power loss under load, SQLite (DESIGN §5: "nothing is acknowledged before
// it is durably stored"). While 32 clients send full-size user.created
// deliveries, the database file and its WAL are copied at arbitrary
// moments, as a machine that lost power would leave them (the -shm file is
// not copied: SQLite rebuilds it from the WAL). Each copy is opened on its
// own: PRAGMA integrity_check is ok, every delivery answered 2xx before the
// copy began is there, applied, with its payload byte for byte and its
// user, and nothing is half-applied. The WAL's size is sampled all along:
// it must stay bounded while the burst writes several times its size.
//
// The server is stopped (SIGSTOP) for the length of each copy, so that the
// two files are read at one instant, as the disk holds them at the moment
// of the loss: copied while it runs, a checkpoint between the two reads
// would pair an older database with a newer WAL, which no crash produces.
// The instant itself is arbitrary: in a commit, between the frames of a
// batch, in a checkpoint copying the WAL back, or between two of them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { DB_KIND, freshDb, rmDir, sleep, tmpDir } from './lib/server.mjs';
import { deliver, msgId, startWebhookServer, userEvent } from './lib/webhook.mjs';

const T = { timeout: 240000 };
const MiB = 1024 * 1024;
const DELIVERIES = 6000;
const CONCURRENCY = 32;
const COPIES = 4;
// The WAL is checkpointed once it passes a few MiB; far below this.
const WAL_BOUND = 32 * MiB;

function sqlite3(file, sql) {
  const r = spawnSync('sqlite3', ['-batch', '-bail', file], {
    input: `.timeout 10000\n${sql};\n`, encoding: 'utf8', timeout: 120000,
    maxBuffer: 512 * MiB, killSignal: 'SIGKILL',
  });
  if (r.error || r.status !== 0) throw new Error(`sqlite3 ${file}: ${r.error ?? ''} ${r.stderr}`);
  return r.stdout;
}

const size = (f) => { try { return fs.statSync(f).size; } catch { return 0; } };

// Copies the database and its WAL with the server stopped; returns the copy.
function snapshot(pid, dbFile, dir, n) {
  const out = path.join(dir, `copy${n}.db`);
  process.kill(pid, 'SIGSTOP');
  try {
    fs.copyFileSync(dbFile, out);
    if (fs.existsSync(`${dbFile}-wal`)) fs.copyFileSync(`${dbFile}-wal`, `${out}-wal`);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return out;
}

function checkCopy(file, acked, bodies) {
  assert.equal(sqlite3(file, 'PRAGMA integrity_check').trim(), 'ok', `${file}: integrity_check`);
  assert.equal(sqlite3(file, 'PRAGMA foreign_key_check').trim(), '', `${file}: foreign keys`);
  const stored = new Map(JSON.parse(sqlite3(file,
    '.mode json\nSELECT svix_id, status, attempts, payload FROM webhook_events') || '[]')
    .map((r) => [r.svix_id, r]));
  for (const id of acked) {
    const r = stored.get(id);
    assert.ok(r, `${file}: ${id} was acknowledged before the copy, so it must be there`);
    assert.equal(r.status, 'applied', id);
    assert.equal(r.attempts, 1, id);
    assert.equal(r.payload, bodies.get(id), `${id}: the payload byte for byte`);
  }
  // An event row and its effect commit together: one user per event.
  const users = Number(sqlite3(file, 'SELECT count(*) FROM users').trim());
  assert.equal(users, stored.size, `${file}: one user per stored event`);
  return stored.size;
}

test('power loss under load: copies of the database and its WAL hold every acknowledged delivery', {
  ...T, skip: DB_KIND !== 'sqlite' ? 'SQLite only (PostgreSQL: the kill -9 tests)' : false,
}, async (t) => {
  const db = freshDb();
  const dir = tmpDir('mysaas-powerloss-');
  let srv;
  try {
    srv = await startWebhookServer({ db });
    const t0 = Date.now() - 60000;
    // Full-size payloads: fixture 03, pretty-printed as Clerk's examples
    // are (about 3 KB each).
    const items = Array.from({ length: DELIVERIES }, (_, i) => {
      const ev = userEvent({ updated_at: t0 + i, email: `loss${i}.${Date.now()}@example.com` });
      return { id: msgId(), body: JSON.stringify(ev, null, 2) };
    });
    const bodies = new Map(items.map((it) => [it.id, it.body]));
    const acked = [];
    let next = 0;
    let failed = null;
    let walMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        walMax = Math.max(walMax, size(`${db.path}-wal`));
        await sleep(5);
      }
    })();
    const worker = async () => {
      while (next < items.length && failed === null) {
        const it = items[next++];
        const r = await deliver(srv.url, it.body, { id: it.id, timeout: 60000 });
        if (r.status !== 200) failed = `${it.id}: ${r.status} ${r.text}`;
        else acked.push(it.id);
      }
    };
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Copies at arbitrary moments while the load runs.
    const copies = [];
    for (let n = 0; n < COPIES; n++) {
      await sleep(150 + Math.floor(Math.random() * 600));
      if (next >= items.length) break;
      const before = acked.slice();
      copies.push({ file: snapshot(srv.pid, db.path, dir, n), before });
    }
    await load;
    sampling = false;
    await sampler;
    assert.equal(failed, null, 'every delivery answered 200');
    assert.equal(acked.length, DELIVERIES);
    assert.ok(copies.length >= 2, `${copies.length} copies taken under load`);

    for (const c of copies) {
      const stored = checkCopy(c.file, c.before, bodies);
      assert.ok(stored >= c.before.length);
      t.diagnostic(`copy ${path.basename(c.file)}: ${c.before.length} acknowledged before it, ${stored} stored`);
    }
    // The live database, once the server stopped, has everything.
    await srv.stop();
    srv = null;
    assert.equal(checkCopy(db.path, acked, bodies), DELIVERIES);
    const payloadBytes = items.reduce((s, it) => s + it.body.length, 0);
    t.diagnostic(`WAL at most ${(walMax / MiB).toFixed(1)} MiB for ${(payloadBytes / MiB).toFixed(1)} MiB of payloads`);
    assert.ok(walMax <= WAL_BOUND, `the WAL reached ${walMax} bytes`);
    assert.ok(payloadBytes > walMax * 2, 'the burst wrote several times the WAL\'s size');
  } finally {
    try {
      if (srv) await srv.stop({ expectCode: null });
    } finally {
      db.drop();
      rmDir(dir);
    }
  }
});
