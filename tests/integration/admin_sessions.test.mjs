// The admin's sessions (DESIGN §8, §11.3, §12.3): the read-only changelist
// (search, status filter), the user's page listing the user's sessions,
// and "revoke" through Clerk's Backend API (the fake of lib/fake_clerk.mjs):
// Clerk's answer applied like a webhook (the webhook that follows changes
// nothing), the tokens refused at once, admin_log written; Clerk's refusal
// shown with nothing changed; without CLERK_SECRET_KEY, the reason.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CLERK_ERRORS, startFakeClerk } from './lib/fake_clerk.mjs';
import { assertOk, count, deliver, rows, sqlStr, startWebhookServer } from './lib/webhook.mjs';
import {
  assertNotAuthenticated, assertStatus, createUser, me, mint, newKey, pemEnv,
} from './lib/clerk.mjs';
import { adminLog, createAdmin, csrfOf, signedIn, tableRows, unescape } from './admin_helpers.mjs';
import { send, session, sessionEvent } from './sessions_helpers.mjs';

const T = { timeout: 120000 };
const REVOKE = 'POST /v1/sessions/{session_id}/revoke';

// The session's CSRF token, from the logout page's form.
const tokenOf = async (c) => csrfOf((await c.get('/admin/logout/')).text);

const localId = (db, clerkId) =>
  Number(rows(db, `SELECT id FROM sessions WHERE clerk_id = ${sqlStr(clerkId)}`)[0].id);

