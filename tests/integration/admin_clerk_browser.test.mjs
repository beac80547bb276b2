// The admin's writes through Clerk in a real browser (Debian's chromium
// through playwright-core, every request not addressed to the test server
// refused), with CLERK_SECRET_KEY pointing at the fake Backend API of
// lib/fake_clerk.mjs: rename an organization (and see Clerk's refusal next
// to the field), change a member's role in the inline table, invite, and
// revoke an invitation; each is a call Clerk received.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startClerkAdmin } from './admin_helpers.mjs';
import { clean, launch, login as loginAs, open as openContext } from './admin_browser_helpers.mjs';
import { assertOk, deliver, exec, scalar, sqlStr } from './lib/webhook.mjs';

const T = { timeout: 120000 };
let env;
let fake;
let srv;
let db;
let browser;

const open = (opts) => openContext(browser, srv.url, opts);
const login = (page) => loginAs(page, srv.url, 'root@admin.test');
const idOf = (table, clerkId) => Number(scalar(db, `SELECT id FROM ${table} WHERE clerk_id = ${sqlStr(clerkId)}`));
const mirrorObj = async (obj) => assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(obj))), obj.object);
// Clicks what submits the page's form and waits for the next page.
const submit = (page, selector) => Promise.all([page.waitForLoadState('load'), page.click(selector)]);

before(async () => {
  env = await startClerkAdmin();
  ({ fake, srv, db } = env);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await env?.stop();
});

describe('writes through Clerk in chromium', () => {
  test('rename an organization; a slug Clerk refuses is shown next to its field', T, async () => {
    const o = fake.addOrg({ name: 'Browser Acme', slug: 'browser-acme' });
    fake.addOrg({ name: 'Slug Owner', slug: 'owned-slug' });
    await mirrorObj(o);
    const id = idOf('organizations', o.id);
    const { context, page, seen } = await open();
    try {
      await login(page);
      await page.goto(`${srv.url}/admin/users/organization/${id}/change/`);
      assert.match(await page.textContent('#clerk-help'), /asks Clerk first/);
      assert.ok(await page.isDisabled('#id_image_url'));
      await page.fill('#id_name', 'Browser Acme Renamed');
      await submit(page, 'button[name=_continue]');
      assert.match(await page.textContent('.messages .success'), /“Browser Acme Renamed” was changed successfully/);
      assert.equal(await page.inputValue('#id_name'), 'Browser Acme Renamed');
      assert.equal(fake.state.organizations.get(o.id).name, 'Browser Acme Renamed');
      assert.deepEqual(fake.lastCall('PATCH /v1/organizations/{org}').body, { name: 'Browser Acme Renamed' });
      await page.fill('#id_slug', 'owned-slug');
      await submit(page, 'button[name=_continue]');
      assert.equal(await page.textContent('#id_slug_error'), 'That slug is taken. Please try another.');
      assert.equal(await page.getAttribute('#id_slug', 'aria-invalid'), 'true');
      assert.match(await page.textContent('.messages .error'), /Clerk refused the change\. Nothing was changed\./);
      assert.equal(scalar(db, `SELECT slug FROM organizations WHERE id = ${id}`), 'browser-acme');
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('change a member\'s role in the organization\'s inline table', T, async () => {
    const o = fake.addOrg({ name: 'Inline Browser Clerk' });
    const u = fake.addUser({ email: 'inline@browser.test' });
    await mirrorObj(o);
    await mirrorObj(u);
    const m = fake.addMembership({ organization_id: o.id, user_id: u.id, role: 'org:member' });
    await mirrorObj(m);
    const id = idOf('organizations', o.id);
    const mid = idOf('organization_memberships', m.id);
    const { context, page, seen } = await open();
    try {
      await login(page);
      await page.goto(`${srv.url}/admin/users/organization/${id}/change/`);
      await page.fill(`input[name=m-${mid}-role]`, 'org:admin');
      await submit(page, 'button[name=_continue]');
      assert.match(await page.textContent('.messages .success'), /was changed successfully/);
      assert.equal(await page.inputValue(`input[name=m-${mid}-role]`), 'org:admin');
      const call = fake.lastCall('PATCH /v1/organizations/{org}/memberships/{user}');
      assert.equal(call.path, `/v1/organizations/${o.id}/memberships/${u.id}`);
      assert.deepEqual(call.body, { role: 'org:admin' });
      assert.equal(scalar(db, `SELECT role FROM organization_memberships WHERE id = ${mid}`), 'org:admin');
      await page.goto(`${srv.url}/admin/users/organization/${id}/history/`);
      const msgs = await page.locator('#change-history tbody td:nth-child(4)').allInnerTexts();
      assert.deepEqual(msgs, ['Changed Role for organization membership “inline@browser.test in Inline Browser Clerk” '
        + 'through Clerk.']);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('invite through Clerk, then revoke an invitation', T, async () => {
    const o = fake.addOrg({ name: 'Invites Browser', slug: 'invites-browser' });
    await mirrorObj(o);
    const oid = idOf('organizations', o.id);
    const inv = fake.addInvitation({ organization_id: o.id, email_address: 'revoke-me@browser.test' });
    exec(db, `INSERT INTO organization_invitations (clerk_id, organization_id, email_address, role, status, expires_at,
      clerk_updated_at) VALUES (${sqlStr(inv.id)}, ${oid}, 'revoke-me@browser.test', 'org:member', 'pending',
      ${inv.expires_at}, ${inv.updated_at})`);
    const iid = idOf('organization_invitations', inv.id);
    const { context, page, seen } = await open();
    try {
      await login(page);
      await page.click('nav.site-nav >> text=Invitations');
      await submit(page, 'a.btn >> text=Add organization invitation');
      assert.equal(await page.textContent('h1'), 'Add organization invitation');
      await page.fill('#id_organization', 'invites-browser');
      await page.fill('#id_email_address', 'welcome@browser.test');
      await page.fill('#id_role', 'org:member');
      await submit(page, 'button >> text=Invite');
      assert.match(await page.textContent('.messages .success'), /“welcome@browser.test” was added successfully/);
      const call = fake.lastCall('POST /v1/organizations/{org}/invitations');
      assert.deepEqual(call.body, { email_address: 'welcome@browser.test', role: 'org:member' });
      assert.ok([...fake.state.invitations.values()].some((i) => i.email_address === 'welcome@browser.test'));

      await page.goto(`${srv.url}/admin/users/organizationinvitation/?q=revoke-me`);
      await submit(page, '#result_list tbody a >> text=revoke-me@browser.test');
      assert.equal(await page.textContent('h1'), 'View organization invitation');
      await submit(page, 'button >> text=Revoke');
      assert.match(await page.textContent('.messages .success'), /The organization invitation “revoke-me@browser.test” was revoked/);
      assert.equal(page.url(), `${srv.url}/admin/users/organizationinvitation/${iid}/change/`);
      assert.equal(fake.state.invitations.get(inv.id).status, 'revoked');
      clean(seen);
    } finally {
      await context.close();
    }
  });
});
