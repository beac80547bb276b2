// Just-in-time users (DESIGN §6): a valid token for a user the webhooks have
// not mirrored yet is resolved by GET {CLERK_API_URL}/v1/users/{id} when
// CLERK_SECRET_KEY is set, and stored; otherwise, when Clerk does not know
// the user, or when the user is tombstoned: 404 {"detail":"User not synced
// yet"}. The Backend API is a fake (node:http); rows are read back with the
// sqlite3 / psql clients.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { health } from './lib/server.mjs';
import {
  assertOk, count, deliver, fixture, startWebhookServer, tombstones, uid, userByClerkId,
} from './lib/webhook.mjs';
import {
  SECRET_KEY, assertNotSynced, assertStatus, call, clerkUser, createUser, decode, me, mint, newKey, pemEnv,
  withFakeClerk,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };

// PEM verification (no JWKS traffic) plus the secret key and the fake API.
async function withJitServer(fake, key, fn, { secret = SECRET_KEY } = {}) {
  const srv = await startWebhookServer({
    env: pemEnv(key, { CLERK_SECRET_KEY: secret, CLERK_API_URL: fake.url }),
  });
  let failed = false;
  try {
    return await fn(srv);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    try { await srv.stop(); } catch (e) { if (!failed) throw e; }
  }
}

test('a user unknown locally is fetched from the Backend API, stored, and answered 200', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const id = uid('user');
      const u = clerkUser(id, { email: 'carol@example.com', first_name: 'Carol', last_name: 'Diaz', username: 'carol' });
      fake.state.users.set(id, u);
      assert.equal(userByClerkId(srv.db, id), null, 'not mirrored before');

      const token = await mint(key, id);
      const r = await me(srv, { token });
      assertStatus(r, 200, 'just-in-time user');
      const row = userByClerkId(srv.db, id);
      assert.ok(row, 'the user row exists now');
      assert.deepEqual(r.json, {
        id: Number(row.id), clerk_id: id, email: 'carol@example.com', first_name: 'Carol',
        last_name: 'Diaz', username: 'carol', image_url: u.image_url, organizations: [],
        active_organization: null, session_id: decode(token).payload.sid, actor: null, features: [], plans: [],
      });
      assert.equal(row.email, 'carol@example.com');
      assert.equal(row.first_name, 'Carol');
      assert.equal(row.last_name, 'Diaz');
      assert.equal(row.username, 'carol');
      assert.equal(Number(row.clerk_updated_at), u.updated_at, 'clerk_updated_at from Clerk');

      const calls = fake.userFetches(id);
      assert.equal(calls.length, 1, 'one Backend API call');
      assert.equal(calls[0].method, 'GET');
      assert.equal(calls[0].headers.authorization, `Bearer ${SECRET_KEY}`);
      assert.equal(fake.jwksFetches().length, 0, 'PEM mode: no JWKS fetch');

      // Mirrored now: no second call.
      assertStatus(await me(srv, { token: await mint(key, id) }), 200, 'second request');
      assert.equal(fake.userFetches(id).length, 1, 'no second Backend API call');
      assert.equal(count(srv.db, 'users', `clerk_id = '${id}'`), 1);

      // A later user.created webhook for the same user updates, not duplicates.
      const ev = fixture('03');
      Object.assign(ev.data, u, { updated_at: u.updated_at + 1000, first_name: 'Caroline' });
      assertOk(await deliver(srv.url, ev), 'user.created after JIT');
      assert.equal(count(srv.db, 'users', `clerk_id = '${id}'`), 1, 'still one row');
      assert.equal(userByClerkId(srv.db, id).first_name, 'Caroline');
    });
  });
});

test('concurrent first requests of a new user all answer 200 and store one row', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      for (let round = 0; round < 3; round++) {
        const id = uid('user');
        fake.state.users.set(id, clerkUser(id, { email: `${id.toLowerCase()}@example.com` }));
        const res = await Promise.all(Array.from({ length: 8 }, async () => me(srv, { token: await mint(key, id) })));
        for (const r of res) assertStatus(r, 200, `round ${round}: concurrent first request`);
        assert.equal(count(srv.db, 'users', `clerk_id = '${id}'`), 1, 'one row');
        assert.equal(new Set(res.map((r) => r.json.id)).size, 1, 'the same local id everywhere');
      }
    });
  });
});

test('a phone-only user (no email) fetched just in time gets a null email', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const id = uid('user');
      fake.state.users.set(id, clerkUser(id, { email: null, first_name: null, last_name: null }));
      const r = await me(srv, { token: await mint(key, id) });
      assertStatus(r, 200, 'phone-only JIT user');
      assert.equal(r.json.email, null);
      assert.equal(r.json.first_name, null);
      assert.ok(userByClerkId(srv.db, id));
    });
  });
});

