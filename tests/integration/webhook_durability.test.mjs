// The webhook under load and failure (DESIGN §5: "nothing is acknowledged
// before it is durably stored; nothing is applied twice; no order of
// arrival corrupts the mirror"): many deliveries at once, the same delivery
// many times at once, related events and events of one user racing each
// other, two server processes on one database, kill -9 during a burst
// (on either backend), and the database failing (503, then Svix's retry is
// applied). PostgreSQL stopped and crashed under load, and a full disk
// under SQLite, are in faults.test.mjs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { DB_KIND, ROOT, SKIP_VIA_PROXY, freshDb, health, rmDir, tmpDir, until } from './lib/server.mjs';
import {
  assertOk, count, deliver, deliverRetrying, event, membershipEvent, memberships, msgId, orgEvent, orgs, pool,
  rows, runSql, startWebhookServer, uid, userByClerkId, userEvent, users, withServer,
} from './lib/webhook.mjs';

const T = { timeout: 180000 };

// Per svix-id, the outcomes a server logged (one log line per delivery).
function loggedOutcomes(logs) {
  const out = new Map();
  for (const m of logs.matchAll(/component=webhook svix_id="([^"]*)"[^\n]*? outcome=(\w+)/g)) {
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push(m[2]);
  }
  return out;
}

test('300 distinct deliveries, 32 at a time: all 200 and every row present', T, async () => {
  await withServer(async (srv) => {
    const t0 = Date.now() - 60000;
    const items = Array.from({ length: 300 }, (_, i) => {
      const ev = i % 3 === 2 ? orgEvent({ updated_at: t0 + i }) : userEvent({ updated_at: t0 + i });
      return { id: msgId(), body: JSON.stringify(ev), ev };
    });
    const res = await pool(items, 32, (it) => deliver(srv.url, it.body, { id: it.id }));
    const bad = res.filter((r) => r.error || r.status !== 200);
    assert.deepEqual(bad.slice(0, 5).map((r) => r.error?.message ?? `${r.status} ${r.text}`), [], `${bad.length} failed`);
    for (const r of res) assert.equal(r.text, '"OK"');

    const stored = new Map(rows(srv.db, 'SELECT svix_id, status, attempts, payload FROM webhook_events')
      .map((r) => [r.svix_id, r]));
    assert.equal(stored.size, 300);
    for (const it of items) {
      const r = stored.get(it.id);
      assert.ok(r, `${it.id} stored`);
      assert.equal(r.status, 'applied', it.id);
      assert.equal(r.attempts, 1, it.id);
      assert.equal(r.payload, it.body, it.id);
    }
    const u = new Set(users(srv.db).map((x) => x.clerk_id));
    const o = new Set(orgs(srv.db).map((x) => x.clerk_id));
    assert.equal(u.size, 200);
    assert.equal(o.size, 100);
    for (const it of items) assert.ok((it.ev.type.startsWith('user') ? u : o).has(it.ev.data.id), it.ev.data.id);
  });
});

test('the same delivery 20 times at once: all 200, one event row, applied once', T, async () => {
  await withServer(async (srv) => {
    for (let round = 0; round < 3; round++) {
      const id = msgId();
      const ev = userEvent();
      const body = JSON.stringify(ev);
      const res = await Promise.all(Array.from({ length: 20 }, () => deliver(srv.url, body, { id })));
      for (const r of res) assertOk(r, `round ${round}`);
      const r = rows(srv.db, `SELECT status, attempts FROM webhook_events WHERE svix_id = '${id}'`);
      assert.deepEqual(r, [{ status: 'applied', attempts: 1 }], `round ${round}`);
      assert.ok(userByClerkId(srv.db, ev.data.id), `round ${round}: the user exists`);
      assert.equal(count(srv.db, 'users'), round + 1, `round ${round}: exactly one user more`);
    }
    // The same for a failed (422) event: every attempt is counted once.
    const bad = userEvent();
    delete bad.data.id;
    const id = msgId();
    const res = await Promise.all(Array.from({ length: 10 }, () => deliver(srv.url, JSON.stringify(bad), { id })));
    for (const r of res) assert.equal(r.status, 422, `${r.status} ${r.text}`);
    const row = event(srv.db, id);
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 10, 'each of the 10 deliveries counted once');
  });
});

