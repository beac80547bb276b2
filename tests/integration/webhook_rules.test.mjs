// The Clerk event rules (DESIGN §5 rule 4): the fixture story in order with
// every intermediate state, out-of-order arrival (stubs, stale events,
// tombstones), linking a local user by email, clearing a stale email, and
// arbitrary text and role strings stored verbatim. Exact rows are read back
// with sqlite3 / psql.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep } from './lib/server.mjs';
import {
  IDS, assertOk, count, deliver, event, events, exec, fixture, fixtureSvixId, fixtureText,
  membershipEvent, memberships, mirror, msgId, orgEvent, orgs, sqlBool, sqlStr, tombstones, uid,
  userByClerkId, userEvent, users, withServer,
} from './lib/webhook.mjs';

const T = { timeout: 120000 };

const F = Object.fromEntries(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11']
  .map((n) => [n, fixture(n)]));
const ALICE_IMG = F['03'].data.image_url;
const BOB_IMG = F['01'].data.image_url;
const ORG_IMG = F['02'].data.image_url;

// Delivers fixture `num` exactly as on disk, under its signatures.json
// svix-id (or `id`), asserts 200 "OK" and returns the webhook_events row.
async function send(srv, num, { id = fixtureSvixId(num), expect = 'applied' } = {}) {
  const r = await deliver(srv.url, fixtureText(num), { id });
  assertOk(r, `fixture ${num}`);
  const ev = event(srv.db, id);
  assert.ok(ev, `fixture ${num}: webhook_events row`);
  if (expect) assert.equal(ev.status, expect, `fixture ${num}: status (error ${ev.error})`);
  assert.equal(ev.attempts, 1, `fixture ${num}: attempts`);
  assert.equal(ev.type, F[num].type);
  assert.equal(ev.payload, fixtureText(num), `fixture ${num}: payload byte for byte`);
  return ev;
}

// Delivers an envelope object (compact JSON, as Clerk sends it).
async function sendObj(srv, ev, { id = msgId(), expect = 'applied' } = {}) {
  const r = await deliver(srv.url, JSON.stringify(ev), { id });
  assertOk(r, ev.type);
  const row = event(srv.db, id);
  if (expect) assert.equal(row?.status, expect, `${ev.type} ${ev.data.id}: status (error ${row?.error})`);
  return row;
}

// The user columns Clerk owns, for exact comparisons.
const pick = (u, keys = ['clerk_id', 'email', 'first_name', 'last_name', 'username', 'image_url', 'clerk_updated_at']) =>
  (u ? Object.fromEntries(keys.map((k) => [k, u[k]])) : u);
const pickOrg = (o) => pick(o, ['clerk_id', 'name', 'slug', 'image_url', 'clerk_updated_at']);

const BOB = {
  clerk_id: IDS.bob, email: null, first_name: null, last_name: null, username: null,
  image_url: BOB_IMG, clerk_updated_at: 1757930400000,
};
const ALICE_03 = {
  clerk_id: IDS.alice, email: 'alice@acme.example', first_name: 'Alice', last_name: 'Nguyen',
  username: null, image_url: ALICE_IMG, clerk_updated_at: 1757931000000,
};
const ALICE_06 = { ...ALICE_03, username: 'alice', last_name: 'Nguyen-Park', clerk_updated_at: 1757934600000 };
const ORG_02 = {
  clerk_id: IDS.org, name: 'Acme Corp', slug: 'acme-corp', image_url: ORG_IMG, clerk_updated_at: 1757930700000,
};
const ORG_07 = { ...ORG_02, name: 'Acme Corporation', clerk_updated_at: 1757938200000 };

