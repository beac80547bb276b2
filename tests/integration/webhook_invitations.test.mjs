// An organization's invitations and domains (DESIGN §12.3, reference/
// clerk.md §8.2, §8.3): fixtures 12, 13, 15, 16, 21 in and out of order,
// duplicates, the organization stubbed from public_organization_data or
// from its id alone and filled in by its own event, tombstones, a deleted
// domain keyed on its id, the verified flag from either verification
// object, the organization's deletion taking both along, and unappliable
// payloads (422, stored failed). Exact rows are read back with sqlite3 /
// psql.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  IDS, count, deliver, event, fixture, msgId, orgs, rows, sqlStr, tombstones, uid, withServer,
} from './lib/webhook.mjs';
import { send, sendFixture } from './sessions_helpers.mjs';

const T = { timeout: 120000 };

const F = Object.fromEntries(['02', '07', '10', '12', '13', '15', '16', '21'].map((n) => [n, fixture(n)]));
const ALICE_INV = F['12'].data.id;
const CAROL_INV = F['16'].data.id;
const DOMAIN = F['15'].data.id;

const INV_COLS = 'i.clerk_id, o.clerk_id AS org, i.email_address, i.role, i.status, i.inviter_clerk_id, ' +
  'i.user_clerk_id, i.expires_at, i.clerk_updated_at, i.created_at';
const DOM_COLS = 'd.clerk_id, o.clerk_id AS org, d.name, d.enrollment_mode, d.verified, ' +
  'd.affiliation_email_address, d.clerk_updated_at, d.created_at';

// Numbers as numbers, times as ms: both backends compare alike.
function norm(r) {
  const out = { ...r };
  for (const k of ['expires_at', 'clerk_updated_at', 'verified']) if (out[k] != null) out[k] = Number(out[k]);
  if (out.created_at != null) out.created_at = new Date(out.created_at).getTime();
  return out;
}

const invitations = (db) => rows(db, `SELECT ${INV_COLS} FROM organization_invitations i
  JOIN organizations o ON o.id = i.organization_id ORDER BY i.clerk_id`).map(norm);
const invitation = (db, id) => invitations(db).find((r) => r.clerk_id === id) ?? null;
const domains = (db) => rows(db, `SELECT ${DOM_COLS} FROM organization_domains d
  JOIN organizations o ON o.id = d.organization_id ORDER BY d.clerk_id`).map(norm);
const orgRow = (db, id) => orgs(db).map(norm).find((o) => o.clerk_id === id) ?? null;

// The row an invitation payload gives.
function invRow(d, { user = d.user_id ?? null } = {}) {
  return {
    clerk_id: d.id, org: d.organization_id, email_address: d.email_address, role: d.role, status: d.status,
    inviter_clerk_id: d.inviter_id, user_clerk_id: user, expires_at: d.expires_at,
    clerk_updated_at: d.updated_at, created_at: d.created_at,
  };
}

function domRow(d, verified = 0) {
  return {
    clerk_id: d.id, org: d.organization_id, name: d.name, enrollment_mode: d.enrollment_mode, verified,
    affiliation_email_address: d.affiliation_email_address, clerk_updated_at: d.updated_at,
    created_at: d.created_at,
  };
}

// An organizationInvitation.* envelope shaped like fixture 12.
function invitationEvent(type = 'organizationInvitation.created', fields = {}) {
  const ev = fixture('12');
  ev.type = type;
  const at = fields.updated_at ?? Date.now();
  Object.assign(ev.data, {
    id: uid('orginv'), email_address: `${uid('e').toLowerCase()}@example.com`, created_at: at, updated_at: at,
    expires_at: at + 30 * 86400000, organization_id: uid('org'), ...fields,
  });
  ev.timestamp = ev.data.updated_at + 50;
  return ev;
}

// An organizationDomain.* envelope shaped like fixture 15.
function domainEvent(type = 'organizationDomain.created', fields = {}) {
  const ev = fixture('15');
  ev.type = type;
  const at = fields.updated_at ?? Date.now();
  const orgId = fields.organization_id ?? uid('org');
  Object.assign(ev.data, {
    id: uid('orgdmn'), name: `${uid('d').slice(2, 12).toLowerCase()}.example`, created_at: at, updated_at: at,
    organization_id: orgId, ...fields,
  });
  ev.data.public_organization_data = { ...ev.data.public_organization_data, id: orgId, name: 'Org', slug: orgId.toLowerCase() };
  ev.timestamp = ev.data.updated_at + 50;
  return ev;
}