test('related events (orgs, users, memberships) all at once in random order: a complete mirror', T, async (t) => {
  await withServer(async (srv) => {
    const t0 = Date.now() - 60000;
    const items = [];
    const want = { orgs: [], users: [], memberships: [] };
    for (let i = 0; i < 10; i++) {
      const orgId = uid('org');
      items.push(orgEvent({ id: orgId, name: `Org ${i}`, updated_at: t0 + i }));
      want.orgs.push([orgId, `Org ${i}`]);
      for (let j = 0; j < 2; j++) {
        const userId = uid('user');
        const email = `${userId.toLowerCase()}@example.com`;
        items.push(userEvent({ id: userId, email, first_name: `U${i}.${j}`, updated_at: t0 + i }));
        const memId = uid('orgmem');
        items.push(membershipEvent({ id: memId, userId, orgId, identifier: email, role: j ? 'org:member' : 'org:admin' }));
        want.users.push([userId, email, `U${i}.${j}`]);
        want.memberships.push([memId, userId, orgId, j ? 'org:member' : 'org:admin']);
      }
    }
    // A fixed shuffle (deterministic order across runs).
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let i = items.length - 1; i > 0; i--) {
      const k = Math.floor(rnd() * (i + 1));
      [items[i], items[k]] = [items[k], items[i]];
    }
    const res = await pool(items, items.length, (ev) => deliverRetrying(srv.url, JSON.stringify(ev)));
    const bad = res.filter((r) => r.error || r.status !== 200);
    assert.deepEqual(bad.slice(0, 5).map((r) => r.error?.message ?? `${r.status} ${r.text}`), [], `${bad.length} of ${items.length} failed`);
    const retried = res.filter((r) => r.retried > 0);
    if (retried.length) t.diagnostic(`${retried.length} deliveries answered 5xx first: ${retried[0].errors[0]}`);

    const o = orgs(srv.db);
    assert.deepEqual(o.map((x) => [x.clerk_id, x.name]).sort(), want.orgs.sort());
    assert.ok(o.every((x) => x.clerk_updated_at !== null), 'every org carries its org event\'s data, not a stub');
    const u = users(srv.db);
    assert.deepEqual(u.map((x) => [x.clerk_id, x.email, x.first_name]).sort(), want.users.sort());
    assert.ok(u.every((x) => x.clerk_updated_at !== null), 'every user carries its user event\'s data, not a stub');
    const uid2clerk = new Map(u.map((x) => [x.id, x.clerk_id]));
    const oid2clerk = new Map(o.map((x) => [x.id, x.clerk_id]));
    assert.deepEqual(memberships(srv.db).map((m) => [m.clerk_id, uid2clerk.get(m.user_id), oid2clerk.get(m.organization_id), m.role]).sort(),
      want.memberships.sort());
    assert.equal(count(srv.db, 'webhook_events', "status = 'applied'"), items.length);
  });
});

