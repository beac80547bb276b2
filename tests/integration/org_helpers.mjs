// Helpers of the organization-management tests (DESIGN §12; org_manage,
// idempotency): a server in front of the fake Backend API
// (lib/fake_clerk.mjs), people and organizations that Clerk holds and the
// mirror received through their webhooks, API calls with a session token
// (minted with jose), and the mirror's rows to compare before and after.
import assert from 'node:assert/strict';

import { startFakeClerk } from './lib/fake_clerk.mjs';
import { assertOk, deliver, rows, rowsMany, sqlStr, startWebhookServer } from './lib/webhook.mjs';
import { mint, newKey, pemEnv } from './lib/clerk.mjs';

export const T = { timeout: 180000 };

// The body of every route's 409 for the last admin (DESIGN §12.2).
export const LAST_ADMIN = { detail: 'An organization needs at least one admin' };
export const UNAVAILABLE = { detail: 'Clerk is unavailable' };

// Fresh factors (minutes since the first and the second factor): the
// "strict" reverification (second factor within 10 minutes) passes.
export const FRESH = [0, 0];

// Delivers the fake's webhook envelope for obj (action optional) and
// asserts it was accepted.
export async function mirror(srv, fake, obj, action) {
  const ev = fake.webhook(obj, action);
  assertOk(await deliver(srv.url, JSON.stringify(ev)), `${ev.type} ${obj.id}`);
  return ev;
}

// A server whose Backend API is the fake (env adds or removes variables).
export async function startWithFake({ env = {}, fake } = {}) {
  const f = fake ?? await startFakeClerk();
  const key = await newKey();
  const srv = await startWebhookServer({ env: { ...pemEnv(key), ...f.env(), ...env } });
  return { fake: f, key, srv };
}

// A user Clerk holds, mirrored: the Clerk User plus `local` (users.id).
export async function person(srv, fake, opts = {}) {
  const u = fake.addUser(opts);
  await mirror(srv, fake, u);
  const [row] = rows(srv.db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(u.id)}`);
  return { ...u, local: Number(row.id) };
}

// An organization Clerk holds with members [user, role], all mirrored:
// the Clerk Organization plus `local` (organizations.id).
export async function organization(srv, fake, members = [], opts = {}) {
  const o = fake.addOrg(opts);
  await mirror(srv, fake, fake.organization(o.id));
  for (const [user, role] of members) await join(srv, fake, o, user, role);
  const [row] = rows(srv.db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(o.id)}`);
  return { ...o, local: Number(row.id) };
}

// Adds user to org with role, at Clerk and in the mirror.
export async function join(srv, fake, org, user, role = 'org:member') {
  const m = fake.addMembership({ organization_id: org.id, user_id: user.id, role });
  await mirror(srv, fake, m);
  return m;
}

// Calls the API as user (a fresh session token; fva: factor ages) with a
// JSON body (or `raw` text and `type`); {status, text, json, headers}.
export async function api(ctx, user, method, path, {
  body, raw, type = 'application/json', headers = {}, fva, timeout = 30000,
} = {}) {
  const token = await mint(ctx.key, user.id, fva ? { claims: { fva } } : {});
  const h = { authorization: `Bearer ${token}`, ...headers };
  let payload;
  if (raw !== undefined || body !== undefined) {
    payload = raw ?? JSON.stringify(body);
    if (type !== null) h['content-type'] = type;
  }
  const res = await fetch(ctx.srv.url + path, {
    method, headers: h, body: payload, signal: AbortSignal.timeout(timeout),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, text, json, headers: res.headers };
}

export function assertStatus(r, status, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

// The mirror's rows of an organization: its row, memberships and
// invitations (every column but the local bookkeeping of time, which a
// no-op leaves alone anyway), and the tombstones.
export function snapshot(db) {
  return rowsMany(db, {
    orgs: 'SELECT id, clerk_id, name, slug, image_url, clerk_updated_at, updated_at FROM organizations ORDER BY id',
    memberships: 'SELECT id, clerk_id, user_id, organization_id, role, permissions, clerk_updated_at, updated_at ' +
      'FROM organization_memberships ORDER BY id',
    invitations: 'SELECT * FROM organization_invitations ORDER BY id',
    users: 'SELECT id, clerk_id, email, clerk_updated_at FROM users ORDER BY id',
    tombstones: 'SELECT clerk_id, kind FROM clerk_tombstones ORDER BY clerk_id',
  });
}

export const orgRow = (db, clerkId) =>
  rows(db, `SELECT name, slug, clerk_updated_at FROM organizations WHERE clerk_id = ${sqlStr(clerkId)}`)[0];
export const memberRow = (db, orgLocal, userLocal) =>
  rows(db, 'SELECT clerk_id, role, permissions, clerk_updated_at, updated_at FROM organization_memberships ' +
    `WHERE organization_id = ${orgLocal} AND user_id = ${userLocal}`)[0];
export const invitationRow = (db, clerkId) =>
  rows(db, `SELECT * FROM organization_invitations WHERE clerk_id = ${sqlStr(clerkId)}`)[0];
