// The admin's read-only mirrors of Clerk (DESIGN §8, §12.3): organization
// domains (/admin/users/organizationdomain/: name, organization,
// enrollment mode, verified; filters and search), and the instance's
// roles and permissions (/admin/clerk/role/, /admin/clerk/permission/: a
// role's page lists its permissions, a permission's page its roles);
// nothing here adds, changes or deletes them; index cards, nav, history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { buildPermission, buildRole, webhookEvent } from './lib/fake_clerk.mjs';
import { assertOk, deliver, exec, orgEvent, scalar, sqlStr, startWebhookServer, uid } from './lib/webhook.mjs';
import { createAdmin, csrfOf, signedIn, tableRows, unescape } from './admin_helpers.mjs';

const T = { timeout: 120000 };
let srv;
let db;
let admin;

const idOf = (table, clerkId) => Number(scalar(db, `SELECT id FROM ${table} WHERE clerk_id = ${sqlStr(clerkId)}`));

before(async () => {
  srv = await startWebhookServer();
  db = srv.db;
  createAdmin(db, 'root@admin.test');
  createAdmin(db, 'viewer@admin.test', { superuser: false });
  admin = await signedIn(srv.url, 'root@admin.test');
});
after(async () => { await srv?.stop(); });

test('organization domains: the list with its filters and search, the page, read-only', T, async () => {
  const a = orgEvent({ name: 'Domain Holder' });
  const b = orgEvent({ name: 'Second Holder' });
  assertOk(await deliver(srv.url, a));
  assertOk(await deliver(srv.url, b));
  const [oa, ob] = [idOf('organizations', a.data.id), idOf('organizations', b.data.id)];
  const ids = {};
  for (const [name, org, mode, verified] of [['acme.example', oa, 'automatic_invitation', 1],
    ['acme-labs.example', oa, 'manual_invitation', 0], ['second.example', ob, 'automatic_suggestion', 1]]) {
    const clerkId = uid('orgdmn');
    exec(db, `INSERT INTO organization_domains (clerk_id, organization_id, name, enrollment_mode, verified,
      affiliation_email_address, clerk_updated_at) VALUES (${sqlStr(clerkId)}, ${org}, ${sqlStr(name)},
      ${sqlStr(mode)}, ${verified}, 'it@${name}', ${Date.now()})`);
    ids[name] = idOf('organization_domains', clerkId);
  }
  const list = '/admin/users/organizationdomain/';
  let r = await admin.get(list);
  assert.equal(r.status, 200);
  assert.match(r.text, /Select organization domain to view/);
  assert.doesNotMatch(r.text, /Add organization domain/);
  const rowsBy = Object.fromEntries(tableRows(r.text).map((x) => [x[0], x.map(unescape)]));
  assert.deepEqual(rowsBy['acme.example'].slice(1, 4), ['Domain Holder', 'automatic_invitation', '✔ Yes']);
  assert.deepEqual(rowsBy['acme-labs.example'].slice(1, 4), ['Domain Holder', 'manual_invitation', '✘ No']);
  const names = async (q) => tableRows((await admin.get(`${list}${q}`)).text).map((x) => x[0]).sort();
  assert.deepEqual(await names('?verified=1'), ['acme.example', 'second.example']);
  assert.deepEqual(await names('?verified=0'), ['acme-labs.example']);
  assert.deepEqual(await names('?enrollment_mode=automatic_suggestion'), ['second.example']);
  assert.deepEqual(await names('?q=acme'), ['acme-labs.example', 'acme.example']);
  assert.deepEqual(await names('?q=second+holder'), ['second.example'], 'by organization name');
  assert.deepEqual(await names(`?organization=${ob}`), ['second.example']);
  assert.match(r.text, /By verified/);
  assert.match(r.text, /By enrollment mode/);
  const path = `${list}${ids['acme.example']}/change/`;
  r = await admin.get(path);
  assert.equal(r.status, 200);
  assert.match(r.text, /<h1>View organization domain<\/h1>/);
  assert.match(r.text, new RegExp(`<dt>Organization</dt><dd><a href="/admin/users/organization/${oa}/change/">Domain Holder</a>`));
  assert.match(r.text, /<dt>Affiliation email address<\/dt><dd>it@acme.example<\/dd>/);
  assert.equal((await admin.get(`${list}${ids['acme.example']}/history/`)).status, 200);
  assert.equal((await admin.post(path, { csrfmiddlewaretoken: csrfOf(r.text) })).status, 403);
  assert.equal((await admin.get(`${list}add/`)).status, 403);
  assert.equal((await admin.get(`${list}${ids['acme.example']}/delete/`)).status, 403);
});