test('events of one user racing each other never clear that user\'s email', T, async (t) => {
  // user.created racing the membership that names the same user (stub
  // from public_user_data), and user.created racing its own user.updated.
  // Only the order of commits differs; the mirror must end the same. A
  // transient 5xx is retried under the same svix-id, as Svix would.
  await withServer(async (srv) => {
    const t0 = Date.now() - 60000;
    const wrong = [];
    let total = 0;
    let retried = 0;
    let firstError = '';
    for (let round = 0; round < 2; round++) {
      const items = [];
      const want = [];
      for (let i = 0; i < 80; i++) {
        const userId = uid('user');
        const email = `${userId.toLowerCase()}@example.com`;
        items.push(userEvent({ id: userId, email, first_name: 'Created', updated_at: t0 }));
        items.push(membershipEvent({ userId, orgId: uid('org'), identifier: email, updated_at: t0 }));
        want.push({ clerk_id: userId, email, first_name: 'Created', pair: 'user.created + membership' });
      }
      for (let i = 0; i < 80; i++) {
        const userId = uid('user');
        const email = `${userId.toLowerCase()}@example.com`;
        items.push(userEvent({ id: userId, email, first_name: 'Created', updated_at: t0 }));
        items.push(userEvent({ type: 'user.updated', id: userId, email, first_name: 'Updated', updated_at: t0 + 1 }));
        want.push({ clerk_id: userId, email, first_name: 'Updated', pair: 'user.created + user.updated' });
      }
      const res = await Promise.all(items.map((ev) => deliverRetrying(srv.url, JSON.stringify(ev))));
      const bad = res.filter((r) => r.status !== 200);
      assert.deepEqual(bad.slice(0, 3).map((r) => `${r.status} ${r.text}`), [], `${bad.length} not 200 after retries`);
      for (const r of res.filter((x) => x.retried > 0)) {
        retried++;
        firstError ||= r.errors[0];
      }
      const got = new Map(rows(srv.db, 'SELECT clerk_id, email, first_name FROM users').map((r) => [r.clerk_id, r]));
      for (const w of want) {
        const g = got.get(w.clerk_id);
        if (g?.email !== w.email || g?.first_name !== w.first_name)
          wrong.push(`${w.pair}: ${w.clerk_id} email ${g?.email} first_name ${g?.first_name}`);
      }
      total += want.length;
    }
    if (retried) t.diagnostic(`${retried} deliveries answered 5xx before a retry succeeded: ${firstError}`);
    assert.deepEqual(wrong, [], `${wrong.length} of ${total} users do not match their events`);
    assert.equal(count(srv.db, 'users'), total);
    // The database did not fail: a 5xx here is a lost race (e.g. the
    // email's unique index hit by a second insert of the same user).
    assert.equal(retried, 0, `${retried} deliveries answered 5xx first (Svix retried them): ${firstError}`);
  }, {
    // 320 deliveries at once from one address, where Svix sends from
    // many: over the per-address cap of 256 connections.
    env: { MYSAAS_MAX_CONNS_PER_IP: 0 },
  });
});

