// GET /api/v1/users/me (DESIGN §4) and the active organization taken from
// the session token's claims, v1 (org_id/org_role/org_slug/org_permissions)
// and v2 (o = {id, slg, rol, per, fpm} with fea), reference/clerk.md §3.2.
// The mirror is filled through signed webhooks; tokens are minted with jose.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { rows, runSql, startWebhookServer } from './lib/webhook.mjs';
import {
  addMember, assertStatus, createOrg, createUser, decode, me, mint, newKey, pemEnv,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };
const byClerkId = (a, b) => (a.clerk_id < b.clerk_id ? -1 : a.clerk_id > b.clerk_id ? 1 : 0);

describe('users/me', () => {
  let srv;
  let key;
  let alice;
  let bob;
  let phone;
  let orgs;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, {
      email: 'alice@acme.example', first_name: 'Alice', last_name: 'Nguyen', username: 'alice',
    });
    bob = await createUser(srv, { email: 'bob@acme.example', first_name: 'Bob', last_name: 'Stone' });
    phone = await createUser(srv, { email: null, first_name: null, last_name: null });
    orgs = [
      await createOrg(srv, { name: 'Acme Corp', slug: 'acme-corp' }),
      await createOrg(srv, { name: 'Beta Labs', slug: 'beta-labs' }),
      await createOrg(srv, { name: 'Gamma Inc', slug: 'gamma' }),
    ];
    await addMember(srv, alice, orgs[0], 'org:admin');
    await addMember(srv, alice, orgs[1], 'org:member');
    await addMember(srv, alice, orgs[2], 'org:billing');
    await addMember(srv, bob, orgs[0], 'org:member');
  });
  after(async () => { if (srv) await srv.stop(); });

  test('200 with exactly the fields of DESIGN §4 and §11.3', T, async () => {
    const token = await mint(key, alice.clerkId);
    const r = await me(srv, { token });
    assertStatus(r, 200, 'users/me');
    assert.match(r.headers.get('content-type') || '', /^application\/json\b/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(Object.keys(r.json).sort(), ['active_organization', 'actor', 'clerk_id', 'email', 'features',
      'first_name', 'id', 'image_url', 'last_name', 'organizations', 'plans', 'session_id', 'username']);
    const { organizations, ...user } = r.json;
    assert.deepEqual(user, {
      id: alice.id, clerk_id: alice.clerkId, email: 'alice@acme.example', first_name: 'Alice',
      last_name: 'Nguyen', username: 'alice', image_url: alice.image_url, active_organization: null,
      session_id: decode(token).payload.sid, actor: null, features: [], plans: [],
    });
    assert.ok(Array.isArray(organizations));
    for (const o of organizations) {
      assert.deepEqual(Object.keys(o).sort(), ['clerk_id', 'id', 'name', 'role', 'slug'], 'organization fields');
    }
    const want = [
      { id: orgs[0].id, clerk_id: orgs[0].clerkId, name: 'Acme Corp', slug: 'acme-corp', role: 'org:admin' },
      { id: orgs[1].id, clerk_id: orgs[1].clerkId, name: 'Beta Labs', slug: 'beta-labs', role: 'org:member' },
      { id: orgs[2].id, clerk_id: orgs[2].clerkId, name: 'Gamma Inc', slug: 'gamma', role: 'org:billing' },
    ];
    assert.deepEqual([...organizations].sort(byClerkId), [...want].sort(byClerkId));
    // The ids are the local ones.
    const local = rows(srv.db, `SELECT id FROM users WHERE clerk_id = '${alice.clerkId}'`)[0];
    assert.equal(r.json.id, Number(local.id));
  });

  test('another user sees only their own organizations', T, async () => {
    const r = await me(srv, { token: await mint(key, bob.clerkId) });
    assertStatus(r, 200, 'bob');
    assert.equal(r.json.clerk_id, bob.clerkId);
    assert.equal(r.json.email, 'bob@acme.example');
    assert.equal(r.json.username, null);
    assert.deepEqual(r.json.organizations, [
      { id: orgs[0].id, clerk_id: orgs[0].clerkId, name: 'Acme Corp', slug: 'acme-corp', role: 'org:member' },
    ]);
  });

  test('a phone-only user: email and names are null, organizations empty', T, async () => {
    const r = await me(srv, { token: await mint(key, phone.clerkId) });
    assertStatus(r, 200, 'phone-only');
    assert.equal(r.json.email, null);
    assert.equal(r.json.first_name, null);
    assert.equal(r.json.last_name, null);
    assert.deepEqual(r.json.organizations, []);
    assert.equal(r.json.active_organization, null);
  });

  test('v1 org claims give active_organization {clerk_id, role, slug, permissions}', T, async () => {
    const r = await me(srv, {
      token: await mint(key, alice.clerkId, {
        claims: {
          org_id: orgs[0].clerkId, org_role: 'org:admin', org_slug: 'acme-corp',
          org_permissions: ['org:dashboard:manage', 'org:dashboard:read'],
        },
      }),
    });
    assertStatus(r, 200, 'v1');
    assert.deepEqual(r.json.active_organization, {
      clerk_id: orgs[0].clerkId, role: 'org:admin', slug: 'acme-corp',
      permissions: ['org:dashboard:manage', 'org:dashboard:read'],
    });
  });

  test('v1 org claims without permissions give an empty list', T, async () => {
    const r = await me(srv, {
      token: await mint(key, alice.clerkId, {
        claims: { org_id: orgs[1].clerkId, org_role: 'org:member', org_slug: 'beta-labs' },
      }),
    });
    assertStatus(r, 200, 'v1 without org_permissions');
    assert.deepEqual(r.json.active_organization, {
      clerk_id: orgs[1].clerkId, role: 'org:member', slug: 'beta-labs', permissions: [],
    });
  });

  test('v2 "o" claim: role gets the org: prefix back, permissions decoded from per/fpm/fea', T, async (t) => {
    const r = await me(srv, {
      token: await mint(key, alice.clerkId, {
        claims: {
          v: 2,
          jti: 'ajt_2mA7mP4rX8kW1qT6nB3vL9cZ5yH',
          o: { id: orgs[0].clerkId, slg: 'acme-corp', rol: 'admin', per: 'manage,read', fpm: '3,2' },
          fea: 'o:dashboard,o:teams',
          pla: 'o:pro',
        },
      }),
    });
    assertStatus(r, 200, 'v2');
    const a = r.json.active_organization;
    assert.deepEqual(Object.keys(a).sort(), ['clerk_id', 'permissions', 'role', 'slug']);
    assert.equal(a.clerk_id, orgs[0].clerkId);
    assert.equal(a.role, 'org:admin');
    assert.equal(a.slug, 'acme-corp');
    t.diagnostic(`v2 permissions in the server's order: ${JSON.stringify(a.permissions)}`);
    assert.deepEqual([...a.permissions].sort(),
      ['org:dashboard:manage', 'org:dashboard:read', 'org:teams:read']);
    assert.equal(new Set(a.permissions).size, a.permissions.length, 'no duplicates');
  });

  test('v2: user-scoped features are not org permissions; ou/uo are', T, async () => {
    const r = await me(srv, {
      token: await mint(key, alice.clerkId, {
        claims: {
          v: 2,
          o: { id: orgs[0].clerkId, slg: 'acme-corp', rol: 'member', per: 'read,write', fpm: '1,3' },
          fea: 'u:profile,o:docs,ou:chat',
        },
      }),
    });
    assertStatus(r, 200, 'v2 mixed scopes');
    assert.equal(r.json.active_organization.role, 'org:member');
    assert.deepEqual([...r.json.active_organization.permissions].sort(),
      ['org:chat:read', 'org:chat:write', 'org:docs:read']);
  });

  test('v2: a role with many permissions (10 features × 4 permissions) is accepted in full', T, async () => {
    const features = ['dashboard', 'teams', 'invoices', 'billing', 'reports', 'projects', 'documents',
      'integrations', 'webhooks', 'audit_logs'];
    const names = ['manage', 'read', 'create', 'delete'];
    const token = await mint(key, alice.clerkId, {
      claims: {
        v: 2,
        o: { id: orgs[0].clerkId, slg: 'acme-corp', rol: 'admin', per: names.join(','), fpm: features.map(() => '15').join(',') },
        fea: features.map((f) => `o:${f}`).join(','),
      },
    });
    assert.ok(token.length < 1200, `a compact token (${token.length} bytes)`);
    const r = await me(srv, { token });
    assertStatus(r, 200, 'v2 with 40 permissions');
    const want = features.flatMap((f) => names.map((n) => `org:${f}:${n}`));
    assert.deepEqual([...r.json.active_organization.permissions].sort(), [...want].sort());
  });

  test('v1: 30 custom permissions are accepted in full', T, async () => {
    const perms = Array.from({ length: 30 }, (_, i) => `org:feature_${String(i).padStart(2, '0')}:manage`);
    const r = await me(srv, {
      token: await mint(key, alice.clerkId, {
        claims: { org_id: orgs[0].clerkId, org_role: 'org:admin', org_slug: 'acme-corp', org_permissions: perms },
      }),
    });
    assertStatus(r, 200, 'v1 with 30 permissions');
    assert.deepEqual(r.json.active_organization.permissions, perms);
  });

  test('v2 without "o" and v1 without org_id: active_organization is null', T, async () => {
    let r = await me(srv, { token: await mint(key, alice.clerkId, { claims: { v: 2, fea: 'u:x' } }) });
    assertStatus(r, 200, 'v2 no o');
    assert.equal(r.json.active_organization, null);
    r = await me(srv, { token: await mint(key, alice.clerkId) });
    assertStatus(r, 200, 'v1 no org');
    assert.equal(r.json.active_organization, null);
  });

  test('the organizations list comes from the mirror, not from the token', T, async () => {
    // An active org the user is not a member of locally (claims are Clerk's word).
    const r = await me(srv, {
      token: await mint(key, bob.clerkId, {
        claims: { org_id: orgs[2].clerkId, org_role: 'org:admin', org_slug: 'gamma' },
      }),
    });
    assertStatus(r, 200, 'bob with gamma active');
    assert.equal(r.json.organizations.length, 1, 'still only Acme from the mirror');
    assert.equal(r.json.active_organization.clerk_id, orgs[2].clerkId);
  });

  test('organizations are ordered by name, then id', T, async () => {
    const carol = await createUser(srv, { email: 'carol@acme.example', first_name: 'Carol' });
    // Created in an order that is neither the name order nor reversed.
    const made = [
      await createOrg(srv, { name: 'Mid Org', slug: 'mid-org' }),
      await createOrg(srv, { name: 'Zulu Org', slug: 'zulu-org' }),
      await createOrg(srv, { name: 'Alpha Org', slug: 'alpha-org-2' }),
      await createOrg(srv, { name: 'Alpha Org', slug: 'alpha-org-1' }),
    ];
    for (const o of [made[1], made[3], made[0], made[2]]) await addMember(srv, carol, o, 'org:member');
    const r = await me(srv, { token: await mint(key, carol.clerkId) });
    assertStatus(r, 200, 'carol');
    const want = [...made].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
    assert.deepEqual(r.json.organizations.map((o) => o.id), want.map((o) => o.id));
  });

  test('quotes, backslashes, control characters, non-ASCII and markup come back exactly', T, async () => {
    const odd = {
      first_name: 'Zoë "Q" \\ back\\slash',
      last_name: 'tab\tnew\nline\u0001\u001f end',
      username: '</script><img src=x onerror=alert(1)>',
    };
    const u = await createUser(srv, { email: 'odd@acme.example', ...odd });
    const org = await createOrg(srv, { name: 'Ünïcode 😀 "org" \\ <b>', slug: 'odd-org' });
    await addMember(srv, u, org, 'org:admin');
    const r = await me(srv, {
      token: await mint(key, u.clerkId, {
        claims: { org_id: org.clerkId, org_role: 'org:admin', org_slug: 'odd-org', org_permissions: ['org:a "b":c'] },
      }),
    });
    assertStatus(r, 200, 'odd strings');
    assert.equal(r.json.first_name, odd.first_name);
    assert.equal(r.json.last_name, odd.last_name);
    assert.equal(r.json.username, odd.username);
    assert.equal(r.json.organizations[0].name, 'Ünïcode 😀 "org" \\ <b>');
    assert.deepEqual(r.json.active_organization, {
      clerk_id: org.clerkId, role: 'org:admin', slug: 'odd-org', permissions: ['org:a "b":c'],
    });
  });

  test('a stored string that is not UTF-8 answers null for that field, never broken JSON', T, async (t) => {
    if (srv.db.kind !== 'sqlite') {
      t.skip('PostgreSQL stores only valid UTF-8');
      return;
    }
    const u = await createUser(srv, { email: 'bytes@acme.example', first_name: 'Bytes', last_name: 'Ok' });
    const r0 = runSql(srv.db, `UPDATE users SET first_name = CAST(X'41ff42' AS TEXT) WHERE id = ${u.id}`);
    assert.equal(r0.code, 0, r0.stderr);
    const token = await mint(key, u.clerkId, {
      claims: {
        act: { sub: 'user_support', sid: 'sess_support' }, fea: 'o:teams, u:beta', pla: 'u:pro',
        org_id: 'org_bytes', org_role: 'org:admin', org_permissions: ['org:x:read'],
      },
    });
    const r = await me(srv, { token });
    assertStatus(r, 200, 'invalid UTF-8 in the mirror');
    assert.equal(r.json.first_name, null);
    assert.equal(r.json.last_name, 'Ok');
    assert.equal(r.json.clerk_id, u.clerkId);
    // The body built without the database's help has the session's fields too.
    assert.equal(r.json.session_id, decode(token).payload.sid);
    assert.equal(r.json.actor, 'user_support');
    assert.deepEqual(r.json.features, ['o:teams', 'u:beta']);
    assert.deepEqual(r.json.plans, ['u:pro']);
    assert.deepEqual(r.json.active_organization,
      { clerk_id: 'org_bytes', role: 'org:admin', slug: null, permissions: ['org:x:read'] });
  });

  test('session_id, actor (act.sub or null), features and plans come from the token', T, async () => {
    const plain = await mint(key, alice.clerkId);
    let r = await me(srv, { token: plain });
    assertStatus(r, 200, 'plain');
    assert.equal(r.json.session_id, decode(plain).payload.sid);
    assert.equal(r.json.actor, null);
    assert.deepEqual([r.json.features, r.json.plans], [[], []]);

    const acted = await mint(key, alice.clerkId, {
      claims: {
        sid: 'sess_2qAct', act: { sub: 'user_2qAdmin', sid: 'sess_2qAdminSession', iss: 'https://dashboard.clerk.com' },
        v: 2, fea: ' o:teams ,u:beta,ou:chat', pla: 'o:pro',
        o: { id: orgs[0].clerkId, slg: 'acme-corp', rol: 'admin', per: 'read', fpm: '1,1' },
      },
    });
    r = await me(srv, { token: acted });
    assertStatus(r, 200, 'impersonated, v2 billing');
    assert.equal(r.json.session_id, 'sess_2qAct');
    assert.equal(r.json.actor, 'user_2qAdmin');
    assert.deepEqual(r.json.features, ['o:teams', 'u:beta', 'ou:chat'], 'split on "," and trimmed, scope kept');
    assert.deepEqual(r.json.plans, ['o:pro']);
    assert.deepEqual([...r.json.active_organization.permissions].sort(), ['org:chat:read', 'org:teams:read']);
    // The same token again (from the verified-token cache) answers the same.
    const again = await me(srv, { token: acted });
    assert.deepEqual(again.json, r.json);

    // Quotes and non-ASCII in these claims come back exactly.
    const odd = await mint(key, alice.clerkId, { claims: { sid: 'sess_"q"\\', act: { sub: 'user_ü"x' }, pla: 'u:plän "a"' } });
    r = await me(srv, { token: odd });
    assertStatus(r, 200, 'odd claims');
    assert.equal(r.json.session_id, 'sess_"q"\\');
    assert.equal(r.json.actor, 'user_ü"x');
    assert.deepEqual(r.json.plans, ['u:plän "a"']);
  });

  test('POST on users/me answers 405 with Allow: GET', T, async () => {
    const r = await me(srv, { method: 'POST', token: await mint(key, alice.clerkId) });
    assert.equal(r.status, 405, `POST: ${r.status} ${r.text}`);
    assert.match(r.headers.get('allow') || '', /\bGET\b/);
  });
});
