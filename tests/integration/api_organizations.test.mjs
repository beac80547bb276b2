// The organizations resource (DESIGN §4): the caller's organizations with
// the caller's role, one organization by local id or Clerk id (404 when it
// does not exist or the caller is not a member), its members, pagination
// (limit 1..100, offset >= 0) with FastAPI-style 422 errors, and path
// segments that try SQL. The mirror is filled through signed webhooks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { count, fixture, startWebhookServer } from './lib/webhook.mjs';
import {
  addMember, assertNotAuthenticated, assertStatus, call, createOrg, createUser, mint, newKey, pemEnv,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };
const ORG_KEYS = ['clerk_id', 'id', 'image_url', 'name', 'role', 'slug'];
const byId = (a, b) => a.id - b.id;

describe('organizations', () => {
  let srv;
  let key;
  let alice; // member of acme (admin), beta (member), gamma (billing)
  let bob; // member of acme (member) and delta (admin)
  let carol; // member of acme (member)
  let dan; // no organization
  let acme;
  let beta;
  let gamma;
  let delta; // alice is not a member
  let lonely; // nobody is a member
  const tok = {};

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, { email: 'alice@acme.example', first_name: 'Alice', last_name: 'Nguyen' });
    bob = await createUser(srv, { email: 'bob@acme.example', first_name: 'Bob', last_name: 'Stone' });
    carol = await createUser(srv, { email: null, first_name: 'Carol', last_name: null });
    dan = await createUser(srv, { email: 'dan@example.com', first_name: 'Dan', last_name: 'Lee' });
    acme = await createOrg(srv, { name: 'Acme Corp', slug: 'acme-corp' });
    beta = await createOrg(srv, { name: 'Beta Labs', slug: 'beta-labs' });
    gamma = await createOrg(srv, { name: 'Gamma Inc', slug: 'gamma' });
    delta = await createOrg(srv, { name: 'Delta LLC', slug: 'delta' });
    lonely = await createOrg(srv, { name: 'Lonely', slug: 'lonely' });
    await addMember(srv, alice, acme, 'org:admin');
    await addMember(srv, alice, beta, 'org:member');
    await addMember(srv, alice, gamma, 'org:billing');
    await addMember(srv, bob, acme, 'org:member');
    await addMember(srv, bob, delta, 'org:admin');
    await addMember(srv, carol, acme, 'org:member');
    assert.equal(count(srv.db, 'organization_memberships'), 6);
  });
  after(async () => { if (srv) await srv.stop(); });

  // A fresh token for each call (each one is a normal session token).
  const get = async (user, path) => call(srv, path, { token: await mint(key, user.clerkId) });
  const orgJson = (o, role) => ({ id: o.id, clerk_id: o.clerkId, name: o.name, slug: o.slug, image_url: o.image_url, role });

  test('GET /api/v1/organizations: the caller\'s organizations with the caller\'s role', T, async () => {
    const r = await get(alice, '/api/v1/organizations');
    assertStatus(r, 200, 'list');
    assert.match(r.headers.get('content-type') || '', /^application\/json\b/);
    assert.deepEqual(Object.keys(r.json).sort(), ['data', 'total_count']);
    assert.equal(r.json.total_count, 3);
    for (const o of r.json.data) assert.deepEqual(Object.keys(o).sort(), ORG_KEYS);
    assert.deepEqual([...r.json.data].sort(byId), [
      orgJson(acme, 'org:admin'), orgJson(beta, 'org:member'), orgJson(gamma, 'org:billing'),
    ].sort(byId));

    const rb = await get(bob, '/api/v1/organizations');
    assertStatus(rb, 200, 'bob');
    assert.equal(rb.json.total_count, 2);
    assert.deepEqual([...rb.json.data].sort(byId), [orgJson(acme, 'org:member'), orgJson(delta, 'org:admin')].sort(byId));

    const rd = await get(dan, '/api/v1/organizations');
    assertStatus(rd, 200, 'dan');
    assert.deepEqual(rd.json, { data: [], total_count: 0 });
  });

  test('pagination: limit and offset, total_count always the full count', T, async () => {
    const all = (await get(alice, '/api/v1/organizations')).json.data;
    const p1 = await get(alice, '/api/v1/organizations?limit=2');
    assertStatus(p1, 200, 'limit=2');
    assert.equal(p1.json.data.length, 2);
    assert.equal(p1.json.total_count, 3);
    const p2 = await get(alice, '/api/v1/organizations?limit=2&offset=2');
    assertStatus(p2, 200, 'limit=2&offset=2');
    assert.equal(p2.json.data.length, 1);
    assert.equal(p2.json.total_count, 3);
    assert.deepEqual([...p1.json.data, ...p2.json.data], all, 'the pages, in order, are the whole list');
    const p3 = await get(alice, '/api/v1/organizations?offset=2');
    assertStatus(p3, 200, 'offset=2');
    assert.deepEqual(p3.json, { data: [all[2]], total_count: 3 });
    for (const off of [3, 50, 1000000]) {
      const r = await get(alice, `/api/v1/organizations?offset=${off}`);
      assertStatus(r, 200, `offset=${off}`);
      assert.deepEqual(r.json, { data: [], total_count: 3 }, `offset=${off}`);
    }
    for (const q of ['limit=1', 'limit=100', 'limit=1&offset=0', 'offset=0']) {
      const r = await get(alice, `/api/v1/organizations?${q}`);
      assertStatus(r, 200, q);
      assert.equal(r.json.total_count, 3);
    }
    const one = [];
    for (let i = 0; i < 3; i++) one.push(...(await get(alice, `/api/v1/organizations?limit=1&offset=${i}`)).json.data);
    assert.deepEqual(one, all, 'limit=1 pages in order');
  });

  // FastAPI/pydantic v2: {"detail":[{"type","loc":["query",name],"msg","input",...}]}
  function assert422(r, names, what) {
    assert.equal(r.status, 422, `${what}: expected 422, got ${r.status} ${r.text}`);
    assert.match(r.headers.get('content-type') || '', /^application\/json\b/, `${what}: content-type`);
    assert.ok(Array.isArray(r.json?.detail), `${what}: detail is a list: ${r.text}`);
    assert.deepEqual(r.json.detail.map((e) => e.loc[1]).sort(), [...names].sort(), `${what}: parameters named`);
    for (const e of r.json.detail) {
      for (const k of ['type', 'loc', 'msg', 'input']) assert.ok(k in e, `${what}: error has ${k}: ${JSON.stringify(e)}`);
      assert.equal(e.loc.length, 2);
      assert.equal(e.loc[0], 'query');
      assert.equal(typeof e.type, 'string');
      assert.equal(typeof e.msg, 'string');
      assert.ok(e.msg.length > 0);
    }
    return r.json.detail;
  }

  test('invalid limit / offset → 422 naming the parameter (FastAPI style)', T, async () => {
    for (const base of ['/api/v1/organizations', `/api/v1/organizations/${acme.id}/members`]) {
      let [e] = assert422(await get(alice, `${base}?limit=0`), ['limit'], `${base} limit=0`);
      assert.equal(e.type, 'greater_than_equal');
      assert.equal(e.input, '0');
      assert.deepEqual(e.ctx, { ge: 1 });
      assert.equal(e.msg, 'Input should be greater than or equal to 1');
      [e] = assert422(await get(alice, `${base}?limit=101`), ['limit'], `${base} limit=101`);
      assert.equal(e.type, 'less_than_equal');
      assert.equal(e.input, '101');
      assert.deepEqual(e.ctx, { le: 100 });
      assert.equal(e.msg, 'Input should be less than or equal to 100');
      [e] = assert422(await get(alice, `${base}?limit=abc`), ['limit'], `${base} limit=abc`);
      assert.equal(e.type, 'int_parsing');
      assert.equal(e.input, 'abc');
      assert.equal(e.msg, 'Input should be a valid integer, unable to parse string as an integer');
      [e] = assert422(await get(alice, `${base}?offset=-1`), ['offset'], `${base} offset=-1`);
      assert.equal(e.type, 'greater_than_equal');
      assert.equal(e.input, '-1');
      assert.deepEqual(e.ctx, { ge: 0 });
      assert422(await get(alice, `${base}?limit=0&offset=-1`), ['limit', 'offset'], `${base} both invalid`);
      for (const v of ['1.5', '1e2', '0x10', '99999999999999999999999', '-0.1', 'NaN']) {
        assert422(await get(alice, `${base}?limit=${encodeURIComponent(v)}`), ['limit'], `${base} limit=${v}`);
      }
      assert422(await get(alice, `${base}?offset=abc`), ['offset'], `${base} offset=abc`);
    }
  });

  test('422 is only for an authenticated caller: without a token it is 401', T, async () => {
    assertNotAuthenticated(await call(srv, '/api/v1/organizations?limit=0'), 'no token, bad limit');
  });

  test('GET /api/v1/organizations/{id} by local id and by org_... id, with the caller\'s role', T, async () => {
    for (const [org, role] of [[acme, 'org:admin'], [beta, 'org:member'], [gamma, 'org:billing']]) {
      for (const ref of [String(org.id), org.clerkId]) {
        const r = await get(alice, `/api/v1/organizations/${ref}`);
        assertStatus(r, 200, `alice ${ref}`);
        assert.deepEqual(r.json, orgJson(org, role), `alice ${ref}`);
      }
    }
    const rb = await get(bob, `/api/v1/organizations/${acme.clerkId}`);
    assertStatus(rb, 200, 'bob acme');
    assert.equal(rb.json.role, 'org:member');
  });

  test('an organization the caller is not a member of is a 404, like one that does not exist', T, async () => {
    const notFound = async (user, ref, what) => {
      const r = await get(user, `/api/v1/organizations/${ref}`);
      assert.equal(r.status, 404, `${what}: expected 404, got ${r.status} ${r.text}`);
      assert.equal(typeof r.json?.detail, 'string', `${what}: {"detail": ...}`);
      return r;
    };
    const a = await notFound(alice, delta.id, 'not a member (local id)');
    const b = await notFound(alice, delta.clerkId, 'not a member (clerk id)');
    const c = await notFound(alice, lonely.id, 'nobody\'s org');
    const d = await notFound(alice, 999999, 'no such local id');
    const e = await notFound(alice, 'org_2zzzzzzzzzzzzzzzzzzzzzzzzzz', 'no such clerk id');
    for (const r of [b, c, d, e]) assert.equal(r.text, a.text, 'the same answer: nothing leaks');
    await notFound(dan, acme.id, 'a user without organizations');
    for (const ref of ['0', '-1', 'abc', '1.0', '01x', 'ORG_x', 'user_x', '18446744073709551617']) {
      await notFound(alice, encodeURIComponent(ref), `ref ${ref}`);
    }
  });

  // The membership's own keys, as its webhook sent them (addMember keeps
  // fixture 05's list whatever the role).
  const PERMS = fixture('05').data.permissions;

  test('GET /api/v1/organizations/{id}/members: users with their roles, paginated', T, async () => {
    const userJson = (u) => ({
      id: u.id, clerk_id: u.clerkId, email: u.email, first_name: u.first_name,
      last_name: u.last_name, image_url: u.image_url,
    });
    const want = [
      { user: userJson(alice), role: 'org:admin', permissions: PERMS },
      { user: userJson(bob), role: 'org:member', permissions: PERMS },
      { user: userJson(carol), role: 'org:member', permissions: PERMS },
    ];
    const byUser = (x, y) => x.user.id - y.user.id;
    for (const ref of [String(acme.id), acme.clerkId]) {
      for (const who of [alice, bob, carol]) {
        const r = await get(who, `/api/v1/organizations/${ref}/members`);
        assertStatus(r, 200, `members of acme as ${who.first_name}`);
        assert.deepEqual(Object.keys(r.json).sort(), ['data', 'total_count']);
        assert.equal(r.json.total_count, 3);
        for (const m of r.json.data) {
          assert.deepEqual(Object.keys(m).sort(), ['permissions', 'role', 'user']);
          assert.deepEqual(Object.keys(m.user).sort(), ['clerk_id', 'email', 'first_name', 'id', 'image_url', 'last_name']);
        }
        assert.deepEqual([...r.json.data].sort(byUser), [...want].sort(byUser));
      }
    }
    const all = (await get(alice, `/api/v1/organizations/${acme.id}/members`)).json.data;
    const p1 = await get(alice, `/api/v1/organizations/${acme.id}/members?limit=2`);
    assertStatus(p1, 200, 'limit=2');
    assert.equal(p1.json.data.length, 2);
    assert.equal(p1.json.total_count, 3);
    const p2 = await get(alice, `/api/v1/organizations/${acme.id}/members?limit=2&offset=2`);
    assertStatus(p2, 200, 'offset=2');
    assert.equal(p2.json.data.length, 1);
    assert.equal(p2.json.total_count, 3);
    assert.deepEqual([...p1.json.data, ...p2.json.data], all, 'pages in order make the whole list');
    const p3 = await get(alice, `/api/v1/organizations/${acme.id}/members?offset=3`);
    assertStatus(p3, 200, 'offset=3');
    assert.deepEqual(p3.json, { data: [], total_count: 3 });

    const rg = await get(alice, `/api/v1/organizations/${gamma.clerkId}/members`);
    assertStatus(rg, 200, 'gamma');
    assert.deepEqual(rg.json, { data: [{ user: userJson(alice), role: 'org:billing', permissions: PERMS }], total_count: 1 });
  });

  test('members of an organization the caller is not in: 404', T, async () => {
    for (const [user, org] of [[alice, delta], [alice, lonely], [dan, acme], [carol, beta]]) {
      for (const ref of [String(org.id), org.clerkId]) {
        const r = await get(user, `/api/v1/organizations/${ref}/members`);
        assert.equal(r.status, 404, `${user.first_name} → ${org.name} (${ref}): ${r.status} ${r.text}`);
        assert.equal(typeof r.json?.detail, 'string');
      }
    }
    const r = await get(alice, '/api/v1/organizations/999999/members');
    assert.equal(r.status, 404);
  });

  test('SQL metacharacters in {id} → 404, never 500, nothing changed', T, async () => {
    const before = [count(srv.db, 'users'), count(srv.db, 'organizations'), count(srv.db, 'organization_memberships')];
    const refs = [
      '1 OR 1=1', "1' OR '1'='1", "org_'--", "org_' OR '1'='1", '1;DROP TABLE organizations',
      "org_x'; DELETE FROM organization_memberships;--", '1)--', `${acme.id} OR 1=1`,
      `${acme.clerkId}' OR 1=1--`, '%', 'org_%', '_', 'org__', "1 UNION SELECT 1,2,3,4,5,6", '\\', '"',
    ];
    for (const ref of refs) {
      for (const suffix of ['', '/members']) {
        const path = `/api/v1/organizations/${encodeURIComponent(ref)}${suffix}`;
        const r = await get(dan, path);
        assert.equal(r.status, 404, `${path} (non-member): ${r.status} ${r.text}`);
        const ra = await get(alice, path);
        assert.equal(ra.status, 404, `${path} (member of some orgs): ${ra.status} ${ra.text}`);
      }
    }
    assert.deepEqual(
      [count(srv.db, 'users'), count(srv.db, 'organizations'), count(srv.db, 'organization_memberships')],
      before, 'nothing changed');
    // The real thing still works.
    assertStatus(await get(alice, `/api/v1/organizations/${acme.id}`), 200, 'acme afterwards');
  });

  test('the list follows the mirror: a new membership shows at once', T, async () => {
    const eps = await createOrg(srv, { name: 'Epsilon', slug: 'epsilon' });
    await addMember(srv, dan, eps, 'org:member');
    let r = await get(dan, '/api/v1/organizations');
    assertStatus(r, 200, 'dan');
    assert.deepEqual(r.json, { data: [orgJson(eps, 'org:member')], total_count: 1 });
    r = await get(dan, `/api/v1/organizations/${eps.clerkId}/members`);
    assertStatus(r, 200, 'dan members');
    assert.equal(r.json.total_count, 1);
    assert.equal(r.json.data[0].user.clerk_id, dan.clerkId);
  });
});