test('two serve processes on one database receive the same deliveries at once: all 200, each applied once', T, async () => {
  // DESIGN §5: "Two instances behind a load balancer on one PostgreSQL (or
  // two processes on one SQLite file) ... exactly one applies it ... both
  // answer 200 — the loser as a duplicate, never a 5xx." Here each event
  // races only its own copy at the other process (events of one user
  // racing each other are the test above).
  const db = freshDb();
  let a;
  let b;
  try {
    a = await startWebhookServer({ db });
    b = await startWebhookServer({ db });
    const t0 = Date.now() - 60000;
    // Users that later get a user.updated, mirrored beforehand.
    let previous = [];
    for (let i = 0; i < 10; i++) {
      const ev = userEvent({ updated_at: t0 + i });
      previous.push(ev);
      assertOk(await deliver(a.url, JSON.stringify(ev)), 'warm-up');
    }
    const all = [];
    const updated = [];
    for (let round = 0; round < 2; round++) {
      // 50 deliveries: 20 new users, 10 orgs, 10 memberships of new users
      // in new orgs (stubs), 10 updates of users mirrored earlier.
      const items = [];
      const created = [];
      for (let i = 0; i < 20; i++) {
        const ev = userEvent({ updated_at: t0 + round * 100 + i });
        created.push(ev);
        items.push(ev);
      }
      for (let i = 0; i < 10; i++) items.push(orgEvent({ updated_at: t0 + i }));
      for (let i = 0; i < 10; i++) items.push(membershipEvent({ role: 'org:admin', updated_at: t0 + i }));
      for (const p of previous.slice(0, 10)) {
        const ev = userEvent({
          type: 'user.updated', id: p.data.id, email: p.data.email_addresses[1].email_address,
          last_name: 'Updated', updated_at: p.data.updated_at + 1000,
        });
        updated.push(ev);
        items.push(ev);
      }
      previous = created;
      const sends = items.map((ev) => ({ id: msgId(), body: JSON.stringify(ev), ev }));
      all.push(...sends);
      const res = await Promise.all(sends.flatMap((s) => [a, b].map(async (srv) => {
        try { return { type: s.ev.type, ...await deliver(srv.url, s.body, { id: s.id }) }; } catch (error) {
          return { type: s.ev.type, error };
        }
      })));
      const bad = res.filter((r) => r.error || r.status !== 200);
      const serverErrors = (a.logs() + b.logs()).split('\n').filter((l) => /outcome=error/.test(l)).slice(0, 3);
      assert.deepEqual(bad.slice(0, 5).map((r) => `${r.type}: ${r.error?.message ?? `${r.status} ${r.text}`}`), [],
        `round ${round}: ${bad.length} of ${res.length} answers were not 200\n${serverErrors.join('\n')}`);
      for (const r of res) assert.equal(r.text, '"OK"');
    }

    const stored = new Map(rows(db, 'SELECT svix_id, type, status, attempts FROM webhook_events').map((r) => [r.svix_id, r]));
    assert.equal(stored.size, all.length + 10, 'one row per delivery');
    for (const s of all) {
      const r = stored.get(s.id);
      assert.ok(r, `${s.id} stored`);
      assert.equal(r.attempts, 1, `${s.id} (${s.ev.type}) applied once`);
      assert.equal(r.status, 'applied', `${s.id} ${s.ev.type}`);
    }
    // Exactly one of the two processes processed each delivery; the other
    // answered it as a duplicate.
    const la = loggedOutcomes(a.logs());
    const lb = loggedOutcomes(b.logs());
    for (const s of all) {
      const outcomes = [...(la.get(s.id) ?? []), ...(lb.get(s.id) ?? [])];
      assert.equal(outcomes.length, 2, `${s.id}: logged by both (${outcomes})`);
      assert.equal(outcomes.filter((o) => o !== 'duplicate').length, 1, `${s.id}: processed once (${outcomes})`);
    }
    // The mirror: 10 + 40 users + 20 member stubs, the updated ones with
    // their newer data; 20 orgs + 20 stubs; 20 memberships.
    const u = users(db);
    assert.equal(u.length, 70);
    assert.equal(new Set(u.map((x) => x.clerk_id)).size, 70);
    for (const ev of updated) {
      const row = userByClerkId(db, ev.data.id);
      assert.equal(row.last_name, 'Updated', `${ev.data.id}: updated`);
      assert.equal(row.email, ev.data.email_addresses[1].email_address);
      assert.equal(row.clerk_updated_at, ev.data.updated_at);
    }
    assert.equal(count(db, 'organizations'), 40);
    assert.equal(count(db, 'organization_memberships'), 20);
  } finally {
    try {
      if (a) await a.stop();
    } finally {
      try {
        if (b) await b.stop();
      } finally {
        db.drop();
      }
    }
  }
});

