// The admin in a real browser (Debian's chromium through playwright-core,
// headless, every request not addressed to the test server refused):
// login, each changelist with search and pagination, editing a user, the
// organization's inline memberships, delete confirmation, history,
// view-only staff, logout, a phone-sized screen, and a name that arrived
// by webhook as <img src=x onerror=alert(1)> shown as text with no dialog.
// Screenshots go to test-results/ (git-ignored).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, bulkUsers, createAdmin } from './admin_helpers.mjs';
import { clean, launch, login as loginAs, open as openContext } from './admin_browser_helpers.mjs';
import { ROOT } from './lib/server.mjs';
import {
  assertOk, deliver, exec, membershipEvent, scalar, sqlStr, startWebhookServer, userEvent,
} from './lib/webhook.mjs';

const SHOTS = path.join(ROOT, 'test-results');
const T = { timeout: 120000 };
const XSS = '<img src=x onerror=alert(1)>';

let srv;
let db;
let browser;

before(async () => {
  srv = await startWebhookServer();
  db = srv.db;
  createAdmin(db, 'root@browser.test');
  createAdmin(db, 'viewer@browser.test', { superuser: false });
  createAdmin(db, 'plain@browser.test', { superuser: false, staff: false });
  bulkUsers(db, 230, 'crowd');
  const orgs = db.kind === 'sqlite'
    ? `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 130)
       INSERT INTO organizations (clerk_id, name, slug) SELECT 'org_many' || i, 'Many ' || i, 'many-' || i FROM s`
    : `INSERT INTO organizations (clerk_id, name, slug)
       SELECT 'org_many' || i, 'Many ' || i, 'many-' || i FROM generate_series(1, 130) AS s(i)`;
  exec(db, orgs);
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const open = (opts) => openContext(browser, srv.url, opts);
const login = (page, email, password) => loginAs(page, srv.url, email, password);

const rowsOf = (page) => page.locator('#result_list tbody tr');

describe('admin in chromium', () => {
  test('login (a wrong password first), the index, a screenshot', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test', 'not-the-password');
      await page.waitForSelector('.messages .error');
      assert.match(await page.textContent('.messages .error'), /correct email and password/);
      assert.equal(await page.inputValue('#id_username'), 'root@browser.test');
      await page.fill('#id_password', PASSWORD);
      await Promise.all([page.waitForURL(`${srv.url}/admin/`), page.click('button[type=submit]')]);
      assert.equal(await page.textContent('h1'), 'Site administration');
      const cards = await page.locator('.card h2').allInnerTexts();
      assert.deepEqual(cards, ['Users', 'Organizations', 'Organization memberships', 'Organization invitations',
        'Organization domains', 'Sessions', 'Roles', 'Permissions', 'Webhook events', 'Sync runs']);
      const users = scalar(db, 'SELECT count(*) FROM users');
      assert.equal(await page.locator('.card .count').first().innerText(), String(users));
      // The stylesheet applied (served by the server itself).
      const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.site-header')).backgroundColor);
      assert.equal(bg, 'rgb(29, 35, 48)');
      await page.screenshot({ path: path.join(SHOTS, 'admin-index.png'), fullPage: true });
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('non-staff and unknown accounts are refused', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'plain@browser.test');
      assert.match(page.url(), /\/admin\/login\/$/);
      assert.match(await page.textContent('.messages .error'), /staff account/);
      await page.goto(`${srv.url}/admin/users/user/`);
      assert.match(page.url(), /\/admin\/login\/\?next=\/admin\/users\/user\/$/);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('users changelist: search, pagination, sort, filter; a screenshot', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.click('nav.site-nav >> text=Users');
      await page.waitForURL(`${srv.url}/admin/users/user/`);
      await page.fill('#searchbar', 'crowd');
      await Promise.all([page.waitForLoadState('load'), page.press('#searchbar', 'Enter')]);
      assert.match(page.url(), /\?q=crowd$/);
      assert.equal(await page.textContent('.pagination .count'), '230 users');
      assert.equal(await rowsOf(page).count(), 100);
      await Promise.all([page.waitForLoadState('load'), page.click('.pagination >> text="3"')]);
      assert.match(page.url(), /q=crowd&p=3/);
      assert.equal(await rowsOf(page).count(), 30);
      assert.equal(await page.textContent('.pagination .current'), '3');
      // The list is sorted by email; a click on its header reverses it,
      // a click on another column sorts by that one.
      assert.equal(await page.getAttribute('th.sorted-asc', 'aria-sort'), 'ascending');
      await Promise.all([page.waitForLoadState('load'), page.click('th >> text=Email address')]);
      assert.equal(await page.getAttribute('th.sorted-desc', 'aria-sort'), 'descending');
      const emails = await page.locator('#result_list tbody tr td:first-child').allInnerTexts();
      assert.deepEqual(emails, [...emails].sort().reverse());
      assert.match(page.url(), /o=-email/);
      await Promise.all([page.waitForLoadState('load'), page.click('th >> text=Last name')]);
      const last = await page.locator('#result_list tbody tr td:nth-child(3)').allInnerTexts();
      assert.deepEqual(last, [...last].sort());
      // Filter: staff only.
      await page.goto(`${srv.url}/admin/users/user/`);
      await Promise.all([page.waitForLoadState('load'), page.click('.sidebar >> text=Yes >> nth=0')]);
      assert.match(page.url(), /is_staff=1/);
      assert.equal(await rowsOf(page).count(), 2, 'root and viewer');
      await page.goto(`${srv.url}/admin/users/user/?q=crowd`);
      await page.screenshot({ path: path.join(SHOTS, 'admin-changelist.png'), fullPage: true });
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('organizations, memberships and webhook events changelists', T, async () => {
    const ev = membershipEvent({ role: 'org:admin', orgName: 'Browser Org', identifier: 'member@browser.test' });
    assertOk(await deliver(srv.url, ev));
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.click('nav.site-nav >> text=Organizations');
      assert.match(await page.textContent('.pagination .count'), /^13\d organizations$/);
      assert.equal(await rowsOf(page).count(), 100);
      await Promise.all([page.waitForLoadState('load'), page.click('.pagination >> text="2"')]);
      assert.ok(await rowsOf(page).count() >= 30);
      await page.fill('#searchbar', 'Many 12');
      await Promise.all([page.waitForLoadState('load'), page.press('#searchbar', 'Enter')]);
      // Two words, each matching: Many 12, Many 112, Many 120..129.
      assert.equal(await page.textContent('.pagination .count'), '12 organizations');
      await page.click('nav.site-nav >> text=Memberships');
      await page.fill('#searchbar', 'browser org');
      await Promise.all([page.waitForLoadState('load'), page.press('#searchbar', 'Enter')]);
      assert.equal(await rowsOf(page).count(), 1);
      assert.equal(await page.locator('#result_list tbody td').nth(2).innerText(), 'org:admin');
      await Promise.all([page.waitForLoadState('load'), page.click('.sidebar >> text=org:admin')]);
      assert.match(page.url(), /role=org%3Aadmin/);
      await page.click('nav.site-nav >> text=Webhook events');
      assert.ok(await rowsOf(page).count() >= 1);
      await Promise.all([page.waitForLoadState('load'), page.click('.sidebar >> text=organizationMembership.created')]);
      await page.fill('#searchbar', 'organizationMembership');
      await Promise.all([page.waitForLoadState('load'), page.press('#searchbar', 'Enter')]);
      assert.match(page.url(), /type=organizationMembership.created/, 'the search keeps the filter');
      await Promise.all([page.waitForLoadState('load'), page.locator('#result_list tbody a').first().click()]);
      assert.equal(await page.textContent('h1'), 'View webhook event');
      assert.match(await page.textContent('#payload'), /"organizationMembership.created"/);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('edit a user; history; a screenshot of the change page', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.goto(`${srv.url}/admin/users/user/?q=crowd7%40`);
      await Promise.all([page.waitForLoadState('load'), page.click('#result_list tbody a >> text=crowd7@bulk.test')]);
      assert.equal(await page.textContent('h1'), 'Change user');
      await page.screenshot({ path: path.join(SHOTS, 'admin-change.png'), fullPage: true });
      await page.fill('#id_first_name', 'Seventh');
      await page.fill('#id_email', 'broken');
      await page.evaluate(() => { document.querySelector('#id_email').type = 'text'; }); // past the browser's own check
      await Promise.all([page.waitForLoadState('load'), page.click('button[name=_continue]')]);
      assert.match(await page.textContent('.errorlist'), /valid email/);
      await page.fill('#id_email', 'crowd7@bulk.test');
      await page.uncheck('#id_is_active');
      await Promise.all([page.waitForLoadState('load'), page.click('button[name=_save]')]);
      assert.equal(page.url(), `${srv.url}/admin/users/user/`);
      assert.equal(await page.textContent('.messages .success'), 'The user “crowd7@bulk.test” was changed successfully.');
      assert.equal(scalar(db, "SELECT first_name FROM users WHERE email = 'crowd7@bulk.test'"), 'Seventh');
      const id = scalar(db, "SELECT id FROM users WHERE email = 'crowd7@bulk.test'");
      await page.goto(`${srv.url}/admin/users/user/${id}/change/`);
      await Promise.all([page.waitForLoadState('load'), page.click('text=History')]);
      const msgs = await page.locator('#change-history tbody td:nth-child(4)').allInnerTexts();
      assert.deepEqual(msgs, ['Changed First name and Active.']);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('organization inline memberships: add two, change a role, remove one', T, async () => {
    exec(db, `INSERT INTO organizations (clerk_id, name, slug) VALUES ('org_inline_b', 'Inline Browser', 'inline-browser');
      UPDATE users SET clerk_id = 'user_crowd_b9' WHERE email = 'crowd9@bulk.test'`);
    const org = scalar(db, "SELECT id FROM organizations WHERE clerk_id = 'org_inline_b'");
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.goto(`${srv.url}/admin/users/organization/${org}/change/`);
      await page.fill('input[name=new-0-user]', 'crowd8@bulk.test');
      await page.fill('input[name=new-0-role]', 'org:admin');
      await page.fill('input[name=new-1-user]', 'user_crowd_b9');
      await Promise.all([page.waitForLoadState('load'), page.click('button[name=_continue]')]);
      assert.match(await page.textContent('.messages .success'), /was changed successfully/);
      const users = await page.locator('#inline-memberships tbody tr:not(.new-member) td:first-child').allInnerTexts();
      assert.deepEqual(users, ['crowd8@bulk.test', 'crowd9@bulk.test']);
      const ids = (await page.locator('#inline-memberships input[name$="-role"]:not([name^=new])')
        .evaluateAll((els) => els.map((e) => e.name.split('-')[1])));
      await page.fill(`input[name=m-${ids[1]}-role]`, 'org:billing');
      await page.check(`input[name=m-${ids[0]}-DELETE]`);
      await Promise.all([page.waitForLoadState('load'), page.click('button[name=_continue]')]);
      const left = await page.locator('#inline-memberships tbody tr:not(.new-member) td:first-child').allInnerTexts();
      assert.deepEqual(left, ['crowd9@bulk.test']);
      assert.equal(await page.inputValue(`input[name=m-${ids[1]}-role]`), 'org:billing');
      // An unknown member is an error shown in its row; nothing is saved.
      await page.fill('input[name=new-0-user]', 'nobody@browser.test');
      await Promise.all([page.waitForLoadState('load'), page.click('button[name=_continue]')]);
      assert.match(await page.textContent('#inline-memberships .errorlist'), /No user has this email/);
      assert.equal(scalar(db, `SELECT count(*) FROM organization_memberships WHERE organization_id = ${org}`), 1);
      await page.goto(`${srv.url}/admin/users/organization/${org}/history/`);
      const msgs = await page.locator('#change-history tbody td:nth-child(4)').allInnerTexts();
      assert.equal(msgs.length, 2);
      assert.match(msgs[1], /Deleted organization membership “crowd8@bulk.test in Inline Browser”/);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('delete confirmation lists what goes with the user', T, async () => {
    const ev = membershipEvent({ orgName: 'Doomed Org', identifier: 'doomed@browser.test' });
    assertOk(await deliver(srv.url, ev));
    const id = scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ev.data.public_user_data.user_id)}`);
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.goto(`${srv.url}/admin/users/user/${id}/change/`);
      await Promise.all([page.waitForLoadState('load'), page.click('a.btn-danger >> text=Delete')]);
      assert.equal(await page.textContent('h1'), 'Are you sure?');
      const items = await page.locator('#deleted-objects li').allInnerTexts();
      assert.ok(items.some((t) => /Organization membership: doomed@browser.test in Doomed Org \(org:member\)/.test(t)), items.join(' | '));
      await Promise.all([page.waitForLoadState('load'), page.click('text=No, take me back')]);
      assert.match(page.url(), /\/change\/$/);
      await page.goto(`${srv.url}/admin/users/user/${id}/delete/`);
      await Promise.all([page.waitForLoadState('load'), page.click('button >> text=Yes, I’m sure')]);
      assert.match(await page.textContent('.messages .success'), /“doomed@browser.test” was deleted successfully/);
      assert.equal(scalar(db, `SELECT count(*) FROM users WHERE id = ${id}`), 0);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('view-only staff: read-only forms, no add or delete', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'viewer@browser.test');
      assert.match(await page.textContent('.messages .info'), /change nothing/);
      assert.equal(await page.locator('a >> text=/^Add /').count(), 0);
      await page.goto(`${srv.url}/admin/users/user/?q=crowd1%40`);
      assert.equal(await page.textContent('h1'), 'Select user to view');
      await Promise.all([page.waitForLoadState('load'), page.locator('#result_list tbody a').first().click()]);
      assert.equal(await page.textContent('h1'), 'View user');
      assert.ok(await page.isDisabled('#id_email'));
      assert.ok(await page.isDisabled('#id_is_staff'));
      assert.equal(await page.locator('button[name=_save]').count(), 0);
      assert.equal(await page.locator('text=Delete').count(), 0);
      const org = scalar(db, "SELECT id FROM organizations WHERE clerk_id = 'org_inline_b'");
      await page.goto(`${srv.url}/admin/users/organization/${org}/change/`);
      assert.equal(await page.locator('input[name^=new-]').count(), 0);
      const disabled = await page.locator('#inline-memberships input').evaluateAll((els) => els.every((e) => e.disabled));
      assert.ok(disabled);
      const res = await page.goto(`${srv.url}/admin/users/user/add/`);
      assert.equal(res.status(), 403);
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('logout: one click on the header\'s button; GET /admin/logout/ only asks', T, async () => {
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      await page.goto(`${srv.url}/admin/users/user/`);
      assert.equal(await page.locator('header.site-header #logout-form button').innerText(), 'Log out');
      await Promise.all([page.waitForURL(`${srv.url}/admin/login/`),
        page.click('header.site-header #logout-form >> text=Log out')]);
      assert.match(await page.textContent('.messages .info'), /logged out/);
      await page.goto(`${srv.url}/admin/`);
      assert.match(page.url(), /\/admin\/login\/$/);
      assert.ok(!(await context.cookies()).some((c) => c.name === 'mysaas_admin'));
      // GET /admin/logout/ asks; its own button logs out.
      await login(page, 'root@browser.test');
      await page.goto(`${srv.url}/admin/logout/`);
      assert.equal(await page.textContent('h1'), 'Log out');
      assert.ok((await context.cookies()).some((c) => c.name === 'mysaas_admin'), 'a GET changes nothing');
      await Promise.all([page.waitForURL(`${srv.url}/admin/login/`), page.click('main button >> text=Log out')]);
      assert.ok(!(await context.cookies()).some((c) => c.name === 'mysaas_admin'));
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('a first name from a webhook, <img src=x onerror=alert(1)>, is text', T, async () => {
    const ev = userEvent({ first_name: XSS, last_name: '"><script>alert(2)</script>', email: 'xss@browser.test' });
    const d = await deliver(srv.url, ev);
    assertOk(d);
    const id = scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ev.data.id)}`);
    const { context, page, seen } = await open();
    try {
      await login(page, 'root@browser.test');
      for (const p of ['/admin/users/user/?q=xss%40browser', `/admin/users/user/${id}/change/`,
        `/admin/users/user/${id}/history/`, `/admin/clerk/webhookevent/${d.id}/change/`]) {
        await page.goto(srv.url + p);
        await page.waitForTimeout(100);
        assert.equal(await page.locator('main img').count(), 0, `${p}: no <img> element`);
        assert.equal(await page.locator('main script').count(), 0, `${p}: no <script> element`);
      }
      await page.goto(`${srv.url}/admin/users/user/?q=xss%40browser`);
      assert.equal(await page.locator('#result_list tbody td').nth(1).innerText(), XSS);
      await page.goto(`${srv.url}/admin/users/user/${id}/change/`);
      assert.equal(await page.inputValue('#id_first_name'), XSS);
      assert.equal(await page.inputValue('#id_last_name'), '"><script>alert(2)</script>');
      await page.goto(`${srv.url}/admin/clerk/webhookevent/${d.id}/change/`);
      assert.ok((await page.textContent('#payload')).includes(XSS));
      clean(seen);
    } finally {
      await context.close();
    }
  });

  test('on a phone-sized screen nothing overflows the page sideways', T, async () => {
    const { context, page, seen } = await open({ viewport: { width: 390, height: 844 } });
    try {
      await login(page, 'root@browser.test');
      const org = scalar(db, "SELECT id FROM organizations WHERE clerk_id = 'org_inline_b'");
      for (const p of ['/admin/', '/admin/users/user/?q=crowd', `/admin/users/organization/${org}/change/`,
        '/admin/clerk/webhookevent/']) {
        await page.goto(srv.url + p);
        const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        assert.ok(sw <= w, `${p}: page ${sw}px wide on a ${w}px screen`);
      }
      await page.goto(`${srv.url}/admin/users/user/?q=crowd`);
      await page.screenshot({ path: path.join(SHOTS, 'admin-changelist-phone.png'), fullPage: false });
      clean(seen);
    } finally {
      await context.close();
    }
  });
});
