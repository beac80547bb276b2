// Revocation (DESIGN §11.3): once a session.ended|removed|revoked delivery
// is acknowledged, every token of that session is refused (401) on every
// instance within 1 s, tokens in the verified-token cache included; a
// session the mirror does not hold blocks nothing. And GET
// /api/v1/users/me/sessions. Tokens are minted with jose, webhooks signed
// with svix; two `mysaas serve` processes share one database (SQLite file
// or PostgreSQL) for the cross-instance bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { freshDb, sleep, startServer } from './lib/server.mjs';
import { assertOk, deliver, event, exec, msgId, sqlStr, startWebhookServer } from './lib/webhook.mjs';
import {
  COOKIE_SUFFIX, assertNotAuthenticated, assertStatus, call, createUser, me, mint, newKey, pemEnv,
} from './lib/clerk.mjs';
import { DAY_MS, send, session, sessionEvent, twoServers } from './sessions_helpers.mjs';

const T = { timeout: 180000 };
const ENDING = ['session.revoked', 'session.ended', 'session.removed'];

// Mirrors an active session of user (session.created) and returns its id.
async function activeSession(srv, user, opts = {}) {
  const ev = sessionEvent({ userId: user.clerkId, user: null, ...opts });
  await send(srv, ev);
  return ev.data.id;
}

// Ends session sid of user with type through srv's webhook; the answer.
function endSession(srv, user, sid, type = 'session.revoked') {
  return deliver(srv.url, JSON.stringify(sessionEvent({ type, id: sid, userId: user.clerkId, user: null })));
}

describe('one instance', () => {
  let srv;
  let key;
  let alice;
  let bob;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, { first_name: 'Alice' });
    bob = await createUser(srv, { first_name: 'Bob' });
  });
  after(async () => { if (srv) await srv.stop(); });

  for (const type of ENDING) {
    test(`${type}: a token already in the cache is refused at once`, T, async () => {
      const sid = await activeSession(srv, alice);
      const token = await mint(key, alice.clerkId, { claims: { sid } });
      assertStatus(await me(srv, { token }), 200, 'verified');
      assertStatus(await me(srv, { token }), 200, 'from the cache');
      const r = await endSession(srv, alice, sid, type);
      assertOk(r, type);
      // The delivery's own instance refuses before the 2xx goes out.
      assertNotAuthenticated(await me(srv, { token }), `${type}: cached token`);
      assertNotAuthenticated(await call(srv, '/api/v1/organizations', { token }), `${type}: another route`);
      const fresh = await mint(key, alice.clerkId, { claims: { sid } });
      assertNotAuthenticated(await me(srv, { token: fresh }), `${type}: a new token of the session`);
      assert.match(srv.logs(), /reason=session-revoked/);
      assert.equal(session(srv.db, sid).status, type.slice('session.'.length));
    });
  }

  test('other sessions and sessions the mirror does not hold are not blocked', T, async () => {
    const revoked = await activeSession(srv, alice);
    const kept = await activeSession(srv, alice);
    assertOk(await endSession(srv, alice, revoked));
    assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { sid: kept } }) }), 200, 'active');
    const unknown = `sess_${'x'.repeat(27)}`;
    assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { sid: unknown } }) }), 200,
      'a session absent from the mirror');
    assertStatus(await me(srv, { token: await mint(key, bob.clerkId) }), 200, 'another user');
    // A pending session (signed in, tasks left) is not ended.
    const pending = await activeSession(srv, alice, { type: 'session.pending' });
    assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { sid: pending } }) }), 200,
      'a pending session in the mirror');
  });

  test('an event that failed (422) is not acknowledged and refuses nothing', T, async () => {
    const carol = `user_${'c'.repeat(27)}`;
    await createUser(srv, { id: carol });
    const sid = `sess_${'f'.repeat(27)}`;
    const token = await mint(key, carol, { claims: { sid } });
    assertStatus(await me(srv, { token }), 200, 'before');
    // A session of a user the mirror lacks, without an embedded user.
    const ev = sessionEvent({ type: 'session.revoked', id: sid, userId: `user_${'z'.repeat(27)}`, user: null });
    const r = await deliver(srv.url, JSON.stringify(ev));
    assert.equal(r.status, 422, r.text);
    assertStatus(await me(srv, { token }), 200, 'after the failed delivery');
  });

  test('pages: a revoked session is no session (the sign-in redirect)', T, async () => {
    const sid = await activeSession(srv, bob);
    const token = await mint(key, bob.clerkId, { claims: { sid } });
    const dashboard = () => fetch(`${srv.url}/dashboard`, {
      headers: { cookie: `__session_${COOKIE_SUFFIX}=${token}` }, redirect: 'manual',
      signal: AbortSignal.timeout(30000),
    });
    assert.equal((await dashboard()).status, 200, 'dashboard before');
    assertOk(await endSession(srv, bob, sid));
    const r = await dashboard();
    assert.equal(r.status, 307);
    assert.equal(r.headers.get('location'), '/sign-in?redirect_url=/dashboard');
  });
});