test('kill -9 during a burst of 2,000 deliveries: every acknowledged one survives, the database is intact', {
  ...T, skip: SKIP_VIA_PROXY('one server process killed'),
}, async (t) => {
  const db = freshDb();
  let srv;
  let srv2;
  try {
    srv = await startWebhookServer({ db });
    const t0 = Date.now() - 60000;
    const items = Array.from({ length: 2000 }, (_, i) => {
      const ev = userEvent({ updated_at: t0 + i, email: `burst${i}@example.com` });
      return { id: msgId(), body: JSON.stringify(ev), clerkId: ev.data.id };
    });
    const acked = [];
    const other = [];
    let answered = 0;
    let killedAt = null;
    const started = Date.now();
    await pool(items, 16, async (it) => {
      if (killedAt !== null) return; // no server any more
      let r;
      try {
        r = await deliver(srv.url, it.body, { id: it.id, timeout: 15000 });
      } catch {
        return; // no answer: not acknowledged
      }
      if (r.status >= 200 && r.status < 300) acked.push(it);
      else other.push(`${r.status} ${r.text}`);
      answered++;
      if (answered === 500 && killedAt === null) {
        killedAt = Date.now();
        srv.kill('SIGKILL');
      }
    });
    const ex = await srv.wait(10000);
    assert.deepEqual(ex, { code: null, signal: 'SIGKILL' }, 'the server was killed');
    assert.deepEqual(other.slice(0, 5), [], 'answers before the kill were 200');
    assert.ok(acked.length >= 500, `${acked.length} acknowledged`);
    const burstMs = killedAt - started;

    // The database as the crash left it (PostgreSQL checks its own).
    if (db.kind === 'sqlite') {
      const ic = runSql(db, 'PRAGMA integrity_check');
      assert.equal(ic.code, 0, ic.stderr);
      assert.equal(ic.stdout.trim(), 'ok');
    }
    const stored = new Map(rows(db, 'SELECT svix_id, status, attempts FROM webhook_events').map((r) => [r.svix_id, r]));
    for (const it of acked) {
      assert.deepEqual(stored.get(it.id), { svix_id: it.id, status: 'applied', attempts: 1 },
        `${it.id} was acknowledged, so it must be stored`);
    }
    // Event rows and their effects committed together.
    assert.equal(count(db, 'users'), stored.size, 'one user per stored event');
    if (db.kind === 'sqlite') {
      const fk = runSql(db, 'PRAGMA foreign_key_check');
      assert.equal(fk.stdout.trim(), '', 'no dangling foreign keys');
    }

    // Restart on the same file; Svix retries what was not acknowledged.
    srv2 = await startWebhookServer({ db });
    assert.equal((await health(srv2.url)).status, 200);
    const ackedIds = new Set(acked.map((x) => x.id));
    const retry = items.filter((x) => !ackedIds.has(x.id)).slice(0, 400);
    const res = await pool(retry, 16, (it) => deliver(srv2.url, it.body, { id: it.id }));
    const bad = res.filter((r) => r.error || r.status !== 200);
    assert.deepEqual(bad.slice(0, 3).map((r) => r.error?.message ?? `${r.status} ${r.text}`), [], 'retries after the restart');
    // A few acknowledged ones again: duplicates.
    for (const it of acked.slice(0, 20)) assertOk(await deliver(srv2.url, it.body, { id: it.id }));
    const after = new Map(rows(db, 'SELECT svix_id, status, attempts FROM webhook_events').map((r) => [r.svix_id, r]));
    for (const it of [...acked, ...retry]) {
      assert.deepEqual(after.get(it.id), { svix_id: it.id, status: 'applied', attempts: 1 }, it.id);
    }
    assert.equal(count(db, 'users'), after.size);
    if (db.kind === 'sqlite') {
      const ic = runSql(db, 'PRAGMA integrity_check');
      assert.equal(ic.stdout.trim(), 'ok', 'intact after the restart and the retries');
    }
    t.diagnostic(`killed after ${burstMs} ms, ${acked.length} acknowledged, ${stored.size} stored`);
  } finally {
    try {
      if (srv) await srv.stop({ expectCode: null });
      if (srv2) await srv2.stop();
    } finally {
      db.drop();
    }
  }
});