test('the fixture story in order: every intermediate state and the end state', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;

    // 01: Bob, phone only: no email, null names.
    await send(srv, '01');
    let u = users(db);
    assert.equal(u.length, 1);
    assert.deepEqual(pick(u[0]), BOB);
    assert.equal(u[0].password, '', 'a Clerk-only user has an empty password');
    assert.equal(u[0].is_staff, 0);
    assert.equal(u[0].is_superuser, 0);
    assert.equal(u[0].is_active, 1);
    const bobId = u[0].id;

    // 02: the organization.
    await send(srv, '02');
    let o = orgs(db);
    assert.equal(o.length, 1);
    assert.deepEqual(pickOrg(o[0]), ORG_02);
    const orgId = o[0].id;

    // 03: Alice; her primary email is the second of the two addresses.
    await send(srv, '03');
    u = users(db);
    assert.equal(u.length, 2);
    assert.deepEqual(pick(u[1]), ALICE_03);
    assert.notEqual(u[1].email, 'alice.personal@example.com', 'not the first address of the array');
    const aliceId = u[1].id;
    assert.deepEqual(pick(u[0]), BOB, 'Bob unchanged');

    // 04: session.created mirrors the session (sessions.test.mjs checks
    // its rules); users, organizations and memberships stay as they are.
    let before = mirror(db);
    await send(srv, '04');
    assert.deepEqual(mirror(db), before);
    assert.equal(count(db, 'sessions', `user_id = ${aliceId}`), 1);

    // 05: Alice joins as org:admin.
    await send(srv, '05');
    let m = memberships(db);
    assert.equal(m.length, 1);
    assert.deepEqual(pick(m[0], ['clerk_id', 'user_id', 'organization_id', 'role', 'clerk_updated_at']), {
      clerk_id: IDS.membership, user_id: aliceId, organization_id: orgId, role: 'org:admin',
      clerk_updated_at: 1757931060000,
    });
    assert.deepEqual(users(db).map((x) => pick(x)), [BOB, ALICE_03], 'users unchanged by the membership');
    assert.deepEqual(orgs(db).map(pickOrg), [ORG_02], 'the org is unchanged by the embedded snapshot');
    const memId = m[0].id;

    // 06: Alice's profile: username and last name.
    await send(srv, '06');
    u = users(db);
    assert.equal(u.length, 2, 'updated, not inserted');
    assert.equal(u[1].id, aliceId);
    assert.deepEqual(pick(u[1]), ALICE_06);

    // 07: the org is renamed.
    await send(srv, '07');
    o = orgs(db);
    assert.equal(o.length, 1);
    assert.equal(o[0].id, orgId);
    assert.deepEqual(pickOrg(o[0]), ORG_07);

    // 08: the custom role org:billing.
    await send(srv, '08');
    m = memberships(db);
    assert.equal(m.length, 1);
    assert.equal(m[0].id, memId);
    assert.equal(m[0].role, 'org:billing');
    assert.equal(m[0].clerk_updated_at, 1757941800000);

    // 09: Alice leaves: the membership is gone and tombstoned.
    await send(srv, '09');
    assert.deepEqual(memberships(db), []);
    const mt = tombstones(db);
    assert.equal(mt.length, 1);
    assert.equal(mt[0].clerk_id, IDS.membership);
    assert.match(mt[0].kind, /membership/i);
    assert.equal(mt[0].deleted_at, F['09'].timestamp);
    const memKind = mt[0].kind;
    assert.equal(count(db, 'users'), 2);
    assert.equal(count(db, 'organizations'), 1);

    // 10: the org is deleted.
    await send(srv, '10');
    assert.deepEqual(orgs(db), []);

    // 11: Alice deletes her account.
    await send(srv, '11');

    // The end: Bob remains, exactly as created; three tombstones.
    u = users(db);
    assert.equal(u.length, 1);
    assert.equal(u[0].id, bobId);
    assert.deepEqual(pick(u[0]), BOB);
    assert.deepEqual(orgs(db), []);
    assert.deepEqual(memberships(db), []);
    const byId = Object.fromEntries(tombstones(db).map((x) => [x.clerk_id, x]));
    assert.deepEqual(byId, {
      [IDS.alice]: { clerk_id: IDS.alice, kind: 'user', deleted_at: F['11'].timestamp },
      [IDS.org]: { clerk_id: IDS.org, kind: 'organization', deleted_at: F['10'].timestamp },
      [IDS.membership]: { clerk_id: IDS.membership, kind: memKind, deleted_at: F['09'].timestamp },
    });
    const ev = events(db);
    assert.equal(ev.length, 11);
    assert.deepEqual(ev.map((e) => e.status), Array(11).fill('applied'));
    for (const e of ev) {
      assert.equal(e.attempts, 1, e.svix_id);
      if (e.status === 'applied') assert.equal(e.error, null, `${e.svix_id}: no error`);
    }
    assert.ok(aliceId !== bobId);

    // Every file once more, same svix-ids: duplicates, nothing changes.
    before = mirror(db);
    const evBefore = events(db);
    for (const n of Object.keys(F)) assertOk(await deliver(srv.url, fixtureText(n), { id: fixtureSvixId(n) }), `${n} again`);
    assert.deepEqual(mirror(db), before);
    assert.deepEqual(events(db), evBefore);

    // Every file replayed under new svix-ids (the same events again): the
    // deleted user, org and membership do not come back.
    const replay = {};
    for (const n of Object.keys(F)) replay[n] = await send(srv, n, { id: msgId(), expect: null });
    u = users(db);
    assert.deepEqual(u.map((x) => pick(x)), [BOB], 'only Bob, unchanged');
    assert.equal(u[0].id, bobId);
    assert.deepEqual(orgs(db), [], 'the deleted org is not re-created');
    assert.deepEqual(memberships(db), [], 'the deleted membership is not re-created');
    // 04: the session of a deleted user is not mirrored again.
    for (const n of ['02', '03', '04', '05', '06', '07', '08']) {
      assert.equal(replay[n].status, 'ignored', `replayed ${n}: ignored (its data is older than the deletion)`);
      assert.equal(replay[n].error, 'stale', `replayed ${n}: error`);
    }
  });
});

