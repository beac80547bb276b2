// mysaas clerk sync beyond users, organizations and memberships (DESIGN
// §12.3): the role and permission catalog first, then the invitations and
// domains, from the fake Backend API (lib/fake_clerk.mjs), through the
// webhook rules. Pages of 500 until a short one; 429 and 5xx retried, with
// Clerk's Retry-After when it sends one (the wait is measured); the counts
// in the summary line and in clerk_sync_runs; a second run changes nothing;
// deleted objects stay deleted; the admin's run page shows the new kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createAdmin, signedIn, tableRows } from './admin_helpers.mjs';
import { startFakeClerk } from './lib/fake_clerk.mjs';
import { freshDb, runCli, runCliAsync, startServer } from './lib/server.mjs';
import { count, exec, rows, scalar, sqlStr } from './lib/webhook.mjs';

const T = { timeout: 300000 };
const KINDS = ['permissions', 'roles', 'organizations', 'users', 'memberships', 'invitations', 'domains'];

// fn({db, fake, env, sync}) on a fresh migrated database and a fake
// Backend API; both are removed afterwards.
async function withSync(fn) {
  const db = freshDb();
  const fake = await startFakeClerk();
  try {
    const m = runCli(['migrate'], { env: { DATABASE_URL: db.url } });
    assert.equal(m.code, 0, m.stderr);
    const env = { DATABASE_URL: db.url, ...fake.env() };
    const sync = () => runCliAsync(['clerk', 'sync'], { env, timeout: 240000 });
    await fn({ db, fake, env, sync });
  } finally {
    await fake.close();
    db.drop();
  }
}

// More than a page (500) of each of the four kinds: 8 system permissions
// and 500 more; the 2 default roles and 500 more; 503 invitations (one
// accepted, one revoked); 502 domains (two verified, one through the
// deprecated `verification` alone).
function seed(fake) {
  for (let i = 0; i < 500; i++) fake.addPermission({ key: `org:feature${i}:read`, name: `Feature ${i}` });
  for (let i = 0; i < 500; i++) {
    fake.addRole({ key: `org:role${i}`, name: `Role ${i}`, permissions: [`org:feature${i}:read`, 'org:sys_memberships:read'] });
  }
  const bob = fake.addUser({ first_name: 'Bob' });
  const alice = fake.addUser({ first_name: 'Alice', email: 'alice@acme.example' });
  const acme = fake.addOrg({ name: 'Acme' });
  const beta = fake.addOrg({ name: 'Beta' });
  fake.addMembership({ organization_id: acme.id, user_id: bob.id, role: 'org:admin' });
  for (let i = 0; i < 501; i++) {
    fake.addInvitation({ organization_id: i % 2 ? acme.id : beta.id, inviter_user_id: bob.id, email_address: `inv${i}@example.com` });
  }
  const accepted = fake.addInvitation({
    organization_id: acme.id, inviter_user_id: bob.id, email_address: 'alice@acme.example', role: 'org:admin',
    status: 'accepted', user_id: alice.id,
  });
  const revoked = fake.addInvitation({ organization_id: beta.id, email_address: 'carol@example.com', status: 'revoked' });
  for (let i = 0; i < 500; i++) fake.addDomain({ organization_id: i % 2 ? acme.id : beta.id, name: `d${i}.example` });
  const verified = fake.addDomain({
    organization_id: acme.id, name: 'acme.example', verified: true, enrollment_mode: 'automatic_invitation',
    affiliation_email_address: 'it@acme.example',
  });
  const legacy = fake.addDomain({
    organization_id: beta.id, name: 'beta.example', affiliation_verification: null,
    verification: { status: 'verified', strategy: 'email_code', attempts: 1, expire_at: null },
  });
  return { bob, alice, acme, beta, accepted, revoked, verified, legacy };
}

const SEEDED = { permissions: 508, roles: 502, organizations: 2, users: 2, memberships: 1, invitations: 503, domains: 502 };
const TOTAL = Object.values(SEEDED).reduce((a, b) => a + b, 0);

// The summary line's "Synced ..." part for counts by kind.
const syncedLine = (n) => `Synced ${KINDS.map((k) => `${n[k]} ${k}`).join(', ')}: `;

