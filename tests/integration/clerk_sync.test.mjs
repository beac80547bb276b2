// mysaas clerk sync: backfill from a fake Backend API, through the same
// rules as webhooks — idempotent, and never overwriting newer data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, freshDb, runCli, runCliAsync } from './lib/server.mjs';

const FIX = path.join(ROOT, 'tests', 'fixtures', 'clerk');
const fixture = (name) => JSON.parse(fs.readFileSync(path.join(FIX, name), 'utf8')).data;

// 250 users (3 pages), 2 organizations, memberships; serves /v1 like Clerk.
function fakeBackend() {
  const alice = fixture('03-user.created.json');
  const bob = fixture('01-user.created-phone-only.json');
  const acme = fixture('07-organization.updated.json');
  const users = [alice, bob];
  for (let i = 0; i < 248; i++) {
    users.push({ ...bob, id: `user_sync${i}`, first_name: `U${i}`, username: null,
      primary_email_address_id: `idn_s${i}`,
      email_addresses: [{ id: `idn_s${i}`, email_address: `sync${i}@example.com` }] });
  }
  const beta = { ...acme, id: 'org_beta', name: 'Beta', slug: 'beta' };
  const m1 = fixture('08-organizationMembership.updated.json');
  const m2 = { ...m1, id: 'orgmem_beta_u0', role: 'org:member', organization: beta,
    public_user_data: { ...m1.public_user_data, user_id: 'user_sync0', identifier: 'sync0@example.com' } };
  const state = { requests: [], throttleOnce: true };
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
    return send(404, { errors: [] });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, state, port: srv.address().port })));
}

test('clerk sync backfills everything, pages through users, backs off on 429, and is idempotent', async () => {
  const db = freshDb();
  const fake = await fakeBackend();
  try {
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    const env = { DATABASE_URL: db.url, CLERK_SECRET_KEY: 'sk_test_sync', CLERK_API_URL: `http://127.0.0.1:${fake.port}` };
    let r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Synced 2 organizations, 250 users, 2 memberships/);
    const q = (sql) => db.sql(sql).stdout.trim();
    assert.equal(q('SELECT count(*) FROM users'), '250');
    assert.equal(q('SELECT count(*) FROM organizations'), '2');
    assert.equal(q('SELECT count(*) FROM organization_memberships'), '2');
    // Alice's primary email (the second of her two), Bob phone-only.
    assert.equal(q("SELECT email FROM users WHERE clerk_id = 'user_2mA7kQ9vXc3LpR8tN1bW5yZ4dFe'"), 'alice@acme.example');
    assert.equal(q("SELECT count(*) FROM users WHERE clerk_id = 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' AND email IS NULL"), '1');
    assert.equal(q("SELECT role FROM organization_memberships WHERE clerk_id = 'orgmem_2mA9dH3kT6wQ1pX8nL5vR2cB7yZ'"), 'org:billing');
    // Users were paged with the starting_after cursor; the 429 was retried.
    const userPages = fake.state.requests.filter((x) => x.path.startsWith('/v1/users'));
    assert.equal(userPages.length, 3);
    assert.ok(userPages[1].path.includes('starting_after='));
    assert.ok(fake.state.requests.every((x) => x.auth === 'Bearer sk_test_sync'));
    // Again: nothing new, nothing duplicated.
    const before = q('SELECT count(*) FROM users') + q('SELECT count(*) FROM organization_memberships');
    r = await runCliAsync(['clerk', 'sync'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(q('SELECT count(*) FROM users') + q('SELECT count(*) FROM organization_memberships'), before);
  } finally {
    fake.srv.close();
    db.drop();
  }
});

test('clerk sync needs CLERK_SECRET_KEY; a wrong key fails with exit 1', async () => {
  const db = freshDb();
  const fake = await fakeBackend();
  try {
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    let r = runCli(['clerk', 'sync'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CLERK_SECRET_KEY/);
    fake.state.throttleOnce = false;
    r = await runCliAsync(['clerk', 'sync'], { env: { DATABASE_URL: db.url, CLERK_SECRET_KEY: 'sk_test_wrong', CLERK_API_URL: `http://127.0.0.1:${fake.port}` } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /401/);
    assert.equal(runCli(['clerk', 'sync', 'extra'], { env: { DATABASE_URL: db.url } }).code, 2);
  } finally {
    fake.srv.close();
    db.drop();
  }
});