describe('with CLERK_SECRET_KEY (a fake Backend API)', () => {
  let fake;
  let srv;
  let key;
  let admin;
  let user;

  // A session Clerk holds, mirrored through its session.created webhook.
  async function clerkSession() {
    const s = fake.addSession({ user_id: user.id });
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(s))), 'session.created');
    return { clerkId: s.id, id: localId(srv.db, s.id) };
  }

  // POSTs the revoke form of session id with its page's CSRF token.
  async function revoke(c, id) {
    const page = await c.get(`/admin/users/session/${id}/change/`);
    assert.equal(page.status, 200);
    return c.post(`/admin/users/session/${id}/revoke/`, { csrfmiddlewaretoken: csrfOf(page.text) });
  }

  before(async () => {
    fake = await startFakeClerk();
    key = await newKey();
    srv = await startWebhookServer({ env: { ...pemEnv(key), ...fake.env() } });
    createAdmin(srv.db, 'root@admin.test');
    createAdmin(srv.db, 'viewer@admin.test', { superuser: false });
    admin = await signedIn(srv.url, 'root@admin.test');
    user = fake.addUser({ email: 'alice@example.com', first_name: 'Alice' });
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(user))), 'user.created');
  });
  after(async () => {
    if (srv) await srv.stop();
    if (fake) await fake.close();
  });

  test('the changelist: search by session id or email, filter by status; the user\'s page lists them', T, async () => {
    const a = await clerkSession();
    const b = await clerkSession();
    const list = await admin.get('/admin/users/session/');
    assert.equal(list.status, 200);
    const cells = tableRows(list.text).map((r) => r.map(unescape));
    for (const s of [a, b]) {
      const row = cells.find((r) => r.includes(s.clerkId));
      assert.ok(row, `${s.clerkId} listed`);
      assert.ok(row.includes('alice@example.com'));
      assert.ok(row.includes('active'));
    }
    const byId = await admin.get(`/admin/users/session/?q=${a.clerkId.slice(5, 20)}`);
    assert.deepEqual(tableRows(byId.text).map((r) => r[0]), [a.clerkId]);
    const byEmail = await admin.get('/admin/users/session/?q=ALICE%40example');
    assert.ok(tableRows(byEmail.text).length >= 2);
    assert.deepEqual(tableRows((await admin.get('/admin/users/session/?q=nobody%40x')).text), []);
    assert.deepEqual(tableRows((await admin.get('/admin/users/session/?status=revoked')).text)
      .filter((r) => r[0] === a.clerkId), []);
    assert.ok(tableRows((await admin.get('/admin/users/session/?status=active')).text).length >= 2);

    const uid = Number(rows(srv.db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(user.id)}`)[0].id);
    const page = await admin.get(`/admin/users/user/${uid}/change/`);
    assert.equal(page.status, 200);
    const inline = tableRows(page.text, 'sessions').map((r) => r[0]);
    assert.ok(inline.includes(a.clerkId) && inline.includes(b.clerkId), 'the user\'s sessions');
    assert.match(page.text, new RegExp(`href="/admin/users/session/${a.id}/change/"`));
    assert.match(page.text, new RegExp(`href="/admin/users/session/\\?user=${uid}"`));
    const mine = await admin.get(`/admin/users/session/?user=${uid}`);
    assert.ok(tableRows(mine.text).length >= 2);
  });

  test('revoke: through Clerk, applied at once, tokens refused, admin_log; the webhook after is a no-op', T, async () => {
    const s = await clerkSession();
    const token = await mint(key, user.id, { claims: { sid: s.clerkId } });
    assertStatus(await me(srv, { token }), 200, 'before');
    const detail = await admin.get(`/admin/users/session/${s.id}/change/`);
    assert.match(detail.text, />Revoke</);
    fake.clearCalls();

    const r = await revoke(admin, s.id);
    assert.equal(r.status, 302, r.text.slice(0, 500));
    assert.equal(r.location, `/admin/users/session/${s.id}/change/`);
    const calls = fake.calls(REVOKE);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].path, `/v1/sessions/${s.clerkId}/revoke`);
    assert.equal(calls[0].headers.authorization, `Bearer ${fake.secretKey}`);
    const clerkNow = fake.state.sessions.get(s.clerkId);
    assert.equal(clerkNow.status, 'revoked');
    const row = session(srv.db, s.clerkId);
    assert.equal(row.status, 'revoked');
    assert.equal(Number(row.clerk_updated_at), clerkNow.updated_at);
    assertNotAuthenticated(await me(srv, { token }), 'the revoked session\'s token');
    const log = adminLog(srv.db).at(-1);
    assert.deepEqual(log, {
      user_id: log.user_id, action: 'change', object_type: 'users.session', object_id: String(s.id),
      object_repr: s.clerkId, message: 'Revoked through Clerk.',
    });
    const after = await admin.get(r.location);
    assert.match(unescape(after.text), /was revoked/);
    assert.doesNotMatch(after.text, />Revoke</, 'no button on a revoked session');
    const history = await admin.get(`/admin/users/session/${s.id}/history/`);
    assert.match(history.text, /Revoked through Clerk\./);

    // Clerk's webhook for the same change follows: it writes nothing.
    const d = await deliver(srv.url, JSON.stringify(fake.webhook(clerkNow)));
    assertOk(d, 'session.revoked');
    assert.deepEqual(session(srv.db, s.clerkId), row);
  });

  test('Clerk refuses: its message is the page\'s error and nothing changes; Clerk down: 503', T, async () => {
    const s = await clerkSession();
    const token = await mint(key, user.id, { claims: { sid: s.clerkId } });
    const logs = count(srv.db, 'admin_log');
    const before = session(srv.db, s.clerkId);
    fake.fail(REVOKE, { error: CLERK_ERRORS.sessionNotActive('ended'), times: 1 });
    const r = await revoke(admin, s.id);
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /Clerk refused: The session is ended and cannot be revoked\./);
    for (const status of [500, 429]) {
      fake.fail(REVOKE, { status, times: 1 });
      const down = await revoke(admin, s.id);
      assert.equal(down.status, 503, `Clerk ${status}`);
      assert.match(down.text, /Clerk is unavailable; nothing was changed/);
    }
    assert.deepEqual(session(srv.db, s.clerkId), before);
    assert.equal(count(srv.db, 'admin_log'), logs);
    assertStatus(await me(srv, { token }), 200, 'still accepted');
  });

  test('only superusers revoke; the form needs its CSRF token', T, async () => {
    const s = await clerkSession();
    const viewer = await signedIn(srv.url, 'viewer@admin.test');
    const page = await viewer.get(`/admin/users/session/${s.id}/change/`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, />Revoke</);
    const r = await viewer.post(`/admin/users/session/${s.id}/revoke/`,
      { csrfmiddlewaretoken: await tokenOf(viewer) });
    assert.equal(r.status, 403);
    assert.equal((await admin.post(`/admin/users/session/${s.id}/revoke/`, {})).status, 403);
    assert.equal(session(srv.db, s.clerkId).status, 'active');
    assert.ok(!fake.calls(REVOKE).some((c) => c.path.includes(s.clerkId)), 'Clerk was not asked');
    const missing = await admin.post('/admin/users/session/999999/revoke/',
      { csrfmiddlewaretoken: await tokenOf(admin) });
    assert.equal(missing.status, 404);
  });
});

test('without CLERK_SECRET_KEY: the action says why it cannot run, and changes nothing', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({ env: pemEnv(key) });
  try {
    createAdmin(srv.db, 'root@admin.test');
    const c = await signedIn(srv.url, 'root@admin.test');
    const u = await createUser(srv);
    const ev = sessionEvent({ userId: u.clerkId, user: null });
    await send(srv, ev);
    const id = localId(srv.db, ev.data.id);
    const page = await c.get(`/admin/users/session/${id}/change/`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, />Revoke</);
    assert.match(page.text, /set CLERK_SECRET_KEY to revoke/);
    const r = await c.post(`/admin/users/session/${id}/revoke/`, { csrfmiddlewaretoken: await tokenOf(c) });
    assert.equal(r.status, 200);
    assert.match(r.text, /Revoking needs CLERK_SECRET_KEY/);
    assert.equal(session(srv.db, ev.data.id).status, 'active');
    assert.equal(count(srv.db, 'admin_log'), 0);
    assertStatus(await me(srv, { token: await mint(key, u.clerkId, { claims: { sid: ev.data.id } }) }), 200,
      'its tokens still work');
  } finally {
    await srv.stop();
  }
});
