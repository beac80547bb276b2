// The admin's organization invitations (DESIGN §8, §12.3):
// /admin/users/organizationinvitation/ lists the mirror with the status as
// read (a pending invitation past expires_at is expired), filters by it
// and searches emails and organizations; "add" invites through Clerk's
// Backend API (the fake of lib/fake_clerk.mjs) and "revoke" revokes
// through it, each answer applied by the webhook rules with its admin_log
// row; Clerk's refusal is the form's error, Clerk unavailable is a 503,
// and without CLERK_SECRET_KEY nothing here changes an invitation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CLERK_ERRORS } from './lib/fake_clerk.mjs';
import {
  assertOk, count, deliver, exec, orgEvent, rows, scalar, sqlStr, startWebhookServer, uid,
} from './lib/webhook.mjs';
import {
  adminLog, createAdmin, csrfOf, messagesOf, signedIn, startClerkAdmin, tableRows, unescape,
} from './admin_helpers.mjs';

const T = { timeout: 120000 };
const DAY = 86400000;
const INVITE = 'POST /v1/organizations/{org}/invitations';
const REVOKE = 'POST /v1/organizations/{org}/invitations/{inv}/revoke';
const LIST = '/admin/users/organizationinvitation/';

// An invitation row of the mirror, inserted as the webhook rules would.
function insertInvitation(db, orgId, { clerkId = uid('orginv'), email, role = 'org:member', status = 'pending',
  expiresAt = Date.now() + 30 * DAY, updatedAt = Date.now() - 1000 } = {}) {
  exec(db, `INSERT INTO organization_invitations (clerk_id, organization_id, email_address, role, status,
    expires_at, clerk_updated_at) VALUES (${sqlStr(clerkId)}, ${orgId}, ${sqlStr(email)}, ${sqlStr(role)},
    ${sqlStr(status)}, ${expiresAt}, ${updatedAt})`);
  return Number(scalar(db, `SELECT id FROM organization_invitations WHERE clerk_id = ${sqlStr(clerkId)}`));
}

const invitation = (db, id) => rows(db, `SELECT clerk_id, email_address, role, status, clerk_updated_at
  FROM organization_invitations WHERE id = ${id}`)[0];

