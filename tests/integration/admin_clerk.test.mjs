// The admin writes through Clerk (DESIGN §8, §12.3), against the fake
// Backend API of lib/fake_clerk.mjs: with CLERK_SECRET_KEY set, an
// organization's name and slug, its inline memberships, the membership
// model's add/change/delete, and the deletion of an organization or of a
// Clerk user are calls to Clerk first, whose answers reach the mirror by
// the webhook rules with their admin_log rows (the webhook that follows
// changes nothing); Clerk's refusal is the form's error and changes
// nothing, and so does Clerk being unavailable. A Clerk user's email and
// names are read-only; objects made here stay local. Without the key,
// edits are local and the forms say Clerk may overwrite them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CLERK_ERRORS } from './lib/fake_clerk.mjs';
import {
  assertOk, count, deliver, exec, membershipEvent, memberships, mirror, orgs, rows, scalar, sqlStr,
  startWebhookServer, tombstones, userByClerkId, userEvent,
} from './lib/webhook.mjs';
import {
  adminLog, createAdmin, csrfOf, fieldError, messagesOf, signedIn, startClerkAdmin, unescape,
} from './admin_helpers.mjs';

const T = { timeout: 120000 };
const ORG_PATCH = 'PATCH /v1/organizations/{org}';
const MEMBERS = '/v1/organizations/{org}/memberships';
const MEMBER = '/v1/organizations/{org}/memberships/{user}';

// The calls that write (anything but GET), oldest first.
const writesOf = (fake) => fake.calls((c) => c.method !== 'GET')
  .map((c) => ({ method: c.method, path: c.path, body: c.body }));

// The form of an organization's page as a browser posts it: the fields,
// then each membership row's role (as shown unless changed) and box.
async function orgForm(c, db, id, { fields = {}, roles = {}, remove = [], add = [] } = {}) {
  const page = await c.get(`/admin/users/organization/${id}/change/`);
  assert.equal(page.status, 200);
  const o = rows(db, `SELECT name, slug, image_url FROM organizations WHERE id = ${id}`)[0];
  const form = {
    csrfmiddlewaretoken: csrfOf(page.text), name: o.name, slug: o.slug ?? '', image_url: o.image_url ?? '', ...fields,
  };
  for (const m of rows(db, `SELECT id, role FROM organization_memberships WHERE organization_id = ${id}`)) {
    form[`m-${m.id}-role`] = roles[m.id] ?? m.role;
    if (remove.includes(Number(m.id))) form[`m-${m.id}-DELETE`] = '1';
  }
  add.forEach(([user, role], i) => {
    form[`new-${i}-user`] = user;
    form[`new-${i}-role`] = role;
  });
  return form;
}