test('Clerk answering 404 for the user → 404 "User not synced yet", nothing stored', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const id = uid('user');
      assertNotSynced(await me(srv, { token: await mint(key, id) }), 'unknown to Clerk');
      assert.equal(fake.userFetches(id).length, 1, 'Clerk was asked');
      assert.equal(userByClerkId(srv.db, id), null);
      assert.equal(count(srv.db, 'users'), 0);
    });
  });
});

test('without CLERK_SECRET_KEY (PEM mode) an unknown user is 404 "User not synced yet", Clerk not asked', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    const srv = await startWebhookServer({ env: pemEnv(key, { CLERK_API_URL: fake.url }) });
    try {
      const id = uid('user');
      fake.state.users.set(id, clerkUser(id));
      assertNotSynced(await me(srv, { token: await mint(key, id) }), 'no secret key');
      for (const p of ['/api/v1/organizations', '/api/v1/organizations/1', '/api/v1/organizations/1/members']) {
        const r = await call(srv, p, { token: await mint(key, id) });
        assertNotSynced(r, p);
      }
      assert.equal(fake.requests.length, 0, 'no Backend API call');
      assert.equal(userByClerkId(srv.db, id), null);
    } finally {
      await srv.stop();
    }
  });
});

test('a user deleted by a user.deleted webhook (tombstoned) is 404 although Clerk still answers for it', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const dave = await createUser(srv, { updated_at: Date.now() - 60000 });
      // One token, used before and after the deletion (a verified token may be cached).
      const token = await mint(key, dave.clerkId);
      assertStatus(await me(srv, { token }), 200, 'before the deletion');

      const del = fixture('11');
      del.data.id = dave.clerkId;
      del.timestamp = Date.now();
      assertOk(await deliver(srv.url, del), 'user.deleted');
      assert.equal(userByClerkId(srv.db, dave.clerkId), null, 'deleted');
      assert.ok(tombstones(srv.db).some((t) => t.clerk_id === dave.clerkId), 'tombstoned');

      // The (stale) Backend API still knows the user, as it was before the deletion.
      fake.state.users.set(dave.clerkId, dave.event.data);
      assertNotSynced(await me(srv, { token }), 'tombstoned user, same token as before');
      assertNotSynced(await me(srv, { token: await mint(key, dave.clerkId) }), 'tombstoned user, new token');
      assert.equal(userByClerkId(srv.db, dave.clerkId), null, 'not re-created');
    });
  });
});

test('a tombstoned user is 404 even when Clerk answers with a newer updated_at', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const erin = await createUser(srv, { updated_at: Date.now() - 60000 });
      const del = fixture('11');
      del.data.id = erin.clerkId;
      del.timestamp = Date.now() - 30000;
      assertOk(await deliver(srv.url, del), 'user.deleted');
      const again = { ...erin.event.data, updated_at: Date.now() };
      fake.state.users.set(erin.clerkId, again);
      const r = await me(srv, { token: await mint(key, erin.clerkId) });
      assertNotSynced(r, 'tombstoned user, Clerk answers updated_at after the deletion');
      assert.equal(userByClerkId(srv.db, erin.clerkId), null, 'not re-created');
    });
  });
});

test('Clerk answering 500, or another user than asked, stores nothing and never answers 200', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      const a = uid('user');
      fake.state.userStatus.set(a, 500);
      const r1 = await me(srv, { token: await mint(key, a) });
      assert.ok(r1.status === 503 || r1.status === 404, `Clerk 500: expected 503 (or 404), got ${r1.status} ${r1.text}`);
      assert.equal(typeof r1.json?.detail, 'string');

      const b = uid('user');
      const other = uid('user');
      fake.state.users.set(b, clerkUser(other));
      const r2 = await me(srv, { token: await mint(key, b) });
      assert.ok(r2.status === 503 || r2.status === 404, `wrong user: expected 503 or 404, got ${r2.status} ${r2.text}`);
      assert.equal(userByClerkId(srv.db, b), null);
      assert.equal(userByClerkId(srv.db, other), null);
      assert.equal(count(srv.db, 'users'), 0);
      assert.equal((await health(srv.url)).status, 200);
    });
  });
});

test('a sub that is not a plain Clerk id is never put into a Backend API path', T, async () => {
  const key = await newKey();
  await withFakeClerk({}, async (fake) => {
    await withJitServer(fake, key, async (srv) => {
      for (const sub of ['user_../../v1/jwks', 'user_x?y=1', 'user_x#frag', 'user_%2e%2e', 'user_ x']) {
        const r = await me(srv, { token: await mint(key, sub) });
        assert.ok(r.status === 404 || r.status === 401, `sub ${JSON.stringify(sub)}: got ${r.status} ${r.text}`);
      }
      for (const q of fake.requests) {
        assert.match(q.path, /^\/v1\/users\/[A-Za-z0-9_]+$/, `unexpected Backend API request ${q.path}`);
      }
      assert.equal(fake.jwksFetches().length, 0);
    });
  });
});
