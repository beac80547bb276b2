// The admin over plain HTTP (DESIGN §8, issue 5): sessions, CSRF and
// Origin checks, throttling, permissions, redirects, search with SQL
// metacharacters, pagination, sorting, add/change/delete with admin_log,
// history and the webhook event retry; on the selected backend.
// One server (MYSAAS_TRUST_PROXY=1) serves most tests: each client sends
// its own X-Forwarded-For, so the per-address throttle of one test never
// touches another.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  Client, PASSWORD, adminLog, bulkUsers, createAdmin, csrfOf, setCookies, sha256hex,
  signedIn, tableRows, unescape,
} from './admin_helpers.mjs';
import { SKIP_VIA_PROXY, startServer } from './lib/server.mjs';
import {
  assertOk, deliver, exec, membershipEvent, msgId, rows, scalar, sqlStr,
  startWebhookServer, userEvent,
} from './lib/webhook.mjs';

const T = { timeout: 120000 };
let srv;
let db;
let ipSeq = 0;
// A client from an address of its own (throttling is per address too).
const client = (extra = {}) => new Client(srv.url, {
  headers: { 'x-forwarded-for': `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`, ...extra },
});
const admin = () => signedIn(srv.url, 'root@admin.test', PASSWORD, {
  headers: { 'x-forwarded-for': `10.2.0.${++ipSeq % 250}` },
});

before(async () => {
  srv = await startWebhookServer({ env: { MYSAAS_TRUST_PROXY: 1 } });
  db = srv.db;
  createAdmin(db, 'root@admin.test');
  createAdmin(db, 'viewer@admin.test', { superuser: false });
  createAdmin(db, 'nostaff@admin.test', { superuser: false, staff: false });
  createAdmin(db, 'inactive@admin.test', { active: false });
});
after(async () => { await srv?.stop(); });

