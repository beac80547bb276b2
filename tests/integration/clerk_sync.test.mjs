// mysaas clerk sync: backfill from a fake Backend API, through the same
// rules as webhooks — idempotent, and never overwriting newer data. Each
// run is recorded (clerk_sync_runs) with the objects it really changed
// (clerk_sync_changes), which the admin shows: the runs' pages and each
// object's history.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';

import {
  Client, PASSWORD, createAdmin, csrfOf, signedIn, tableRows,
} from './admin_helpers.mjs';
import { ROOT, freshDb, runCli, runCliAsync, startServer } from './lib/server.mjs';
import { exec, rows, scalar, sqlStr } from './lib/webhook.mjs';

const FIX = path.join(ROOT, 'tests', 'fixtures', 'clerk');
const fixture = (name) => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8')).data;

// 600 users (2 pages of 500), 2 organizations, memberships, and no roles,
// permissions, invitations or domains; serves /v1 like Clerk.
function fakeBackend() {
  const alice = fixture('03-user.created.json');
  const bob = fixture('01-user.created-phone-only.json');
  const acme = fixture('07-organization.updated.json');
  const users = [alice, bob];
  for (let i = 0; i < 598; i++) {
    users.push({ ...bob, id: `user_sync${i}`, first_name: `U${i}`, username: null,
      primary_email_address_id: `idn_s${i}`,
      email_addresses: [{ id: `idn_s${i}`, email_address: `sync${i}@example.com` }] });
  }
  const beta = { ...acme, id: 'org_beta', name: 'Beta', slug: 'beta' };
  const m1 = fixture('08-organizationMembership.updated.json');
  const m2 = { ...m1, id: 'orgmem_beta_u0', role: 'org:member', organization: beta,
    public_user_data: { ...m1.public_user_data, user_id: 'user_sync0', identifier: 'sync0@example.com' } };
  const state = { requests: [], throttleOnce: true, users, alice, acme };
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    state.requests.push({ path: u.pathname + u.search, auth: req.headers.authorization });
    const limit = Number(u.searchParams.get('limit') || 10);
    const offset = Number(u.searchParams.get('offset') || 0);
    const send = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (req.headers.authorization !== 'Bearer sk_test_sync') return send(401, { errors: [] });
    if (u.pathname === '/v1/organizations') {
      if (state.throttleOnce) { state.throttleOnce = false; return send(429, { errors: [] }); }
      const all = [acme, beta];
      return send(200, { data: all.slice(offset, offset + limit), total_count: all.length });
    }
    if (u.pathname === '/v1/users') {
      const after = u.searchParams.get('starting_after');
      const start = after ? users.findIndex((x) => x.id === after) + 1 : 0;
      return send(200, users.slice(start, start + limit));
    }
    if (u.pathname === '/v1/organization_memberships') {
      const all = [m1, m2];
      return send(200, { data: all.slice(offset, offset + limit), total_count: all.length });
    }
    if (EMPTY_LISTS.includes(u.pathname)) return send(200, { data: [], total_count: 0 });
    return send(404, { errors: [] });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, state, port: srv.address().port })));
}

const EMPTY_LISTS = ['/v1/organization_permissions', '/v1/organization_roles', '/v1/organization_invitations',
  '/v1/organization_domains'];

// fn({db, fake, env, onCleanup}) on a fresh migrated database with a fake
// Backend API; env is what `mysaas clerk sync` needs. Afterwards the
// functions given to onCleanup run (last first), then both are removed.
async function withSyncSetup(fn) {
  const db = freshDb();
  const fake = await fakeBackend();
  const cleanups = [];
  try {
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    const env = { DATABASE_URL: db.url, CLERK_SECRET_KEY: 'sk_test_sync', CLERK_API_URL: `http://127.0.0.1:${fake.port}` };
    await fn({ db, fake, env, onCleanup: (f) => cleanups.push(f) });
  } finally {
    for (const f of cleanups.reverse()) await f();
    fake.srv.close();
    db.drop();
  }
}