// A run's counts by kind: [seen, applied, unchanged, failed].
function runCounts(db, id) {
  const [run] = rows(db, `SELECT * FROM clerk_sync_runs WHERE id = ${id}`);
  return Object.fromEntries(KINDS.map((k) =>
    [k, ['seen', 'applied', 'unchanged', 'failed'].map((c) => Number(run[`${k}_${c}`]))]));
}

const each = (f) => Object.fromEntries(KINDS.map((k) => [k, f(SEEDED[k], k)]));

// The offsets a list was asked for, in order.
const offsets = (fake, path) => fake.calls(`GET ${path}`).map((c) => [c.query.limit, c.query.offset]);

test('clerk sync backfills the catalog, invitations and domains, page by page, and is idempotent', T, async () => {
  await withSync(async ({ db, fake, sync }) => {
    const s = seed(fake);
    let r = await sync();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`${syncedLine(SEEDED)}${TOTAL} applied, 0 unchanged, 0 failed (sync run 1).`), r.stdout);
    assert.deepEqual(runCounts(db, 1), each((n) => [n, n, 0, 0]));

    // Two pages of each (500, then the short one), in the catalog-first order.
    for (const p of ['/v1/organization_permissions', '/v1/organization_roles', '/v1/organization_invitations',
      '/v1/organization_domains']) {
      assert.deepEqual(offsets(fake, p), [['500', '0'], ['500', '500']], p);
    }
    assert.deepEqual(offsets(fake, '/v1/organizations'), [['500', '0']]);
    const order = [...new Set(fake.calls().map((c) => c.path))];
    assert.deepEqual(order, ['/v1/organization_permissions', '/v1/organization_roles', '/v1/organizations', '/v1/users',
      '/v1/organization_memberships', '/v1/organization_invitations', '/v1/organization_domains']);

    // The mirror.
    assert.deepEqual([count(db, 'permissions'), count(db, 'roles'), count(db, 'role_permissions')],
      [508, 502, 500 * 2 + 8 + 1]);
    assert.deepEqual(rows(db, `SELECT p.key FROM role_permissions rp JOIN roles r ON r.id = rp.role_id
      JOIN permissions p ON p.id = rp.permission_id WHERE r.key = 'org:role7' ORDER BY p.key`).map((x) => x.key),
    ['org:feature7:read', 'org:sys_memberships:read']);
    assert.equal(count(db, 'organization_invitations'), 503);
    assert.equal(count(db, 'organization_domains'), 502);
    const inv = (id) => rows(db, `SELECT i.email_address, i.role, i.status, i.inviter_clerk_id, i.user_clerk_id,
      i.expires_at, i.clerk_updated_at, o.clerk_id AS org FROM organization_invitations i
      JOIN organizations o ON o.id = i.organization_id WHERE i.clerk_id = ${sqlStr(id)}`)
      .map((x) => ({ ...x, expires_at: Number(x.expires_at), clerk_updated_at: Number(x.clerk_updated_at) }))[0];
    assert.deepEqual(inv(s.accepted.id), {
      email_address: 'alice@acme.example', role: 'org:admin', status: 'accepted', inviter_clerk_id: s.bob.id,
      user_clerk_id: s.alice.id, expires_at: s.accepted.expires_at, clerk_updated_at: s.accepted.updated_at,
      org: s.acme.id,
    });
    assert.deepEqual([inv(s.revoked.id).status, inv(s.revoked.id).inviter_clerk_id, inv(s.revoked.id).org],
      ['revoked', null, s.beta.id]);
    assert.deepEqual(rows(db, `SELECT d.clerk_id, d.name, d.enrollment_mode, d.affiliation_email_address,
      o.clerk_id AS org FROM organization_domains d JOIN organizations o ON o.id = d.organization_id
      WHERE d.verified = 1 ORDER BY d.name`), [
      { clerk_id: s.verified.id, name: 'acme.example', enrollment_mode: 'automatic_invitation',
        affiliation_email_address: 'it@acme.example', org: s.acme.id },
      { clerk_id: s.legacy.id, name: 'beta.example', enrollment_mode: 'manual_invitation',
        affiliation_email_address: null, org: s.beta.id },
    ]);
    // Every object a change of run 1, by type.
    assert.deepEqual(rows(db, `SELECT object_type, count(*) AS n FROM clerk_sync_changes WHERE run_id = 1
      GROUP BY object_type ORDER BY object_type`).map((x) => [x.object_type, Number(x.n)]), [
      ['users.organization', 2], ['users.organizationdomain', 502], ['users.organizationinvitation', 503],
      ['users.organizationmembership', 1], ['users.permission', 508], ['users.role', 502], ['users.user', 2]]);

    // Again: all unchanged, no change recorded.
    r = await sync();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`${syncedLine(SEEDED)}0 applied, ${TOTAL} unchanged, 0 failed (sync run 2).`), r.stdout);
    assert.deepEqual(runCounts(db, 2), each((n) => [n, 0, n, 0]));
    assert.equal(count(db, 'clerk_sync_changes', 'run_id = 2'), 0);

    // Changes in Clerk since: an invitation revoked, a domain verified.
    const pending = [...fake.state.invitations.values()].find((i) => i.email_address === 'inv5@example.com');
    pending.status = 'revoked';
    fake.state.touch(pending);
    const dom = [...fake.state.domains.values()].find((d) => d.name === 'd3.example');
    Object.assign(dom, { affiliation_verification: { status: 'verified', strategy: 'email_code', attempts: 1 } });
    fake.state.touch(dom);
    r = await sync();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`: 2 applied, ${TOTAL - 2} unchanged, 0 failed (sync run 3).`), r.stdout);
    assert.deepEqual(runCounts(db, 3), each((n, k) => (['invitations', 'domains'].includes(k) ? [n, 1, n - 1, 0] : [n, 0, n, 0])));
    assert.equal(inv(pending.id).status, 'revoked');
    assert.equal(scalar(db, `SELECT verified FROM organization_domains WHERE clerk_id = ${sqlStr(dom.id)}`), 1);
    assert.deepEqual(rows(db, 'SELECT object_type, clerk_id FROM clerk_sync_changes WHERE run_id = 3 ORDER BY id'), [
      { object_type: 'users.organizationinvitation', clerk_id: pending.id },
      { object_type: 'users.organizationdomain', clerk_id: dom.id }]);

    // The admin's page of run 3: the counts of every kind, the two objects.
    createAdmin(db, 'root@sync.test');
    const srv = await startServer({ db });
    try {
      const c = await signedIn(srv.url, 'root@sync.test');
      const page = await c.get('/admin/clerk/syncrun/3/change/');
      assert.equal(page.status, 200);
      assert.deepEqual(tableRows(page.text, 'counts'), KINDS.map((k) => (['invitations', 'domains'].includes(k)
        ? [SEEDED[k], 1, SEEDED[k] - 1, 0] : [SEEDED[k], 0, SEEDED[k], 0]).map(String)));
      for (const k of ['Permissions', 'Roles', 'Invitations', 'Domains']) assert.ok(page.text.includes(`<th scope="row">${k}</th>`), k);
      const changes = tableRows(page.text, 'changes');
      const orgName = (id) => (id === s.acme.id ? 'Acme' : 'Beta');
      assert.deepEqual(changes.map((x) => x.slice(1)), [
        [pending.id, `${pending.email_address} to ${orgName(pending.organization_id)}`],
        [dom.id, `d3.example of ${orgName(dom.organization_id)}`]]);
      assert.match(changes[0][0], /invitation/);
      assert.match(changes[1][0], /domain/);
      // The changelist sums every kind.
      const list = tableRows((await c.get('/admin/clerk/syncrun/')).text);
      assert.deepEqual(list.map((x) => x.slice(4)), [[String(TOTAL), '2', '0'], [String(TOTAL), '0', '0'],
        [String(TOTAL), String(TOTAL), '0']]);
    } finally {
      await srv.stop();
    }
  });
});

