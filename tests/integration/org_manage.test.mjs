// Organization management through Clerk (DESIGN §12.1, §12.2, §11.2): the
// seven routes against the fake Backend API (lib/fake_clerk.mjs) — the
// exact body Clerk receives (inviter_user_id, requesting_user_id, the
// org: prefix), Clerk's answer in the mirror before ours and the webhook
// that follows changing nothing; every error of Clerk mapped, with the
// mirror unchanged; the body checked before Clerk is called; the route
// requirements (a member without the permission, a non-member, DELETE
// without a fresh second factor, a member leaving); the last-admin rule,
// also between two racing requests; the invitation list's derived
// "expired" and its status filter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CLERK_ERRORS } from './lib/fake_clerk.mjs';
import { DB_KIND, exec, rows, sqlStr } from './lib/webhook.mjs';
import {
  FRESH, LAST_ADMIN, T, UNAVAILABLE, api, assertStatus, invitationRow, join, memberRow, mirror, orgRow,
  organization, person, snapshot, startWithFake,
} from './org_helpers.mjs';

const DAY_MS = 86400000;
const INVITE = 'POST /v1/organizations/{org}/invitations';
const REVOKE = 'POST /v1/organizations/{org}/invitations/{inv}/revoke';
const PATCH_ORG = 'PATCH /v1/organizations/{org}';
const DELETE_ORG = 'DELETE /v1/organizations/{org}';
const PATCH_MEMBER = 'PATCH /v1/organizations/{org}/memberships/{user_id}';
const DELETE_MEMBER = 'DELETE /v1/organizations/{org}/memberships/{user_id}';
// Both factors verified 30 minutes ago: "strict" (10 minutes) fails.
const STALE = [30, 30];
const ITEM_KEYS = ['clerk_id', 'created_at', 'email_address', 'expires_at', 'role', 'status'];
const REVERIFY = {
  clerk_error: {
    type: 'forbidden', reason: 'reverification-error',
    metadata: { reverification: { level: 'second_factor', afterMinutes: 10 } },
  },
};

