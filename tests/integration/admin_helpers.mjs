// Helpers of the admin tests (admin_http.test.mjs, admin_browser.test.mjs):
// an HTTP client with a cookie jar and no automatic redirects, the login
// dance, and admin accounts made with `mysaas createsuperuser --noinput`
// (so their hashes are the real argon2id ones), adjusted with SQL.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

import { newKey, pemEnv } from './lib/clerk.mjs';
import { startFakeClerk } from './lib/fake_clerk.mjs';
import { runCli } from './lib/server.mjs';
import { exec, rows, scalar, sqlBool, sqlStr, startWebhookServer } from './lib/webhook.mjs';

export const PASSWORD = 'Quartz-Lantern-5521';

// Creates an admin through the CLI; then sets the flags given (SQL).
// Returns the user's id.
export function createAdmin(db, email, {
  password = PASSWORD, superuser = true, staff = true, active = true,
} = {}) {
  const r = runCli(['createsuperuser', '--email', email, '--noinput'], {
    env: { DATABASE_URL: db.url, MYSAAS_SUPERUSER_PASSWORD: password },
  });
  assert.equal(r.code, 0, `createsuperuser ${email}: ${r.stderr}`);
  exec(db, `UPDATE users SET is_superuser = ${sqlBool(db, superuser)},
    is_staff = ${sqlBool(db, staff)}, is_active = ${sqlBool(db, active)}
    WHERE email = ${sqlStr(email)}`);
  return Number(scalar(db, `SELECT id FROM users WHERE email = ${sqlStr(email)}`));
}

// Inserts n plain users user<i>@bulk.test (i from 1), in one statement.
export function bulkUsers(db, n, prefix = 'bulk') {
  const gen = db.kind === 'sqlite'
    ? `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n})
       INSERT INTO users (email, first_name, last_name, clerk_id)
       SELECT '${prefix}' || i || '@bulk.test', 'First' || i, 'Last' || i,
              'user_${prefix}' || i FROM s`
    : `INSERT INTO users (email, first_name, last_name, clerk_id)
       SELECT '${prefix}' || i || '@bulk.test', 'First' || i, 'Last' || i,
              'user_${prefix}' || i FROM generate_series(1, ${n}) AS s(i)`;
  exec(db, gen);
}

export const sha256hex = (s) => createHash('sha256').update(s).digest('hex');

// The hidden CSRF field of a page.
export function csrfOf(html) {
  const m = /name="csrfmiddlewaretoken" value="([0-9a-f]+)"/.exec(html);
  assert.ok(m, 'the page has a csrfmiddlewaretoken field');
  return m[1];
}

// Parses Set-Cookie headers into {name: {value, attrs (lowercase string)}}.
export function setCookies(res) {
  const out = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const i = pair.indexOf('=');
    out[pair.slice(0, i).trim()] = {
      value: pair.slice(i + 1).trim(),
      attrs: attrs.map((a) => a.trim().toLowerCase()).join('; '),
      raw: line,
    };
  }
  return out;
}

// A browser-like HTTP client: a cookie jar, no automatic redirects, and
// an Origin header on POSTs (the server's own, unless told otherwise).
export class Client {
  constructor(base, { headers = {} } = {}) {
    this.base = base;
    this.jar = new Map();
    this.headers = headers;
  }

  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(res) {
    for (const [name, c] of Object.entries(setCookies(res))) {
      if (/max-age=0\b/.test(c.attrs) || c.value === '') this.jar.delete(name);
      else this.jar.set(name, c.value);
    }
  }

  async request(method, path, { body, headers = {} } = {}) {
    const h = { ...this.headers, ...headers };
    if (this.jar.size > 0) h.cookie = this.cookieHeader();
    for (const [k, v] of Object.entries(h)) if (v === null) delete h[k];
    const res = await fetch(this.base + path, {
      method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(30000),
    });
    this.store(res);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, res, location: res.headers.get('location') };
  }

  get(path, opts) { return this.request('GET', path, opts); }

  // POSTs fields (an object or [name, value] pairs) form-encoded.
  post(path, fields, { origin = this.base, headers = {} } = {}) {
    const body = new URLSearchParams(fields).toString();
    const h = { 'content-type': 'application/x-www-form-urlencoded', ...headers };
    if (origin !== null && h.origin === undefined) h.origin = origin;
    return this.request('POST', path, { body, headers: h });
  }

  // GETs path and POSTs fields with that page's CSRF token.
  async submit(path, fields, opts = {}) {
    const page = await this.get(path);
    assert.equal(page.status, 200, `GET ${path}: ${page.status}`);
    return this.post(path, { csrfmiddlewaretoken: csrfOf(page.text), ...fields }, opts);
  }

  async login(email, password = PASSWORD, { next, headers } = {}) {
    const page = await this.get('/admin/login/', { headers });
    assert.equal(page.status, 200);
    const fields = { csrfmiddlewaretoken: csrfOf(page.text), username: email, password };
    if (next !== undefined) fields.next = next;
    return this.post('/admin/login/', fields, { headers });
  }
}

// A client signed in as email (asserts the login worked).
export async function signedIn(base, email, password = PASSWORD, opts = {}) {
  const c = new Client(base, opts);
  const r = await c.login(email, password);
  assert.equal(r.status, 302, `login as ${email}: ${r.status} ${r.text.slice(0, 300)}`);
  assert.ok(c.jar.has('mysaas_admin'), 'session cookie set');
  return c;
}

// admin_log rows, oldest first.
export const adminLog = (db) => rows(db,
  'SELECT user_id, action, object_type, object_id, object_repr, message FROM admin_log ORDER BY id');

// The text content of the changelist table's body rows (tags stripped).
export function tableRows(html, id = 'result_list') {
  const m = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`).exec(html);
  if (!m) return [];
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(m[1]);
  if (!body) return [];
  return [...body[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1].replace(/<[^>]+>/g, '').trim()));
}

// HTML entities back to text (the few we emit).
export const unescape = (s) => s.replaceAll('&lt;', '<').replaceAll('&gt;', '>')
  .replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');

// The messages of a page, as text.
export const messagesOf = (html) => [...html.matchAll(/<li class="(?:error|warning|success|info)"[^>]*>([^<]*)<\/li>/g)]
  .map((m) => unescape(m[1]));

// The error of a form field (its list id="id_<name>_error"), or null.
export function fieldError(html, name) {
  const m = new RegExp(`<ul class="errorlist" id="id_${name}_error"><li>([^<]*)</li>`).exec(html);
  return m ? unescape(m[1]) : null;
}

// A server whose CLERK_SECRET_KEY and CLERK_API_URL name a fresh fake
// Backend API (lib/fake_clerk.mjs), with root@admin.test (superuser,
// signed in as `admin`) and viewer@admin.test (view only). stop() ends
// both.
export async function startClerkAdmin() {
  const fake = await startFakeClerk();
  let srv;
  try {
    srv = await startWebhookServer({ env: { ...pemEnv(await newKey()), ...fake.env() } });
    createAdmin(srv.db, 'root@admin.test');
    createAdmin(srv.db, 'viewer@admin.test', { superuser: false });
    const admin = await signedIn(srv.url, 'root@admin.test');
    return {
      fake, srv, db: srv.db, admin,
      async stop() {
        await srv.stop();
        await fake.close();
      },
    };
  } catch (err) {
    await srv?.stop();
    await fake.close();
    throw err;
  }
}