test('clerk sync backfills everything, pages through users, backs off on 429, and is idempotent', async () => {
  await withSyncSetup(async ({ db, fake, env }) => {
    let r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout,
      /Synced 0 permissions, 0 roles, 2 organizations, 600 users, 2 memberships, 0 invitations, 0 domains: /);
    const q = (sql) => db.sql(sql).stdout.trim();
    assert.equal(q('SELECT count(*) FROM users'), '600');
    assert.equal(q('SELECT count(*) FROM organizations'), '2');
    assert.equal(q('SELECT count(*) FROM organization_memberships'), '2');
    // Alice's primary email (the second of her two), Bob phone-only.
    assert.equal(q("SELECT email FROM users WHERE clerk_id = 'user_2mA7kQ9vXc3LpR8tN1bW5yZ4dFe'"), 'alice@acme.example');
    assert.equal(q("SELECT count(*) FROM users WHERE clerk_id = 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' AND email IS NULL"), '1');
    assert.equal(q("SELECT role FROM organization_memberships WHERE clerk_id = 'orgmem_2mA9dH3kT6wQ1pX8nL5vR2cB7yZ'"), 'org:billing');
    // Users were paged with the starting_after cursor; the 429 was retried.
    const userPages = fake.state.requests.filter((x) => x.path.startsWith('/v1/users'));
    assert.equal(userPages.length, 2);
    assert.ok(userPages[0].path.includes('limit=500'));
    assert.ok(userPages[1].path.includes('starting_after='));
    assert.ok(fake.state.requests.every((x) => x.auth === 'Bearer sk_test_sync'));
    // Again: nothing new, nothing duplicated.
    const before = q('SELECT count(*) FROM users') + q('SELECT count(*) FROM organization_memberships');
    r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(q('SELECT count(*) FROM users') + q('SELECT count(*) FROM organization_memberships'), before);
    // Recorded as a second run, which changed nothing.
    assert.match(r.stdout, /: 0 applied, 604 unchanged, 0 failed \(sync run 2\)/);
    const runs = syncRuns(db);
    assert.equal(runs.length, 2);
    assert.deepEqual(runs.map((x) => x.status), ['completed', 'completed']);
    assert.equal(runs[1].changes, 0);
    assert.deepEqual(counts(runs[1]), { ...NONE, organizations: [2, 0, 2, 0], users: [600, 0, 600, 0], memberships: [2, 0, 2, 0] });
  });
});

// The runs, oldest first, with their count of change rows.
function syncRuns(db) {
  return rows(db, `SELECT r.*, (SELECT count(*) FROM clerk_sync_changes c WHERE c.run_id = r.id) AS changes
    FROM clerk_sync_runs r ORDER BY r.id`).map((x) => ({ ...x, id: Number(x.id), changes: Number(x.changes) }));
}

// A run's counts by kind: [seen, applied, unchanged, failed].
const KINDS = ['permissions', 'roles', 'organizations', 'users', 'memberships', 'invitations', 'domains'];
const NONE = Object.fromEntries(KINDS.map((k) => [k, [0, 0, 0, 0]]));
function counts(run) {
  const out = {};
  for (const k of KINDS)
    out[k] = ['seen', 'applied', 'unchanged', 'failed'].map((n) => Number(run[`${k}_${n}`]));
  return out;
}

const ALICE = 'user_2mA7kQ9vXc3LpR8tN1bW5yZ4dFe';

