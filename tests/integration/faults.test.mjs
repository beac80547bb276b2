// Faults under webhook load (DESIGN §5: nothing is acknowledged before it
// is durably stored, nothing is applied twice). Svix-like senders retry
// every 5xx under the same svix-id while PostgreSQL is stopped and started
// again, then while one of its server processes is killed (a crash
// restart); SQLite runs on a small tmpfs until the disk is full. Every
// delivery that got a 2xx must be stored exactly once, and every line the
// server logged during all this must be one well-formed line, text or
// JSON. kill -9 of mysaas itself under load is in webhook_durability.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { parseLogLines } from './lib/logs.mjs';
import { ownCluster } from './lib/pg_cluster.mjs';
import { DB_KIND, SKIP_VIA_PROXY, rmDir, sleep, sqlite, tmpDir, until } from './lib/server.mjs';
import { deliver, deliverRetrying, msgId, pool, rows, startWebhookServer, userEvent } from './lib/webhook.mjs';

const T = { timeout: 240000 };

// Svix retries for about 27 h; here a sender tries for about 15 s, enough
// to ride out each outage below (a few seconds) with room to spare.
const RETRY = { tries: 100, gapMs: 150, timeout: 20000 };

// Senders that deliver new user.created events, each retried like Svix,
// until stop() is called. answered() counts deliveries that ended (2xx or
// given up); stop() resolves with every delivery's final result.
function startLoad(url, { senders = 12, pauseMs = 20, firstName = () => 'Load' } = {}) {
  const results = [];
  let stopping = false;
  let n = 0;
  const t0 = Date.now() - 60000;
  const sender = async () => {
    while (!stopping) {
      const i = n++;
      const ev = userEvent({ first_name: firstName(i), updated_at: t0 + i });
      const it = { id: msgId(), clerkId: ev.data.id, body: JSON.stringify(ev) };
      try {
        const r = await deliverRetrying(url, it.body, { ...RETRY, id: it.id });
        results.push({ ...it, status: r.status, retried: r.retried, errors: r.errors, at: Date.now() });
      } catch (error) {
        results.push({ ...it, status: null, error: error.message, at: Date.now() });
      }
      await sleep(pauseMs);
    }
  };
  const all = Promise.all(Array.from({ length: senders }, sender));
  return {
    answered: () => results.length,
    async stop() {
      stopping = true;
      await all;
      return results;
    },
  };
}

// Delivers one new event again and again (the same svix-id, as Svix does)
// until it is answered 2xx; the milliseconds from `since` to that answer.
async function firstSuccess(url, since, ms = 60000) {
  const body = JSON.stringify(userEvent({ first_name: 'Probe' }));
  const id = msgId();
  const ok = await until(async () => {
    try {
      const r = await deliver(url, body, { id, timeout: 10000 });
      return r.status >= 200 && r.status < 300 ? Date.now() : null;
    } catch {
      return null;
    }
  }, { ms, every: 25 });
  assert.ok(ok, `no 2xx within ${ms} ms`);
  return { ms: ok - since, id };
}

// Every acknowledged delivery is stored once, applied once, and its user
// exists once; returns the number of event rows.
function assertStoredOnce(db, acked) {
  const stored = new Map(rows(db, 'SELECT svix_id, status, attempts FROM webhook_events').map((r) => [r.svix_id, r]));
  const missing = acked.filter((it) => !stored.has(it.id));
  assert.deepEqual(missing.slice(0, 5).map((it) => it.id), [], `${missing.length} acknowledged deliveries are not stored`);
  const twice = acked.filter((it) => stored.get(it.id).attempts !== 1 || stored.get(it.id).status !== 'applied');
  assert.deepEqual(twice.slice(0, 5).map((it) => stored.get(it.id)), [], 'each applied once');
  const users = new Map();
  for (const r of rows(db, 'SELECT clerk_id, count(*) AS n FROM users GROUP BY clerk_id')) users.set(r.clerk_id, Number(r.n));
  const noUser = acked.filter((it) => it.clerkId && users.get(it.clerkId) !== 1);
  assert.deepEqual(noUser.slice(0, 5).map((it) => it.clerkId), [], 'one user per acknowledged user.created');
  return stored.size;
}

const NOISY = `CREATE FUNCTION noisy() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.first_name = 'Noisy' THEN
      RAISE NOTICE 'noisy "notice" \\ here' USING DETAIL = E'first line\\nsecond line';
      RAISE WARNING 'noisy warning';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER noisy BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION noisy();`;