test('fixtures 02, 12, 13, 15, 16, 21 in order: every state, exactly', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '02');
    const acme = orgRow(db, IDS.org);

    await sendFixture(srv, '12');
    assert.deepEqual(invitations(db), [invRow(F['12'].data)]);
    assert.equal(invitation(db, ALICE_INV).inviter_clerk_id, IDS.bob);
    assert.equal(invitation(db, ALICE_INV).user_clerk_id, null);

    await sendFixture(srv, '13');
    assert.deepEqual(invitations(db), [invRow(F['13'].data)]);
    assert.equal(invitation(db, ALICE_INV).status, 'accepted');
    assert.equal(invitation(db, ALICE_INV).user_clerk_id, IDS.alice);

    await sendFixture(srv, '15');
    assert.deepEqual(domains(db), [domRow(F['15'].data, 0)]);

    // 16: Carol's invitation, whose created event never came.
    await sendFixture(srv, '16');
    assert.deepEqual(invitations(db), [invRow(F['13'].data), invRow(F['16'].data)]);

    await sendFixture(srv, '21');
    assert.deepEqual(domains(db), []);
    assert.deepEqual(tombstones(db).map((t) => ({ ...t, deleted_at: Number(t.deleted_at) })),
      [{ clerk_id: DOMAIN, kind: 'organization_domain', deleted_at: F['21'].timestamp }]);

    // The organization was there all along: not touched by any of them.
    assert.deepEqual(orgRow(db, IDS.org), acme);
    assert.equal(count(db, 'organizations'), 1);
  });
});

test('out of order: 13 before 12, 21 before 15, 16 then an older created', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '13');
    assert.equal((await sendFixture(srv, '12', { expect: 'ignored' })).error, 'stale');
    assert.deepEqual(invitations(db), [invRow(F['13'].data)]);

    await sendFixture(srv, '21');
    assert.equal((await sendFixture(srv, '15', { expect: 'ignored' })).error, 'stale');
    assert.deepEqual(domains(db), []);

    await sendFixture(srv, '16');
    const created = fixture('16');
    created.type = 'organizationInvitation.created';
    created.data.status = 'pending';
    created.data.updated_at = created.data.created_at;
    assert.equal((await send(srv, created, { expect: 'ignored' })).error, 'stale');
    assert.equal(invitation(db, CAROL_INV).status, 'revoked');
  });
});

test('duplicates: the same delivery, and the same event under a new svix-id, change nothing', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['12', '13', '15', '16']) await sendFixture(srv, n);
    const before = { inv: invitations(db), dom: domains(db), orgs: orgs(db) };
    const updated = rows(db, 'SELECT clerk_id, updated_at FROM organization_invitations ORDER BY clerk_id');
    for (const n of ['12', '13', '15', '16']) {
      // The same svix-id: a duplicate, answered 200, its row as it was.
      await sendFixture(srv, n);
      const again = await send(srv, F[n], { expect: n === '12' ? 'ignored' : 'applied' });
      assert.equal(again.error, n === '12' ? 'stale' : null, n);
    }
    assert.deepEqual({ inv: invitations(db), dom: domains(db), orgs: orgs(db) }, before);
    assert.deepEqual(rows(db, 'SELECT clerk_id, updated_at FROM organization_invitations ORDER BY clerk_id'), updated,
      'nothing rewritten');
    // 21 twice: still deleted, one tombstone.
    await sendFixture(srv, '21');
    await send(srv, F['21']);
    assert.equal(count(db, 'organization_domains'), 0);
    assert.equal(count(db, 'clerk_tombstones'), 1);
  });
});

test('an unknown organization: stubbed from public_organization_data, filled in by its own event', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const pod = F['15'].data.public_organization_data;
    await sendFixture(srv, '15');
    assert.deepEqual(orgRow(db, IDS.org), {
      ...orgRow(db, IDS.org), clerk_id: IDS.org, name: pod.name, slug: pod.slug, image_url: pod.image_url,
      clerk_updated_at: null,
    });
    assert.deepEqual(domains(db), [domRow(F['15'].data)]);
    // An invitation of Clerk's instance-wide list names it there too.
    const listed = invitationEvent('organizationInvitation.created', { organization_id: IDS.org });
    listed.data.public_organization_data = { ...pod, name: 'Other name' };
    await send(srv, listed);
    assert.equal(orgRow(db, IDS.org).name, pod.name, 'a stub never overwrites a mirrored organization');
    assert.equal(count(db, 'organizations'), 1);

    // The organization's own events fill it in, then rename it.
    await sendFixture(srv, '07');
    assert.equal(orgRow(db, IDS.org).name, F['07'].data.name);
    assert.equal(orgRow(db, IDS.org).clerk_updated_at, F['07'].data.updated_at);
    assert.equal((await sendFixture(srv, '02', { expect: 'ignored' })).error, 'stale');
    assert.equal(count(db, 'organization_domains'), 1);
  });
});