test('membership (05) before the user and org: stubs from the embedded data, filled in later', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await send(srv, '05');
    let u = users(db);
    let o = orgs(db);
    let m = memberships(db);
    assert.equal(u.length, 1, 'the user is created as a stub');
    assert.equal(o.length, 1, 'the org is created as a stub');
    assert.equal(m.length, 1, 'the membership is kept');
    const pud = F['05'].data.public_user_data;
    assert.equal(u[0].clerk_id, IDS.alice);
    assert.equal(u[0].first_name, pud.first_name);
    assert.equal(u[0].last_name, pud.last_name);
    assert.equal(u[0].image_url, pud.image_url);
    assert.ok(u[0].email === null || u[0].email === pud.identifier, `stub email ${u[0].email}`);
    assert.equal(u[0].clerk_updated_at, null, 'a stub carries no clerk_updated_at');
    assert.equal(o[0].clerk_id, IDS.org);
    assert.equal(o[0].name, 'Acme Corp');
    assert.equal(o[0].slug, 'acme-corp');
    assert.equal(o[0].clerk_updated_at, null, 'a stub carries no clerk_updated_at');
    assert.deepEqual(pick(m[0], ['clerk_id', 'user_id', 'organization_id', 'role']), {
      clerk_id: IDS.membership, user_id: u[0].id, organization_id: o[0].id, role: 'org:admin',
    });
    const aliceId = u[0].id;
    const orgId = o[0].id;

    await send(srv, '01');
    // 02 is older than the snapshot embedded in 05, but stubs never block.
    await send(srv, '02');
    await send(srv, '03');
    u = users(db);
    assert.equal(u.length, 2);
    const alice = u.find((x) => x.clerk_id === IDS.alice);
    assert.equal(alice.id, aliceId, 'the stub row is filled in, not replaced');
    assert.deepEqual(pick(alice), ALICE_03);
    assert.deepEqual(pick(u.find((x) => x.clerk_id === IDS.bob)), BOB);
    o = orgs(db);
    assert.equal(o.length, 1);
    assert.equal(o[0].id, orgId);
    assert.deepEqual(pickOrg(o[0]), ORG_02);

    await send(srv, '07');
    assert.deepEqual(orgs(db).map(pickOrg), [ORG_07]);
    m = memberships(db);
    assert.equal(m.length, 1, 'the membership survived');
    assert.deepEqual(pick(m[0], ['clerk_id', 'user_id', 'organization_id', 'role']), {
      clerk_id: IDS.membership, user_id: aliceId, organization_id: orgId, role: 'org:admin',
    });
  });
});

test('a stub never overwrites a real user or org (membership after user and org)', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await send(srv, '01');
    await send(srv, '02');
    await send(srv, '03');
    await send(srv, '06');
    const before = { users: users(db), orgs: orgs(db) };
    // 08's embedded data is a snapshot; it must not rewrite the user/org.
    const ev = fixture('08');
    ev.data.public_user_data.first_name = 'Snapshot';
    ev.data.organization.name = 'Snapshot Org';
    await sendObj(srv, ev);
    assert.deepEqual(users(db), before.users);
    assert.deepEqual(orgs(db), before.orgs);
    assert.equal(memberships(db)[0].role, 'org:billing');
  });
});