for (const format of ['text', 'json']) {
  test(`PostgreSQL stopped, restarted and crashed under webhook load: every 2xx stored once, every ${format} log line whole`, {
    ...T,
    skip: (DB_KIND !== 'postgres' && 'PostgreSQL only (a cluster of its own)') || SKIP_VIA_PROXY('one server process'),
  }, async (t) => {
    const cluster = await ownCluster('mysaas-faults-');
    let srv;
    let logs = '';
    try {
      // The test cluster trades durability for speed; a crash restart
      // loses what synchronous_commit=off had not written yet.
      for (const q of ['ALTER SYSTEM SET synchronous_commit = on', 'SELECT pg_reload_conf()']) {
        const r = cluster.sql(q);
        assert.equal(r.code, 0, r.stderr);
      }
      srv = await startWebhookServer({ env: { DATABASE_URL: cluster.url, LOG_FORMAT: format } });
      const db = { kind: 'postgres', url: cluster.url };
      const r = cluster.sql(NOISY);
      assert.equal(r.code, 0, r.stderr);

      const load = startLoad(srv.url, { firstName: (i) => (i % 50 === 7 ? 'Noisy' : 'Load') });
      assert.ok(await until(() => load.answered() >= 100, { ms: 60000 }), 'the load runs');

      // 1. A clean stop (pg_ctl -m fast) and a start on the same port.
      const haltAt = Date.now();
      await cluster.halt();
      await sleep(1500);
      await cluster.resume();
      const resumed = Date.now();
      const restart = await firstSuccess(srv.url, resumed);

      // 2. A crash: one of the server processes serving mysaas killed,
      // so PostgreSQL ends every session and recovers.
      const before = load.answered();
      assert.ok(await until(() => load.answered() >= before + 100, { ms: 60000 }), 'the load goes on');
      const pids = cluster.backends();
      assert.ok(pids.length > 0, 'mysaas holds connections');
      const crashAt = Date.now();
      process.kill(pids[0], 'SIGKILL');
      const crash = await firstSuccess(srv.url, crashAt);

      const after = load.answered();
      assert.ok(await until(() => load.answered() >= after + 100, { ms: 60000 }), 'the load goes on after the crash');
      const results = await load.stop();

      const failed = results.filter((x) => x.status !== 200);
      assert.deepEqual(failed.slice(0, 3).map((x) => `${x.status} ${x.error ?? x.errors?.at(-1)}`), [],
        `${failed.length} of ${results.length} deliveries never got a 2xx`);
      const retried = results.filter((x) => x.retried > 0);
      assert.ok(retried.length > 0, 'some deliveries met the outages');
      const acked = [...results, { id: restart.id }, { id: crash.id }];
      const stored = assertStoredOnce(db, acked);
      assert.equal(stored, acked.length, 'nothing stored that was not acknowledged in the end');

      await srv.stop();
      logs = srv.stderr();
      srv = null;
      t.diagnostic(`${results.length} deliveries, ${retried.length} answered 5xx (or nothing) before a retry got 2xx`);
      t.diagnostic(`stop + start: PostgreSQL down ${resumed - haltAt} ms; first 2xx ${restart.ms} ms after it accepted connections again`);
      t.diagnostic(`crash restart (kill -9 of a server process): first 2xx ${crash.ms} ms after the kill`);
    } finally {
      try {
        if (srv) await srv.stop({ expectCode: null });
      } finally {
        await cluster.stop();
      }
    }

    // Every line whole, and PostgreSQL's own messages among them as one
    // escaped line each, never libpq's raw stderr.
    const lines = parseLogLines(logs, format);
    const notices = lines.filter((o) => o.msg === 'postgres notice');
    const noisy = notices.find((o) => o.message === 'noisy "notice" \\ here');
    assert.ok(noisy, `the trigger's NOTICE is logged:\n${notices.slice(0, 5).map((o) => JSON.stringify(o)).join('\n')}`);
    assert.equal(noisy.level, 'info');
    assert.equal(noisy.detail, 'first line\nsecond line');
    assert.equal(noisy.severity, 'NOTICE');
    const warning = notices.find((o) => o.message === 'noisy warning');
    assert.equal(warning?.level, 'warn', 'a WARNING is logged at warn');
    const crashNotes = notices.filter((o) => o.sqlstate === '57P02' || o.sqlstate === '57P01');
    t.diagnostic(`${lines.length} log lines, ${notices.length} PostgreSQL notices, ${crashNotes.length} of them ` +
      'about terminated sessions');
  });
}