test('an unknown organization named by its id alone: a stub, then filled in by organization.created', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '12');
    assert.deepEqual(orgs(db).map(norm).map((o) => [o.clerk_id, o.name, o.slug, o.clerk_updated_at]),
      [[IDS.org, '', null, null]]);
    assert.deepEqual(invitations(db), [invRow(F['12'].data)]);
    await sendFixture(srv, '16');
    assert.equal(count(db, 'organizations'), 1);
    await sendFixture(srv, '02');
    const o = orgRow(db, IDS.org);
    assert.deepEqual([o.name, o.slug, o.image_url, o.clerk_updated_at],
      [F['02'].data.name, F['02'].data.slug, F['02'].data.image_url, F['02'].data.updated_at]);
    assert.equal(count(db, 'organization_invitations'), 2);

    // The organization named only in public_organization_data.
    const orgId = uid('org');
    const ev = invitationEvent('organizationInvitation.created', { organization_id: orgId });
    delete ev.data.organization_id;
    ev.data.public_organization_data = { id: orgId, name: 'Listed', slug: 'listed', image_url: null, has_image: false };
    await send(srv, ev);
    assert.deepEqual([orgRow(db, orgId).name, orgRow(db, orgId).slug], ['Listed', 'listed']);
    assert.equal(invitation(db, ev.data.id).org, orgId);
  });
});

test('the verified flag: affiliation_verification or verification "verified"', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const v = (status) => ({ status, strategy: 'email_code', attempts: 1, expire_at: null, verified_at: null });
    const cases = [
      [{ affiliation_verification: v('verified'), verification: null }, 1],
      [{ affiliation_verification: null, verification: v('verified') }, 1],
      [{ affiliation_verification: v('unverified'), verification: v('unverified'), ownership_verification: v('verified') }, 0],
      [{ affiliation_verification: v('expired'), verification: null }, 0],
      [{}, 0],
    ];
    for (const [fields, want] of cases) {
      const ev = domainEvent('organizationDomain.created', fields);
      await send(srv, ev);
      assert.equal(domains(db).find((d) => d.clerk_id === ev.data.id).verified, want, JSON.stringify(fields));
    }
    // Verified later: an update with a newer updated_at.
    const ev = domainEvent('organizationDomain.created');
    await send(srv, ev);
    const upd = domainEvent('organizationDomain.updated', {
      ...ev.data, updated_at: ev.data.updated_at + 1000, affiliation_verification: v('verified'),
      enrollment_mode: 'automatic_invitation', affiliation_email_address: 'it@example.com',
    });
    await send(srv, upd);
    assert.deepEqual(domains(db).find((d) => d.clerk_id === ev.data.id), domRow(upd.data, 1));
    // The older event again: stale.
    assert.equal((await send(srv, ev, { expect: 'ignored' })).error, 'stale');
  });
});

test('organizationDomain.deleted: by id alone, tombstoned; older events stay out, a newer one is back', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const ev = domainEvent();
    await send(srv, ev);
    const at = ev.data.updated_at + 5000;
    const del = { ...fixture('21'), timestamp: at, data: { object: 'organization_domain', id: ev.data.id, deleted: true } };
    await send(srv, del);
    assert.equal(count(db, 'organization_domains'), 0);
    assert.deepEqual(tombstones(db).map((t) => [t.clerk_id, t.kind, Number(t.deleted_at)]),
      [[ev.data.id, 'organization_domain', at]]);
    const late = domainEvent('organizationDomain.updated', { ...ev.data, updated_at: at - 1 });
    assert.equal((await send(srv, late, { expect: 'ignored' })).error, 'stale');
    assert.equal(count(db, 'organization_domains'), 0);
    // A domain unknown to the mirror: deleted all the same (nothing), tombstoned.
    const unknown = { ...del, data: { ...del.data, id: uid('orgdmn') } };
    await send(srv, unknown);
    assert.equal(count(db, 'clerk_tombstones'), 2);
    // Clerk's clock decides: an update after the deletion is mirrored.
    const after = domainEvent('organizationDomain.updated', { ...ev.data, updated_at: at + 1000 });
    await send(srv, after);
    assert.equal(count(db, 'organization_domains'), 1);
  });
});