test('06 then 03: the older event is ignored as stale and the newer data kept', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await send(srv, '06');
    assert.deepEqual(users(db).map((x) => pick(x)), [ALICE_06]);
    const before = mirror(db);
    await sleep(20);
    const ev = await send(srv, '03', { expect: 'ignored' });
    assert.equal(ev.error, 'stale');
    assert.deepEqual(mirror(db), before, 'nothing changed (updated_at included)');

    // Same for organizations (07 then 02) and memberships (08 then 05).
    await send(srv, '07');
    const e2 = await send(srv, '02', { expect: 'ignored' });
    assert.equal(e2.error, 'stale');
    assert.deepEqual(orgs(db).map(pickOrg), [ORG_07]);
    await send(srv, '08');
    const e5 = await send(srv, '05', { expect: 'ignored' });
    assert.equal(e5.error, 'stale');
    const m = memberships(db);
    assert.equal(m.length, 1);
    assert.equal(m[0].role, 'org:billing');
    assert.equal(m[0].clerk_updated_at, 1757941800000);
  });
});

test('11 (user.deleted) then a late 06: the user is not re-created (ignored, stale)', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await send(srv, '03');
    await send(srv, '11');
    assert.equal(count(db, 'users'), 0);
    const ev = await send(srv, '06', { expect: 'ignored' });
    assert.equal(ev.error, 'stale');
    assert.equal(count(db, 'users'), 0);
    const late03 = await send(srv, '03', { id: msgId(), expect: 'ignored' });
    assert.equal(late03.error, 'stale');
    assert.equal(count(db, 'users'), 0);
    assert.deepEqual(tombstones(db), [{ clerk_id: IDS.alice, kind: 'user', deleted_at: F['11'].timestamp }]);
    // A membership naming the deleted user brings back neither the user
    // nor a membership.
    await send(srv, '05', { expect: 'ignored' });
    assert.equal(count(db, 'users'), 0);
    assert.equal(count(db, 'organization_memberships'), 0);
  });
});

test('user.deleted first (never mirrored): tombstone written, later events do not create the user', T, async () => {
  await withServer(async (srv) => {
    await send(srv, '11');
    assert.deepEqual(tombstones(srv.db), [{ clerk_id: IDS.alice, kind: 'user', deleted_at: F['11'].timestamp }]);
    await send(srv, '03', { expect: 'ignored' });
    await send(srv, '06', { expect: 'ignored' });
    assert.equal(count(srv.db, 'users'), 0);
  });
});

test('a deletion removes the user\'s memberships; the org\'s deletion removes its memberships', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['01', '02', '03', '05']) await send(srv, n);
    assert.equal(count(db, 'organization_memberships'), 1);
    await send(srv, '11');
    assert.equal(count(db, 'organization_memberships'), 0, 'user.deleted cascades to memberships');
    assert.equal(count(db, 'organizations'), 1);
  });
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['01', '02', '03', '05']) await send(srv, n);
    await send(srv, '10');
    assert.equal(count(db, 'organization_memberships'), 0, 'organization.deleted cascades to memberships');
    assert.equal(count(db, 'users'), 2, 'the users stay');
  });
});

test('10 (org deleted) then late 05/07/08: no org and no membership re-created', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['01', '02', '03']) await send(srv, n);
    await send(srv, '10');
    assert.deepEqual(orgs(db), []);
    const usersBefore = users(db);
    for (const n of ['05', '08', '07']) {
      const ev = await send(srv, n, { expect: 'ignored' });
      assert.equal(ev.error, 'stale', `${n}: error`);
    }
    assert.deepEqual(orgs(db), [], 'the org is not re-created');
    assert.deepEqual(memberships(db), [], 'no membership re-created');
    assert.deepEqual(users(db), usersBefore, 'the users are untouched');
    assert.deepEqual(tombstones(db), [{ clerk_id: IDS.org, kind: 'organization', deleted_at: F['10'].timestamp }]);
  });
});

test('09 (membership deleted) before 05/08: the membership is not created afterwards', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['01', '02', '03']) await send(srv, n);
    await send(srv, '09');
    assert.equal(count(db, 'clerk_tombstones'), 1);
    for (const n of ['05', '08']) {
      const ev = await send(srv, n, { expect: 'ignored' });
      assert.equal(ev.error, 'stale', `${n}: error`);
    }
    assert.deepEqual(memberships(db), []);
    assert.equal(count(db, 'users'), 2, 'the users stay');
    assert.equal(count(db, 'organizations'), 1, 'the org stays');
  });
});

