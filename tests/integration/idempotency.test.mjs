// Idempotency-Key on the writes under /api/v1 (DESIGN §12.4): a repeat
// with the same method, path and body gets the stored answer without a
// second Clerk call (counted at the fake Backend API), marked
// Idempotent-Replayed; another method, path or body with the key: 422; a
// malformed key: 422 before anything runs; the key is per user; while the
// first request runs (held at Clerk with fake.delay), 409; an answer of
// 5xx is not kept; an abandoned claim and an expired answer are taken
// over, expired rows swept; two instances on one database share the keys;
// the webhook receiver ignores the header.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { startFakeClerk } from './lib/fake_clerk.mjs';
import { newKey, pemEnv } from './lib/clerk.mjs';
import { until } from './lib/server.mjs';
import { count, deliver, exec, rows, sqlStr } from './lib/webhook.mjs';
import { twoServers } from './sessions_helpers.mjs';
import {
  T, api, assertStatus, organization, person, startWithFake,
} from './org_helpers.mjs';

const INVITE = 'POST /v1/organizations/{org}/invitations';
const PATCH_ORG = 'PATCH /v1/organizations/{org}';
const DELETE_MEMBER = 'DELETE /v1/organizations/{org}/memberships/{user_id}';
const key = () => `k-${randomBytes(12).toString('hex')}`;
const withKey = (k, opts = {}) => ({ ...opts, headers: { 'idempotency-key': k, ...opts.headers } });
const HOUR_MS = 3600000;
const iso = (ms) => new Date(ms).toISOString();