// A small instance: the defaults, one organization with an invitation and
// a domain.
function seedSmall(fake) {
  const org = fake.addOrg({ name: 'Small' });
  const inv = fake.addInvitation({ organization_id: org.id, email_address: 'x@example.com' });
  const dom = fake.addDomain({ organization_id: org.id, name: 'small.example' });
  return { org, inv, dom };
}

test('clerk sync waits as Retry-After says on a 429, retries a 500, and counts each item once', T, async () => {
  await withSync(async ({ db, fake, sync }) => {
    seedSmall(fake);
    fake.fail('GET /v1/organization_invitations', { status: 429, retryAfter: 2, times: 1 });
    fake.fail('GET /v1/organization_domains', { status: 500, times: 1 });
    fake.fail('GET /v1/organization_roles', { status: 503, retryAfter: 1, times: 2 });
    const r = await sync();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const n = { permissions: 8, roles: 2, organizations: 1, users: 0, memberships: 0, invitations: 1, domains: 1 };
    assert.ok(r.stdout.includes(`${syncedLine(n)}13 applied, 0 unchanged, 0 failed (sync run 1).`), r.stdout);
    const gaps = (p) => {
      const at = fake.calls(`GET ${p}`).map((c) => c.at);
      return at.slice(1).map((t, i) => t - at[i]);
    };
    const gap = (p) => {
      const g = gaps(p);
      assert.equal(g.length, 1, p);
      return g[0];
    };
    const g429 = gap('/v1/organization_invitations');
    assert.ok(g429 >= 1950 && g429 < 4500, `Retry-After: 2 honoured (waited ${g429} ms)`);
    const g500 = gap('/v1/organization_domains');
    assert.ok(g500 >= 950 && g500 < 1950, `a 500 without Retry-After: the first wait, 1 s (waited ${g500} ms)`);
    // Retry-After: 1 twice: 1 s each time, not the doubling wait.
    const roles = gaps('/v1/organization_roles');
    assert.equal(roles.length, 2);
    for (const g of roles) assert.ok(g >= 950 && g < 1950, `Retry-After: 1 honoured (waited ${g} ms)`);
    assert.deepEqual(runCounts(db, 1).invitations, [1, 1, 0, 0]);
    assert.deepEqual(runCounts(db, 1).domains, [1, 1, 0, 0]);
    assert.equal(count(db, 'organization_invitations'), 1);
  });
});