describe('sessions', () => {
  test('anonymous pages redirect to the login page with next', T, async () => {
    const c = client();
    let r = await c.get('/admin/');
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/login/');
    r = await c.get('/admin/users/user/?q=x');
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/login/?next=/admin/users/user/');
    for (const p of ['/admin/users/organization/', '/admin/clerk/webhookevent/',
      '/admin/users/user/1/change/', '/admin/users/organizationmembership/add/']) {
      r = await c.get(p);
      assert.equal(r.status, 302, p);
      assert.equal(r.location, `/admin/login/?next=${p}`, p);
    }
  });

  test('the gate of every route flagged ROUTE_ADMIN refuses a request without a session', T, async () => {
    // Read from the route table itself (src/routes.c), so that a new admin
    // page is covered once it is routed: its handler runs after the gate.
    const table = readFileSync(new URL('../../src/routes.c', import.meta.url), 'utf8');
    const routes = [...table.matchAll(/\{"(GET|POST)", "(\/admin\/[^"]*)", \w+,\s*([^}]*)\}/g)]
      .filter((m) => /\bROUTE_ADMIN\b/.test(m[3]))
      .map((m) => [m[1], m[2].replace('{app}', 'users').replace('{model}', 'user')
        .replace('{id}', '1')]);
    assert.ok(routes.length >= 13, `only ${routes.length} admin routes found in src/routes.c`);
    const c = client();
    for (const [method, path] of routes) {
      if (method === 'GET') {
        const r = await c.get(path);
        assert.equal(r.status, 302, `GET ${path}`);
        assert.match(r.location, /^\/admin\/login\//, `GET ${path}`);
      } else {
        const r = await c.post(path, { post: 'yes' });
        assert.equal(r.status, 403, `POST ${path}`);
        assert.match(r.text, /no admin session/, `POST ${path}`);
      }
    }
  });

  test('the login page: HTML, a pre-session CSRF cookie echoed in the form', T, async () => {
    const c = client();
    const r = await c.get('/admin/login/?next=/admin/users/user/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    const ck = setCookies(r.res).mysaas_admin_csrf;
    assert.ok(ck, 'CSRF cookie set');
    assert.match(ck.value, /^[0-9a-f]{64}$/);
    assert.match(ck.attrs, /httponly/);
    assert.match(ck.attrs, /samesite=lax/);
    assert.match(ck.attrs, /path=\/admin\//);
    assert.doesNotMatch(ck.attrs, /secure/);
    assert.equal(csrfOf(r.text), ck.value);
    assert.match(r.text, /name="next" value="\/admin\/users\/user\/"/);
    assert.match(r.text, /<link rel="stylesheet" href="\/static\/style.css">/);
    // The same cookie is reused on the next visit.
    const again = await c.get('/admin/login/');
    assert.equal(setCookies(again.res).mysaas_admin_csrf, undefined);
    assert.equal(csrfOf(again.text), ck.value);
  });

  test('login: session cookie, hashed token in admin_sessions, last_login, next', T, async () => {
    const c = client();
    const before = Date.now();
    const r = await c.login('ROOT@admin.test', PASSWORD, { next: '/admin/users/user/' });
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/users/user/');
    const ck = setCookies(r.res).mysaas_admin;
    assert.match(ck.value, /^[0-9a-f]{64}$/);
    for (const a of ['httponly', 'samesite=lax', 'path=/admin/', 'max-age=1209600'])
      assert.ok(ck.attrs.includes(a), `${a} in ${ck.raw}`);
    assert.doesNotMatch(ck.attrs, /secure/);
    const s = rows(db, `SELECT s.token_hash, s.csrf_token, s.expires_at, u.email
      FROM admin_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ${sqlStr(sha256hex(ck.value))}`);
    assert.equal(s.length, 1, 'the table holds the SHA-256 of the token');
    assert.equal(s[0].email, 'root@admin.test');
    assert.match(s[0].csrf_token, /^[0-9a-f]{64}$/);
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(ck.value)}`), 0);
    const exp = Date.parse(String(s[0].expires_at).replace(' ', 'T').replace(/\+00$/, 'Z'));
    const twoWeeks = 14 * 24 * 3600 * 1000;
    assert.ok(Math.abs(exp - before - twoWeeks) < 120000, `expires in two weeks: ${s[0].expires_at}`);
    assert.ok(scalar(db, "SELECT count(*) FROM users WHERE email = 'root@admin.test' AND last_login IS NOT NULL") === 1);
    const home = await c.get('/admin/');
    assert.equal(home.status, 200);
    assert.match(home.text, /Site administration/);
    // The session's own CSRF token is in the forms, not the login one.
    assert.equal(csrfOf((await c.get('/admin/logout/')).text), s[0].csrf_token);
    // Already signed in: the login page goes on to the admin.
    const again = await c.get('/admin/login/');
    assert.equal(again.status, 302);
    assert.equal(again.location, '/admin/');
  });

  test('next must be a path of the admin', T, async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example',
      '/admin/\t/x', 'javascript:alert(1)', '/docs']) {
      const c = client();
      const r = await c.login('root@admin.test', PASSWORD, { next });
      assert.equal(r.status, 302, next);
      assert.equal(r.location, '/admin/', `next=${JSON.stringify(next)}`);
    }
  });

  test('wrong password, unknown email, non-staff, inactive: one generic answer', T, async () => {
    const cases = [
      ['root@admin.test', 'wrong-password'],
      ['nobody@admin.test', PASSWORD],
      ['nostaff@admin.test', PASSWORD],
      ['inactive@admin.test', PASSWORD],
    ];
    const texts = [];
    for (const [email, pw] of cases) {
      const c = client();
      const r = await c.login(email, pw);
      assert.equal(r.status, 200, `${email}: the login page again (Django)`);
      assert.ok(!c.jar.has('mysaas_admin'), `${email}: no session`);
      assert.match(r.text, /Please enter the correct email and password for a staff account/);
      // The email typed is kept (escaped), the password never.
      assert.ok(r.text.includes(`value="${email}"`));
      assert.ok(!r.text.includes(pw === PASSWORD ? PASSWORD : pw), 'password not echoed');
      texts.push(r.text.replace(/value="[^"]*"/g, ''));
    }
    assert.equal(new Set(texts).size, 1, 'the same page whichever part was wrong');
  });

  test('an unknown email takes as long as a wrong password (dummy verify)', T, async () => {
    const time = async (email) => {
      const c = client();
      const page = await c.get('/admin/login/');
      const fields = { csrfmiddlewaretoken: csrfOf(page.text), username: email, password: 'x-wrong-1' };
      const t0 = process.hrtime.bigint();
      await c.post('/admin/login/', fields);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const known = [];
    const unknown = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time('root@admin.test'));
      unknown.push(await time(`ghost${i}@admin.test`));
    }
    const med = (a) => a.sort((x, y) => x - y)[1];
    assert.ok(med(unknown) > med(known) * 0.5,
      `unknown ${med(unknown).toFixed(1)} ms vs known ${med(known).toFixed(1)} ms`);
  });

  test('empty fields ask for both; form fields email= also accepted', T, async () => {
    const c = client();
    const page = await c.get('/admin/login/');
    let r = await c.post('/admin/login/', { csrfmiddlewaretoken: csrfOf(page.text), username: '', password: '' });
    assert.equal(r.status, 200);
    assert.match(r.text, /Enter both your email and your password/);
    r = await c.post('/admin/login/', { csrfmiddlewaretoken: csrfOf(page.text), email: 'root@admin.test', password: PASSWORD });
    assert.equal(r.status, 302);
  });

  test('Secure cookie over HTTPS behind the trusted proxy', T, async () => {
    const c = client({ 'x-forwarded-proto': 'https' });
    const page = await c.get('/admin/login/');
    assert.match(setCookies(page.res).mysaas_admin_csrf.attrs, /secure/);
    const host = new URL(srv.url).host;
    // Over HTTPS the Origin must be https://host.
    let r = await c.post('/admin/login/', { csrfmiddlewaretoken: csrfOf(page.text), username: 'root@admin.test', password: PASSWORD });
    assert.equal(r.status, 403, 'http:// Origin refused for an https request');
    r = await c.post('/admin/login/',
      { csrfmiddlewaretoken: csrfOf(page.text), username: 'root@admin.test', password: PASSWORD },
      { origin: `https://${host}` });
    assert.equal(r.status, 302);
    assert.match(setCookies(r.res).mysaas_admin.attrs, /secure/);
  });

  test('logout: GET asks, POST ends the session and clears the cookie', T, async () => {
    const c = await admin();
    const token = c.jar.get('mysaas_admin');
    const page = await c.get('/admin/logout/');
    assert.equal(page.status, 200);
    assert.match(page.text, /<form method="post" action="\/admin\/logout\/">/);
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(token))}`), 1,
      'a GET changes nothing');
    const r = await c.post('/admin/logout/', { csrfmiddlewaretoken: csrfOf(page.text) });
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/login/');
    assert.match(setCookies(r.res).mysaas_admin.attrs, /max-age=0/);
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(token))}`), 0);
    const login = await c.get('/admin/login/');
    assert.match(login.text, /You have been logged out/);
    // The old token is worth nothing now.
    const stale = new Client(srv.url);
    stale.jar.set('mysaas_admin', token);
    assert.equal((await stale.get('/admin/')).status, 302);
  });

  test('log out is one click: a POST button in the header of every page, with the session\'s token', T, async () => {
    const c = await admin();
    const token = c.jar.get('mysaas_admin');
    const csrf = rows(db, `SELECT csrf_token FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(token))}`)[0].csrf_token;
    const uid = scalar(db, "SELECT id FROM users WHERE email = 'root@admin.test'");
    for (const p of ['/admin/', '/admin/users/user/', `/admin/users/user/${uid}/change/`, `/admin/users/user/${uid}/history/`,
      '/admin/users/organizationinvitation/', '/admin/clerk/role/', '/admin/users/nosuch/', '/admin/logout/']) {
      const r = await c.get(p);
      const header = /<header class="site-header">([\s\S]*?)<\/header>/.exec(r.text);
      assert.ok(header, `${p}: a header`);
      const form = /<form id="logout-form" method="post" action="\/admin\/logout\/">([\s\S]*?)<\/form>/.exec(header[1]);
      assert.ok(form, `${p}: the log out form is in the header`);
      assert.match(form[1], new RegExp(`<input type="hidden" name="csrfmiddlewaretoken" value="${csrf}">`), p);
      assert.match(form[1], /<button type="submit">Log out<\/button>/, p);
      assert.doesNotMatch(header[1], /href="\/admin\/logout\/"/, `${p}: no link that only asks`);
    }
    const home = await c.get('/admin/');
    const r = await c.post('/admin/logout/', { csrfmiddlewaretoken: csrfOf(home.text) });
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/login/');
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(token))}`), 0);
    const login = await c.get('/admin/login/');
    assert.doesNotMatch(login.text, /logout-form/, 'no log out button when signed out');
    // Without the token the button does nothing.
    const d = await admin();
    assert.equal((await d.post('/admin/logout/', {})).status, 403);
    assert.equal((await d.get('/admin/')).status, 200, 'still signed in');
  });

  test('logging in again replaces the session the browser had', T, async () => {
    const c = await admin();
    const first = c.jar.get('mysaas_admin');
    // The login page redirects a signed-in browser; a POST still logs in.
    const r = await c.post('/admin/login/', {
      csrfmiddlewaretoken: c.jar.get('mysaas_admin_csrf'), username: 'root@admin.test', password: PASSWORD,
    });
    assert.equal(r.status, 302);
    const second = c.jar.get('mysaas_admin');
    assert.notEqual(second, first);
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(first))}`), 0);
    assert.equal(scalar(db, `SELECT count(*) FROM admin_sessions WHERE token_hash = ${sqlStr(sha256hex(second))}`), 1);
  });

  test('an expired session or a user no longer staff is signed out', T, async () => {
    const c = await admin();
    const hash = sha256hex(c.jar.get('mysaas_admin'));
    exec(db, `UPDATE admin_sessions SET expires_at = '2001-01-01T00:00:00.000Z' WHERE token_hash = ${sqlStr(hash)}`);
    assert.equal((await c.get('/admin/')).status, 302);
    const v = await signedIn(srv.url, 'viewer@admin.test', PASSWORD, { headers: { 'x-forwarded-for': '10.9.9.9' } });
    exec(db, `UPDATE users SET is_staff = ${db.kind === 'sqlite' ? 0 : 'false'} WHERE email = 'viewer@admin.test'`);
    try {
      assert.equal((await v.get('/admin/')).status, 302);
    } finally {
      exec(db, `UPDATE users SET is_staff = ${db.kind === 'sqlite' ? 1 : 'true'} WHERE email = 'viewer@admin.test'`);
    }
  });
});