describe('with CLERK_SECRET_KEY (a fake Backend API)', () => {
  let fake;
  let srv;
  let db;
  let admin;
  let org; // {clerk, id}

  const idOf = (table, clerkId) => Number(scalar(db, `SELECT id FROM ${table} WHERE clerk_id = ${sqlStr(clerkId)}`));

  let env;

  before(async () => {
    env = await startClerkAdmin();
    ({ fake, srv, db, admin } = env);
    const o = fake.addOrg({ name: 'Inviting Co', slug: 'inviting-co' });
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(o))));
    org = { clerk: o, id: idOf('organizations', o.id) };
  });
  after(async () => { await env?.stop(); });

  test('the changelist: status as read (expired), status filter, search by email and organization', T, async () => {
    const other = orgEvent({ name: 'Other Co' });
    assertOk(await deliver(srv.url, other));
    const otherId = idOf('organizations', other.data.id);
    const ids = {
      pending: insertInvitation(db, org.id, { email: 'pending@list.test' }),
      expired: insertInvitation(db, org.id, { email: 'late@list.test', expiresAt: Date.now() - DAY }),
      accepted: insertInvitation(db, org.id, { email: 'accepted@list.test', status: 'accepted' }),
      revoked: insertInvitation(db, otherId, { email: 'revoked@list.test', status: 'revoked' }),
    };
    const r = await admin.get(`${LIST}?q=list.test`);
    assert.equal(r.status, 200);
    const t = tableRows(r.text).map((x) => x.map(unescape));
    const byEmail = Object.fromEntries(t.map((x) => [x[0], x]));
    assert.deepEqual(byEmail['pending@list.test'].slice(1, 4), ['Inviting Co', 'org:member', 'pending']);
    assert.equal(byEmail['late@list.test'][3], 'expired', 'a pending invitation past expires_at reads expired');
    assert.equal(byEmail['accepted@list.test'][3], 'accepted');
    assert.deepEqual(byEmail['revoked@list.test'].slice(1, 4), ['Other Co', 'org:member', 'revoked']);
    for (const status of ['pending', 'expired', 'accepted', 'revoked']) {
      const f = await admin.get(`${LIST}?status=${status}&q=list.test`);
      assert.deepEqual(tableRows(f.text).map((x) => x[3]), [status], status);
    }
    assert.match(r.text, /By status/);
    assert.deepEqual(tableRows((await admin.get(`${LIST}?q=LATE%40list`)).text).map((x) => x[0]), ['late@list.test']);
    assert.deepEqual(tableRows((await admin.get(`${LIST}?q=other+co`)).text).map((x) => x[0]), ['revoked@list.test']);
    assert.deepEqual(tableRows((await admin.get(`${LIST}?organization=${otherId}`)).text).map((x) => x[0]),
      ['revoked@list.test']);
    // The pages: the status as read, Revoke only for a pending one.
    let page = await admin.get(`${LIST}${ids.expired}/change/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<dt>Status<\/dt><dd>expired<\/dd>/);
    assert.doesNotMatch(page.text, />Revoke</);
    page = await admin.get(`${LIST}${ids.pending}/change/`);
    assert.match(page.text, /<dt>Status<\/dt><dd>pending<\/dd>/);
    assert.match(page.text, /<button type="submit" class="btn-danger">Revoke<\/button>/);
    assert.equal((await admin.get(`${LIST}${ids.pending}/history/`)).status, 200);
    assert.equal((await admin.post(`${LIST}${ids.pending}/change/`, { csrfmiddlewaretoken: csrfOf(page.text) })).status,
      403, 'an invitation is not changed, only revoked');
    assert.equal((await admin.get(`${LIST}${ids.pending}/delete/`)).status, 403);
    const home = await admin.get('/admin/');
    assert.match(home.text, /href="\/admin\/users\/organizationinvitation\/add\/">Add organization invitation</);
  });

  test('invite: POST /v1/organizations/{org}/invitations with the email and role; admin_log', T, async () => {
    const page = await admin.get(`${LIST}add/?organization=inviting-co`);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="clerk-help"/);
    assert.match(page.text, /name="organization" id="id_organization" value="inviting-co"/);
    fake.clearCalls();
    const r = await admin.post(`${LIST}add/`, {
      csrfmiddlewaretoken: csrfOf(page.text), organization: 'inviting-co', email_address: 'new@invite.test', role: 'org:admin',
    });
    assert.equal(r.status, 302, r.text.slice(0, 400));
    const calls = fake.calls(INVITE);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].path, `/v1/organizations/${org.clerk.id}/invitations`);
    assert.deepEqual(calls[0].body, { email_address: 'new@invite.test', role: 'org:admin' });
    const made = [...fake.state.invitations.values()].find((i) => i.email_address === 'new@invite.test');
    assert.equal(made.status, 'pending');
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_type, log.object_repr, log.message],
      ['add', 'users.organizationinvitation', 'new@invite.test', 'Invited through Clerk, role org:admin.']);
    assert.match(unescape((await admin.get(r.location)).text), /The organization invitation “new@invite.test” was added successfully/);
  });

  test('invite: Clerk refuses with its words at the field or on the page; Clerk down is a 503; nothing changes', T, async () => {
    exec(db, "INSERT INTO organizations (name, slug) VALUES ('Made Here', 'made-here')");
    const page = await admin.get(`${LIST}add/`);
    const tok = csrfOf(page.text);
    const post = (f) => admin.post(`${LIST}add/`, { csrfmiddlewaretoken: tok, organization: 'inviting-co', ...f });
    const before = count(db, 'organization_invitations');
    const logs = count(db, 'admin_log');
    const inClerk = fake.state.invitations.size;
    let r = await post({ email_address: 'x@invite.test', role: 'org:unknown' });
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /<ul class="errorlist" id="id_role_error"><li>org:unknown does not match one of the allowed values for parameter role<\/li>/);
    assert.ok(messagesOf(r.text).includes('Clerk refused the change. Nothing was changed.'));
    assert.match(r.text, /value="x@invite.test"/, 'what was typed stays');
    fake.addInvitation({ organization_id: org.clerk.id, email_address: 'twice@invite.test' });
    r = await post({ email_address: 'twice@invite.test', role: 'org:member' });
    assert.equal(r.status, 200);
    assert.ok(messagesOf(r.text).includes('Clerk refused: Organizations cannot have duplicate pending invitations '
      + 'for an email address. Nothing was changed.'), messagesOf(r.text).join('|'));
    for (const fault of [{ status: 500 }, { status: 429, retryAfter: 2 }, { reset: true }]) {
      fake.fail(INVITE, { ...fault, times: 1 });
      r = await post({ email_address: 'y@invite.test', role: 'org:member' });
      assert.equal(r.status, 503, JSON.stringify(fault));
      assert.match(r.text, /Clerk is unavailable; nothing was changed/);
    }
    // Checked here before Clerk is asked.
    fake.clearCalls();
    r = await post({ organization: 'made-here', email_address: 'z@invite.test', role: 'org:member' });
    assert.equal(r.status, 200);
    assert.match(unescape(r.text), /only Clerk's organizations take invitations/);
    r = await post({ organization: 'no-such-org', email_address: 'not-an-email', role: 'member' });
    assert.match(r.text, /No organization has this ID, Clerk ID or slug/);
    assert.match(r.text, /Enter a valid email address/);
    assert.equal(fake.count(INVITE), 0);
    assert.equal(count(db, 'organization_invitations'), before);
    assert.equal(count(db, 'admin_log'), logs);
    assert.equal(fake.state.invitations.size, inClerk + 1, 'only the seeded one');
  });

  test('revoke: POST .../invitations/{inv}/revoke, admin_log; refused or down changes nothing', T, async () => {
    const inv = fake.addInvitation({ organization_id: org.clerk.id, email_address: 'bye@invite.test' });
    const id = insertInvitation(db, org.id, { clerkId: inv.id, email: 'bye@invite.test', updatedAt: inv.updated_at });
    const path = `${LIST}${id}/change/`;
    const tok = csrfOf((await admin.get(path)).text);
    const logs = count(db, 'admin_log');
    // Refused and unavailable first: nothing changes.
    fake.fail(REVOKE, { error: CLERK_ERRORS.invitationAlreadyRevoked(), times: 1 });
    let r = await admin.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: tok });
    assert.equal(r.status, 200);
    assert.ok(messagesOf(r.text).includes('Clerk refused: Invitation is already revoked. Nothing was changed.'));
    fake.fail(REVOKE, { status: 503, times: 1 });
    r = await admin.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: tok });
    assert.equal(r.status, 503);
    assert.equal(invitation(db, id).status, 'pending');
    assert.equal(count(db, 'admin_log'), logs);
    fake.clearCalls();
    r = await admin.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: tok });
    assert.equal(r.status, 302, r.text.slice(0, 400));
    assert.equal(r.location, path);
    const calls = fake.calls(REVOKE);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].path, `/v1/organizations/${org.clerk.id}/invitations/${inv.id}/revoke`);
    assert.equal(fake.state.invitations.get(inv.id).status, 'revoked');
    const log = adminLog(db).at(-1);
    assert.deepEqual([log.action, log.object_type, String(log.object_id), log.message],
      ['change', 'users.organizationinvitation', String(id), 'Revoked through Clerk.']);
    assert.match(unescape((await admin.get(path)).text), /The organization invitation “bye@invite.test” was revoked/);
  });

  test('Clerk\'s answers reach the mirror by the invitation rules: the invitation made, then revoked; the webhooks after change nothing', T, async () => {
    const page = await admin.get(`${LIST}add/`);
    let r = await admin.post(`${LIST}add/`, {
      csrfmiddlewaretoken: csrfOf(page.text), organization: org.clerk.id, email_address: 'mirror@invite.test',
      role: 'org:member',
    });
    assert.equal(r.status, 302);
    const made = [...fake.state.invitations.values()].find((i) => i.email_address === 'mirror@invite.test');
    const id = idOf('organization_invitations', made.id);
    assert.ok(id > 0, 'the invitation is in the mirror at once');
    assert.deepEqual(invitation(db, id), {
      clerk_id: made.id, email_address: 'mirror@invite.test', role: 'org:member', status: 'pending',
      clerk_updated_at: invitation(db, id).clerk_updated_at,
    });
    assert.equal(Number(invitation(db, id).clerk_updated_at), made.updated_at);
    assert.equal(String(adminLog(db).at(-1).object_id), String(id));
    let before = invitation(db, id);
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(made))));
    assert.deepEqual(invitation(db, id), before);
    r = await admin.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: csrfOf(page.text) });
    assert.equal(r.status, 302);
    assert.equal(invitation(db, id).status, 'revoked');
    before = invitation(db, id);
    assertOk(await deliver(srv.url, JSON.stringify(fake.webhook(fake.state.invitations.get(made.id)))));
    assert.deepEqual(invitation(db, id), before);
  });

  test('view-only staff neither invite nor revoke', T, async () => {
    const id = insertInvitation(db, org.id, { email: 'viewer@invite.test' });
    const viewer = await signedIn(srv.url, 'viewer@admin.test');
    const page = await viewer.get(`${LIST}${id}/change/`);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, />Revoke</);
    assert.doesNotMatch((await viewer.get(LIST)).text, /Add organization invitation/);
    assert.equal((await viewer.get(`${LIST}add/`)).status, 403);
    const tok = csrfOf(page.text);
    fake.clearCalls();
    assert.equal((await viewer.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: tok })).status, 403);
    assert.equal((await viewer.post(`${LIST}add/`, {
      csrfmiddlewaretoken: tok, organization: 'inviting-co', email_address: 'v@invite.test', role: 'org:member',
    })).status, 403);
    assert.equal(fake.calls((c) => c.method !== 'GET').length, 0);
    assert.equal(invitation(db, id).status, 'pending');
    assert.equal((await admin.post(`${LIST}999999/revoke/`, { csrfmiddlewaretoken: csrfOf((await admin.get(LIST)).text) }))
      .status, 404);
  });
});

test('without CLERK_SECRET_KEY: inviting and revoking say why they cannot run, and change nothing', T, async () => {
  const srv = await startWebhookServer();
  try {
    const db = srv.db;
    createAdmin(db, 'root@admin.test');
    const c = await signedIn(srv.url, 'root@admin.test');
    const ev = orgEvent({ name: 'Keyless' });
    assertOk(await deliver(srv.url, ev));
    const orgId = Number(scalar(db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(ev.data.id)}`));
    const id = insertInvitation(db, orgId, { email: 'keyless@invite.test' });
    const add = await c.get(`${LIST}add/`);
    assert.equal(add.status, 200);
    assert.match(add.text, /set CLERK_SECRET_KEY to invite from here/);
    assert.doesNotMatch(add.text, />Invite</);
    let r = await c.post(`${LIST}add/`, {
      csrfmiddlewaretoken: csrfOf(add.text), organization: String(orgId), email_address: 'k@invite.test', role: 'org:member',
    });
    assert.equal(r.status, 200);
    assert.match(r.text, /Inviting needs CLERK_SECRET_KEY/);
    const page = await c.get(`${LIST}${id}/change/`);
    assert.match(page.text, /set CLERK_SECRET_KEY to revoke/);
    assert.doesNotMatch(page.text, />Revoke</);
    r = await c.post(`${LIST}${id}/revoke/`, { csrfmiddlewaretoken: csrfOf(page.text) });
    assert.equal(r.status, 200);
    assert.match(r.text, /Revoking needs CLERK_SECRET_KEY/);
    assert.equal(invitation(db, id).status, 'pending');
    assert.equal(count(db, 'organization_invitations'), 1);
    assert.equal(count(db, 'admin_log'), 0);
  } finally {
    await srv.stop();
  }
});
