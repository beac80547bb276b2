// Helpers of the sessions tests (DESIGN §11.3; webhook_sessions,
// webhook_catalog, revocation and admin_sessions): session envelopes
// shaped like fixture 14, role and permission envelopes shaped like
// fixtures 17-19, the rows they leave, and a pair of servers on one
// database.
import assert from 'node:assert/strict';

import { freshDb, startServer } from './lib/server.mjs';
import {
  SECRET, assertOk, deliver, event, fixture, fixtureSvixId, fixtureText, msgId, rows, sqlStr, uid, userEvent,
} from './lib/webhook.mjs';

export const DAY_MS = 86400000;

// The status each session event carries (reference/clerk.md §8.1).
export const STATUS_OF = {
  'session.created': 'active',
  'session.pending': 'pending',
  'session.ended': 'ended',
  'session.removed': 'removed',
  'session.revoked': 'revoked',
};

// A session.* envelope shaped like fixture 14 for user userId, embedding
// a full User (userEvent's) unless user is null (no member) or given.
export function sessionEvent({
  type = 'session.created', id = uid('sess'), userId = uid('user'), status,
  updated_at = Date.now(), created_at = updated_at, last_active_at = updated_at,
  actor = null, orgId = null, user,
} = {}) {
  const ev = fixture('14');
  ev.type = type;
  ev.timestamp = updated_at + 50;
  Object.assign(ev.data, {
    id, user_id: userId, status: status ?? STATUS_OF[type] ?? 'active', actor,
    client_id: uid('client'), last_active_organization_id: orgId, last_active_at,
    expire_at: created_at + 7 * DAY_MS, abandon_at: created_at + 30 * DAY_MS, created_at, updated_at,
  });
  if (user === null) delete ev.data.user;
  else ev.data.user = user ?? userEvent({ id: userId, updated_at: created_at - 1000 }).data;
  return ev;
}

const SESSION_COLS = 'clerk_id, user_id, status, client_id, last_active_organization_id, actor, ' +
  'last_active_at, expire_at, abandon_at, clerk_updated_at, created_at, updated_at';

export const sessions = (db) => rows(db, `SELECT ${SESSION_COLS} FROM sessions ORDER BY id`);
export function session(db, clerkId) {
  return rows(db, `SELECT ${SESSION_COLS} FROM sessions WHERE clerk_id = ${sqlStr(clerkId)}`)[0] ?? null;
}

// Delivers an envelope (compact JSON), asserts 200 and the stored status;
// returns the webhook_events row.
export async function send(srv, ev, { id = msgId(), expect = 'applied' } = {}) {
  const r = await deliver(srv.url, JSON.stringify(ev), { id });
  assertOk(r, `${ev.type} ${ev.data?.id}`);
  const row = event(srv.db, id);
  if (expect) assert.equal(row?.status, expect, `${ev.type} ${ev.data?.id}: status (error ${row?.error})`);
  return row;
}

// Delivers fixture num as on disk under its signatures.json svix-id (or
// id), asserts 200 and the stored status; returns the webhook_events row.
export async function sendFixture(srv, num, { id = fixtureSvixId(num), expect = 'applied' } = {}) {
  const r = await deliver(srv.url, fixtureText(num), { id });
  assert.equal(r.status, 200, `fixture ${num}: ${r.text}`);
  const row = event(srv.db, id);
  if (expect) assert.equal(row.status, expect, `fixture ${num}: status (error ${row.error})`);
  return row;
}

// A Permission object and a permission.* envelope (fixture 17's shape).
export function permission({
  id = uid('perm'), key = `org:${uid('f').slice(2, 10).toLowerCase()}:read`, name = 'Read',
  description = 'Reads', type = 'custom', updated_at = Date.now(), created_at = updated_at,
} = {}) {
  return { object: 'permission', id, name, key, description, type, created_at, updated_at };
}

export function permissionEvent(type, perm, { timestamp = perm.updated_at + 50 } = {}) {
  const ev = fixture('17');
  ev.type = type;
  ev.timestamp = timestamp;
  ev.data = perm;
  return ev;
}

// A role.* envelope (fixture 18's shape) with the given Permission objects.
export function roleEvent(type, {
  id = uid('role'), key = `org:${uid('r').slice(2, 10).toLowerCase()}`, name = 'Role', description = null,
  permissions = [], updated_at = Date.now(), created_at = updated_at,
} = {}) {
  const ev = fixture('18');
  ev.type = type;
  ev.timestamp = updated_at + 50;
  Object.assign(ev.data, { id, key, name, description, permissions, created_at, updated_at });
  return ev;
}

// The catalog as rows: roles, permissions, and each role's keys.
export const roles = (db) => rows(db,
  'SELECT clerk_id, key, name, description, clerk_updated_at FROM roles ORDER BY key');
export const permissions = (db) => rows(db,
  'SELECT clerk_id, key, name, description, type, clerk_updated_at FROM permissions ORDER BY key');
export function roleKeys(db, roleKey) {
  return rows(db, 'SELECT p.key FROM role_permissions rp JOIN roles r ON r.id = rp.role_id ' +
    `JOIN permissions p ON p.id = rp.permission_id WHERE r.key = ${sqlStr(roleKey)} ORDER BY p.key`)
    .map((x) => x.key);
}

// Two `mysaas serve` processes on one fresh database (the second starts
// once the first has migrated it); stop() stops both and drops it.
export async function twoServers(env) {
  const db = freshDb();
  let a;
  let b;
  try {
    a = await startServer({ env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, ...env }, db });
    b = await startServer({ env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, ...env }, db });
  } catch (e) {
    if (a) await a.stop({ expectCode: null });
    db.drop();
    throw e;
  }
  return {
    a, b, db,
    async stop() {
      try {
        await Promise.all([a.stop(), b.stop()]);
      } finally {
        db.drop();
      }
    },
  };
}