describe('throttling', () => {
  test('5 failures for one email: the 6th attempt is 429, even with the right password', T, async () => {
    createAdmin(db, 'throttled@admin.test');
    for (let i = 0; i < 5; i++) {
      const r = await client().login('throttled@admin.test', `wrong-${i}`);
      assert.equal(r.status, 200, `failure ${i + 1}`);
    }
    assert.equal(scalar(db, "SELECT count(*) FROM admin_login_failures WHERE email = 'throttled@admin.test'"), 5);
    const r = await client().login('Throttled@Admin.test', PASSWORD);
    assert.equal(r.status, 429);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    assert.match(r.text, /Too many failed login attempts/);
    assert.match(r.text, /15 minutes/);
    // Another account from another address is not affected.
    assert.equal((await client().login('root@admin.test', PASSWORD)).status, 302);
    // Once the failures are older than the window, the account logs in.
    exec(db, "UPDATE admin_login_failures SET created_at = '2001-01-01T00:00:00.000Z' WHERE email = 'throttled@admin.test'");
    assert.equal((await client().login('throttled@admin.test', PASSWORD)).status, 302);
  });

  test('5 failures from one address: that address is refused for any email', T, async () => {
    const c = client();
    for (let i = 0; i < 5; i++) {
      const r = await c.login(`spray${i}@admin.test`, 'wrong');
      assert.equal(r.status, 200);
    }
    assert.equal((await c.login('root@admin.test', PASSWORD)).status, 429);
    assert.equal((await client().login('root@admin.test', PASSWORD)).status, 302, 'other addresses still log in');
  });

  test('the count lives in the database: a second instance sees it', T, async () => {
    createAdmin(db, 'shared@admin.test');
    for (let i = 0; i < 5; i++) await client().login('shared@admin.test', 'wrong');
    const other = await startServer({ env: { DATABASE_URL: db.url } });
    try {
      const r = await new Client(other.url).login('shared@admin.test', PASSWORD);
      assert.equal(r.status, 429);
    } finally {
      await other.stop();
    }
  });
});

describe('CSRF and Origin', () => {
  test('login POST without the token, with a wrong one, or without the cookie: 403', T, async () => {
    const c = client();
    const page = await c.get('/admin/login/');
    const tok = csrfOf(page.text);
    let r = await c.post('/admin/login/', { username: 'root@admin.test', password: PASSWORD });
    assert.equal(r.status, 403);
    assert.match(r.text, /CSRF verification failed/);
    r = await c.post('/admin/login/', { csrfmiddlewaretoken: 'f'.repeat(64), username: 'root@admin.test', password: PASSWORD });
    assert.equal(r.status, 403);
    const fresh = client();
    r = await fresh.post('/admin/login/', { csrfmiddlewaretoken: tok, username: 'root@admin.test', password: PASSWORD });
    assert.equal(r.status, 403, 'token without its cookie');
    assert.ok(!fresh.jar.has('mysaas_admin'));
  });

  test('a change POST: token missing, wrong, from another session → 403; nothing changes', T, async () => {
    const c = await admin();
    const other = await admin();
    const id = scalar(db, "SELECT id FROM users WHERE email = 'viewer@admin.test'");
    const path = `/admin/users/user/${id}/change/`;
    const fields = { email: 'viewer@admin.test', first_name: 'Hacked', is_active: '1', is_staff: '1' };
    const otherToken = csrfOf((await other.get(path)).text);
    for (const [what, extra] of [['missing', {}], ['wrong', { csrfmiddlewaretoken: '0'.repeat(64) }],
      ['short', { csrfmiddlewaretoken: 'abc' }], ['another session', { csrfmiddlewaretoken: otherToken }]]) {
      const r = await c.post(path, { ...fields, ...extra });
      assert.equal(r.status, 403, what);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(r.text, /CSRF verification failed/);
    }
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE first_name = 'Hacked'`), 0);
  });

  test('Origin must be this site; Referer stands in when Origin is absent', T, async () => {
    const c = await admin();
    const id = scalar(db, "SELECT id FROM users WHERE email = 'viewer@admin.test'");
    const path = `/admin/users/user/${id}/change/`;
    const tok = csrfOf((await c.get(path)).text);
    const fields = { csrfmiddlewaretoken: tok, email: 'viewer@admin.test', first_name: 'Origin', is_active: '1', is_staff: '1' };
    const host = new URL(srv.url).host;
    for (const origin of ['http://evil.example', 'null', `https://${host}`, `http://${host}.evil.example`,
      `http://${host}:1`]) {
      const r = await c.post(path, fields, { origin });
      assert.equal(r.status, 403, `Origin ${origin}`);
    }
    let r = await c.post(path, fields, { origin: null });
    assert.equal(r.status, 403, 'neither Origin nor Referer');
    r = await c.post(path, fields, { origin: null, headers: { referer: `http://evil.example${path}` } });
    assert.equal(r.status, 403, 'foreign Referer');
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE first_name = 'Origin'`), 0);
    r = await c.post(path, fields, { origin: null, headers: { referer: `${srv.url}${path}` } });
    assert.equal(r.status, 302, 'own Referer');
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE first_name = 'Origin'`), 1);
  });

  test('every form carries the token', T, async () => {
    const c = await admin();
    exec(db, "INSERT INTO organizations (clerk_id, name) VALUES ('org_forms', 'Forms Inc')");
    const org = scalar(db, "SELECT id FROM organizations WHERE clerk_id = 'org_forms'");
    const uid = scalar(db, "SELECT id FROM users WHERE email = 'viewer@admin.test'");
    for (const p of ['/admin/users/user/add/', `/admin/users/user/${uid}/change/`, `/admin/users/user/${uid}/delete/`,
      '/admin/users/organization/add/', `/admin/users/organization/${org}/change/`,
      `/admin/users/organization/${org}/delete/`, '/admin/users/organizationmembership/add/', '/admin/logout/']) {
      const r = await c.get(p);
      assert.equal(r.status, 200, p);
      const forms = [...r.text.matchAll(/<form method="post"[\s\S]*?<\/form>/g)].map((m) => m[0]);
      assert.ok(forms.length > 0, `${p} has a POST form`);
      for (const f of forms) assert.match(f, /name="csrfmiddlewaretoken" value="[0-9a-f]{64}"/, p);
    }
  });
});