test('a deletion tombstone blocks events not newer than it; a newer one re-creates', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const id = uid('user');
    const t0 = Date.now() - 60000;
    await sendObj(srv, userEvent({ id, email: 'tomb@example.com', updated_at: t0 }));
    // user.deleted whose envelope timestamp is t0 + 1000 (ms).
    const del = { ...fixture('11'), timestamp: t0 + 1000 };
    del.data = { ...del.data, id };
    await sendObj(srv, del);
    assert.deepEqual(tombstones(db), [{ clerk_id: id, kind: 'user', deleted_at: t0 + 1000 }]);

    const same = await sendObj(srv, userEvent({ id, type: 'user.updated', email: 'tomb@example.com', updated_at: t0 + 1000 }),
      { expect: 'ignored' });
    assert.equal(same.error, 'stale', 'updated_at equal to deleted_at is not newer');
    assert.equal(count(db, 'users'), 0);

    await sendObj(srv, userEvent({ id, type: 'user.updated', email: 'tomb@example.com', updated_at: t0 + 1001 }));
    const u = userByClerkId(db, id);
    assert.ok(u, 'an event newer than the deletion re-creates the user');
    assert.equal(u.clerk_updated_at, t0 + 1001);

    // Without an envelope timestamp, the deletion is dated on receipt.
    const id2 = uid('user');
    await sendObj(srv, userEvent({ id: id2, email: 'tomb2@example.com', updated_at: t0 }));
    const del2 = fixture('11');
    delete del2.timestamp;
    del2.data = { ...del2.data, id: id2 };
    const before = Date.now();
    await sendObj(srv, del2);
    const after = Date.now();
    const ts2 = tombstones(db).find((x) => x.clerk_id === id2);
    assert.ok(ts2 && ts2.deleted_at >= before - 1000 && ts2.deleted_at <= after + 1000,
      `deleted_at ${ts2?.deleted_at} is the receipt time (${before}..${after})`);
    assert.equal((await sendObj(srv, userEvent({ id: id2, type: 'user.updated', email: 'tomb2@example.com', updated_at: t0 + 5 }),
      { expect: 'ignored' })).error, 'stale');
    assert.equal(userByClerkId(db, id2), null);

    // An envelope timestamp in seconds is normalised to ms.
    const orgId = uid('org');
    await sendObj(srv, orgEvent({ id: orgId, updated_at: t0 }));
    const delOrg = { ...fixture('10'), timestamp: Math.floor((t0 + 5000) / 1000) };
    delOrg.data = { ...delOrg.data, id: orgId };
    await sendObj(srv, delOrg);
    const ts = tombstones(db).find((x) => x.clerk_id === orgId);
    assert.deepEqual(ts, { clerk_id: orgId, kind: 'organization', deleted_at: Math.floor((t0 + 5000) / 1000) * 1000 });
  });
});

test('a local user with the same email (other case) is linked, keeping its id, is_staff and password', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const hash = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
    exec(db, 'INSERT INTO users (email, password, first_name, is_staff, is_superuser) VALUES ' +
      `('Alice@Acme.example', ${sqlStr(hash)}, 'Local', ${sqlBool(db, true)}, ${sqlBool(db, true)})`);
    const local = users(db);
    assert.equal(local.length, 1);
    assert.equal(local[0].clerk_id, null);

    await send(srv, '03');
    const u = users(db);
    assert.equal(u.length, 1, 'no second user');
    assert.equal(u[0].id, local[0].id, 'the same row');
    assert.equal(u[0].clerk_id, IDS.alice);
    assert.equal(u[0].is_staff, 1, 'is_staff kept');
    assert.equal(u[0].is_superuser, 1, 'is_superuser kept');
    assert.equal(u[0].password, hash, 'password unchanged');
    assert.equal(u[0].email.toLowerCase(), 'alice@acme.example');
    assert.equal(u[0].first_name, 'Alice');
    assert.equal(u[0].last_name, 'Nguyen');

    // Later events keep updating that row.
    await send(srv, '06');
    const after = users(db);
    assert.equal(after.length, 1);
    assert.equal(after[0].id, local[0].id);
    assert.equal(after[0].username, 'alice');
    assert.equal(after[0].password, hash);
    assert.equal(after[0].is_staff, 1);
  });
});