describe('Idempotency-Key', () => {
  let ctx;
  let fake;
  let srv;
  let alice;
  let bob;
  let org;
  const call = (...args) => api(ctx, ...args);
  const invite = (user, k, email = 'a@example.com', opts = {}) =>
    call(user, 'POST', `/api/v1/organizations/${org.id}/invitations`, withKey(k, { body: { email_address: email }, ...opts }));
  const stored = (k) => rows(srv.db, `SELECT key, principal, method, path, status, body FROM idempotency_keys WHERE key = ${sqlStr(k)}`);

  before(async () => {
    ctx = await startWithFake();
    ({ fake, srv } = ctx);
    alice = await person(srv, fake, {});
    bob = await person(srv, fake, {});
    org = await organization(srv, fake, [[alice, 'org:admin'], [bob, 'org:admin']]);
  });
  after(async () => {
    if (srv) await srv.stop();
    if (fake) await fake.close();
  });

  test('a repeat gets the stored answer, marked, without calling Clerk again', T, async () => {
    const k = key();
    fake.clearCalls();
    const first = await invite(alice, k, 'first@example.com');
    assertStatus(first, 201, 'first');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(fake.count(INVITE), 1);
    for (let i = 0; i < 3; i++) {
      const again = await invite(alice, k, 'first@example.com');
      assertStatus(again, 201, `repeat ${i}`);
      assert.equal(again.text, first.text, 'the same body, byte for byte');
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.match(again.headers.get('content-type'), /^application\/json/);
    }
    assert.equal(fake.count(INVITE), 1, 'Clerk called once');
    assert.deepEqual(stored(k), [{
      key: k, principal: alice.id, method: 'POST', path: `/api/v1/organizations/${org.id}/invitations`,
      status: 201, body: first.text,
    }]);

    // An error answer is kept as well: Clerk's 422 for a duplicate.
    const k2 = key();
    const dup = await invite(alice, k2, 'first@example.com');
    assertStatus(dup, 422, 'a duplicate invitation');
    const dupAgain = await invite(alice, k2, 'first@example.com');
    assert.equal(dupAgain.status, 422);
    assert.equal(dupAgain.text, dup.text);
    assert.equal(fake.count(INVITE), 2);

    // A 204 is replayed without a body.
    const carol = await person(srv, fake, {});
    const g = await organization(srv, fake, [[alice, 'org:admin'], [carol, 'org:member']]);
    const k3 = key();
    const del = () => call(alice, 'DELETE', `/api/v1/organizations/${g.id}/members/${carol.id}`, withKey(k3));
    assertStatus(await del(), 204, 'remove');
    const again = await del();
    assertStatus(again, 204, 'remove again');
    assert.equal(again.text, '');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(fake.count(DELETE_MEMBER), 1);
  });

  test('the same key with another method, path or body: 422; the key is per user', T, async () => {
    const k = key();
    assertStatus(await invite(alice, k, 'm1@example.com'), 201, 'first');
    fake.clearCalls();
    const reused = (r, what) => {
      assertStatus(r, 422, what);
      assert.deepEqual(r.json.detail.map((e) => [e.type, e.loc]), [['idempotency_key_reused', ['header', 'Idempotency-Key']]], what);
    };
    reused(await invite(alice, k, 'm2@example.com'), 'another body');
    reused(await call(alice, 'POST', `/api/v1/organizations/${org.local}/invitations`,
      withKey(k, { body: { email_address: 'm1@example.com' } })), 'another path (the local id)');
    reused(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, withKey(k, { body: { email_address: 'm1@example.com' } })),
      'another method');
    assert.equal(fake.count(), 0, 'Clerk not called');
    // bob's key of the same name is his own.
    const mine = await invite(bob, k, 'm3@example.com');
    assertStatus(mine, 201, 'bob, same key');
    assert.equal(mine.headers.get('idempotent-replayed'), null);
    assert.equal(fake.count(INVITE), 1);
  });

  test('a malformed key: 422 before anything runs; no key: no claim', T, async () => {
    fake.clearCalls();
    const before = count(srv.db, 'idempotency_keys');
    for (const [k, what] of [['a'.repeat(256), '256 characters'], ['has space', 'a space'], ['tab\there', 'a tab'],
      ['caf\u00e9', 'not ASCII'], ['', 'empty']]) {
      const r = await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, {
        body: { name: 'X' }, headers: { 'idempotency-key': Buffer.from(k, 'utf8').toString('latin1') },
      });
      assertStatus(r, 422, what);
      assert.deepEqual(r.json.detail.map((e) => [e.type, e.loc]), [['value_error', ['header', 'Idempotency-Key']]], what);
    }
    assert.equal(fake.count(), 0);
    const ok = 'a'.repeat(255);
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, withKey(ok, { body: { name: 'Y' } })), 200, '255');
    const visible = '!~{}"\\/%09';
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, withKey(visible, { body: { name: 'Y' } })), 200,
      'visible punctuation');
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, { body: { name: 'Z' } }), 200, 'no key');
    assert.equal(count(srv.db, 'idempotency_keys'), before + 2);
  });

  test('two requests with one key at once: the second answers 409 until the first ends', T, async () => {
    const k = key();
    fake.clearCalls();
    fake.delay(INVITE, 1500, { times: 1 });
    const first = invite(alice, k, 'c1@example.com');
    assert.ok(await until(() => fake.count(INVITE) === 1, { ms: 5000, every: 20 }), 'the first reached Clerk');
    const second = await invite(alice, k, 'c1@example.com');
    assertStatus(second, 409, 'while the first runs');
    assert.deepEqual(second.json, { detail: 'A request with this Idempotency-Key is still in progress' });
    assert.equal(second.headers.get('retry-after'), '1');
    assert.equal(fake.count(INVITE), 1, 'the second did not reach Clerk');
    const r1 = await first;
    assertStatus(r1, 201, 'the first');
    const third = await invite(alice, k, 'c1@example.com');
    assertStatus(third, 201, 'after it ended');
    assert.equal(third.text, r1.text);
    assert.equal(third.headers.get('idempotent-replayed'), 'true');
    assert.equal(fake.count(INVITE), 1);
  });

  test('an answer of 5xx is not kept: a retry with the key runs again', T, async () => {
    const k = key();
    fake.clearCalls();
    fake.fail(INVITE, { status: 503, times: 1 });
    const r1 = await invite(alice, k, 'x5@example.com');
    assertStatus(r1, 503, 'Clerk unavailable');
    assert.deepEqual(stored(k), [], 'released');
    const r2 = await invite(alice, k, 'x5@example.com');
    assertStatus(r2, 201, 'the retry runs');
    assert.equal(r2.headers.get('idempotent-replayed'), null);
    assert.equal(fake.count(INVITE), 2);
  });

  test('an abandoned claim (60 s and more) and an expired answer (24 h) are taken over', T, async () => {
    const path = `/api/v1/organizations/${org.id}`;
    const k1 = key();
    // A claim of a request that never finished, 2 minutes ago.
    exec(srv.db, 'INSERT INTO idempotency_keys (key, principal, method, path, request_hash, created_at) VALUES ' +
      `(${sqlStr(k1)}, ${sqlStr(alice.id)}, 'PATCH', ${sqlStr(path)}, 'x', ${sqlStr(iso(Date.now() - 2 * 60000))})`);
    fake.clearCalls();
    const r1 = await call(alice, 'PATCH', path, withKey(k1, { body: { name: 'Taken over' } }));
    assertStatus(r1, 200, 'abandoned claim');
    assert.equal(fake.count(PATCH_ORG), 1);
    assert.equal(stored(k1)[0].status, 200);
    // A claim of 10 s ago is still running, as far as anyone knows.
    const k2 = key();
    exec(srv.db, 'INSERT INTO idempotency_keys (key, principal, method, path, request_hash, created_at) VALUES ' +
      `(${sqlStr(k2)}, ${sqlStr(alice.id)}, 'PATCH', ${sqlStr(path)}, 'x', ${sqlStr(iso(Date.now() - 10000))})`);
    assertStatus(await call(alice, 'PATCH', path, withKey(k2, { body: { name: 'Q' } })), 422, 'another body, still running');
    // An answer of 25 hours ago is gone, whatever its request was.
    const k3 = key();
    exec(srv.db, 'INSERT INTO idempotency_keys (key, principal, method, path, request_hash, status, body, created_at) VALUES ' +
      `(${sqlStr(k3)}, ${sqlStr(alice.id)}, 'DELETE', '/x', 'y', 204, '', ${sqlStr(iso(Date.now() - 25 * HOUR_MS))})`);
    const r3 = await call(alice, 'PATCH', path, withKey(k3, { body: { name: 'Fresh' } }));
    assertStatus(r3, 200, 'expired');
    assert.equal(r3.headers.get('idempotent-replayed'), null);
    assert.equal(fake.count(PATCH_ORG), 2);
  });

  test('expired rows are swept in the background (every 30 s)', T, async () => {
    const old = iso(Date.now() - 25 * HOUR_MS);
    const values = Array.from({ length: 30 }, (_, i) =>
      `(${sqlStr(`sweep-${i}`)}, 'user_sweep', 'POST', '/p', 'h', 201, '{}', ${sqlStr(old)})`).join(', ');
    exec(srv.db, 'INSERT INTO idempotency_keys (key, principal, method, path, request_hash, status, body, created_at) ' +
      `VALUES ${values}`);
    const fresh = key();
    exec(srv.db, 'INSERT INTO idempotency_keys (key, principal, method, path, request_hash, status, body, created_at) ' +
      `VALUES (${sqlStr(fresh)}, 'user_sweep', 'POST', '/p', 'h', 201, '{}', ${sqlStr(iso(Date.now() - 23 * HOUR_MS))})`);
    assert.ok(await until(() => count(srv.db, 'idempotency_keys', "principal = 'user_sweep'") === 1,
      { ms: 45000, every: 500 }), 'swept within 45 s');
    assert.deepEqual(rows(srv.db, "SELECT key FROM idempotency_keys WHERE principal = 'user_sweep'"), [{ key: fresh }]);
  });

  test('the webhook receiver takes no Idempotency-Key (it de-duplicates by svix-id)', T, async () => {
    const before = count(srv.db, 'idempotency_keys');
    const u = fake.addUser({});
    const r = await deliver(srv.url, JSON.stringify(fake.webhook(u)), { headers: { 'idempotency-key': 'webhook-key' } });
    assert.equal(r.status, 200);
    assert.equal(count(srv.db, 'idempotency_keys'), before);
  });
});