describe('with CLERK_SECRET_KEY (a fake Backend API)', () => {
  let fake;
  let srv;
  let db;
  let admin;
  let n = 0;

  const deliverObj = async (obj, opts) => assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(obj, opts))),
    obj.object);
  const idOf = (table, clerkId) => Number(scalar(db, `SELECT id FROM ${table} WHERE clerk_id = ${sqlStr(clerkId)}`));

  // Objects Clerk holds, mirrored through their webhooks.
  async function clerkUser(name = `user${++n}`) {
    const u = fake.addUser({ email: `${name}@clerk.test`, first_name: 'First', last_name: name });
    await deliverObj(u);
    return { clerk: u, id: idOf('users', u.id), email: `${name}@clerk.test` };
  }
  async function clerkOrg(name = `Org ${++n}`) {
    const o = fake.addOrg({ name });
    await deliverObj(o);
    return { clerk: o, id: idOf('organizations', o.id) };
  }
  async function clerkMember(org, user, role = 'org:member') {
    const m = fake.addMembership({ organization_id: org.clerk.id, user_id: user.clerk.id, role });
    await deliverObj(m);
    return { clerk: m, id: idOf('organization_memberships', m.id) };
  }
  const member = (id) => rows(db, `SELECT id, clerk_id, role, clerk_updated_at FROM organization_memberships
    WHERE id = ${id}`)[0];

  let env;

  before(async () => {
    env = await startClerkAdmin();
    ({ fake, srv, db, admin } = env);
  });
  after(async () => { await env?.stop(); });

  test('an organization\'s name and slug: PATCH to Clerk, its answer applied with admin_log; the webhook after is a no-op', T, async () => {
    const org = await clerkOrg('Acme');
    const path = `/admin/users/organization/${org.id}/change/`;
    const page = await admin.get(path);
    assert.match(page.text, /id="clerk-help"/);
    assert.doesNotMatch(page.text, /id="clerk-notice"/);
    assert.match(page.text, /<input type="url" name="image_url" id="id_image_url" value="[^"]*" maxlength="2048" disabled>/,
      'Clerk\'s image is read-only');
    fake.clearCalls();
    const logs = count(db, 'admin_log');
    const r = await admin.post(path, await orgForm(admin, db, org.id, {
      fields: { name: 'Acme Two', slug: 'acme-two', image_url: 'https://example.com/ignored.png' },
    }));
    assert.equal(r.status, 302, r.text.slice(0, 400));
    assert.deepEqual(writesOf(fake), [{ method: 'PATCH', path: `/v1/organizations/${org.clerk.id}`,
      body: { name: 'Acme Two', slug: 'acme-two' } }]);
    assert.equal(fake.calls(ORG_PATCH)[0].headers.authorization, `Bearer ${fake.secretKey}`);
    const now = fake.state.organizations.get(org.clerk.id);
    assert.equal(now.name, 'Acme Two');
    const row = orgs(db).find((o) => o.clerk_id === org.clerk.id);
    assert.deepEqual([row.name, row.slug, Number(row.clerk_updated_at)], ['Acme Two', 'acme-two', now.updated_at]);
    assert.notEqual(row.image_url, 'https://example.com/ignored.png');
    assert.equal(count(db, 'admin_log'), logs + 1);
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_type, String(log.object_id), log.object_repr, log.message],
      ['change', 'users.organization', String(org.id), 'Acme Two', 'Changed Name and Slug through Clerk.']);
    assert.match(unescape((await admin.get('/admin/users/organization/')).text),
      /The organization “Acme Two” was changed successfully/);
    // Clerk's webhook for the same change follows: it writes nothing.
    const before = mirror(db);
    await deliverObj(now);
    assert.deepEqual(mirror(db), before);
    // A save that changes nothing asks Clerk nothing, and is logged.
    fake.clearCalls();
    assert.equal((await admin.post(path, await orgForm(admin, db, org.id))).status, 302);
    assert.deepEqual(writesOf(fake), []);
    assert.equal(adminLog(db).at(-1).message, 'No fields changed.');
  });

  test('Clerk refuses (422): its words next to the field it names, or as the page\'s error; nothing changes', T, async () => {
    const org = await clerkOrg('Refused');
    fake.addOrg({ name: 'Holder', slug: 'taken-slug' });
    const path = `/admin/users/organization/${org.id}/change/`;
    const before = mirror(db);
    const logs = count(db, 'admin_log');
    let r = await admin.post(path, await orgForm(admin, db, org.id, { fields: { slug: 'taken-slug' } }));
    assert.equal(r.status, 200);
    assert.equal(fieldError(r.text, 'slug'), 'That slug is taken. Please try another.');
    assert.ok(messagesOf(r.text).includes('Clerk refused the change. Nothing was changed.'), messagesOf(r.text).join('|'));
    assert.match(r.text, /value="taken-slug"/, 'what was typed stays');
    r = await admin.post(path, await orgForm(admin, db, org.id, { fields: { name: 'See https://spam.example' } }));
    assert.equal(r.status, 200);
    assert.match(fieldError(r.text, 'name'), /it must not contain URLs or HTML/);
    fake.fail(ORG_PATCH, { error: CLERK_ERRORS.forbidden(), times: 1 });
    r = await admin.post(path, await orgForm(admin, db, org.id, { fields: { name: 'Forbidden' } }));
    assert.equal(r.status, 200);
    assert.ok(messagesOf(r.text).includes('Clerk refused: You are not authorized to perform this request. '
      + 'Nothing was changed.'), messagesOf(r.text).join('|'));
    assert.deepEqual(mirror(db), before);
    assert.equal(count(db, 'admin_log'), logs);
    assert.equal(fake.state.organizations.get(org.clerk.id).name, 'Refused');
  });

  test('Clerk unavailable (5xx, 429, no connection): 503, nothing changes', T, async () => {
    const org = await clerkOrg('Patient');
    const path = `/admin/users/organization/${org.id}/change/`;
    const before = mirror(db);
    const logs = count(db, 'admin_log');
    for (const fault of [{ status: 500 }, { status: 503 }, { status: 429, retryAfter: 3 }, { reset: true }]) {
      fake.fail(ORG_PATCH, { ...fault, times: 1 });
      const r = await admin.post(path, await orgForm(admin, db, org.id, { fields: { name: 'Impatient' } }));
      assert.equal(r.status, 503, JSON.stringify(fault));
      assert.ok(messagesOf(r.text).includes('Clerk is unavailable; nothing was changed. Try again in a moment.'));
      assert.match(r.text, /value="Impatient"/, 'the form keeps what was typed');
    }
    await fake.down();
    try {
      const r = await admin.post(path, await orgForm(admin, db, org.id, { fields: { name: 'Impatient' } }));
      assert.equal(r.status, 503);
      assert.match(r.text, /Clerk is unavailable/);
    } finally {
      await fake.up();
    }
    assert.deepEqual(mirror(db), before);
    assert.equal(count(db, 'admin_log'), logs);
  });

  test('the inline table: a member removed, one re-roled, one added, each through Clerk', T, async () => {
    const org = await clerkOrg('Inline Clerk');
    const [a, b, c] = [await clerkUser('ann'), await clerkUser('bob'), await clerkUser('cid')];
    const ma = await clerkMember(org, a, 'org:admin');
    const mb = await clerkMember(org, b, 'org:member');
    fake.clearCalls();
    const r = await admin.post(`/admin/users/organization/${org.id}/change/`, await orgForm(admin, db, org.id, {
      roles: { [mb.id]: 'org:admin' }, remove: [ma.id], add: [[c.email, 'org:member']],
    }));
    assert.equal(r.status, 302, r.text.slice(0, 400));
    assert.deepEqual(writesOf(fake), [
      { method: 'DELETE', path: `/v1/organizations/${org.clerk.id}/memberships/${a.clerk.id}`, body: undefined },
      { method: 'PATCH', path: `/v1/organizations/${org.clerk.id}/memberships/${b.clerk.id}`, body: { role: 'org:admin' } },
      { method: 'POST', path: `/v1/organizations/${org.clerk.id}/memberships`,
        body: { user_id: c.clerk.id, role: 'org:member' } },
    ]);
    assert.equal(member(ma.id), undefined, 'removed');
    assert.ok(tombstones(db).some((t) => t.clerk_id === ma.clerk.id), 'and tombstoned by the rule');
    const inClerk = fake.state.memberships;
    const nb = [...inClerk.values()].find((m) => m.user_id === b.clerk.id && m.organization_id === org.clerk.id);
    assert.deepEqual([member(mb.id).role, Number(member(mb.id).clerk_updated_at)], ['org:admin', nb.updated_at]);
    const nc = [...inClerk.values()].find((m) => m.user_id === c.clerk.id && m.organization_id === org.clerk.id);
    const mc = rows(db, `SELECT id, role FROM organization_memberships WHERE clerk_id = ${sqlStr(nc.id)}`);
    assert.deepEqual(mc.map((m) => m.role), ['org:member'], 'added with Clerk\'s id');
    const logs = adminLog(db).slice(-6).map((l) => [l.action, l.object_type, l.message]);
    assert.deepEqual(logs, [
      ['delete', 'users.organizationmembership', 'Deleted from the organization\'s page, through Clerk.'],
      ['change', 'users.organization', 'Deleted organization membership “ann@clerk.test in Inline Clerk” through Clerk.'],
      ['change', 'users.organizationmembership', 'Changed Role from org:member to org:admin through Clerk.'],
      ['change', 'users.organization',
        'Changed Role for organization membership “bob@clerk.test in Inline Clerk” through Clerk.'],
      ['add', 'users.organizationmembership', 'Added from the organization\'s page through Clerk, role org:member.'],
      ['change', 'users.organization', 'Added organization membership “cid@clerk.test in Inline Clerk” through Clerk.'],
    ]);
    assert.equal(String(adminLog(db).at(-2).object_id), String(mc[0].id));
    // The webhooks that follow change nothing.
    const before = mirror(db);
    await deliverObj(fake.state.renderMembership(nb));
    await deliverObj(fake.state.renderMembership(nc));
    assert.deepEqual(mirror(db), before);
  });

  test('the inline table: Clerk refusing a row shows its words in the row; a user Clerk does not know cannot join', T, async () => {
    const org = await clerkOrg('Rows');
    const u = await clerkUser('rowan');
    const m = await clerkMember(org, u);
    exec(db, "INSERT INTO users (email) VALUES ('local@here.test')");
    const path = `/admin/users/organization/${org.id}/change/`;
    const before = mirror(db);
    const logs = count(db, 'admin_log');
    fake.clearCalls();
    let r = await admin.post(path, await orgForm(admin, db, org.id, { roles: { [m.id]: 'org:billing' } }));
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /<td>[^]*?<ul class="errorlist"><li>org:billing does not match one of the allowed values for parameter role<\/li><\/ul>/);
    assert.ok(messagesOf(r.text).includes('Clerk refused the change. Nothing was changed.'));
    r = await admin.post(path, await orgForm(admin, db, org.id, { add: [['local@here.test', 'org:member']] }));
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /only Clerk's users can join an organization Clerk holds/);
    assert.equal(writesOf(fake).length, 1, 'only the refused PATCH reached Clerk');
    assert.deepEqual(mirror(db), before);
    assert.equal(count(db, 'admin_log'), logs);
  });

  test('the inline table: Clerk down midway keeps what it made before and says so', T, async () => {
    const org = await clerkOrg('Midway');
    const [a, b] = [await clerkUser('mid1'), await clerkUser('mid2')];
    const ma = await clerkMember(org, a);
    fake.fail(`POST ${MEMBERS}`, { status: 502, times: 1 });
    const r = await admin.post(`/admin/users/organization/${org.id}/change/`, await orgForm(admin, db, org.id, {
      roles: { [ma.id]: 'org:admin' }, add: [[b.email, 'org:member']],
    }));
    assert.equal(r.status, 503);
    assert.ok(messagesOf(r.text).includes('Clerk is unavailable; this change was not made. The change before it was '
      + 'made, in Clerk and here. Try again in a moment.'), messagesOf(r.text).join('|'));
    assert.equal(member(ma.id).role, 'org:admin', 'the role change stays');
    assert.match(r.text, new RegExp(`name="m-${ma.id}-role" value="org:admin"`), 'the page shows it');
    assert.equal(count(db, 'organization_memberships', `organization_id = ${org.id}`), 1, 'the member was not added');
  });

  test('memberships: add, change the role and delete through Clerk; refused and down change nothing', T, async () => {
    const org = await clerkOrg('Members Model');
    const u = await clerkUser('solo');
    let page = await admin.get('/admin/users/organizationmembership/add/');
    assert.match(page.text, /id="clerk-help"/);
    fake.clearCalls();
    let r = await admin.submit('/admin/users/organizationmembership/add/',
      { user: u.email, organization: org.clerk.slug, role: 'org:member' });
    assert.equal(r.status, 302, r.text.slice(0, 400));
    assert.deepEqual(writesOf(fake), [{ method: 'POST', path: `/v1/organizations/${org.clerk.id}/memberships`,
      body: { user_id: u.clerk.id, role: 'org:member' } }]);
    const clerkM = [...fake.state.memberships.values()].find((m) => m.user_id === u.clerk.id);
    const id = idOf('organization_memberships', clerkM.id);
    assert.equal(adminLog(db).at(-1).message, 'Added through Clerk, role org:member.');
    assert.equal(String(adminLog(db).at(-1).object_id), String(id));
    const path = `/admin/users/organizationmembership/${id}/change/`;
    page = await admin.get(path);
    assert.match(page.text, /id="clerk-help"/);
    fake.clearCalls();
    r = await admin.submit(path, { role: 'org:admin' });
    assert.equal(r.status, 302);
    assert.deepEqual(writesOf(fake), [{ method: 'PATCH',
      path: `/v1/organizations/${org.clerk.id}/memberships/${u.clerk.id}`, body: { role: 'org:admin' } }]);
    assert.equal(member(id).role, 'org:admin');
    assert.equal(adminLog(db).at(-1).message, 'Changed Role from org:member to org:admin through Clerk.');
    // Refused: Clerk's words at the field; unavailable: 503.
    const before = mirror(db);
    r = await admin.submit(path, { role: 'org:nope' });
    assert.equal(r.status, 200);
    assert.equal(fieldError(r.text, 'role'), 'org:nope does not match one of the allowed values for parameter role');
    fake.fail(`PATCH ${MEMBER}`, { status: 500, times: 1 });
    r = await admin.submit(path, { role: 'org:member' });
    assert.equal(r.status, 503);
    fake.fail(`DELETE ${MEMBER}`, { status: 500, times: 1 });
    r = await admin.submit(`/admin/users/organizationmembership/${id}/delete/`, { post: 'yes' });
    assert.equal(r.status, 503);
    assert.match(r.text, /Are you sure\?/);
    assert.deepEqual(mirror(db), before);
    // Delete.
    page = await admin.get(`/admin/users/organizationmembership/${id}/delete/`);
    assert.match(page.text, /id="clerk-help"/);
    fake.clearCalls();
    r = await admin.post(`/admin/users/organizationmembership/${id}/delete/`,
      { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' });
    assert.equal(r.status, 302);
    assert.deepEqual(writesOf(fake), [{ method: 'DELETE',
      path: `/v1/organizations/${org.clerk.id}/memberships/${u.clerk.id}`, body: undefined }]);
    assert.equal(member(id), undefined);
    assert.deepEqual([adminLog(db).at(-1).action, adminLog(db).at(-1).message], ['delete', 'Deleted through Clerk.']);
    // Clerk says the user is already a member: its words, nothing added.
    await clerkMember(org, u);
    fake.clearCalls();
    r = await admin.submit('/admin/users/organizationmembership/add/',
      { user: u.email, organization: String(org.id), role: 'org:member' });
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /Clerk refused: The user is already a member of the organization\. Nothing was changed\./);
  });

  test('deleting an organization or a Clerk user goes through Clerk; made-here objects are deleted here', T, async () => {
    const org = await clerkOrg('Doomed');
    const u = await clerkUser('doomed');
    await clerkMember(org, u);
    let page = await admin.get(`/admin/users/organization/${org.id}/delete/`);
    assert.match(page.text, /id="clerk-help"/);
    assert.doesNotMatch(page.text, /brings it back/);
    // Refused first: nothing deleted.
    fake.fail(`DELETE /v1/organizations/{org}`, { error: CLERK_ERRORS.notFound('Organization not found'), times: 1 });
    let r = await admin.post(`/admin/users/organization/${org.id}/delete/`, { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' });
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /Clerk refused: Organization not found\. Nothing was changed\./);
    assert.equal(count(db, 'organizations', `id = ${org.id}`), 1);
    fake.clearCalls();
    r = await admin.post(`/admin/users/organization/${org.id}/delete/`, { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' });
    assert.equal(r.status, 302);
    assert.deepEqual(writesOf(fake), [{ method: 'DELETE', path: `/v1/organizations/${org.clerk.id}`, body: undefined }]);
    assert.equal(count(db, 'organizations', `id = ${org.id}`), 0);
    assert.equal(count(db, 'organization_memberships', `organization_id = ${org.id}`), 0);
    assert.ok(tombstones(db).some((t) => t.clerk_id === org.clerk.id));
    assert.deepEqual([adminLog(db).at(-1).action, adminLog(db).at(-1).message], ['delete', 'Deleted through Clerk.']);
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook({ object: 'organization', id: org.clerk.id, deleted: true }))));
    assert.equal(count(db, 'organizations', `clerk_id = ${sqlStr(org.clerk.id)}`), 0, 'the webhook after brings nothing back');
    // A Clerk user.
    page = await admin.get(`/admin/users/user/${u.id}/delete/`);
    fake.clearCalls();
    r = await admin.post(`/admin/users/user/${u.id}/delete/`, { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' });
    assert.equal(r.status, 302);
    assert.deepEqual(writesOf(fake), [{ method: 'DELETE', path: `/v1/users/${u.clerk.id}`, body: undefined }]);
    assert.equal(userByClerkId(db, u.clerk.id), null);
    assert.ok(!fake.state.users.has(u.clerk.id));
    // Made here: deleted here, Clerk is not asked.
    exec(db, "INSERT INTO organizations (name) VALUES ('Local Org'); INSERT INTO users (email) VALUES ('gone@here.test')");
    const lo = scalar(db, "SELECT id FROM organizations WHERE name = 'Local Org'");
    const lu = scalar(db, "SELECT id FROM users WHERE email = 'gone@here.test'");
    fake.clearCalls();
    for (const p of [`/admin/users/organization/${lo}/delete/`, `/admin/users/user/${lu}/delete/`]) {
      page = await admin.get(p);
      assert.doesNotMatch(page.text, /clerk-help|clerk-notice/, p);
      assert.equal((await admin.post(p, { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' })).status, 302, p);
    }
    assert.deepEqual(writesOf(fake), []);
    assert.equal(count(db, 'organizations', `id = ${lo}`) + count(db, 'users', `id = ${lu}`), 0);
  });

  test('a Clerk user\'s email and names are read-only; the flags stay local; a user made here is editable', T, async () => {
    const u = await clerkUser('readonly');
    const path = `/admin/users/user/${u.id}/change/`;
    const page = await admin.get(path);
    assert.match(page.text, /id="clerk-help"/);
    for (const f of ['email', 'first_name', 'last_name', 'username', 'image_url'])
      assert.match(page.text, new RegExp(`<input[^>]* id="id_${f}"[^>]* disabled>`), f);
    for (const f of ['is_active', 'is_staff', 'is_superuser'])
      assert.doesNotMatch(page.text, new RegExp(`<input[^>]* id="id_${f}"[^>]* disabled>`), f);
    const before = userByClerkId(db, u.clerk.id);
    fake.clearCalls();
    const r = await admin.submit(path, {
      email: 'hijack@evil.test', first_name: 'Evil', last_name: 'Name', username: 'evil', is_active: '1', is_staff: '1',
    });
    assert.equal(r.status, 302, r.text.slice(0, 400));
    const now = userByClerkId(db, u.clerk.id);
    assert.deepEqual([now.email, now.first_name, now.last_name, now.username],
      [before.email, before.first_name, before.last_name, before.username]);
    assert.equal(Number(now.is_staff), 1);
    assert.deepEqual(writesOf(fake), [], 'the flags are this database\'s own');
    assert.equal(adminLog(db).at(-1).message, 'Changed Staff status.');
    exec(db, "INSERT INTO users (email, first_name) VALUES ('mine@here.test', 'Mine')");
    const local = scalar(db, "SELECT id FROM users WHERE email = 'mine@here.test'");
    const lp = await admin.get(`/admin/users/user/${local}/change/`);
    assert.doesNotMatch(lp.text, /<input[^>]* id="id_email"[^>]* disabled>/);
    assert.doesNotMatch(lp.text, /clerk-help|clerk-notice/);
    assert.equal((await admin.submit(`/admin/users/user/${local}/change/`,
      { email: 'mine2@here.test', first_name: 'Mine', is_active: '1' })).status, 302);
    assert.equal(scalar(db, `SELECT email FROM users WHERE id = ${local}`), 'mine2@here.test');
  });

  test('an organization made here stays a local edit, Clerk is not asked', T, async () => {
    exec(db, "INSERT INTO organizations (name, slug) VALUES ('Homegrown', 'homegrown'); INSERT INTO users (email) VALUES ('h1@here.test')");
    const id = scalar(db, "SELECT id FROM organizations WHERE name = 'Homegrown'");
    const page = await admin.get(`/admin/users/organization/${id}/change/`);
    assert.match(page.text, /This organization was made here and Clerk does not know it/);
    assert.doesNotMatch(page.text, /<input[^>]* id="id_image_url"[^>]* disabled>/);
    fake.clearCalls();
    const r = await admin.post(`/admin/users/organization/${id}/change/`, await orgForm(admin, db, id, {
      fields: { name: 'Homegrown Two' }, add: [['h1@here.test', 'org:member']],
    }));
    assert.equal(r.status, 302);
    assert.deepEqual(writesOf(fake), []);
    assert.equal(scalar(db, `SELECT name FROM organizations WHERE id = ${id}`), 'Homegrown Two');
    assert.equal(count(db, 'organization_memberships', `organization_id = ${id}`), 1);
  });

  test('view-only staff cannot write through Clerk', T, async () => {
    const org = await clerkOrg('Viewed');
    const u = await clerkUser('viewed');
    const m = await clerkMember(org, u);
    const viewer = await signedIn(srv.url, 'viewer@admin.test');
    const page = await viewer.get(`/admin/users/organization/${org.id}/change/`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /clerk-help|clerk-notice/);
    const tok = csrfOf(page.text);
    fake.clearCalls();
    for (const [p, f] of [
      [`/admin/users/organization/${org.id}/change/`, { name: 'Nope' }],
      [`/admin/users/organization/${org.id}/delete/`, { post: 'yes' }],
      [`/admin/users/organizationmembership/${m.id}/change/`, { role: 'org:admin' }],
      [`/admin/users/organizationmembership/${m.id}/delete/`, { post: 'yes' }],
      ['/admin/users/organizationmembership/add/', { user: u.email, organization: String(org.id), role: 'org:member' }],
      [`/admin/users/user/${u.id}/delete/`, { post: 'yes' }],
    ]) {
      const r = await viewer.post(p, { csrfmiddlewaretoken: tok, ...f });
      assert.equal(r.status, 403, p);
    }
    assert.deepEqual(writesOf(fake), []);
    assert.equal(member(m.id).role, 'org:member');
  });
});

describe('without CLERK_SECRET_KEY', () => {
  let srv;
  let db;
  let admin;

  before(async () => {
    srv = await startWebhookServer();
    db = srv.db;
    createAdmin(db, 'root@admin.test');
    admin = await signedIn(srv.url, 'root@admin.test');
  });
  after(async () => { await srv?.stop(); });

  test('edits of Clerk\'s objects are local, and each form says the next Clerk event or sync may overwrite them', T, async () => {
    const ev = membershipEvent({ orgName: 'Mirrored', identifier: 'mirrored@clerk.test' });
    assertOk(await deliver(srv.url, ev));
    const ue = userEvent({ email: 'person@clerk.test' });
    assertOk(await deliver(srv.url, ue));
    const org = scalar(db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(ev.data.organization.id)}`);
    const user = scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ue.data.id)}`);
    const mem = scalar(db, `SELECT id FROM organization_memberships WHERE clerk_id = ${sqlStr(ev.data.id)}`);
    for (const p of [`/admin/users/organization/${org}/change/`, `/admin/users/user/${user}/change/`,
      `/admin/users/organizationmembership/${mem}/change/`, '/admin/users/organizationmembership/add/',
      `/admin/users/organization/${org}/delete/`, `/admin/users/user/${user}/delete/`]) {
      const page = await admin.get(p);
      assert.equal(page.status, 200, p);
      const notice = /<ul class="messages" id="clerk-notice"><li class="warning">([^<]*)<\/li>/.exec(page.text);
      assert.ok(notice, `${p}: the notice`);
      assert.match(unescape(notice[1]), /CLERK_SECRET_KEY is not set/, p);
      assert.match(unescape(notice[1]), /next Clerk event or sync may/, p);
    }
    // The edits are made here.
    let r = await admin.post(`/admin/users/organization/${org}/change/`, await orgForm(admin, db, org, {
      fields: { name: 'Renamed Here', image_url: 'https://example.com/logo.png' },
    }));
    assert.equal(r.status, 302);
    const o = rows(db, `SELECT name, image_url FROM organizations WHERE id = ${org}`)[0];
    assert.deepEqual([o.name, o.image_url], ['Renamed Here', 'https://example.com/logo.png']);
    assert.equal(adminLog(db).at(-1).message, 'Changed Name and Image URL.');
    const upage = await admin.get(`/admin/users/user/${user}/change/`);
    assert.doesNotMatch(upage.text, /<input[^>]* id="id_email"[^>]* disabled>/, 'editable without the key');
    r = await admin.submit(`/admin/users/user/${user}/change/`, { email: 'changed@here.test', first_name: 'Here', is_active: '1' });
    assert.equal(r.status, 302);
    assert.equal(scalar(db, `SELECT email FROM users WHERE id = ${user}`), 'changed@here.test');
    r = await admin.submit(`/admin/users/organizationmembership/${mem}/change/`, { role: 'org:admin' });
    assert.equal(r.status, 302);
    assert.equal(memberships(db).find((m) => Number(m.id) === Number(mem)).role, 'org:admin');
    // An organization made here has no such notice.
    exec(db, "INSERT INTO organizations (name) VALUES ('Local Only')");
    const lo = scalar(db, "SELECT id FROM organizations WHERE name = 'Local Only'");
    assert.doesNotMatch((await admin.get(`/admin/users/organization/${lo}/change/`)).text, /clerk-notice/);
  });
});
