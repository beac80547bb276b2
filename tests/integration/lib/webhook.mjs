// Helpers for the Clerk webhook tests (DESIGN §5): the Clerk fixtures,
// deliveries signed with the npm `svix` package (never with our own code),
// a server started with the signing secret, and exact rows read back with
// the sqlite3 / psql command-line clients.
//
// Environment (besides what lib/server.mjs reads):
//   CLERK_FIXTURES_DIR  the Clerk fixtures (default: tests/fixtures/clerk in
//                       the repository)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Webhook } from 'svix';

import { DB_KIND, ROOT, cleanEnv, startServer } from './server.mjs';

// The Svix test-suite secret (reference/clerk.md §1.4).
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const WEBHOOK_PATH = '/api/v1/auth/clerk_webhook/';
export const INVALID_SIGNATURE = { detail: 'Invalid webhook signature' };
export const MiB = 1024 * 1024;

// ---------------------------------------------------------------- fixtures

function fixturesDir() {
  const candidates = [
    process.env.CLERK_FIXTURES_DIR,
    path.join(ROOT, 'tests', 'fixtures', 'clerk'),
  ].filter(Boolean);
  for (const d of candidates) {
    if (fs.existsSync(path.join(d, '03-user.created.json'))) return d;
  }
  throw new Error(`Clerk fixtures not found in ${candidates.join(', ')} (set CLERK_FIXTURES_DIR)`);
}

export const FIXTURES = fixturesDir();

// The fixture file whose name starts with `num` ('01' .. '11').
function fixtureFile(num) {
  const f = fs.readdirSync(FIXTURES).find((n) => n.startsWith(`${num}-`) && n.endsWith('.json'));
  if (!f) throw new Error(`no fixture ${num}-*.json in ${FIXTURES}`);
  return path.join(FIXTURES, f);
}

export const fixturePath = (num) => fixtureFile(num);
// The exact bytes of a fixture (pretty-printed, trailing newline).
export const fixtureText = (num) => fs.readFileSync(fixtureFile(num), 'utf8');
// A fresh, mutable copy of a fixture's envelope.
export const fixture = (num) => JSON.parse(fixtureText(num));

// The svix-id each fixture was signed with in signatures.json (realistic ids).
const SIGS = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'signatures.json'), 'utf8'));
export function fixtureSvixId(num) {
  const e = SIGS.files.find((x) => x.file.startsWith(`${num}-`));
  if (!e) throw new Error(`no signature entry for fixture ${num}`);
  return e['svix-id'];
}

// The story's ids (fixtures/clerk/README.md).
export const IDS = {
  alice: 'user_2mA7kQ9vXc3LpR8tN1bW5yZ4dFe',
  bob: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ',
  org: 'org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH',
  membership: 'orgmem_2mA9dH3kT6wQ1pX8nL5vR2cB7yZ',
};

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// A Clerk/Svix-shaped random id: prefix + 27 base62 characters.
export function uid(prefix) {
  const b = randomBytes(27);
  let s = '';
  for (const x of b) s += B62[x % 62];
  return `${prefix}_${s}`;
}
export const msgId = () => uid('msg');

// A user.created / user.updated envelope shaped like fixture 03, with the
// given fields. email: the primary address (null: no email at all).
export function userEvent({
  type = 'user.created', id = uid('user'), email = `${uid('u').toLowerCase()}@example.com`,
  first_name = 'First', last_name = 'Last', username = null,
  updated_at = Date.now(), created_at = updated_at,
} = {}) {
  const ev = fixture('03');
  const d = ev.data;
  ev.type = type;
  ev.timestamp = updated_at + 100;
  d.id = id;
  d.first_name = first_name;
  d.last_name = last_name;
  d.username = username;
  d.created_at = created_at;
  d.updated_at = updated_at;
  if (email === null) {
    d.email_addresses = [];
    d.primary_email_address_id = null;
  } else {
    // Keep the shape: a secondary address first, the primary second.
    const primary = uid('idn');
    d.email_addresses[0].id = uid('idn');
    d.email_addresses[0].email_address = `other.${email}`;
    d.email_addresses[1].id = primary;
    d.email_addresses[1].email_address = email;
    d.primary_email_address_id = primary;
  }
  return ev;
}