describe('permissions', () => {
  test('view-only staff see everything read-only and every POST but logout is 403', T, async () => {
    const c = await signedIn(srv.url, 'viewer@admin.test', PASSWORD, { headers: { 'x-forwarded-for': '10.3.0.1' } });
    const root = scalar(db, "SELECT id FROM users WHERE email = 'root@admin.test'");
    let r = await c.get('/admin/');
    assert.equal(r.status, 200);
    assert.match(r.text, /change nothing/);
    assert.doesNotMatch(r.text, /\/add\//);
    r = await c.get('/admin/users/user/');
    assert.match(r.text, /Select user to view/);
    assert.doesNotMatch(r.text, /Add user/);
    r = await c.get(`/admin/users/user/${root}/change/`);
    assert.equal(r.status, 200);
    assert.match(r.text, /View user/);
    // The page below the header: the header's log out form is the one
    // POST form a view-only account has (its CSRF input is not disabled).
    const main = r.text.slice(r.text.indexOf('<main'));
    assert.match(r.text.slice(0, r.text.indexOf('<main')), /<form id="logout-form" method="post"/);
    assert.doesNotMatch(main, /<form method="post"/);
    assert.doesNotMatch(r.text, /name="_save"/);
    assert.doesNotMatch(r.text, /\/delete\//);
    const inputs = [...main.matchAll(/<input[^>]*>/g)].map((m) => m[0]);
    assert.ok(inputs.length >= 5);
    for (const i of inputs) assert.match(i, / disabled/, i);
    for (const p of ['/admin/users/user/add/', `/admin/users/user/${root}/delete/`])
      assert.equal((await c.get(p)).status, 403, p);
    const tok = csrfOf((await c.get('/admin/logout/')).text);
    const posts = [
      [`/admin/users/user/${root}/change/`, { email: 'root@admin.test', first_name: 'X' }],
      ['/admin/users/user/add/', { email: 'new@admin.test' }],
      [`/admin/users/user/${root}/delete/`, { post: 'yes' }],
      ['/admin/users/organization/add/', { name: 'Nope' }],
      ['/admin/clerk/webhookevent/msg_x/retry/', {}],
    ];
    for (const [p, f] of posts) {
      r = await c.post(p, { csrfmiddlewaretoken: tok, ...f });
      assert.equal(r.status, 403, p);
      assert.match(r.headers.get('content-type'), /^text\/html/);
    }
    assert.equal(scalar(db, "SELECT count(*) FROM users WHERE email = 'root@admin.test'"), 1);
    r = await c.post('/admin/logout/', { csrfmiddlewaretoken: tok });
    assert.equal(r.status, 302, 'logout is allowed');
  });
});

describe('changelists', () => {
  test('250 users: counts, 100 per page, page links, filters and sorting', T, async () => {
    bulkUsers(db, 250, 'page');
    const c = await admin();
    const total = scalar(db, 'SELECT count(*) FROM users');
    let r = await c.get('/admin/users/user/?q=bulk.test');
    assert.equal(r.status, 200);
    assert.match(r.text, /<span class="count">250 users<\/span>/);
    assert.match(r.text, new RegExp(`250 results \\(<a href="/admin/users/user/">${total} total</a>\\)`));
    assert.equal(tableRows(r.text).length, 100);
    assert.match(r.text, /<span class="current" aria-current="page">1<\/span>/);
    assert.match(r.text, /href="\?q=bulk.test&amp;p=3">3</);
    r = await c.get('/admin/users/user/?q=bulk.test&p=3');
    assert.equal(tableRows(r.text).length, 50);
    r = await c.get('/admin/users/user/?q=bulk.test&p=99');
    assert.equal(tableRows(r.text).length, 50, 'past the end: the last page');
    // Default order is by email; o=-email reverses; unknown columns are ignored.
    r = await c.get('/admin/users/user/?q=page1&o=-email');
    const desc = tableRows(r.text).map((x) => x[0]);
    assert.deepEqual(desc, [...desc].sort().reverse());
    r = await c.get('/admin/users/user/?q=page1&o=email;DROP TABLE users');
    assert.equal(r.status, 200);
    const asc = tableRows(r.text).map((x) => x[0]);
    assert.deepEqual(asc, [...asc].sort());
    // Filters.
    r = await c.get('/admin/users/user/?is_staff=1');
    const staff = scalar(db, `SELECT count(*) FROM users WHERE is_staff = ${db.kind === 'sqlite' ? 1 : 'true'}`);
    assert.match(r.text, new RegExp(`<span class="count">${staff} users?</span>`));
    r = await c.get('/admin/users/user/?is_active=0');
    assert.ok(tableRows(r.text).every((row) => row[5].includes('No')));
    r = await c.get('/admin/users/user/?is_staff=maybe');
    assert.match(r.text, new RegExp(`<span class="count">${total} users</span>`), 'bad filter value ignored');
  });

  test('7,000 users: every way of reading a page shows the rows of the plain query', T, async () => {
    // Enough users for the probe down the email index to run (it reads
    // 64 rows per row shown), with dense, rare and absent terms, users
    // without an email (last) and emails in mixed case.
    bulkUsers(db, 7000, 'probe');
    exec(db, `INSERT INTO users (email, first_name, last_name, clerk_id) VALUES
      (NULL, 'Phone', 'Only', 'user_probe_phone1'), (NULL, 'Phone', 'Two', 'user_probe_phone2'),
      ('Mixed.CASE@Probe.test', 'Mixed', 'Case', NULL), ('aaa@probe.test', 'Rare', 'Word', 'user_rare')`);
    const all = rows(db, 'SELECT id, email, first_name, last_name, clerk_id, is_staff FROM users')
      .map((u) => ({
        id: Number(u.id), email: u.email, staff: Number(u.is_staff) === 1,
        text: [u.email, u.first_name, u.last_name, u.clerk_id].map((v) => (v ?? '').toLowerCase()),
      }));
    // Byte order, as SQLite and the test clusters (C collation) compare.
    const cmp = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
    const byEmail = (a, b) => (a.email === null) - (b.email === null) ||
      cmp((a.email ?? '').toLowerCase(), (b.email ?? '').toLowerCase()) || a.id - b.id;
    const expected = (words, staff, page) => all
      .filter((u) => words.every((w) => u.text.some((t) => t.includes(w.toLowerCase()))))
      .filter((u) => staff === undefined || u.staff === staff)
      .sort(byEmail).slice((page - 1) * 100, page * 100)
      .map((u) => u.email ?? `user #${u.id}`);
    const c = await admin();
    const cases = [
      ['', [], undefined, 1], ['?p=2', [], undefined, 2], ['?p=71', [], undefined, 71],
      ['?q=probe', ['probe'], undefined, 1], ['?q=probe&p=3', ['probe'], undefined, 3],
      ['?q=probe1', ['probe1'], undefined, 1], ['?q=probe69', ['probe69'], undefined, 1],
      ['?q=probe1&p=2', ['probe1'], undefined, 2], ['?q=probe69&p=2', ['probe69'], undefined, 2],
      ['?q=RARE', ['rare'], undefined, 1], ['?q=phone', ['phone'], undefined, 1],
      ['?q=nothing-like-this', ['nothing-like-this'], undefined, 1],
      ['?q=probe+mixed', ['probe', 'mixed'], undefined, 1], ['?q=first1+last12', ['first1', 'last12'], undefined, 1],
      ['?is_staff=1', [], true, 1], ['?is_staff=0&q=probe&p=2', ['probe'], false, 2],
    ];
    for (const [query, words, staff, page] of cases) {
      const r = await c.get(`/admin/users/user/${query}`);
      assert.equal(r.status, 200, query);
      assert.deepEqual(tableRows(r.text).map((x) => unescape(x[0])), expected(words, staff, page), query);
    }
    // The count under the search box.
    const r = await c.get('/admin/users/user/?q=probe1');
    const n = all.filter((u) => u.text.some((t) => t.includes('probe1'))).length;
    assert.match(r.text, new RegExp(`${n} results \\(`));
  });

  test('search terms with SQL and LIKE metacharacters are plain text', T, async () => {
    exec(db, `INSERT INTO users (email, first_name, last_name) VALUES
      ('pct@meta.test', '100%', 'Percent'), ('under@meta.test', 'a_b', 'Underscore'),
      ('axb@meta.test', 'aXb', 'Letters'), ('p1x@meta.test', '1001', 'Digits'),
      ('quote@meta.test', 'O''Brien', 'Quote'), ('slash@meta.test', 'back\\slash', 'Slash')`);
    const c = await admin();
    const total = scalar(db, 'SELECT count(*) FROM users');
    const search = async (q) => {
      const r = await c.get(`/admin/users/user/?q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, q);
      return tableRows(r.text).map((x) => x[0]);
    };
    assert.deepEqual(await search("' OR 1=1 --"), []);
    assert.deepEqual(await search("'; DROP TABLE users; --"), []);
    assert.deepEqual(await search('0%'), ['pct@meta.test'], '% is no wildcard');
    assert.deepEqual(await search('a_b'), ['under@meta.test'], '_ is no wildcard');
    assert.deepEqual(await search('1%0'), []);
    assert.deepEqual(await search('%_'), []);
    assert.deepEqual(await search("O'Brien"), ['quote@meta.test']);
    assert.deepEqual(await search('back\\slash'), ['slash@meta.test']);
    assert.deepEqual(await search('o\'brien QUOTE'), ['quote@meta.test'], 'words, any case');
    assert.equal(scalar(db, 'SELECT count(*) FROM users'), total, 'nothing dropped');
    const r = await c.get('/admin/users/user/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    assert.ok(r.text.includes('value="&lt;script&gt;alert(1)&lt;/script&gt;"'));
    assert.ok(!r.text.includes('<script>alert(1)'));
  });

  test('organizations, memberships and events list with their columns, search and filters', T, async () => {
    const ev = membershipEvent({ role: 'org:admin', orgName: 'Zeta & Sons' });
    assertOk(await deliver(srv.url, ev));
    const bad = userEvent();
    delete bad.data.id;
    const failed = await deliver(srv.url, bad);
    assert.equal(failed.status, 422);
    const c = await admin();
    let r = await c.get('/admin/users/organization/?q=zeta');
    let t = tableRows(r.text);
    assert.equal(t.length, 1);
    assert.deepEqual([unescape(t[0][0]), t[0][2], t[0][3]], ['Zeta & Sons', ev.data.organization.id, '1']);
    r = await c.get(`/admin/users/organization/?q=${ev.data.organization.id}`);
    assert.equal(tableRows(r.text).length, 1, 'search by Clerk id');
    r = await c.get('/admin/users/organizationmembership/?role=org:admin');
    t = tableRows(r.text);
    assert.ok(t.length >= 1 && t.every((x) => x[2] === 'org:admin'));
    assert.match(r.text, /By role/);
    r = await c.get('/admin/clerk/webhookevent/?status=failed');
    t = tableRows(r.text);
    assert.ok(t.some((x) => x[0] === failed.id));
    assert.ok(t.every((x) => x[2] === 'failed'));
    r = await c.get('/admin/clerk/webhookevent/?type=organizationMembership.created');
    assert.ok(tableRows(r.text).every((x) => x[1] === 'organizationMembership.created'));
    r = await c.get(`/admin/clerk/webhookevent/?q=${failed.id}`);
    assert.equal(tableRows(r.text).length, 1);
    assert.doesNotMatch(r.text, /Add webhook event/);
  });
});

describe('add, change, delete, history', () => {
  test('change a user: validation re-renders, success redirects with a message once, admin_log', T, async () => {
    const c = await admin();
    exec(db, "INSERT INTO users (email, first_name) VALUES ('edit@change.test', 'Before')");
    const id = scalar(db, "SELECT id FROM users WHERE email = 'edit@change.test'");
    const path = `/admin/users/user/${id}/change/`;
    let r = await c.submit(path, { email: 'not-an-email', first_name: 'After', is_active: '1' });
    assert.equal(r.status, 200);
    assert.match(r.text, /Please correct the errors below/);
    assert.match(r.text, /Enter a valid email address/);
    assert.match(r.text, /value="After"/, 'what was typed stays');
    r = await c.submit(path, { email: 'ROOT@admin.test', first_name: 'After', is_active: '1' });
    assert.match(r.text, /already exists/);
    assert.equal(scalar(db, `SELECT first_name FROM users WHERE id = ${id}`), 'Before');
    r = await c.submit(path, { email: 'edit@change.test', first_name: 'After', last_name: '<b>x</b>', is_active: '1', _save: '1' });
    assert.equal(r.status, 302);
    assert.equal(r.location, '/admin/users/user/');
    const row = rows(db, `SELECT first_name, last_name, is_active, is_staff FROM users WHERE id = ${id}`)[0];
    assert.deepEqual([row.first_name, row.last_name, Number(row.is_active), Number(row.is_staff)], ['After', '<b>x</b>', 1, 0]);
    const list = await c.get('/admin/users/user/');
    assert.match(list.text, /<li class="success">The user “edit@change.test” was changed successfully.<\/li>/);
    assert.ok(list.text.includes('&lt;b&gt;x&lt;/b&gt;'));
    assert.doesNotMatch((await c.get('/admin/users/user/')).text, /was changed successfully/, 'shown once');
    const log = adminLog(db).filter((l) => l.object_type === 'users.user' && String(l.object_id) === String(id));
    assert.equal(log.length, 1);
    assert.equal(log[0].action, 'change');
    assert.equal(log[0].object_repr, 'edit@change.test');
    assert.equal(log[0].message, 'Changed First name and Last name.');
    // Save and continue editing stays on the page.
    r = await c.submit(path, { email: 'edit@change.test', first_name: 'After', is_active: '1', _continue: '1' });
    assert.equal(r.location, path);
    const hist = await c.get(`/admin/users/user/${id}/history/`);
    assert.equal(hist.status, 200);
    const h = tableRows(hist.text, 'change-history');
    assert.deepEqual(h.map((x) => x[3]), ['Changed First name and Last name.', 'Changed Last name.']);
    assert.equal(h[0][1], 'root@admin.test');
    const home = await c.get('/admin/');
    assert.match(home.text, /href="\/admin\/users\/user\/\d+\/change\/">edit@change.test<\/a>/);
  });

  test('add a user with a password: it can log in', T, async () => {
    const c = await admin();
    let r = await c.submit('/admin/users/user/add/', { email: 'added@add.test', password1: 'a-long-pass-1', password2: 'other' });
    assert.equal(r.status, 200);
    assert.match(r.text, /didn’t match/);
    r = await c.submit('/admin/users/user/add/', {
      email: 'added@add.test', first_name: 'Ada', is_active: '1', is_staff: '1', password1: 'a-long-pass-1', password2: 'a-long-pass-1',
    });
    assert.equal(r.status, 302);
    const u = rows(db, "SELECT id, password, is_staff, is_superuser FROM users WHERE email = 'added@add.test'")[0];
    assert.match(u.password, /^\$argon2id\$/);
    assert.equal(Number(u.is_superuser), 0);
    assert.ok(adminLog(db).some((l) => l.action === 'add' && String(l.object_id) === String(u.id)));
    const v = await client().login('added@add.test', 'a-long-pass-1');
    assert.equal(v.status, 302);
  });

  test('delete a user: the confirmation lists the memberships; POST deletes them all', T, async () => {
    const ev = membershipEvent({ orgName: 'Gone Org', identifier: 'gone@delete.test' });
    assertOk(await deliver(srv.url, ev));
    const id = scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ev.data.public_user_data.user_id)}`);
    const c = await admin();
    const page = await c.get(`/admin/users/user/${id}/delete/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Are you sure you want to delete the user/);
    assert.match(page.text, /Organization membership: <a href="\/admin\/users\/organizationmembership\/\d+\/change\/">gone@delete.test in Gone Org \(org:member\)<\/a>/);
    assert.match(page.text, /mirrored from Clerk/);
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE id = ${id}`), 1, 'a GET deletes nothing');
    const r = await c.post(`/admin/users/user/${id}/delete/`, { csrfmiddlewaretoken: csrfOf(page.text), post: 'yes' });
    assert.equal(r.status, 302);
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE id = ${id}`), 0);
    assert.equal(scalar(db, `SELECT count(*) FROM organization_memberships WHERE user_id = ${id}`), 0);
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_type, String(log.object_id), log.object_repr], ['delete', 'users.user', String(id), 'gone@delete.test']);
    assert.match((await c.get('/admin/users/user/')).text, /was deleted successfully/);
    assert.equal((await c.get(`/admin/users/user/${id}/change/`)).status, 404);
  });

  test('a superuser may delete their own account: signed out, the log kept', T, async () => {
    const id = createAdmin(db, 'self@admin.test');
    const c = await signedIn(srv.url, 'self@admin.test', PASSWORD, { headers: { 'x-forwarded-for': '10.7.0.1' } });
    const r = await c.submit(`/admin/users/user/${id}/delete/`, { post: 'yes' });
    assert.equal(r.status, 302);
    assert.equal(scalar(db, `SELECT count(*) FROM users WHERE id = ${id}`), 0);
    assert.equal((await c.get('/admin/')).status, 302, 'the session went with the user');
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_repr, log.user_id], ['delete', 'self@admin.test', null]);
  });

  test('organization inline memberships: add by email and by Clerk id, change a role, remove', T, async () => {
    const c = await admin();
    exec(db, `INSERT INTO users (email, clerk_id) VALUES ('m1@inline.test', 'user_inline1'), ('m2@inline.test', 'user_inline2');
      INSERT INTO organizations (clerk_id, name, slug) VALUES ('org_inline', 'Inline Co', 'inline-co')`);
    const org = scalar(db, "SELECT id FROM organizations WHERE clerk_id = 'org_inline'");
    const path = `/admin/users/organization/${org}/change/`;
    let r = await c.submit(path, {
      name: 'Inline Co', slug: 'inline-co', 'new-0-user': 'M1@inline.test', 'new-0-role': 'org:admin',
      'new-1-user': 'user_inline2', 'new-1-role': 'org:member', 'new-2-user': 'ghost@inline.test', 'new-2-role': 'org:member',
    });
    assert.equal(r.status, 200, 'an unknown user is an error');
    assert.match(r.text, /No user has this email address or Clerk ID/);
    assert.equal(scalar(db, `SELECT count(*) FROM organization_memberships WHERE organization_id = ${org}`), 0, 'all or nothing');
    r = await c.submit(path, {
      name: 'Inline Co', slug: 'inline-co', 'new-0-user': 'M1@inline.test', 'new-0-role': 'org:admin',
      'new-1-user': 'user_inline2', 'new-1-role': 'org:member', _continue: '1',
    });
    assert.equal(r.status, 302);
    let m = rows(db, `SELECT m.id, u.email, m.role FROM organization_memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = ${org} ORDER BY u.email`);
    assert.deepEqual(m.map((x) => [x.email, x.role]), [['m1@inline.test', 'org:admin'], ['m2@inline.test', 'org:member']]);
    r = await c.submit(path, {
      name: 'Inline Co', slug: 'inline-co', [`m-${m[0].id}-role`]: 'org:member', [`m-${m[1].id}-role`]: 'org:member',
      [`m-${m[1].id}-DELETE`]: '1',
    });
    assert.equal(r.status, 302);
    m = rows(db, `SELECT u.email, m.role FROM organization_memberships m JOIN users u ON u.id = m.user_id
      WHERE m.organization_id = ${org}`);
    assert.deepEqual(m.map((x) => [x.email, x.role]), [['m1@inline.test', 'org:member']]);
    r = await c.submit(path, { name: 'Inline Co', [`m-${scalar(db, `SELECT id FROM organization_memberships WHERE organization_id = ${org}`)}-role`]: 'admin' });
    assert.equal(r.status, 200);
    assert.match(r.text, /Enter a role key/);
    const msgs = adminLog(db).filter((l) => l.object_type === 'users.organization' && String(l.object_id) === String(org)).map((l) => l.message);
    assert.deepEqual(msgs, [
      'Added organization membership “m1@inline.test in Inline Co”. Added organization membership “m2@inline.test in Inline Co”.',
      'Changed Role for organization membership “m1@inline.test in Inline Co”. Deleted organization membership “m2@inline.test in Inline Co”.',
    ]);
    const memberLogs = adminLog(db).filter((l) => l.object_type === 'users.organizationmembership' && l.object_repr.endsWith('in Inline Co'));
    assert.deepEqual(memberLogs.map((l) => l.action), ['add', 'add', 'change', 'delete']);
  });

  test('memberships: add, change the role, delete', T, async () => {
    const c = await admin();
    exec(db, `INSERT INTO users (email) VALUES ('solo@member.test');
      INSERT INTO organizations (clerk_id, name, slug) VALUES ('org_solo', 'Solo', 'solo')`);
    let r = await c.submit('/admin/users/organizationmembership/add/', { user: 'solo@member.test', organization: 'solo', role: 'org:billing' });
    assert.equal(r.status, 302);
    const id = scalar(db, "SELECT m.id FROM organization_memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'solo@member.test'");
    r = await c.submit('/admin/users/organizationmembership/add/', { user: 'solo@member.test', organization: 'org_solo', role: 'org:member' });
    assert.equal(r.status, 200);
    assert.match(r.text, /already a member/);
    r = await c.submit(`/admin/users/organizationmembership/${id}/change/`, { role: 'org:admin' });
    assert.equal(r.status, 302);
    assert.equal(scalar(db, `SELECT role FROM organization_memberships WHERE id = ${id}`), 'org:admin');
    // Its history holds its own entries only, even when SQLite gave it
    // the id of a membership deleted earlier.
    r = await c.get(`/admin/users/organizationmembership/${id}/history/`);
    assert.deepEqual(tableRows(r.text, 'change-history').map((x) => x[3]), ['Added.', 'Changed Role.']);
    r = await c.submit(`/admin/users/organizationmembership/${id}/delete/`, { post: 'yes' });
    assert.equal(r.status, 302);
    assert.equal(scalar(db, `SELECT count(*) FROM organization_memberships WHERE id = ${id}`), 0);
    assert.deepEqual(adminLog(db).filter((l) => String(l.object_id) === String(id)
      && l.object_type === 'users.organizationmembership' && l.object_repr === 'solo@member.test in Solo')
      .map((l) => [l.action, l.message]), [['add', 'Added.'], ['change', 'Changed Role.'], ['delete', 'Deleted.']]);
  });

  test('history lists the webhook deliveries that name the object', T, async () => {
    const ev = userEvent({ first_name: 'Hist' });
    const d = await deliver(srv.url, ev);
    assertOk(d);
    const id = scalar(db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ev.data.id)}`);
    const c = await admin();
    const r = await c.get(`/admin/users/user/${id}/history/`);
    assert.equal(r.status, 200);
    const t = tableRows(r.text, 'deliveries');
    assert.equal(t.length, 1);
    assert.equal(t[0][1], d.id);
    assert.ok(r.text.includes(`href="/admin/clerk/webhookevent/${d.id}/change/"`));
    assert.ok(r.text.includes('newest first, among the newest 10000 stored.'), 'the scan is bounded');
  });
});

describe('webhook events', () => {
  test('detail shows the payload as text; retry re-applies a failed event', T, async () => {
    const c = await admin();
    // A failed event whose payload applies now (as after a fix).
    const ev = userEvent({ first_name: '<script>alert(1)</script>', email: 'retry@event.test' });
    const svixId = msgId();
    const payload = JSON.stringify(ev);
    exec(db, `INSERT INTO webhook_events (svix_id, type, status, error, payload, received_at, attempts)
      VALUES (${sqlStr(svixId)}, 'user.created', 'failed', 'earlier failure', ${sqlStr(payload)}, '2026-01-01T00:00:00.000Z', 1)`);
    const path = `/admin/clerk/webhookevent/${svixId}/change/`;
    let r = await c.get(path);
    assert.equal(r.status, 200);
    assert.match(r.text, /<pre id="payload"><code>\{\n {2}&quot;/);
    assert.ok(r.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!r.text.includes('<script>'));
    assert.match(r.text, /earlier failure/);
    assert.match(r.text, /<button type="submit">Retry<\/button>/);
    assert.equal((await c.post(path, { csrfmiddlewaretoken: csrfOf(r.text) })).status, 403, 'events are read-only');
    r = await c.post(`/admin/clerk/webhookevent/${svixId}/retry/`, { csrfmiddlewaretoken: csrfOf(r.text) });
    assert.equal(r.status, 302);
    assert.equal(r.location, path);
    const e = rows(db, `SELECT status, error, attempts FROM webhook_events WHERE svix_id = ${sqlStr(svixId)}`)[0];
    assert.deepEqual([e.status, e.error, Number(e.attempts)], ['applied', null, 2]);
    assert.equal(scalar(db, `SELECT first_name FROM users WHERE clerk_id = ${sqlStr(ev.data.id)}`), '<script>alert(1)</script>');
    r = await c.get(path);
    assert.match(r.text, /Retried: the event was applied/);
    assert.doesNotMatch(r.text, />Retry</, 'no retry for an applied event');
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_type, log.object_id, log.message], ['change', 'clerk.webhookevent', svixId, 'Retried: applied.']);
    // Retrying what is not failed changes nothing.
    const tok = csrfOf((await c.get('/admin/logout/')).text);
    r = await c.post(`/admin/clerk/webhookevent/${svixId}/retry/`, { csrfmiddlewaretoken: tok });
    assert.equal(r.status, 302);
    assert.match((await c.get(path)).text, /Only failed events can be retried/);
  });

  test('retrying an event that still cannot apply keeps it failed and says why', T, async () => {
    const bad = userEvent();
    delete bad.data.id;
    const d = await deliver(srv.url, bad);
    assert.equal(d.status, 422);
    const c = await admin();
    const path = `/admin/clerk/webhookevent/${d.id}/change/`;
    const page = await c.get(path);
    const r = await c.post(`/admin/clerk/webhookevent/${d.id}/retry/`, { csrfmiddlewaretoken: csrfOf(page.text) });
    assert.equal(r.status, 302);
    const e = rows(db, `SELECT status, attempts FROM webhook_events WHERE svix_id = ${sqlStr(d.id)}`)[0];
    assert.deepEqual([e.status, Number(e.attempts)], ['failed', 2]);
    assert.match((await c.get(path)).text, /class="error"[^>]*>Retried: the event failed again/);
  });
});

