// The session rules (DESIGN §11.3 with the ordering of §5): fixtures 04,
// 14 and 20 in order and out of order, duplicates, the user made from the
// embedded User, the 422 without one, a deleted user's sessions, last_login
// and the actor. Exact rows are read back with sqlite3 / psql.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep } from './lib/server.mjs';
import {
  IDS, count, deliver, event, fixture, fixtureSvixId, msgId, rows, sqlStr, userByClerkId, userEvent, uid,
  withServer,
} from './lib/webhook.mjs';
import { send, sendFixture, session, sessionEvent, sessions } from './sessions_helpers.mjs';

const T = { timeout: 120000 };

const F = Object.fromEntries(['03', '04', '06', '11', '14', '20'].map((n) => [n, fixture(n)]));
const S04 = F['04'].data.id;
const S14 = F['14'].data.id;

// The columns a session's Clerk data decides.
const pick = (s) => s && {
  clerk_id: s.clerk_id, status: s.status, client_id: s.client_id,
  last_active_organization_id: s.last_active_organization_id, actor: s.actor,
  last_active_at: Number(s.last_active_at), expire_at: Number(s.expire_at),
  abandon_at: Number(s.abandon_at), clerk_updated_at: Number(s.clerk_updated_at),
};
const fromData = (d) => ({
  clerk_id: d.id, status: d.status, client_id: d.client_id,
  last_active_organization_id: d.last_active_organization_id, actor: d.actor === null ? null : JSON.stringify(d.actor),
  last_active_at: d.last_active_at, expire_at: d.expire_at, abandon_at: d.abandon_at,
  clerk_updated_at: d.updated_at,
});

const lastLogin = (db, clerkId) =>
  rows(db, `SELECT last_login FROM users WHERE clerk_id = ${sqlStr(clerkId)}`)[0]?.last_login ?? null;
const asMs = (t) => (t === null ? null : Date.parse(t.replace(' ', 'T').replace(/\+00(:00)?$/, 'Z')));

test('fixtures 03, 04, 14, 20 in order: the sessions, their states and last_login', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '03');
    const alice = userByClerkId(db, IDS.alice);
    assert.equal(lastLogin(db, IDS.alice), null);

    await sendFixture(srv, '04');
    assert.deepEqual(sessions(db).map(pick), [fromData(F['04'].data)]);
    assert.equal(session(db, S04).user_id, alice.id);
    assert.equal(asMs(lastLogin(db, IDS.alice)), F['04'].data.created_at, 'last_login: the session\'s start');

    await sendFixture(srv, '14');
    assert.deepEqual(sessions(db).map(pick), [fromData(F['04'].data), fromData(F['14'].data)]);
    assert.equal(asMs(lastLogin(db, IDS.alice)), F['14'].data.created_at, 'last_login moves forward');

    await sendFixture(srv, '20');
    const s = session(db, S14);
    assert.deepEqual(pick(s), fromData(F['20'].data));
    assert.equal(s.status, 'revoked');
    assert.equal(count(db, 'sessions'), 2);
    assert.equal(asMs(lastLogin(db, IDS.alice)), F['14'].data.created_at, 'a revocation is no sign-in');
    // The embedded users changed nothing: Alice is still 03's.
    assert.deepEqual(userByClerkId(db, IDS.alice), alice);

    // 04 again under a new svix-id: the same data, written nothing.
    const before = sessions(db);
    await sleep(20);
    const again = await sendFixture(srv, '04', { id: msgId() });
    assert.equal(again.error, null);
    assert.deepEqual(sessions(db), before, 'no row touched, updated_at included');
    // The same svix-id: a duplicate.
    await sendFixture(srv, '20');
    assert.equal(event(db, fixtureSvixId('20')).attempts, 1);
    assert.deepEqual(sessions(db), before);
  });
});

test('20 before 14: a revoked session stays revoked, and 14 changes nothing', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '03');
    await sendFixture(srv, '20');
    assert.deepEqual(pick(session(db, S14)), fromData(F['20'].data));
    const late = await sendFixture(srv, '14', { expect: 'ignored' });
    assert.equal(late.error, 'stale');
    assert.deepEqual(pick(session(db, S14)), fromData(F['20'].data));
    assert.equal(lastLogin(db, IDS.alice), null, 'a stale event changes nothing');
  });
});

test('a session of an unknown user creates the user from the embedded User (not a stub)', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '14');
    const u = userByClerkId(db, IDS.alice);
    const emb = F['14'].data.user;
    assert.deepEqual({
      email: u.email, first_name: u.first_name, last_name: u.last_name, username: u.username,
      image_url: u.image_url, clerk_updated_at: Number(u.clerk_updated_at),
    }, {
      email: 'alice@acme.example', first_name: emb.first_name, last_name: emb.last_name, username: emb.username,
      image_url: emb.image_url, clerk_updated_at: emb.updated_at,
    });
    assert.equal(session(db, S14).user_id, u.id);
    // The user's own older events are stale against it, as against any
    // real user (a stub would have been overwritten).
    assert.equal((await sendFixture(srv, '03', { expect: 'ignored' })).error, 'stale');
    assert.equal((await sendFixture(srv, '06', { expect: 'ignored' })).error, 'stale');
    assert.equal(userByClerkId(db, IDS.alice).username, 'alice');
  });
});