describe('two instances on one database', () => {
  let fake;
  let pair;
  let key1;
  let ctxA;
  let ctxB;
  let alice;
  let org;

  before(async () => {
    fake = await startFakeClerk();
    key1 = await newKey();
    pair = await twoServers({ ...pemEnv(key1), ...fake.env() });
    ctxA = { fake, key: key1, srv: pair.a };
    ctxB = { fake, key: key1, srv: pair.b };
    alice = await person(pair.a, fake, {});
    org = await organization(pair.a, fake, [[alice, 'org:admin']]);
  });
  after(async () => {
    if (pair) await pair.stop();
    if (fake) await fake.close();
  });

  test('a repeat on the other instance gets the stored answer; a concurrent one 409', T, async () => {
    const k = key();
    const path = `/api/v1/organizations/${org.id}/invitations`;
    fake.clearCalls();
    const a = await api(ctxA, alice, 'POST', path, withKey(k, { body: { email_address: 'two@example.com' } }));
    assertStatus(a, 201, 'instance A');
    const b = await api(ctxB, alice, 'POST', path, withKey(k, { body: { email_address: 'two@example.com' } }));
    assertStatus(b, 201, 'instance B');
    assert.equal(b.text, a.text);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal(fake.count(INVITE), 1);

    const k2 = key();
    fake.delay(INVITE, 1500, { times: 1 });
    const slow = api(ctxA, alice, 'POST', path, withKey(k2, { body: { email_address: 'three@example.com' } }));
    assert.ok(await until(() => fake.count(INVITE) === 2, { ms: 5000, every: 20 }), 'A reached Clerk');
    const busy = await api(ctxB, alice, 'POST', path, withKey(k2, { body: { email_address: 'three@example.com' } }));
    assertStatus(busy, 409, 'B while A runs');
    assertStatus(await slow, 201, 'A');
    const later = await api(ctxB, alice, 'POST', path, withKey(k2, { body: { email_address: 'three@example.com' } }));
    assertStatus(later, 201, 'B after A');
    assert.equal(later.headers.get('idempotent-replayed'), 'true');
    assert.equal(fake.count(INVITE), 2);
  });

  test('racing first requests on both instances: exactly one runs', T, async () => {
    const path = `/api/v1/organizations/${org.id}`;
    for (let round = 0; round < 5; round++) {
      const k = key();
      fake.clearCalls();
      fake.delay(PATCH_ORG, 300, { times: 1 });
      const body = { name: `Race ${round}` };
      const [x, y] = await Promise.all([
        api(ctxA, alice, 'PATCH', path, withKey(k, { body })),
        api(ctxB, alice, 'PATCH', path, withKey(k, { body })),
      ]);
      const statuses = [x.status, y.status].sort();
      assert.ok(statuses[0] === 200 && (statuses[1] === 409 || statuses[1] === 200), `round ${round}: ${statuses}`);
      assert.equal(fake.count(PATCH_ORG), 1, `round ${round}: Clerk called once`);
      fake.clearFaults();
    }
  });
});