describe('GET /api/v1/users/me/sessions', () => {
  let srv;
  let key;
  let alice;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, { first_name: 'Alice' });
  });
  after(async () => { if (srv) await srv.stop(); });

  test('the caller\'s sessions, most recently active first, the token\'s own current', T, async () => {
    const base = Date.now() - 60000;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await activeSession(srv, alice, { updated_at: base + i * 1000 }));
    assertOk(await endSession(srv, alice, ids[0], 'session.ended'));
    const bob = await createUser(srv);
    await activeSession(srv, bob);
    const token = await mint(key, alice.clerkId, { claims: { sid: ids[1] } });
    const r = await call(srv, '/api/v1/users/me/sessions', { token });
    assertStatus(r, 200, 'list');
    assert.equal(r.json.total_count, 3);
    // Ending ids[0] just now made it the most recently active.
    assert.deepEqual(r.json.data.map((s) => s.clerk_id), [ids[0], ids[2], ids[1]]);
    for (const s of r.json.data) {
      const row = session(srv.db, s.clerk_id);
      assert.deepEqual(s, {
        clerk_id: row.clerk_id, status: row.status, last_active_at: Number(row.last_active_at),
        expire_at: Number(row.expire_at), current: s.clerk_id === ids[1],
      });
    }
    assert.equal(r.json.data.filter((s) => s.current).length, 1);
    const page = await call(srv, '/api/v1/users/me/sessions?limit=1&offset=1', { token });
    assertStatus(page, 200, 'page');
    assert.equal(page.json.total_count, 3);
    assert.deepEqual(page.json.data.map((s) => s.clerk_id), [r.json.data[1].clerk_id]);
    const bad = await call(srv, '/api/v1/users/me/sessions?limit=0', { token });
    assertStatus(bad, 422, 'limit=0');
    assert.deepEqual(bad.json.detail[0].loc, ['query', 'limit']);
    assertNotAuthenticated(await call(srv, '/api/v1/users/me/sessions'), 'no token');
  });

  test('a user with no mirrored session: an empty list', T, async () => {
    const dave = await createUser(srv);
    const r = await call(srv, '/api/v1/users/me/sessions', { token: await mint(key, dave.clerkId) });
    assertStatus(r, 200, 'list');
    assert.deepEqual(r.json, { data: [], total_count: 0 });
  });
});

test('start: the mirror\'s ended sessions of the last day are refused at once, older ones are dropped', T, async () => {
  const key = await newKey();
  const db = freshDb();
  const srv = await startWebhookServer({ env: pemEnv(key), db });
  let again;
  try {
    const alice = await createUser(srv);
    const recent = await activeSession(srv, alice);
    const old = await activeSession(srv, alice);
    assertOk(await endSession(srv, alice, recent));
    assertOk(await endSession(srv, alice, old));
    // A day and a minute ago: its tokens expired long since.
    const stamp = new Date(Date.now() - DAY_MS - 60000).toISOString();
    exec(srv.db, `UPDATE sessions SET updated_at = ${sqlStr(stamp)} WHERE clerk_id = ${sqlStr(old)}`);
    await srv.stop();
    again = await startServer({ env: pemEnv(key), db });
    assertNotAuthenticated(await me(again, { token: await mint(key, alice.clerkId, { claims: { sid: recent } }) }),
      'recent');
    assertStatus(await me(again, { token: await mint(key, alice.clerkId, { claims: { sid: old } }) }), 200, 'old');
  } finally {
    await srv.stop();
    if (again) await again.stop();
    db.drop();
  }
});

// THE TWO-INSTANCE TEST: a token used on B (cached there), the revocation
// delivered to A; B refuses the token within 1 s. Polled every 20 ms.
test('two instances on one database: a revocation delivered to A is refused by B within 1 s', T, async () => {
  const key = await newKey();
  const pair = await twoServers(pemEnv(key));
  const { a, b } = pair;
  try {
    const alice = await createUser(a);
    const delays = [];
    for (let i = 0; i < 3; i++) {
      const sid = await activeSession(a, alice);
      const token = await mint(key, alice.clerkId, { claims: { sid } });
      assertStatus(await me(b, { token }), 200, 'B verifies');
      assertStatus(await me(b, { token }), 200, 'B from its cache');
      const id = msgId();
      const r = await deliver(a.url, JSON.stringify(sessionEvent({
        type: ENDING[i], id: sid, userId: alice.clerkId, user: null,
      })), { id });
      assertOk(r, 'A acknowledges');
      const acked = Date.now();
      assert.equal(event(a.db, id).status, 'applied');
      let refusedAt = null;
      while (Date.now() - acked < 3000) {
        const s = await me(b, { token });
        if (s.status === 401) {
          refusedAt = Date.now();
          assertNotAuthenticated(s, 'B refuses');
          break;
        }
        assertStatus(s, 200, 'B until it refuses');
        await sleep(20);
      }
      assert.ok(refusedAt !== null, `B still accepts the token 3 s after ${ENDING[i]}`);
      delays.push(refusedAt - acked);
    }
    // The poller reads every 200 ms: one period and a read, far below 1 s.
    for (const d of delays) assert.ok(d < 1000, `B refused ${d} ms after the acknowledgement`);
    console.log(`# revocation seen by the other instance after ${delays.join(', ')} ms (${a.db.kind})`);
    assert.match(b.logs(), /reason=session-revoked/);
  } finally {
    await pair.stop();
  }
});