// Holds SQLite's write lock from a sqlite3 process until release();
// resolves once the lock is held.
async function holdSqliteLock(file) {
  const p = spawn('sqlite3', ['-batch', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.resume();
  const exited = new Promise((resolve) => p.on('exit', resolve));
  p.stdin.write(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n");
  const held = await until(() => out.includes('locked'), { ms: 10000, every: 20 });
  if (!held) {
    p.kill('SIGKILL');
    throw new Error('sqlite3 did not get the write lock');
  }
  return {
    release: async () => {
      p.stdin.end('COMMIT;\n.quit\n');
      let timer;
      const done = await Promise.race([exited.then(() => true),
        new Promise((resolve) => { timer = setTimeout(() => resolve(false), 5000); })]);
      clearTimeout(timer);
      if (!done) p.kill('SIGKILL');
    },
  };
}

test('the database unavailable: 503, nothing stored; Svix\'s retry under the same id is applied once', {
  ...T, skip: DB_KIND !== 'sqlite' && 'SQLite (the PostgreSQL case is the next test)',
}, async () => {
  await withServer(async (srv) => {
    const ev = userEvent();
    const body = JSON.stringify(ev);
    const id = msgId();
    // Held until the server gave up (its busy timeout is 5 s).
    const lock = await holdSqliteLock(srv.db.path);
    let r;
    try {
      r = await deliver(srv.url, body, { id, timeout: 20000 });
    } finally {
      await lock.release();
    }
    assert.equal(r.status, 503, `while the database is locked: ${r.status} ${r.text}`);
    assert.equal(typeof r.json?.detail, 'string');
    assert.equal(count(srv.db, 'webhook_events'), 0, 'nothing stored');
    assert.equal(count(srv.db, 'users'), 0);

    assertOk(await deliver(srv.url, body, { id }), 'the retry');
    assert.deepEqual(rows(srv.db, `SELECT status, attempts FROM webhook_events WHERE svix_id = '${id}'`),
      [{ status: 'applied', attempts: 1 }]);
    assert.ok(userByClerkId(srv.db, ev.data.id));
  });
});

test('PostgreSQL down: the webhook answers 503 (no hang, no 200); after it is back the retry is applied', {
  ...T, skip: DB_KIND !== 'postgres' && 'PostgreSQL only',
}, async () => {
  // A cluster of its own (it is stopped and started again).
  const SCRIPT = path.join(ROOT, 'scripts', 'pg-cluster.sh');
  const parent = tmpDir('mysaas-whpg-');
  fs.chmodSync(parent, 0o755); // as root the cluster runs as "postgres"
  const dir = path.join(parent, 'cluster');
  const cluster = (cmd) => {
    const r = spawnSync('sh', [SCRIPT, cmd, dir], { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL' });
    assert.equal(r.status, 0, `pg-cluster.sh ${cmd}: ${r.stderr}`);
    return r.stdout.trim();
  };
  try {
    const url = cluster('start');
    await withServer(async (srv) => {
      const db = { kind: 'postgres', url };
      assertOk(await deliver(srv.url, JSON.stringify(userEvent())), 'before the outage');
      cluster('halt');
      const ev = userEvent();
      const body = JSON.stringify(ev);
      const id = msgId();
      const t0 = Date.now();
      const r = await deliver(srv.url, body, { id, timeout: 30000 });
      assert.equal(r.status, 503, `while the database is down: ${r.status} ${r.text}`);
      assert.ok(Date.now() - t0 < 20000, 'answered within 20 s');
      assert.equal(typeof r.json?.detail, 'string');

      cluster('resume');
      // Svix retries (the first attempts may still meet a stale connection).
      const ok = await until(async () => {
        const x = await deliver(srv.url, body, { id, timeout: 20000 });
        return x.status === 200 ? x : null;
      }, { ms: 20000, every: 300 });
      assert.ok(ok, 'a retry is accepted within 20 s of the database coming back');
      assert.deepEqual(rows(db, `SELECT status, attempts FROM webhook_events WHERE svix_id = '${id}'`),
        [{ status: 'applied', attempts: 1 }], 'stored once; the 503 left nothing behind');
      assert.equal(count(db, 'users'), 2);
      assert.ok(userByClerkId(db, ev.data.id));
    }, { env: { DATABASE_URL: url } });
  } finally {
    spawnSync('sh', [SCRIPT, 'stop', dir], { timeout: 60000, killSignal: 'SIGKILL' });
    rmDir(parent);
  }
});