test('clerk sync records each run and exactly the objects it changed', async () => {
  await withSyncSetup(async ({ db, fake, env }) => {
    let r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: 604 applied, 0 unchanged, 0 failed \(sync run 1\)/);
    let runs = syncRuns(db);
    assert.equal(runs.length, 1);
    const [first] = runs;
    assert.equal(first.status, 'completed');
    assert.equal(first.error, null);
    assert.ok(first.started_at && first.finished_at, 'started and finished');
    assert.ok(String(first.finished_at) >= String(first.started_at));
    assert.deepEqual(counts(first), { ...NONE, organizations: [2, 2, 0, 0], users: [600, 600, 0, 0], memberships: [2, 2, 0, 0] });
    assert.equal(first.changes, 604);
    const byType = rows(db, `SELECT object_type, count(*) AS n FROM clerk_sync_changes
      WHERE run_id = 1 GROUP BY object_type ORDER BY object_type`).map((x) => [x.object_type, Number(x.n)]);
    assert.deepEqual(byType, [['users.organization', 2], ['users.organizationmembership', 2], ['users.user', 600]]);
    assert.equal(Number(scalar(db, `SELECT count(*) FROM clerk_sync_changes WHERE clerk_id = ${sqlStr(ALICE)}`)), 1);

    // Nothing new: a run with no change.
    r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    runs = syncRuns(db);
    assert.deepEqual(runs.map((x) => [x.id, x.status, x.changes]), [[1, 'completed', 604], [2, 'completed', 0]]);

    // Alice edited in Clerk (a newer updated_at), and the org renamed at
    // the same updated_at (equal time, other content: still a change).
    fake.state.alice.first_name = 'Alicia';
    fake.state.alice.updated_at += 1000;
    fake.state.acme.name = 'Acme Renamed';
    fake.state.throttleOnce = false;
    r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /: 2 applied, 602 unchanged, 0 failed \(sync run 3\)/);
    runs = syncRuns(db);
    assert.deepEqual(counts(runs[2]), { ...NONE, organizations: [2, 1, 1, 0], users: [600, 1, 599, 0], memberships: [2, 0, 2, 0] });
    assert.deepEqual(rows(db, 'SELECT object_type, clerk_id FROM clerk_sync_changes WHERE run_id = 3 ORDER BY id'),
      [{ object_type: 'users.organization', clerk_id: fake.state.acme.id }, { object_type: 'users.user', clerk_id: ALICE }]);
    assert.equal(scalar(db, `SELECT first_name FROM users WHERE clerk_id = ${sqlStr(ALICE)}`), 'Alicia');
    assert.equal(scalar(db, `SELECT name FROM organizations WHERE clerk_id = ${sqlStr(fake.state.acme.id)}`), 'Acme Renamed');
  });
});