test('a session of an unknown user without an embedded User fails (422) and lands once the user is there', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const userId = uid('user');
    for (const user of [null, 'null']) {
      const ev = sessionEvent({ userId, user: null });
      if (user === 'null') ev.data.user = null;
      const id = msgId();
      const r = await deliver(srv.url, JSON.stringify(ev), { id });
      assert.equal(r.status, 422, r.text);
      assert.match(r.json.detail, /not mirrored/);
      const row = event(db, id);
      assert.equal(row.status, 'failed');
      assert.match(row.error, /data\.user_id/);
      assert.equal(count(db, 'users'), 0);
      assert.equal(count(db, 'sessions'), 0);
      if (user === 'null') {
        // The user arrives; Svix delivers the same message again.
        await send(srv, userEvent({ id: userId }));
        const again = await deliver(srv.url, JSON.stringify(ev), { id });
        assert.equal(again.status, 200, again.text);
        assert.equal(event(db, id).status, 'applied');
        assert.equal(event(db, id).attempts, 2);
        assert.equal(session(db, ev.data.id).status, 'active');
      }
    }
  });
});

test('a deleted user\'s sessions are not mirrored, even with a newer embedded User', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '03');
    await sendFixture(srv, '04');
    await sendFixture(srv, '11');
    assert.equal(count(db, 'sessions'), 0, 'the sessions went with the user');
    const ev = sessionEvent({ userId: IDS.alice, updated_at: F['11'].timestamp + 60000 });
    ev.data.user.updated_at = F['11'].timestamp + 60000;
    assert.equal((await send(srv, ev, { expect: 'ignored' })).error, 'stale');
    assert.equal((await sendFixture(srv, '14', { expect: 'ignored' })).error, 'stale');
    assert.equal(userByClerkId(db, IDS.alice), null);
    assert.equal(count(db, 'sessions'), 0);
  });
});

test('every action, the same updated_at with other data, the actor, and unused actions', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const user = userEvent();
    await send(srv, user);
    const userId = user.data.id;
    const t = Date.now() - 10000;
    const ev = sessionEvent({ type: 'session.pending', userId, updated_at: t, user: null });
    await send(srv, ev);
    assert.equal(session(db, ev.data.id).status, 'pending');
    // The same updated_at with another status is a change (Clerk's clock
    // has millisecond ties); the same data is not.
    const ended = sessionEvent({ type: 'session.ended', id: ev.data.id, userId, updated_at: t, created_at: t, user: null });
    ended.data.client_id = ev.data.client_id;
    await send(srv, ended);
    assert.equal(session(db, ev.data.id).status, 'ended');
    const removed = sessionEvent({ type: 'session.removed', id: ev.data.id, userId, updated_at: t + 1, user: null });
    await send(srv, removed);
    assert.equal(session(db, ev.data.id).status, 'removed');
    // An impersonated session: the actor as JSON text.
    const actor = { sub: 'user_admin0000000000000000000', iss: 'https://dashboard.clerk.com' };
    const imp = sessionEvent({ userId, actor, user: null });
    await send(srv, imp);
    assert.deepEqual(JSON.parse(session(db, imp.data.id).actor), actor);
    // A session action Clerk may add later is acknowledged, unused.
    const other = await send(srv, sessionEvent({ type: 'session.touched', userId, user: null }), { expect: 'ignored' });
    assert.equal(other.error, null);
    assert.equal(count(db, 'sessions'), 2);
  });
});

test('payloads that cannot be applied: 422, stored failed, nothing written', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const user = userEvent();
    await send(srv, user);
    const base = () => sessionEvent({ userId: user.data.id, user: null });
    const cases = {
      'no id': (e) => { delete e.data.id; },
      'no user_id': (e) => { delete e.data.user_id; },
      'no status': (e) => { delete e.data.status; },
      'updated_at as text': (e) => { e.data.updated_at = '1757937000300'; },
      'expire_at as a float': (e) => { e.data.expire_at = 1.5; },
      'actor as a string': (e) => { e.data.actor = 'user_x'; },
      'embedded user of another id': (e) => { e.data.user = userEvent().data; },
    };
    for (const [what, change] of Object.entries(cases)) {
      const ev = base();
      change(ev);
      const id = msgId();
      const r = await deliver(srv.url, JSON.stringify(ev), { id });
      assert.equal(r.status, 422, `${what}: ${r.text}`);
      assert.equal(event(db, id).status, 'failed', what);
    }
    assert.equal(count(db, 'sessions'), 0);
    assert.equal(count(db, 'users'), 1);
  });
});