test('a user whose email now belongs to another Clerk user loses it (stale email cleared)', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const a = uid('user');
    const b = uid('user');
    const t0 = Date.now() - 10000;
    await sendObj(srv, userEvent({ id: a, email: 'x@y.example', updated_at: t0 }));
    assert.equal(userByClerkId(db, a).email, 'x@y.example');
    await sendObj(srv, userEvent({ id: b, email: 'X@Y.example', updated_at: t0 + 1 }));
    assert.equal(userByClerkId(db, a).email, null, 'A\'s stale email is cleared');
    assert.equal(userByClerkId(db, b).email, 'X@Y.example', 'B has it');
    assert.equal(count(db, 'users'), 2, 'B is a new user, not linked to A');

    // The same through an update: A takes an address B holds.
    await sendObj(srv, userEvent({ id: a, type: 'user.updated', email: 'x@y.example', updated_at: t0 + 2 }));
    assert.equal(userByClerkId(db, a).email, 'x@y.example');
    assert.equal(userByClerkId(db, b).email, null);
  });
});

test('names with quotes, HTML, SQL, emoji and 1,000 characters are stored verbatim', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const cases = [
      { first_name: 'O\'Brien "Bob"', last_name: '<script>alert(1)</script>', username: '\'; DROP TABLE users; --' },
      { first_name: 'Zoë 🦊👩‍💻', last_name: '名前 Ωμέγα', username: 'back\\slash' },
      { first_name: 'a'.repeat(1000), last_name: '%_ LIKE \'%\' -- /* */', username: 'tab\there\nnewline' },
      { first_name: '$1 $2 ?', last_name: 'Robert\'); DELETE FROM webhook_events;--', username: null },
    ];
    const ids = [];
    for (const c of cases) {
      const id = uid('user');
      ids.push(id);
      await sendObj(srv, userEvent({ id, ...c }));
    }
    for (const [i, c] of cases.entries()) {
      const u = userByClerkId(db, ids[i]);
      assert.equal(u.first_name, c.first_name, `case ${i} first_name`);
      assert.equal(u.last_name, c.last_name, `case ${i} last_name`);
      assert.equal(u.username, c.username, `case ${i} username`);
    }
    assert.equal(userByClerkId(db, ids[2]).first_name.length, 1000);
    assert.equal(count(db, 'users'), cases.length);
    assert.equal(count(db, 'webhook_events'), cases.length);

    const orgId = uid('org');
    const name = '<b>"Acme" & Co\'s</b> 🚀 \'; DROP TABLE organizations; --';
    await sendObj(srv, orgEvent({ id: orgId, name, slug: 'acme-\'quote' }));
    const o = orgs(db);
    assert.equal(o.length, 1);
    assert.equal(o[0].name, name);
    assert.equal(o[0].slug, 'acme-\'quote');
  });
});

test('any Clerk role string is stored: org:admin, custom org:billing, made-up org:x_y', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const userId = uid('user');
    const orgId = uid('org');
    const memId = uid('orgmem');
    const t0 = Date.now() - 60000;
    const roles = ['org:admin', 'org:billing', 'org:x_y', 'org:member', 'basic_member'];
    for (const [i, role] of roles.entries()) {
      await sendObj(srv, membershipEvent({
        type: i === 0 ? 'organizationMembership.created' : 'organizationMembership.updated',
        id: memId, role, userId, orgId, updated_at: t0 + i,
      }));
      const m = memberships(db);
      assert.equal(m.length, 1, `${role}: one membership`);
      assert.equal(m[0].role, role);
      assert.equal(m[0].clerk_updated_at, t0 + i);
    }
    // A second member of the same org with another custom role.
    const other = uid('user');
    await sendObj(srv, membershipEvent({ role: 'org:x_y', userId: other, orgId }));
    const m = memberships(db);
    assert.equal(m.length, 2);
    assert.deepEqual(m.map((x) => x.role).sort(), ['basic_member', 'org:x_y']);
    assert.equal(count(db, 'organizations'), 1, 'one org');
    assert.equal(count(db, 'users'), 2);
  });
});

test('the membership deletion by (org, user) when its id was not mirrored', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['01', '02', '03']) await send(srv, n);
    // A membership mirrored under another clerk_id (e.g. from a backfill).
    const ev = fixture('05');
    ev.data.id = uid('orgmem');
    await sendObj(srv, ev);
    assert.equal(count(db, 'organization_memberships'), 1);
    await send(srv, '09');
    assert.equal(count(db, 'organization_memberships'), 0, 'deleted by (organization.id, public_user_data.user_id)');
  });
});