test('the admin shows sync runs read-only, and an object\'s history lists the runs that changed it', async () => {
  await withSyncSetup(async ({ db, fake, env, onCleanup }) => {
    for (let i = 0; i < 2; i++) assert.equal((await runCliAsync(['clerk', 'sync'], { env })).code, 0);
    fake.state.alice.last_name = '<b>Changed</b>';
    fake.state.alice.updated_at += 1000;
    assert.equal((await runCliAsync(['clerk', 'sync'], { env })).code, 0);
    // A failed run whose error holds markup, and a run left running (an
    // interrupted command) that changed an object since deleted.
    exec(db, `INSERT INTO clerk_sync_runs (id, status, error) VALUES (4, 'failed', '<script>alert(1)</script>');
      INSERT INTO clerk_sync_runs (id, status) VALUES (5, 'running');
      INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (5, 'users.user', 'user_<i>gone</i>')`);
    createAdmin(db, 'root@sync.test');
    createAdmin(db, 'viewer@sync.test', { superuser: false });
    const srv = await startServer({ db });
    onCleanup(() => srv.stop());

    // Login required.
    const anon = new Client(srv.url);
    for (const p of ['/admin/clerk/syncrun/', '/admin/clerk/syncrun/1/change/']) {
      const a = await anon.get(p);
      assert.equal(a.status, 302, p);
      assert.equal(a.location, `/admin/login/?next=${p}`);
    }
    const c = await signedIn(srv.url, 'root@sync.test');

    // The index: a card with the count, and the nav entry.
    let r = await c.get('/admin/');
    assert.equal(r.status, 200);
    assert.match(r.text, /<a href="\/admin\/clerk\/syncrun\/">Sync runs<\/a><\/h2>\n<p class="count">5<\/p>/);
    assert.doesNotMatch(r.text, /Add sync run/, 'read-only: no add button');

    // The changelist: newest first, status filter, escaped.
    r = await c.get('/admin/clerk/syncrun/');
    assert.equal(r.status, 200);
    let t = tableRows(r.text);
    assert.deepEqual(t.map((x) => [x[0], x[1]]), [['Sync run #5', 'running'], ['Sync run #4', 'failed'],
      ['Sync run #3', 'completed'], ['Sync run #2', 'completed'], ['Sync run #1', 'completed']]);
    assert.deepEqual(t[2].slice(4), ['604', '1', '0']);
    assert.deepEqual(t[4].slice(4), ['604', '604', '0']);
    assert.ok(r.text.includes('href="/admin/clerk/syncrun/3/change/"'));
    assert.doesNotMatch(r.text, /Add sync run/);
    r = await c.get('/admin/clerk/syncrun/?status=failed');
    assert.deepEqual(tableRows(r.text).map((x) => x[0]), ['Sync run #4']);
    r = await c.get('/admin/clerk/syncrun/?q=alert');
    assert.deepEqual(tableRows(r.text).map((x) => x[0]), ['Sync run #4']);
    r = await c.get('/admin/clerk/syncrun/?o=id');
    assert.deepEqual(tableRows(r.text).map((x) => x[0]).slice(0, 2), ['Sync run #1', 'Sync run #2']);

    // A run's page: counts and the objects it changed, linked.
    const aliceId = Number(scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ALICE)}`));
    r = await c.get('/admin/clerk/syncrun/3/change/');
    assert.equal(r.status, 200);
    assert.match(r.text, /<h1>View sync run<\/h1>/);
    // Seen, changed, unchanged, failed of permissions, roles,
    // organizations, users, memberships, invitations, domains.
    const none = ['0', '0', '0', '0'];
    assert.deepEqual(tableRows(r.text, 'counts'),
      [none, none, ['2', '0', '2', '0'], ['600', '1', '599', '0'], ['2', '0', '2', '0'], none, none]);
    assert.deepEqual(tableRows(r.text, 'changes'), [['user', ALICE, 'alice@acme.example']]);
    assert.ok(r.text.includes(`<a href="/admin/users/user/${aliceId}/change/">${ALICE}</a>`));
    assert.equal((await c.get(`/admin/users/user/${aliceId}/change/`)).status, 200);
    r = await c.get('/admin/clerk/syncrun/1/change/');
    assert.match(r.text, /604 objects, in the order they were applied/);
    assert.equal(tableRows(r.text, 'changes').length, 604);
    assert.ok(tableRows(r.text, 'changes').some((x) => x[0] === 'organization membership' && / in Acme/.test(x[2])));
    r = await c.get('/admin/clerk/syncrun/2/change/');
    assert.match(r.text, /0 objects/);
    assert.doesNotMatch(r.text, /<table id="changes">/);
    // Escaped everywhere; a deleted object is named, not linked.
    r = await c.get('/admin/clerk/syncrun/4/change/');
    assert.equal(r.status, 200);
    assert.ok(r.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!r.text.includes('<script>alert'));
    r = await c.get('/admin/clerk/syncrun/5/change/');
    assert.match(r.text, /interrupted/);
    assert.ok(r.text.includes('user_&lt;i&gt;gone&lt;/i&gt;'));
    assert.match(r.text, /No longer exists/);
    assert.doesNotMatch(r.text, /<i>gone/);
    for (const p of ['/admin/clerk/syncrun/99/change/', '/admin/clerk/syncrun/x/change/', '/admin/clerk/syncrun/-1/change/'])
      assert.equal((await c.get(p)).status, 404, p);

    // Read-only, for superusers too.
    const tok = csrfOf((await c.get('/admin/logout/')).text); // the run's page has no form
    assert.equal((await c.post('/admin/clerk/syncrun/3/change/', { csrfmiddlewaretoken: tok, status: 'failed' })).status, 403);
    assert.equal((await c.post('/admin/clerk/syncrun/3/delete/', { csrfmiddlewaretoken: tok, post: 'yes' })).status, 403);
    assert.equal((await c.get('/admin/clerk/syncrun/3/delete/')).status, 403);
    assert.equal((await c.get('/admin/clerk/syncrun/add/')).status, 403);
    assert.equal((await c.post('/admin/clerk/syncrun/add/', { csrfmiddlewaretoken: tok })).status, 403);
    assert.equal(scalar(db, 'SELECT status FROM clerk_sync_runs WHERE id = 3'), 'completed');
    assert.equal(Number(scalar(db, 'SELECT count(*) FROM clerk_sync_runs')), 5);

    // Alice's history: the runs that changed her (3 and 1, not 2), newest
    // first, each linking to a page that works.
    r = await c.get(`/admin/users/user/${aliceId}/history/`);
    assert.equal(r.status, 200);
    assert.match(r.text, /<h2>Clerk sync runs<\/h2>/);
    t = tableRows(r.text, 'sync-runs');
    assert.deepEqual(t.map((x) => x.slice(1)), [['Sync run #3', 'completed'], ['Sync run #1', 'completed']]);
    const links = [...r.text.matchAll(/href="(\/admin\/clerk\/syncrun\/\d+\/change\/)"/g)].map((m) => m[1]);
    assert.deepEqual(links, ['/admin/clerk/syncrun/3/change/', '/admin/clerk/syncrun/1/change/']);
    for (const l of links) assert.equal((await c.get(l)).status, 200, l);
    // An organization's and a membership's history too; a local user has none.
    const acmeId = Number(scalar(db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(fake.state.acme.id)}`));
    r = await c.get(`/admin/users/organization/${acmeId}/history/`);
    assert.deepEqual(tableRows(r.text, 'sync-runs').map((x) => x[1]), ['Sync run #1']);
    const memId = Number(scalar(db, "SELECT id FROM organization_memberships WHERE clerk_id = 'orgmem_beta_u0'"));
    r = await c.get(`/admin/users/organizationmembership/${memId}/history/`);
    assert.deepEqual(tableRows(r.text, 'sync-runs').map((x) => x[1]), ['Sync run #1']);
    const rootId = Number(scalar(db, "SELECT id FROM users WHERE email = 'root@sync.test'"));
    r = await c.get(`/admin/users/user/${rootId}/history/`);
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.text, /Clerk sync runs/);

    // View-only staff see the runs too.
    const v = await signedIn(srv.url, 'viewer@sync.test', PASSWORD);
    assert.equal((await v.get('/admin/clerk/syncrun/')).status, 200);
    assert.equal((await v.get('/admin/clerk/syncrun/3/change/')).status, 200);
  });
});

test('clerk sync needs CLERK_SECRET_KEY; a wrong key fails with exit 1', async () => {
  await withSyncSetup(async ({ db, fake }) => {
    let r = runCli(['clerk', 'sync'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CLERK_SECRET_KEY/);
    fake.state.throttleOnce = false;
    assert.equal(Number(scalar(db, 'SELECT count(*) FROM clerk_sync_runs')), 0, 'no run without a key');
    r = await runCliAsync(['clerk', 'sync'], { env: { DATABASE_URL: db.url, CLERK_SECRET_KEY: 'sk_test_wrong', CLERK_API_URL: `http://127.0.0.1:${fake.port}` } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /401/);
    // Recorded as failed, with the reason.
    const [run] = rows(db, 'SELECT status, error, finished_at FROM clerk_sync_runs');
    assert.equal(run.status, 'failed');
    assert.match(run.error, /answered 401 to GET \/v1\/organization_permissions/);
    assert.ok(run.finished_at);
    assert.equal(Number(scalar(db, 'SELECT count(*) FROM clerk_sync_changes')), 0);
    assert.equal(runCli(['clerk', 'sync', 'extra'], { env: { DATABASE_URL: db.url } }).code, 2);
  });
});