// A tmpfs of its own: {dir, cleanup()}, or the reason it cannot be had.
function mountTmpfs(size) {
  if (process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root' };
  const dir = tmpDir('mysaas-full-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8', timeout: 20000 });
  if (m.status !== 0) {
    rmDir(dir);
    return { skip: `mount -t tmpfs failed: ${(m.stderr || m.error?.message || '').trim()}` };
  }
  return {
    dir,
    cleanup() {
      spawnSync('umount', [dir], { timeout: 20000 });
      rmDir(dir);
    },
  };
}

test('SQLite on a full disk: 503s and never a false 2xx, the file intact, writes resume once space is freed', {
  ...T,
  skip: (DB_KIND !== 'sqlite' && 'SQLite only') || SKIP_VIA_PROXY('one server process'),
}, async (t) => {
  const fsys = mountTmpfs('12m');
  if (fsys.skip) {
    t.skip(fsys.skip);
    return;
  }
  let srv;
  try {
    const file = path.join(fsys.dir, 'mysaas.db');
    // Ballast, deleted later to free space as an operator would: as much
    // as the WAL holds (about 4.3 MB), the room a checkpoint may need to
    // add the WAL's new pages to the database (README, "SQLite and a full
    // disk"). With 1 MiB, the checkpoint after the space was freed could
    // take all of it and stop short, and writes did not resume: 2 runs in
    // 8 once the batches grew (more new pages per WAL).
    const ballast = path.join(fsys.dir, 'ballast');
    fs.writeFileSync(ballast, Buffer.alloc(5 * 1024 * 1024, 1));
    srv = await startWebhookServer({ env: { DATABASE_URL: `sqlite:${file}` } });
    const walSize = () => { try { return fs.statSync(`${file}-wal`).size; } catch { return 0; } };

    // Deliveries until the disk is full: 16 at a time, until 20 were refused.
    const t0 = Date.now() - 60000;
    const acked = [];
    const refused = [];
    const other = [];
    let walPeak = 0;
    let n = 0;
    const started = Date.now();
    while (refused.length < 20 && n < 20000 && Date.now() - started < 120000) {
      const batch = Array.from({ length: 16 }, () => {
        const ev = userEvent({ first_name: 'F'.repeat(200), updated_at: t0 + n++ });
        return { id: msgId(), clerkId: ev.data.id, body: JSON.stringify(ev) };
      });
      const res = await pool(batch, 16, (it) => deliver(srv.url, it.body, { id: it.id, timeout: 20000 }));
      res.forEach((r, i) => {
        if (r.error) other.push(r.error.message);
        else if (r.status === 200) acked.push(batch[i]);
        else if (r.status === 503) refused.push(batch[i]);
        else other.push(`${r.status} ${r.text}`);
      });
      walPeak = Math.max(walPeak, walSize());
    }
    assert.deepEqual(other.slice(0, 3), [], 'every answer is 200 or 503');
    assert.ok(refused.length >= 20, `the disk filled up (${acked.length} stored, ${refused.length} refused)`);
    assert.ok(acked.length > 0, 'some were stored before');
    const fullLog = srv.stderr().split('\n').find((l) => /component=committer/.test(l) && /disk is full/.test(l));
    assert.ok(fullLog, 'the committer logs the reason');
    assert.match(fullLog, /sqlite code 13\b/, 'with its result code');

    // While still full: the file intact, every 2xx in it exactly once.
    const ic = sqlite(file, 'PRAGMA integrity_check;');
    assert.equal(ic.stdout.trim(), 'ok', ic.stderr);
    const db = { kind: 'sqlite', path: file };
    assertStoredOnce(db, acked);

    // Space freed: Svix's retries of the refused deliveries are applied.
    fs.rmSync(ballast);
    const retried = await pool(refused, 8, (it) => deliverRetrying(srv.url, it.body, { id: it.id, tries: 20, gapMs: 100 }));
    const bad = retried.filter((r) => r.error || r.status !== 200);
    assert.deepEqual(bad.slice(0, 3).map((r) => r.error?.message ?? `${r.status} ${r.text}`), [], 'retries after freeing space');
    const stored = assertStoredOnce(db, [...acked, ...refused]);
    assert.equal(stored, acked.length + refused.length, 'no refused delivery was stored before its retry');
    await srv.stop();
    srv = null;
    const ic2 = sqlite(file, 'PRAGMA integrity_check;');
    assert.equal(ic2.stdout.trim(), 'ok', ic2.stderr);
    t.diagnostic(`${acked.length} stored before the disk was full, ${refused.length} refused with 503 ` +
      `then applied on retry; WAL peak ${walPeak} bytes (${Math.round(walPeak / 4120)} frames of 4 KiB pages)`);
  } finally {
    try {
      if (srv) await srv.stop({ expectCode: null });
    } finally {
      fsys.cleanup();
    }
  }
});