test('roles and permissions: lists, search, the type filter; a role\'s page lists its permissions, a permission\'s its roles', T, async () => {
  const at = Date.now();
  const read = buildPermission({ key: 'org:invoices:read', name: 'Read invoices', at });
  const pay = buildPermission({ key: 'org:invoices:pay', name: 'Pay invoices', at });
  for (const p of [read, pay]) assertOk(await deliver(srv.url, webhookEvent(p, { action: 'created' })));
  const billing = buildRole({ key: 'org:billing', name: 'Billing', description: 'Pays the bills', permissions: [read, pay], at });
  const auditor = buildRole({ key: 'org:auditor', name: 'Auditor', permissions: [read], at });
  for (const r of [billing, auditor]) assertOk(await deliver(srv.url, webhookEvent(r, { action: 'created' })));
  const roleId = idOf('roles', billing.id);
  const permId = idOf('permissions', read.id);

  let r = await admin.get('/admin/clerk/role/');
  assert.equal(r.status, 200);
  assert.doesNotMatch(r.text, /Add role/);
  const roles = Object.fromEntries(tableRows(r.text).map((x) => [x[0], x]));
  assert.deepEqual(roles['org:billing'].slice(1, 3), ['Billing', '2']);
  assert.deepEqual(roles['org:auditor'].slice(1, 3), ['Auditor', '1']);
  assert.deepEqual(tableRows((await admin.get('/admin/clerk/role/?q=bill')).text).map((x) => x[0]), ['org:billing']);
  r = await admin.get(`/admin/clerk/role/${roleId}/change/`);
  assert.equal(r.status, 200);
  assert.match(r.text, /<h1>View role<\/h1>/);
  assert.match(r.text, /<dt>Description<\/dt><dd>Pays the bills<\/dd>/);
  assert.deepEqual(tableRows(r.text, 'role-permissions').map((x) => x[0]), ['org:invoices:pay', 'org:invoices:read']);
  assert.match(r.text, new RegExp(`href="/admin/clerk/permission/${permId}/change/">org:invoices:read<`));

  r = await admin.get('/admin/clerk/permission/');
  assert.equal(r.status, 200);
  const perms = Object.fromEntries(tableRows(r.text).map((x) => [x[0], x]));
  assert.deepEqual(perms['org:invoices:read'].slice(1, 4), ['Read invoices', read.type, '2']);
  assert.match(r.text, /By type/);
  const custom = tableRows((await admin.get(`/admin/clerk/permission/?type=${read.type}`)).text).map((x) => x[0]);
  assert.ok(custom.includes('org:invoices:read') && custom.includes('org:invoices:pay'));
  assert.deepEqual(tableRows((await admin.get('/admin/clerk/permission/?q=pay')).text).map((x) => x[0]),
    ['org:invoices:pay']);
  r = await admin.get(`/admin/clerk/permission/${permId}/change/`);
  assert.deepEqual(tableRows(r.text, 'permission-roles').map((x) => x[0]), ['org:auditor', 'org:billing']);
  assert.match(r.text, new RegExp(`<dt>Type</dt><dd>${read.type}</dd>`));
  for (const p of [`/admin/clerk/role/${roleId}/history/`, `/admin/clerk/permission/${permId}/history/`]) {
    const h = await admin.get(p);
    assert.equal(h.status, 200, p);
    assert.match(h.text, /Clerk webhook deliveries/, 'history lists the deliveries that name it');
  }
  const tok = csrfOf(r.text);
  for (const p of [`/admin/clerk/role/${roleId}/change/`, `/admin/clerk/permission/${permId}/delete/`, '/admin/clerk/role/add/'])
    assert.equal((await admin.post(p, { csrfmiddlewaretoken: tok, name: 'x', post: 'yes' })).status, 403, p);
});

test('the index has a card for each, the nav a link, and view-only staff see them', T, async () => {
  const viewer = await signedIn(srv.url, 'viewer@admin.test');
  const home = await viewer.get('/admin/');
  const cards = [...home.text.matchAll(/<li class="card"><h2><a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[2], m[1]]);
  for (const [title, href] of [['Organization invitations', '/admin/users/organizationinvitation/'],
    ['Organization domains', '/admin/users/organizationdomain/'], ['Roles', '/admin/clerk/role/'],
    ['Permissions', '/admin/clerk/permission/']]) {
    assert.ok(cards.some(([t, h]) => t === title && h === href), `${title} card`);
    assert.match(home.text, new RegExp(`<nav class="site-nav"[^]*<a href="${href}">`), `${title} in the nav`);
    const list = await viewer.get(href);
    assert.equal(list.status, 200, href);
  }
});