// An organization.created / .updated envelope shaped like fixture 02.
export function orgEvent({
  type = 'organization.created', id = uid('org'), name = 'Org', slug = null,
  updated_at = Date.now(), created_at = updated_at,
} = {}) {
  const ev = fixture('02');
  ev.type = type;
  ev.timestamp = updated_at + 100;
  Object.assign(ev.data, { id, name, slug: slug ?? id.toLowerCase(), created_at, updated_at });
  return ev;
}

// An organizationMembership.created / .updated envelope shaped like
// fixture 05, naming the given user and organization.
export function membershipEvent({
  type = 'organizationMembership.created', id = uid('orgmem'), role = 'org:member',
  userId = uid('user'), orgId = uid('org'), orgName = 'Org', identifier = null,
  updated_at = Date.now(), created_at = updated_at,
} = {}) {
  const ev = fixture('05');
  ev.type = type;
  ev.timestamp = updated_at + 100;
  Object.assign(ev.data, { id, role, role_name: role, created_at, updated_at });
  Object.assign(ev.data.organization, { id: orgId, name: orgName, slug: orgId.toLowerCase() });
  Object.assign(ev.data.public_user_data, {
    user_id: userId, identifier: identifier ?? `${userId.toLowerCase()}@example.com`,
  });
  return ev;
}

// ---------------------------------------------------------------- signing

export const nowSec = () => Math.floor(Date.now() / 1000);

// The svix-signature header value for (id, ts seconds, body) with the npm
// svix package.
export function sign(id, ts, body, secret = SECRET) {
  return new Webhook(secret).sign(id, new Date(ts * 1000), Buffer.isBuffer(body) ? body.toString('utf8') : body);
}

// The three signed headers. family 'svix' (svix-*) or 'webhook' (webhook-*).
export function signedHeaders(id, ts, body, { secret = SECRET, family = 'svix' } = {}) {
  return {
    [`${family}-id`]: id,
    [`${family}-timestamp`]: String(ts),
    [`${family}-signature`]: sign(id, ts, body, secret),
  };
}

// POSTs body (string, Buffer or object: JSON.stringify'd) to the webhook,
// signed for (id, ts). opts:
//   id, ts, secret, family   what to sign with
//   headers                  extra headers / overrides (a null value removes one)
//   signature                replaces the svix-signature value
//   path                     default /api/v1/auth/clerk_webhook/
// Returns {status, text, json (or undefined), headers, id, body}.
export async function deliver(baseUrl, body, opts = {}) {
  const {
    id = msgId(), ts = nowSec(), secret = SECRET, family = 'svix', headers = {},
    signature, path: p = WEBHOOK_PATH, timeout = 30000,
  } = opts;
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const h = { 'content-type': 'application/json', ...signedHeaders(id, ts, text, { secret, family }) };
  if (signature !== undefined) h[`${family}-signature`] = signature;
  for (const [k, v] of Object.entries(headers)) {
    if (v === null || v === undefined) delete h[k.toLowerCase()];
    else h[k.toLowerCase()] = v;
  }
  let res;
  try {
    res = await fetch(baseUrl + p, {
      method: 'POST', headers: h, body: text, signal: AbortSignal.timeout(timeout),
    });
  } catch (e) {
    const err = new Error(`POST ${p} (${Buffer.byteLength(text)} bytes): no answer: ` +
      `${e.cause?.code ?? ''} ${e.cause?.message ?? e.message}`);
    err.cause = e.cause ?? e;
    throw err;
  }
  const resText = await res.text();
  let json;
  try { json = JSON.parse(resText); } catch { /* not JSON */ }
  return { status: res.status, text: resText, json, headers: res.headers, id, body: text };
}