test('clerk sync gives up after five attempts; the run is failed with the kinds read before', T, async () => {
  await withSync(async ({ db, fake, sync }) => {
    seedSmall(fake);
    fake.fail('GET /v1/organization_roles', { status: 503, retryAfter: 1 });
    let r = await sync();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /answered 503 to GET \/v1\/organization_roles\?limit=500&offset=0/);
    assert.equal(fake.count('GET /v1/organization_roles'), 5);
    assert.equal(fake.count('GET /v1/organizations'), 0, 'nothing after the failed kind');
    const [run] = rows(db, 'SELECT status, error FROM clerk_sync_runs');
    assert.equal(run.status, 'failed');
    assert.match(run.error, /503/);
    assert.deepEqual(runCounts(db, 1).permissions, [8, 8, 0, 0]);
    assert.equal(count(db, 'permissions'), 8);
    // A client error is not retried.
    fake.clearFaults();
    fake.fail('GET /v1/organization_domains', { status: 422 });
    r = await sync();
    assert.equal(r.code, 1);
    assert.equal(fake.count('GET /v1/organization_domains'), 1);
    assert.match(rows(db, 'SELECT error FROM clerk_sync_runs WHERE id = 2')[0].error, /answered 422 to GET \/v1\/organization_domains/);
  });
});

test('clerk sync does not bring back a deleted domain or a deleted organization\'s invitations', T, async () => {
  await withSync(async ({ db, fake, sync }) => {
    const { org, inv, dom } = seedSmall(fake);
    const other = fake.addOrg({ name: 'Other' });
    const kept = fake.addDomain({ organization_id: other.id, name: 'other.example' });
    const later = Date.now() + 60000;
    // Deleted here (their webhooks came first), still listed by Clerk.
    exec(db, `INSERT INTO clerk_tombstones (clerk_id, kind, deleted_at) VALUES
      (${sqlStr(org.id)}, 'organization', ${later}), (${sqlStr(kept.id)}, 'organization_domain', ${later})`);
    const r = await sync();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(rows(db, 'SELECT clerk_id FROM organizations').map((x) => x.clerk_id), [other.id]);
    assert.equal(count(db, 'organization_invitations'), 0);
    assert.equal(count(db, 'organization_domains'), 0);
    const c = runCounts(db, 1);
    assert.deepEqual([c.organizations, c.invitations, c.domains], [[2, 1, 1, 0], [1, 0, 1, 0], [2, 0, 2, 0]]);
    assert.ok(inv && dom);
  });
});