test('organization.deleted takes its invitations and domains along; late events do not bring them back', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    for (const n of ['02', '12', '15', '16']) await sendFixture(srv, n);
    const other = invitationEvent();
    await send(srv, other);
    assert.equal(count(db, 'organization_invitations'), 3);
    await sendFixture(srv, '10');
    assert.equal(count(db, 'organizations'), 1, 'the other organization stays');
    assert.deepEqual(invitations(db).map((i) => i.clerk_id), [other.data.id]);
    assert.equal(count(db, 'organization_domains'), 0);

    // Late events of the deleted organization: ignored, no stub made.
    for (const n of ['13', '12', '15']) {
      assert.equal((await sendFixture(srv, n, { id: msgId(), expect: 'ignored' })).error, 'stale', n);
    }
    const newer = fixture('13');
    newer.data.updated_at = F['10'].timestamp + 60000;
    assert.equal((await send(srv, newer, { expect: 'ignored' })).error, 'stale');
    const dom = domainEvent('organizationDomain.updated', { organization_id: IDS.org, updated_at: F['10'].timestamp + 60000 });
    assert.equal((await send(srv, dom, { expect: 'ignored' })).error, 'stale');
    assert.equal(count(db, 'organizations', `clerk_id = ${sqlStr(IDS.org)}`), 0);
    assert.deepEqual(invitations(db).map((i) => i.clerk_id), [other.data.id]);
    assert.equal(count(db, 'organization_domains'), 0);
  });
});

test('an accepted invitation keeps its user when a later payload has none (Clerk\'s lists)', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '13');
    // The same invitation as Clerk's list answers it: no user_id.
    const listed = fixture('13');
    delete listed.data.user_id;
    const row = await send(srv, listed);
    assert.equal(row.error, null);
    assert.equal(invitation(db, ALICE_INV).user_clerk_id, IDS.alice);
    const later = fixture('13');
    delete later.data.user_id;
    later.data.role = 'org:member';
    later.data.updated_at += 1000;
    await send(srv, later);
    assert.deepEqual([invitation(db, ALICE_INV).role, invitation(db, ALICE_INV).user_clerk_id], ['org:member', IDS.alice]);
    // The inviter from public_inviter_data when inviter_id is absent.
    const ev = invitationEvent();
    delete ev.data.inviter_id;
    await send(srv, ev);
    assert.equal(invitation(db, ev.data.id).inviter_clerk_id, IDS.bob);
    const none = invitationEvent();
    none.data.inviter_id = null;
    none.data.public_inviter_data = null;
    await send(srv, none);
    assert.equal(invitation(db, none.data.id).inviter_clerk_id, null);
  });
});

test('unappliable invitation and domain payloads: 422, stored failed, nothing written', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const inv = (f) => () => { const e = invitationEvent(); f(e.data); return e; };
    const dom = (f) => () => { const e = domainEvent(); f(e.data); return e; };
    const cases = [
      ['invitation without id', inv((d) => { delete d.id; })],
      ['invitation without email_address', inv((d) => { d.email_address = null; })],
      ['invitation with an unknown status', inv((d) => { d.status = 'lost'; })],
      ['invitation without organization', inv((d) => { delete d.organization_id; })],
      ['invitation with updated_at as text', inv((d) => { d.updated_at = 'now'; })],
      ['invitation with expires_at as text', inv((d) => { d.expires_at = '2030-01-01'; })],
      ['domain without name', dom((d) => { delete d.name; })],
      ['domain without organization', dom((d) => { delete d.organization_id; delete d.public_organization_data; })],
      ['domain with created_at as text', dom((d) => { d.created_at = 'then'; })],
      ['domain.deleted without id', () => ({ ...fixture('21'), data: { object: 'organization_domain', deleted: true } })],
    ];
    for (const [what, make] of cases) {
      const id = msgId();
      const r = await deliver(srv.url, JSON.stringify(make()), { id });
      assert.equal(r.status, 422, `${what}: ${r.text}`);
      const row = event(db, id);
      assert.equal(row.status, 'failed', what);
      assert.ok(row.error, what);
    }
    assert.equal(count(db, 'organization_invitations') + count(db, 'organization_domains') +
      count(db, 'organizations') + count(db, 'clerk_tombstones'), 0);
    // Other actions are acknowledged, unused.
    const other = invitationEvent('organizationInvitation.expired');
    assert.equal((await send(srv, other, { expect: 'ignored' })).error, null);
    const dother = domainEvent('organizationDomain.verified');
    assert.equal((await send(srv, dother, { expect: 'ignored' })).error, null);
    assert.equal(count(db, 'organizations'), 0);
  });
});