// Delivers like Svix: a 5xx (or no answer) is retried under the same
// svix-id, at most `tries` times in all. Returns the last answer with
// `retried` (how many 5xx answers came before it) and `errors` (their text).
export async function deliverRetrying(baseUrl, body, { tries = 5, gapMs = 50, ...opts } = {}) {
  const id = opts.id ?? msgId();
  const errors = [];
  for (let i = 1; ; i++) {
    let r;
    try {
      r = await deliver(baseUrl, body, { ...opts, id });
    } catch (e) {
      if (i >= tries) throw e;
      errors.push(e.message);
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      continue;
    }
    if (r.status < 500 || i >= tries) return { ...r, retried: errors.length, errors };
    errors.push(`${r.status} ${r.text}`);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

// Asserts the success answer: 200, application/json, body exactly "OK".
export function assertOk(r, what = '') {
  assert.equal(r.status, 200, `${what} expected 200 "OK", got ${r.status} ${r.text}`);
  assert.equal(r.text, '"OK"', `${what} body`);
  assert.match(r.headers.get('content-type') || '', /^application\/json\b/, `${what} content-type`);
}

export function assertInvalidSignature(r, what = '') {
  assert.equal(r.status, 400, `${what}: expected 400, got ${r.status} ${r.text}`);
  assert.deepEqual(r.json, INVALID_SIGNATURE, `${what}: body ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /^application\/json\b/, `${what} content-type`);
}

// A {"detail": "..."} body: returns the detail.
export function assertDetail(r, status, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
  assert.equal(typeof r.json?.detail, 'string', `${what}: {"detail": string}, got ${r.text}`);
  assert.ok(r.json.detail.length > 0, `${what}: empty detail`);
  return r.json.detail;
}

// Runs fn(item, index) over items with at most `concurrency` at a time;
// returns the results (or {error} for a rejection) in order.
export async function pool(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      try { out[i] = await fn(items[i], i); } catch (error) { out[i] = { error }; }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------- server

// startServer() with the signing secret (unless env overrides it).
export function startWebhookServer({ env = {}, ...rest } = {}) {
  return startServer({ env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, ...env }, ...rest });
}

// Starts a webhook server, runs fn(srv), always stops it; stop() asserts
// exit code 0 (under ASan also no leaks). The first failure wins.
export async function withServer(fn, opts = {}) {
  const srv = await startWebhookServer(opts);
  let failed = false;
  try {
    return await fn(srv);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    try {
      await srv.stop();
    } catch (e) {
      if (!failed) throw e;
    }
  }
}

// ---------------------------------------------------------------- database

// Like server.mjs's sqlite() / psql() (the same clients and options), with
// room for large answers (a 1 MiB payload): {code, stdout, stderr}.
export function runSql(db, sql, { timeout = 30000 } = {}) {
  const opts = { encoding: 'utf8', timeout, maxBuffer: 256 * MiB, killSignal: 'SIGKILL' };
  const r = db.kind === 'sqlite'
    ? spawnSync('sqlite3', ['-batch', '-bail', db.path], { ...opts, input: `.timeout 10000\n${sql};\n` })
    : spawnSync('psql', [db.url, '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      { ...opts, env: cleanEnv({ PGCONNECT_TIMEOUT: 5 }) });
  const err = r.error ? `${r.error.code ?? r.error} ` : '';
  return { code: r.error ? -1 : r.status, stdout: r.stdout ?? '', stderr: err + (r.stderr ?? '') };
}

// Rows of a SELECT as objects, read with the sqlite3 / psql clients.
// PostgreSQL booleans come back as 1/0 so that both backends compare alike.
export function rows(db, sql) {
  if (db.kind === 'sqlite') {
    const r = runSql(db, `.mode json\n${sql}`);
    if (r.code !== 0) throw new Error(`sqlite3: ${r.stderr}\n${sql}`);
    const t = r.stdout.trim();
    return t === '' ? [] : JSON.parse(t);
  }
  const r = runSql(db, `SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}\n${sql}`);
  const out = JSON.parse(r.stdout.trim());
  for (const row of out) {
    for (const [k, v] of Object.entries(row)) if (typeof v === 'boolean') row[k] = v ? 1 : 0;
  }
  return out;
}

// Several SELECTs in one client call (a psql start costs tens of
// milliseconds, more on a loaded machine): {name: rows} for {name: sql}.
export function rowsMany(db, queries) {
  const names = Object.keys(queries);
  if (db.kind === 'sqlite') return Object.fromEntries(names.map((n) => [n, rows(db, queries[n])]));
  const parts = names.map((n) => `${sqlStr(n)}, (SELECT coalesce(json_agg(t), '[]'::json) FROM (${queries[n]}) t)`);
  const r = runSql(db, `SELECT json_build_object(${parts.join(', ')})`);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim());
  for (const list of Object.values(out)) {
    for (const row of list) {
      for (const [k, v] of Object.entries(row)) if (typeof v === 'boolean') row[k] = v ? 1 : 0;
    }
  }
  return out;
}

// One value of a one-row, one-column SELECT (numbers as numbers).
export function scalar(db, sql) {
  const r = rows(db, sql);
  assert.equal(r.length, 1, `one row expected from ${sql}`);
  const v = Object.values(r[0])[0];
  return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
}

export const count = (db, table, where = '') =>
  Number(scalar(db, `SELECT count(*) AS n FROM ${table}${where ? ` WHERE ${where}` : ''}`));

// Runs SQL statements that return nothing.
export function exec(db, sql) {
  const r = runSql(db, sql);
  if (r.code !== 0) throw new Error(`${db.kind}: ${r.stderr}\n${sql}`);
}

// SQL literal for a boolean on the database's backend.
export const sqlBool = (db, v) => (db.kind === 'sqlite' ? (v ? '1' : '0') : (v ? 'true' : 'false'));
// SQL string literal.
export const sqlStr = (s) => `'${String(s).replaceAll("'", "''")}'`;

const USER_COLS = 'id, clerk_id, email, password, first_name, last_name, username, image_url, ' +
  'is_active, is_staff, is_superuser, clerk_updated_at, created_at, updated_at';

export const users = (db) => rows(db, `SELECT ${USER_COLS} FROM users ORDER BY id`);
export const userByClerkId = (db, clerkId) => {
  const r = rows(db, `SELECT ${USER_COLS} FROM users WHERE clerk_id = ${sqlStr(clerkId)}`);
  return r[0] ?? null;
};
export const orgs = (db) => rows(db,
  'SELECT id, clerk_id, name, slug, image_url, clerk_updated_at, created_at, updated_at ' +
  'FROM organizations ORDER BY id');
export const memberships = (db) => rows(db,
  'SELECT id, clerk_id, user_id, organization_id, role, clerk_updated_at, created_at, updated_at ' +
  'FROM organization_memberships ORDER BY id');
export const tombstones = (db) => rows(db,
  'SELECT clerk_id, kind, deleted_at FROM clerk_tombstones ORDER BY clerk_id');
export const events = (db) => rows(db,
  'SELECT svix_id, type, status, error, payload, received_at, attempts FROM webhook_events ' +
  'ORDER BY received_at, svix_id');
export function event(db, svixId) {
  const r = rows(db, 'SELECT svix_id, type, status, error, payload, received_at, attempts ' +
    `FROM webhook_events WHERE svix_id = ${sqlStr(svixId)}`);
  return r[0] ?? null;
}

// Everything the mirror holds (not webhook_events): for "nothing changed".
export function mirror(db) {
  return { users: users(db), orgs: orgs(db), memberships: memberships(db), tombstones: tombstones(db) };
}

export { DB_KIND };