describe('organization management through Clerk', () => {
  let ctx;
  let fake;
  let srv;
  let alice; // admin of every organization made by team()
  let bob; // member
  let carol; // member
  let dan; // in no organization

  // A fresh organization: alice admin, bob and carol members.
  const team = (opts = {}) => organization(srv, fake,
    [[alice, 'org:admin'], [bob, 'org:member'], [carol, 'org:member']], opts);
  const call = (...args) => api(ctx, ...args);

  before(async () => {
    ctx = await startWithFake();
    ({ fake, srv } = ctx);
    alice = await person(srv, fake, { email: 'alice@acme.example', first_name: 'Alice' });
    bob = await person(srv, fake, { email: 'bob@acme.example', first_name: 'Bob' });
    carol = await person(srv, fake, { email: 'carol@acme.example', first_name: 'Carol' });
    dan = await person(srv, fake, { email: 'dan@example.com', first_name: 'Dan' });
  });
  after(async () => {
    if (srv) await srv.stop();
    if (fake) await fake.close();
  });

  test('PATCH /organizations/{id}: Clerk\'s answer in the mirror, the GET shape, the webhook after a no-op', T, async () => {
    const org = await team({ name: 'Acme' });
    fake.clearCalls();
    const r = await call(alice, 'PATCH', `/api/v1/organizations/${org.local}`,
      { body: { name: 'Acme Two', slug: 'acme-two', unknown_field: 1 } });
    assertStatus(r, 200, 'patch');
    const calls = fake.calls(PATCH_ORG);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].path, `/v1/organizations/${org.id}`);
    assert.deepEqual(calls[0].body, { name: 'Acme Two', slug: 'acme-two' }, 'unknown fields are not sent');
    const get = await call(alice, 'GET', `/api/v1/organizations/${org.id}`);
    assert.deepEqual(r.json, get.json, 'the GET shape');
    assert.equal(r.json.name, 'Acme Two');
    assert.equal(r.json.slug, 'acme-two');
    assert.equal(r.json.role, 'org:admin');
    const clerkNow = fake.organization(org.id);
    const row = orgRow(srv.db, org.id);
    assert.deepEqual(row, { name: 'Acme Two', slug: 'acme-two', clerk_updated_at: row.clerk_updated_at });
    assert.equal(Number(row.clerk_updated_at), clerkNow.updated_at, 'Clerk\'s updated_at');
    const before = snapshot(srv.db);
    await mirror(srv, fake, clerkNow);
    assert.deepEqual(snapshot(srv.db), before, 'organization.updated after the write changes nothing');

    // One field, the other left alone; null counts as absent.
    const r2 = await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, { body: { slug: 'acme-3', name: null } });
    assertStatus(r2, 200, 'slug only');
    assert.deepEqual(fake.lastCall(PATCH_ORG).body, { slug: 'acme-3' });
    assert.equal(r2.json.name, 'Acme Two');
  });

  test('DELETE /organizations/{id}: a fresh second factor, then gone from the mirror with its memberships, tombstoned', T, async () => {
    const org = await team();
    fake.clearCalls();
    const stale = await call(alice, 'DELETE', `/api/v1/organizations/${org.local}`, { fva: STALE });
    assertStatus(stale, 403, 'no fresh second factor');
    assert.deepEqual(stale.json, REVERIFY, 'Clerk\'s reverification body');
    assert.equal(fake.count(DELETE_ORG), 0, 'Clerk not called');
    const member = await call(bob, 'DELETE', `/api/v1/organizations/${org.local}`, { fva: FRESH });
    assertStatus(member, 403, 'a member without org:sys_profile:delete');
    assert.deepEqual(member.json, { detail: 'Forbidden' });

    const r = await call(alice, 'DELETE', `/api/v1/organizations/${org.local}`, { fva: FRESH });
    assertStatus(r, 204, 'delete');
    assert.equal(r.text, '');
    assert.equal(fake.calls(DELETE_ORG).length, 1);
    assert.equal(fake.lastCall(DELETE_ORG).path, `/v1/organizations/${org.id}`);
    assert.equal(rows(srv.db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(org.id)}`).length, 0);
    assert.equal(rows(srv.db, `SELECT id FROM organization_memberships WHERE organization_id = ${org.local}`).length, 0);
    assert.deepEqual(rows(srv.db, `SELECT kind FROM clerk_tombstones WHERE clerk_id = ${sqlStr(org.id)}`),
      [{ kind: 'organization' }]);
    assertStatus(await call(alice, 'GET', `/api/v1/organizations/${org.id}`), 404, 'GET after');
    const before = snapshot(srv.db);
    await mirror(srv, fake, { object: 'organization', id: org.id, slug: org.slug, deleted: true });
    assert.deepEqual(snapshot(srv.db), before, 'organization.deleted after the write changes nothing');
  });

  test('POST /organizations/{id}/invitations: inviter_user_id, the org: prefix, 201 as the list shows it', T, async () => {
    const org = await team();
    fake.clearCalls();
    const r = await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations`,
      { body: { email_address: 'new@example.com', role: 'admin', redirect_url: 'https://app.example/accept', x: 1 } });
    assertStatus(r, 201, 'invite');
    assert.deepEqual(fake.lastCall(INVITE).body, {
      email_address: 'new@example.com', role: 'org:admin', inviter_user_id: alice.id,
      redirect_url: 'https://app.example/accept',
    });
    const inv = fake.state.invitations.get(r.json.clerk_id);
    assert.ok(inv, 'Clerk holds it');
    assert.deepEqual(Object.keys(r.json).sort(), ITEM_KEYS);
    assert.equal(r.json.email_address, 'new@example.com');
    assert.equal(r.json.role, 'org:admin');
    assert.equal(r.json.status, 'pending');
    assert.equal(r.json.expires_at, inv.expires_at);
    assert.ok(Math.abs(r.json.created_at - inv.created_at) < 60000, 'created_at in ms');

    // Clerk's answer is in the mirror (the organizationInvitation rules).
    const row = invitationRow(srv.db, inv.id);
    assert.ok(row, 'mirrored before the answer');
    assert.equal(row.status, 'pending');
    assert.equal(row.email_address, 'new@example.com');
    const list = await call(alice, 'GET', `/api/v1/organizations/${org.id}/invitations`);
    assert.deepEqual(list.json.data.find((i) => i.clerk_id === inv.id), r.json, 'the list\'s item');
    const before = snapshot(srv.db);
    await mirror(srv, fake, inv);
    assert.deepEqual(snapshot(srv.db), before, 'organizationInvitation.created after the write changes nothing');

    // role left out: org:member.
    const d = await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations`, { body: { email_address: 'd@example.com' } });
    assertStatus(d, 201, 'default role');
    assert.deepEqual(fake.lastCall(INVITE).body, { email_address: 'd@example.com', role: 'org:member', inviter_user_id: alice.id });
    assert.equal(d.json.role, 'org:member');
  });

  test('POST .../invitations/{invitation_id}/revoke: requesting_user_id, 200 revoked, mirrored', T, async () => {
    const org = await team();
    const made = await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations`, { body: { email_address: 'r@example.com' } });
    assertStatus(made, 201, 'invite');
    fake.clearCalls();
    const r = await call(alice, 'POST', `/api/v1/organizations/${org.local}/invitations/${made.json.clerk_id}/revoke`);
    assertStatus(r, 200, 'revoke');
    const c = fake.lastCall(REVOKE);
    assert.equal(c.path, `/v1/organizations/${org.id}/invitations/${made.json.clerk_id}/revoke`);
    assert.deepEqual(c.body, { requesting_user_id: alice.id });
    assert.deepEqual(r.json, { ...made.json, status: 'revoked' });
    assert.equal(invitationRow(srv.db, made.json.clerk_id)?.status, 'revoked', 'mirrored before the answer');
    const before = snapshot(srv.db);
    await mirror(srv, fake, fake.state.invitations.get(made.json.clerk_id));
    assert.deepEqual(snapshot(srv.db), before, 'organizationInvitation.revoked after the write changes nothing');

    // Revoked twice: Clerk's 400 becomes 422, nothing changes.
    const again = await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations/${made.json.clerk_id}/revoke`);
    assertStatus(again, 422, 'revoked twice');
    assert.deepEqual(again.json, { detail: [{ loc: ['body', 'clerk'], msg: 'Invitation is already revoked.', type: 'clerk.invitation_already_revoked' }] });
    assert.deepEqual(snapshot(srv.db), before);
    // An id that cannot be Clerk's: 404 without a call.
    fake.clearCalls();
    assertStatus(await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations/orginv%2E..%2Fx/revoke`), 404, 'bad id');
    assert.equal(fake.count(), 0);
  });

  test('GET /organizations/{id}/invitations: a pending invitation past expires_at reads expired; status= filters on it', T, async () => {
    const org = await team();
    const now = Date.now();
    const seed = [
      ['orginv_pend', 'pending', now + DAY_MS, '2026-01-01T00:00:01.000Z'],
      ['orginv_past', 'pending', now - 1000, '2026-01-01T00:00:02.000Z'],
      ['orginv_acc', 'accepted', now - DAY_MS, '2026-01-01T00:00:03.000Z'],
      ['orginv_rev', 'revoked', now + DAY_MS, '2026-01-01T00:00:04.500Z'],
      ['orginv_none', 'pending', null, '2026-01-01T00:00:05.000Z'],
    ].map(([id, status, exp, created]) => [`${id}_${org.local}`, status, exp, created]);
    for (const [id, status, exp, created] of seed) {
      exec(srv.db, 'INSERT INTO organization_invitations (clerk_id, organization_id, email_address, role, status, ' +
        `expires_at, created_at) VALUES (${sqlStr(id)}, ${org.local}, ${sqlStr(`${id}@example.com`)}, 'org:member', ` +
        `${sqlStr(status)}, ${exp ?? 'NULL'}, ${sqlStr(created)})`);
    }
    const all = await call(bob, 'GET', `/api/v1/organizations/${org.id}/invitations`);
    assertStatus(all, 200, 'a member reads them (org:sys_memberships:read)');
    assert.equal(all.json.total_count, 5);
    assert.deepEqual(all.json.data.map((i) => i.clerk_id), seed.map((s) => s[0]).reverse(), 'newest first');
    const byId = Object.fromEntries(all.json.data.map((i) => [i.clerk_id, i]));
    const [pend, past, acc, rev, none] = seed.map((s) => byId[s[0]]);
    assert.deepEqual(pend, {
      clerk_id: seed[0][0], email_address: `${seed[0][0]}@example.com`, role: 'org:member', status: 'pending',
      expires_at: seed[0][2], created_at: Date.parse('2026-01-01T00:00:01.000Z'),
    });
    assert.equal(past.status, 'expired');
    assert.equal(acc.status, 'accepted', 'only a pending invitation expires');
    assert.equal(rev.status, 'revoked');
    assert.equal(rev.created_at, Date.parse('2026-01-01T00:00:04.500Z'));
    assert.equal(none.status, 'pending');
    assert.equal(none.expires_at, null);
    const want = { pending: [seed[4][0], seed[0][0]], expired: [seed[1][0]], accepted: [seed[2][0]], revoked: [seed[3][0]] };
    for (const [status, ids] of Object.entries(want)) {
      const r = await call(alice, 'GET', `/api/v1/organizations/${org.local}/invitations?status=${status}`);
      assertStatus(r, 200, status);
      assert.deepEqual(r.json.data.map((i) => i.clerk_id), ids, `status=${status}`);
      assert.equal(r.json.total_count, ids.length);
    }
    const page = await call(alice, 'GET', `/api/v1/organizations/${org.id}/invitations?limit=2&offset=1`);
    assert.deepEqual(page.json.data.map((i) => i.clerk_id), [seed[3][0], seed[2][0]]);
    assert.equal(page.json.total_count, 5);
    const bad = await call(alice, 'GET', `/api/v1/organizations/${org.id}/invitations?status=open`);
    assertStatus(bad, 422, 'status=open');
    assert.deepEqual(bad.json.detail.map((e) => [e.type, e.loc]), [['enum', ['query', 'status']]]);
    assertStatus(await call(alice, 'GET', `/api/v1/organizations/${org.id}/invitations?limit=0`), 422, 'limit=0');
    assertStatus(await call(dan, 'GET', `/api/v1/organizations/${org.id}/invitations`), 404, 'a non-member');
  });

  test('PATCH /organizations/{id}/members/{user_id}: the role (org:-prefixed), the /members entry, mirrored', T, async () => {
    const org = await team();
    fake.clearCalls();
    for (const [ref, role, sent] of [[bob.local, 'admin', 'org:admin'], [bob.id, 'org:member', 'org:member']]) {
      const r = await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${ref}`, { body: { role } });
      assertStatus(r, 200, `bob to ${role}`);
      const c = fake.lastCall(PATCH_MEMBER);
      assert.equal(c.path, `/v1/organizations/${org.id}/memberships/${bob.id}`);
      assert.deepEqual(c.body, { role: sent });
      const clerkNow = fake.membership(org.id, bob.id);
      assert.deepEqual(r.json, {
        user: {
          id: bob.local, clerk_id: bob.id, email: 'bob@acme.example', first_name: 'Bob', last_name: null,
          image_url: bob.image_url,
        },
        role: sent, permissions: clerkNow.permissions,
      });
      const members = await call(alice, 'GET', `/api/v1/organizations/${org.id}/members`);
      assert.deepEqual(members.json.data.find((m) => m.user.id === bob.local), r.json, 'the /members entry');
      const row = memberRow(srv.db, org.local, bob.local);
      assert.equal(row.role, sent);
      assert.equal(Number(row.clerk_updated_at), clerkNow.updated_at);
      const before = snapshot(srv.db);
      await mirror(srv, fake, clerkNow);
      assert.deepEqual(snapshot(srv.db), before, 'organizationMembership.updated after the write changes nothing');
    }
    // A member without org:sys_memberships:manage; a non-member.
    const forbidden = await call(bob, 'PATCH', `/api/v1/organizations/${org.id}/members/${carol.id}`, { body: { role: 'org:admin' } });
    assertStatus(forbidden, 403, 'bob is a member only');
    assert.deepEqual(forbidden.json, { detail: 'Forbidden' });
    const stranger = await call(dan, 'PATCH', `/api/v1/organizations/${org.id}/members/${carol.id}`, { body: { role: 'org:admin' } });
    assertStatus(stranger, 404, 'dan is no member');
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/999999`, { body: { role: 'org:admin' } }),
      404, 'no such local user');
    assert.equal(fake.count(PATCH_MEMBER), 2, 'Clerk called for the two changes only');
  });

  test('DELETE /organizations/{id}/members/{user_id}: removed, tombstoned; a member may leave; others need the permission', T, async () => {
    const org = await team();
    fake.clearCalls();
    const m = fake.membership(org.id, carol.id);
    const r = await call(alice, 'DELETE', `/api/v1/organizations/${org.id}/members/${carol.local}`);
    assertStatus(r, 204, 'alice removes carol');
    assert.equal(r.text, '');
    assert.equal(fake.lastCall(DELETE_MEMBER).path, `/v1/organizations/${org.id}/memberships/${carol.id}`);
    assert.equal(memberRow(srv.db, org.local, carol.local), undefined);
    assert.deepEqual(rows(srv.db, `SELECT kind FROM clerk_tombstones WHERE clerk_id = ${sqlStr(m.id)}`),
      [{ kind: 'organization_membership' }]);
    const before = snapshot(srv.db);
    await mirror(srv, fake, m, 'deleted');
    assert.deepEqual(snapshot(srv.db), before, 'organizationMembership.deleted after the write changes nothing');

    await join(srv, fake, org, carol, 'org:member');
    const other = await call(bob, 'DELETE', `/api/v1/organizations/${org.id}/members/${carol.id}`);
    assertStatus(other, 403, 'bob may not remove carol');
    for (const ref of [bob.id]) {
      const self = await call(bob, 'DELETE', `/api/v1/organizations/${org.local}/members/${ref}`);
      assertStatus(self, 204, 'bob leaves (Clerk id)');
    }
    assert.equal(memberRow(srv.db, org.local, bob.local), undefined);
    await join(srv, fake, org, bob, 'org:member');
    const selfLocal = await call(bob, 'DELETE', `/api/v1/organizations/${org.id}/members/${bob.local}`);
    assertStatus(selfLocal, 204, 'bob leaves (local id)');
    assertStatus(await call(dan, 'DELETE', `/api/v1/organizations/${org.id}/members/${dan.id}`), 404, 'not a member');
  });

  test('the last admin can be neither demoted nor removed (409, Clerk not called)', T, async () => {
    const org = await team();
    fake.clearCalls();
    const before = snapshot(srv.db);
    for (const ref of [alice.id, alice.local]) {
      const demote = await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${ref}`, { body: { role: 'member' } });
      assertStatus(demote, 409, 'demote the last admin');
      assert.deepEqual(demote.json, LAST_ADMIN);
      const remove = await call(alice, 'DELETE', `/api/v1/organizations/${org.id}/members/${ref}`);
      assertStatus(remove, 409, 'remove the last admin');
      assert.deepEqual(remove.json, LAST_ADMIN);
    }
    assert.equal(fake.count(), 0, 'Clerk not called');
    assert.deepEqual(snapshot(srv.db), before);
    // An admin staying admin, or another admin: fine.
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${alice.id}`, { body: { role: 'org:admin' } }),
      200, 'admin to admin');
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { body: { role: 'org:admin' } }),
      200, 'a second admin');
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${alice.id}`, { body: { role: 'org:member' } }),
      200, 'now alice may step down');
    assertStatus(await call(bob, 'DELETE', `/api/v1/organizations/${org.id}/members/${bob.id}`), 409, 'bob is the last admin now');
  });

  test('two admins demoting each other at once: one wins, the other gets 409', T, async () => {
    const org = await team();
    await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { body: { role: 'org:admin' } });
    fake.clearCalls();
    // The first call waits at Clerk while the second arrives.
    fake.delay(PATCH_MEMBER, 1000, { times: 1 });
    const first = call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { body: { role: 'org:member' } });
    await new Promise((r) => setTimeout(r, 300));
    const second = call(bob, 'PATCH', `/api/v1/organizations/${org.id}/members/${alice.id}`, { body: { role: 'org:member' } });
    const [a, b] = await Promise.all([first, second]);
    assertStatus(a, 200, 'the first');
    assertStatus(b, 409, 'the second, checked once the first is mirrored');
    assert.deepEqual(b.json, LAST_ADMIN);
    assert.equal(fake.count(PATCH_MEMBER), 1, 'Clerk called once');
    assert.deepEqual(rows(srv.db, `SELECT count(*) AS n FROM organization_memberships WHERE organization_id = ${org.local} ` +
      "AND role = 'org:admin'").map((x) => Number(x.n)), [1]);
  });

  test('the body is checked before Clerk is called: 415, 422', T, async () => {
    const org = await team();
    fake.clearCalls();
    const before = snapshot(srv.db);
    const inv = `/api/v1/organizations/${org.id}/invitations`;
    const bodyErr = (r, what) => {
      assertStatus(r, 422, what);
      assert.ok(Array.isArray(r.json.detail), `${what}: a list`);
      return r.json.detail.map((e) => [e.type, e.loc.join('.')]);
    };
    const t1 = await call(alice, 'POST', inv, { raw: '{"email_address":"a@b.c"}', type: 'text/plain' });
    assertStatus(t1, 415, 'text/plain');
    assert.deepEqual(t1.json, { detail: 'Content-Type must be application/json' });
    assertStatus(await call(alice, 'POST', inv, { raw: '{"email_address":"a@b.c"}', type: null }), 415, 'no Content-Type');
    assertStatus(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, { raw: '{}', type: 'application/x-www-form-urlencoded' }),
      415, 'a form');
    assertStatus(await call(alice, 'POST', inv, { raw: '{"email_address":"ok@example.com"}', type: 'Application/JSON; charset=utf-8' }),
      201, 'application/json with a charset');
    fake.clearCalls();
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { raw: '[1,2]' }), 'an array'), [['model_attributes_type', 'body']]);
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { raw: '{"email_address":' }), 'broken JSON')[0][0], 'json_invalid');
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { raw: '' }), 'empty')[0][0], 'json_invalid');
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { body: {} }), 'no email'), [['missing', 'body.email_address']]);
    for (const bad of ['no-at.example.com', 'two@@example.com', 'a@b@c.com', '@example.com', 'a@']) {
      const r = await call(alice, 'POST', inv, { body: { email_address: bad } });
      const d = bodyErr(r, bad);
      assert.deepEqual(d, [['value_error', 'body.email_address']], bad);
      assert.deepEqual(Object.keys(r.json.detail[0]).sort(), ['input', 'loc', 'msg', 'type']);
    }
    const long = `${'a'.repeat(243)}@example.com`; // 255 bytes
    assert.equal(Buffer.byteLength(long), 255);
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { body: { email_address: long } }), '255 bytes'),
      [['value_error', 'body.email_address']]);
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { body: { email_address: 7 } }), 'a number'),
      [['string_type', 'body.email_address']]);
    assert.deepEqual(bodyErr(await call(alice, 'POST', inv, { body: { email_address: 'x@example.com', role: 5, redirect_url: [] } }),
      'role and redirect_url'), [['string_type', 'body.role'], ['string_type', 'body.redirect_url']]);
    assert.deepEqual(bodyErr(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}`, { body: { name: 1, slug: true } }), 'types'),
      [['string_type', 'body.name'], ['string_type', 'body.slug']]);
    assert.deepEqual(bodyErr(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { body: {} }),
      'no role'), [['missing', 'body.role']]);
    assert.deepEqual(bodyErr(await call(alice, 'PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { body: { role: '' } }),
      'empty role'), [['string_too_short', 'body.role']]);
    assert.equal(fake.count(), 0, 'Clerk never called');
    assert.deepEqual(snapshot(srv.db).orgs, before.orgs);
    assert.deepEqual(snapshot(srv.db).memberships, before.memberships);
  });

  describe('Clerk\'s errors, one mapping for every route, the mirror unchanged', () => {
    let org;
    before(async () => { org = await team(); });

    // Each write, as alice, with the Clerk call it makes.
    const writes = () => [
      ['PATCH', `/api/v1/organizations/${org.id}`, { name: 'Renamed' }, PATCH_ORG],
      ['POST', `/api/v1/organizations/${org.id}/invitations`, { email_address: 'e@example.com' }, INVITE],
      ['POST', `/api/v1/organizations/${org.id}/invitations/orginv_x/revoke`, undefined, REVOKE],
      ['PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { role: 'org:admin' }, PATCH_MEMBER],
      ['DELETE', `/api/v1/organizations/${org.id}/members/${carol.id}`, undefined, DELETE_MEMBER],
      ['DELETE', `/api/v1/organizations/${org.id}`, undefined, DELETE_ORG],
    ];

    // Fails every write's Clerk call once with fault; checks the answer.
    async function each(fault, check) {
      for (const [method, path, body, match] of writes()) {
        fake.clearFaults();
        fake.clearCalls();
        fake.fail(match, { ...fault, times: 1 });
        const before = snapshot(srv.db);
        const r = await call(alice, method, path, { body, fva: FRESH });
        check(r, `${method} ${path}`);
        assert.equal(fake.count(match), 1, `${method} ${path}: called once, never again`);
        assert.deepEqual(snapshot(srv.db), before, `${method} ${path}: the mirror unchanged`);
      }
      fake.clearFaults();
    }

    test('422 with Clerk\'s param_name, long_message and code; without param_name: "clerk"', T, async () => {
      await each({ error: CLERK_ERRORS.paramFormat('email_address', 'email_address must be a valid email address.') }, (r, w) => {
        assertStatus(r, 422, w);
        assert.deepEqual(r.json, { detail: [{ loc: ['body', 'email_address'], msg: 'email_address must be a valid email address.', type: 'clerk.form_param_format_invalid' }] });
      });
      await each({ error: CLERK_ERRORS.invitationNotUnique() }, (r, w) => {
        assertStatus(r, 422, w);
        assert.deepEqual(r.json, { detail: [{ loc: ['body', 'clerk'], msg: 'Organizations cannot have duplicate pending invitations for an email address.', type: 'clerk.organization_invitation_not_unique' }] });
      });
    });

    test('404 and 403 passed on', T, async () => {
      await each({ error: CLERK_ERRORS.notFound('Given organization not found.') }, (r, w) => {
        assertStatus(r, 404, w);
        assert.deepEqual(r.json, { detail: 'Given organization not found.' });
      });
      await each({ error: CLERK_ERRORS.missingPermission('org:sys_memberships:manage') }, (r, w) => {
        assertStatus(r, 403, w);
        assert.deepEqual(r.json, { detail: 'Current user is missing an organization permission.' });
      });
    });

    test('429 (Retry-After passed on), 500, 503, Clerk refusing our key: 503 Clerk is unavailable', T, async () => {
      await each({ status: 429, retryAfter: 7 }, (r, w) => {
        assertStatus(r, 503, w);
        assert.deepEqual(r.json, UNAVAILABLE);
        assert.equal(r.headers.get('retry-after'), '7', `${w}: Clerk's Retry-After`);
      });
      for (const status of [500, 502, 503, 401]) {
        await each({ status }, (r, w) => {
          assertStatus(r, 503, `${w} (Clerk ${status})`);
          assert.deepEqual(r.json, UNAVAILABLE);
          assert.equal(r.headers.get('retry-after'), '5', `${w}: the default Retry-After`);
        });
      }
      assert.match(srv.logs(), /Clerk refused CLERK_SECRET_KEY/, 'our key refused: an error in the log');
    });

    test('no answer within 10 s, or no connection: 503; a reset connection too', T, async () => {
      fake.clearCalls();
      fake.delay(INVITE, 12000, { times: 1 });
      const before = snapshot(srv.db);
      const t0 = Date.now();
      const slow = await call(alice, 'POST', `/api/v1/organizations/${org.id}/invitations`, { body: { email_address: 's@example.com' } });
      const took = Date.now() - t0;
      assertStatus(slow, 503, 'slow');
      assert.deepEqual(slow.json, UNAVAILABLE);
      assert.equal(slow.headers.get('retry-after'), '5');
      assert.ok(took >= 9500 && took < 14000, `answered once Clerk's 10 s had passed (${took} ms)`);
      assert.equal(fake.count(INVITE), 1, 'not retried');
      assert.deepEqual(snapshot(srv.db), before);

      await each({ reset: true }, (r, w) => {
        assertStatus(r, 503, `${w} (reset)`);
        assert.deepEqual(r.json, UNAVAILABLE);
      });

      await fake.down();
      try {
        for (const [method, path, body] of writes()) {
          const r = await call(alice, method, path, { body, fva: FRESH });
          assertStatus(r, 503, `${method} ${path} (down)`);
          assert.deepEqual(r.json, UNAVAILABLE);
          assert.equal(r.headers.get('retry-after'), '5');
        }
        assert.deepEqual(snapshot(srv.db), before);
      } finally {
        await fake.up();
      }
    });
  });
});