describe('misc', () => {
  test('unknown models and objects are 404 pages; /static/style.css is served', T, async () => {
    const c = await admin();
    for (const p of ['/admin/users/nosuch/', '/admin/users/user/999999/change/', '/admin/users/user/abc/change/',
      '/admin/clerk/webhookevent/msg_nosuch/change/', '/admin/users/user/1/history/x']) {
      const r = await c.get(p);
      assert.ok(r.status === 404, `${p}: ${r.status}`);
    }
    const r = await c.get('/admin/users/user/999999/change/');
    assert.match(r.headers.get('content-type'), /^text\/html/);
    const css = await fetch(`${srv.url}/static/style.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);
    assert.match(css.headers.get('cache-control'), /max-age=\d+/);
    assert.match(await css.text(), /\.site-header/);
    const obj = await c.get(`/admin/users/user/${scalar(db, "SELECT id FROM users WHERE email = 'root@admin.test'")}/`);
    assert.equal(obj.status, 302);
    assert.match(obj.location, /\/change\/$/);
  });

  test('a form with too many fields or not a form is 400', T, async () => {
    const c = await admin();
    const page = await c.get('/admin/logout/');
    const tok = csrfOf(page.text);
    const many = [['csrfmiddlewaretoken', tok]];
    for (let i = 0; i < 1100; i++) many.push([`f${i}`, 'x']);
    let r = await c.post('/admin/users/organization/add/', many);
    assert.equal(r.status, 400);
    r = await c.request('POST', '/admin/users/organization/add/', {
      body: JSON.stringify({ csrfmiddlewaretoken: tok }),
      headers: { 'content-type': 'application/json', origin: srv.url },
    });
    assert.equal(r.status, 400);
  });
});

test('without MYSAAS_TRUST_PROXY, X-Forwarded-* are ignored',
  { ...T, skip: SKIP_VIA_PROXY('the instances behind nginx trust it') }, async () => {
  const s = await startServer();
  try {
    createAdmin(s.db, 'plain@admin.test');
    const c = new Client(s.url, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '1.2.3.4' } });
    const r = await c.login('plain@admin.test');
    assert.equal(r.status, 302);
    assert.doesNotMatch(setCookies(r.res).mysaas_admin.attrs, /secure/);
    // Failures count against the real peer, not the header's address.
    for (let i = 0; i < 5; i++) {
      const f = new Client(s.url, { headers: { 'x-forwarded-for': `9.9.9.${i}` } });
      await f.login(`x${i}@admin.test`, 'wrong');
    }
    assert.equal((await new Client(s.url).login('plain@admin.test')).status, 429);
  } finally {
    await s.stop();
  }
});