describe('without CLERK_SECRET_KEY', () => {
  let ctx;
  before(async () => { ctx = await startWithFake({ env: { CLERK_SECRET_KEY: undefined } }); });
  after(async () => {
    if (ctx?.srv) await ctx.srv.stop();
    if (ctx?.fake) await ctx.fake.close();
  });

  test('every write answers 503 CLERK_SECRET_KEY is not set; reads still work', T, async () => {
    const { srv, fake } = ctx;
    const alice = await person(srv, fake, {});
    const bob = await person(srv, fake, {});
    const org = await organization(srv, fake, [[alice, 'org:admin'], [bob, 'org:admin']]);
    fake.clearCalls();
    const before = snapshot(srv.db);
    for (const [method, path, body] of [
      ['PATCH', `/api/v1/organizations/${org.id}`, { name: 'X' }],
      ['DELETE', `/api/v1/organizations/${org.id}`],
      ['POST', `/api/v1/organizations/${org.id}/invitations`, { email_address: 'x@example.com' }],
      ['POST', `/api/v1/organizations/${org.id}/invitations/orginv_1/revoke`],
      ['PATCH', `/api/v1/organizations/${org.id}/members/${bob.id}`, { role: 'org:member' }],
      ['DELETE', `/api/v1/organizations/${org.id}/members/${bob.id}`],
    ]) {
      const r = await api(ctx, alice, method, path, { body, fva: FRESH });
      assertStatus(r, 503, `${method} ${path}`);
      assert.deepEqual(r.json, { detail: 'CLERK_SECRET_KEY is not set' });
    }
    assert.equal(fake.count(), 0);
    assert.deepEqual(snapshot(srv.db), before);
    assertStatus(await api(ctx, alice, 'GET', `/api/v1/organizations/${org.id}/invitations`), 200, 'the list');
  });
});

// DB_KIND is named so a reader of the output knows which backend ran.
test(`backend: ${DB_KIND}`, () => {});
