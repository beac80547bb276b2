// The fake Backend API of lib/fake_clerk.mjs, checked against Clerk's
// reference shapes (reference/clerk.md §5, §7, §8, §10; the fixtures):
// each endpoint's answer and errors, paging, call recording, fault
// injection (errors, delays, refused connections) and webhook envelopes.
// No mysaas binary is needed; the whole file runs in well under 5 s.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  CLERK_ERRORS, FAKE_CLERK_ROUTES, INSTANCE_ID, buildApiKey, buildDomain, buildInvitation, buildM2MToken,
  buildMembership, buildOAuthToken, buildOrganization, buildPermission, buildRole, buildSession, buildUser,
  VERIFY_PATHS, clerkErrorBody, membershipKey, startFakeClerk, verifyMatcher, webhookEvent, withFakeClerk,
} from './lib/fake_clerk.mjs';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'clerk');
const fixtureEnvelope = (num) => {
  const f = fs.readdirSync(FIX).find((n) => n.startsWith(`${num}-`));
  return JSON.parse(fs.readFileSync(path.join(FIX, f), 'utf8'));
};
const keysOf = (num) => Object.keys(fixtureEnvelope(num).data);

// Key lists of the shapes whose fixtures live outside the repository
// (fixtures 12-18 and bapi.*.verify.json of the Clerk reference set).
const INVITATION_KEYS = ['object', 'id', 'email_address', 'role', 'role_name', 'organization_id', 'inviter_id',
  'public_inviter_data', 'status', 'public_metadata', 'private_metadata', 'url', 'expires_at', 'created_at',
  'updated_at'];
const INVITER_KEYS = ['user_id', 'first_name', 'last_name', 'image_url', 'has_image', 'identifier'];
const PUBLIC_ORG_KEYS = ['id', 'name', 'slug', 'image_url', 'has_image'];
const SESSION_KEYS = ['object', 'id', 'client_id', 'user_id', 'status', 'last_active_organization_id', 'actor',
  'latest_activity', 'last_active_at', 'expire_at', 'abandon_at', 'created_at', 'updated_at'];
const ACTIVITY_KEYS = ['object', 'id', 'device_type', 'is_mobile', 'browser_name', 'browser_version', 'ip_address',
  'city', 'country'];
const DOMAIN_KEYS = ['object', 'id', 'organization_id', 'name', 'enrollment_mode', 'affiliation_email_address',
  'affiliation_verification', 'ownership_verification', 'verification', 'total_pending_invitations',
  'total_pending_suggestions', 'public_organization_data', 'created_at', 'updated_at'];
const PERMISSION_KEYS = ['object', 'id', 'name', 'key', 'description', 'type', 'created_at', 'updated_at'];
const ROLE_KEYS = ['object', 'id', 'name', 'key', 'description', 'is_creator_eligible', 'permissions', 'created_at',
  'updated_at'];
const API_KEY_KEYS = ['object', 'id', 'type', 'subject', 'name', 'description', 'claims', 'scopes', 'revoked',
  'revocation_reason', 'expired', 'expiration', 'created_by', 'last_used_at', 'created_at', 'updated_at'];
const M2M_KEYS = ['object', 'id', 'subject', 'claims', 'scopes', 'revoked', 'revocation_reason', 'expired',
  'expiration', 'last_used_at', 'created_at', 'updated_at'];
const OAUTH_KEYS = ['object', 'id', 'client_id', 'subject', 'scopes', 'revoked', 'revocation_reason', 'expired',
  'expiration', 'created_at', 'updated_at'];

// One request to the fake: {status, json, text, headers}. body is sent as
// JSON; key = the bearer secret (null: no Authorization header).
async function api(fake, method, p, { body, key = fake.secretKey, headers = {}, timeout = 2000 } = {}) {
  const h = { ...headers };
  if (key !== null) h.authorization = `Bearer ${key}`;
  let payload;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(fake.url + p, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeout) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}
const get = (fake, p, opts) => api(fake, 'GET', p, opts);

// Clerk's error answer: the status, then exactly {errors:[{message,
// long_message, code, meta?}], clerk_trace_id}, with the given code and,
// when given, meta.param_name.
function assertClerkError(r, status, code, param) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(Object.keys(r.json), ['errors', 'clerk_trace_id']);
  assert.match(r.json.clerk_trace_id, /^[0-9a-f]{32}$/);
  assert.equal(r.json.errors.length, 1);
  const [e] = r.json.errors;
  for (const k of Object.keys(e)) assert.ok(['message', 'long_message', 'code', 'meta'].includes(k), k);
  assert.equal(typeof e.message, 'string');
  assert.equal(typeof e.long_message, 'string');
  assert.ok(e.long_message.length > 0);
  assert.equal(e.code, code, r.text);
  if (param !== undefined) assert.equal(e.meta?.param_name, param, r.text);
  return e;
}

const ids = (list) => list.map((x) => x.id);

// Alice (two emails, the primary second), Bob (phone only), Acme with both.
function seedStory(fake) {
  const bob = fake.addUser({ email: null, phone: '+15555550123' });
  const alice = fake.addUser({ email: 'alice@acme.example', emails: ['alice.personal@example.com'],
    first_name: 'Alice', last_name: 'Nguyen' });
  const acme = fake.addOrg({ name: 'Acme Corp', created_by: bob.id });
  fake.addMembership({ organization_id: acme.id, user_id: bob.id, role: 'org:admin' });
  fake.addMembership({ organization_id: acme.id, user_id: alice.id, role: 'org:member' });
  return { alice, bob, acme };
}

// ---------------------------------------------------------------- builders

test('the standalone builders make the fixtures\' shapes and Clerk\'s id forms', () => {
  const user = buildUser({ first_name: 'Ann' });
  const org = buildOrganization({ name: 'Acme Corp' });
  assert.deepEqual(Object.keys(user), keysOf('03'));
  assert.deepEqual(Object.keys(buildUser({ email: null, phone: '+15555550100' })), keysOf('01'));
  assert.deepEqual(Object.keys(org), keysOf('02'));
  assert.equal(org.slug, 'acme-corp');
  const m = buildMembership({ organization: org, user, role: 'org:admin' });
  assert.deepEqual(Object.keys(m), keysOf('05'));
  assert.deepEqual(Object.keys(m.public_user_data), Object.keys(fixtureEnvelope('05').data.public_user_data));
  assert.deepEqual([m.role_name, m.organization, m.public_user_data.identifier],
    ['Admin', org, user.email_addresses[0].email_address]);
  const inv = buildInvitation({ organization_id: org.id, email_address: 'x@example.com', inviter: user });
  assert.deepEqual(Object.keys(inv), INVITATION_KEYS);
  assert.deepEqual(Object.keys(inv.public_inviter_data), INVITER_KEYS);
  assert.deepEqual(Object.keys(buildDomain({ organization_id: org.id, name: 'a.example' })),
    DOMAIN_KEYS.filter((k) => k !== 'public_organization_data'));
  const perm = buildPermission({ key: 'org:invoices:read' });
  assert.deepEqual([Object.keys(perm), perm.type], [PERMISSION_KEYS, 'custom']);
  assert.equal(buildPermission({ key: 'org:sys_profile:manage' }).type, 'system');
  assert.deepEqual(Object.keys(buildRole({ key: 'org:billing', permissions: [perm] })), ROLE_KEYS);
  const sess = buildSession({ user });
  assert.deepEqual(Object.keys(sess), [...SESSION_KEYS, 'user']);
  assert.equal(sess.user_id, user.id);
  const strip = (o, k) => Object.keys(o).filter((x) => x !== k);
  const ak = buildApiKey({ subject: org.id });
  assert.deepEqual(strip(ak, 'secret'), API_KEY_KEYS);
  assert.match(ak.id, /^ak_[0-9a-f]{32}$/);
  const mt = buildM2MToken({});
  assert.deepEqual(strip(mt, 'token'), M2M_KEYS);
  assert.match(mt.subject, /^mch_[0-9A-Za-z]{27}$/);
  const oat = buildOAuthToken({ subject: user.id });
  assert.deepEqual(strip(oat, 'token'), OAUTH_KEYS);
  assert.match(oat.id, /^oat_[0-9a-f]{32}$/);
  assert.match(oat.token, /^oat_/);
  for (const x of [user, org, m, inv, perm, sess, ak]) assert.ok(x.created_at > 1.7e12, 'ms timestamps');
});

// ---------------------------------------------------------------- server, auth, recording

test('authentication: no header, a malformed one or another key get Clerk\'s 401; unknown paths a 404', async () => {
  await withFakeClerk({ secretKey: 'sk_test_right' }, async (fake) => {
    assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(fake.env(), { CLERK_SECRET_KEY: 'sk_test_right', CLERK_API_URL: fake.url });
    let e = assertClerkError(await get(fake, '/v1/jwks', { key: null }), 401, 'authorization_header_format_invalid');
    assert.match(e.long_message, /Bearer/);
    assertClerkError(await get(fake, '/v1/jwks', { key: null, headers: { authorization: 'Basic eDp5' } }), 401,
      'authorization_header_format_invalid');
    e = assertClerkError(await get(fake, '/v1/jwks', { key: 'sk_test_wrong' }), 401, 'clerk_key_invalid');
    assert.match(e.message, /Secret Key is invalid/);
    assertClerkError(await get(fake, '/v1/nothing_here'), 404, 'resource_not_found');
    assertClerkError(await api(fake, 'PUT', '/v1/users'), 404, 'resource_not_found');
    assertClerkError(await api(fake, 'POST', '/v1/api_keys/verify', { body: '{"secret":' }), 400, 'request_body_invalid');
    assert.ok(FAKE_CLERK_ROUTES.includes('POST /v1/organizations/{org}/invitations/{inv}/revoke'));
  });
});

test('every call is recorded; calls() and count() filter by route pattern or predicate', async () => {
  await withFakeClerk({}, async (fake) => {
    const before = Date.now();
    await get(fake, '/v1/users?limit=2&user_id=a&user_id=b', { headers: { 'clerk-api-version': '2026-05-12' } });
    await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: 'ak_nope' } });
    await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: 'ak_nope2' }, key: 'sk_bad' });
    assert.equal(fake.calls().length, 3);
    const [c] = fake.calls('GET /v1/users');
    assert.equal(c.method, 'GET');
    assert.equal(c.path, '/v1/users');
    assert.deepEqual(c.query, { limit: '2', user_id: ['a', 'b'] });
    assert.equal(c.headers.authorization, `Bearer ${fake.secretKey}`);
    assert.equal(c.headers['clerk-api-version'], '2026-05-12');
    assert.equal(c.route, 'GET /v1/users');
    assert.ok(c.at >= before && c.at <= Date.now());
    assert.equal(fake.count('POST /v1/api_keys/verify'), 2);
    assert.deepEqual(fake.lastCall('POST /v1/api_keys/verify').body, { secret: 'ak_nope2' });
    assert.equal(fake.count('/v1/api_keys/verify'), 2);
    assert.equal(fake.count('GET /v1/api_keys/verify'), 0);
    assert.equal(fake.count('GET /v1/users/{id}'), 0);
    assert.equal(fake.count('* /v1/*'), 0, 'a * inside a path is literal');
    assert.equal(fake.count((x) => x.headers.authorization === 'Bearer sk_bad'), 1);
    assert.equal(fake.count('*'), 3);
    fake.clearCalls();
    assert.equal(fake.count(), 0);
  });
});

test('GET /v1/jwks answers the keys set with setJwks', async () => {
  await withFakeClerk({}, async (fake) => {
    assert.deepEqual((await get(fake, '/v1/jwks')).json, { keys: [] });
    const key = { use: 'sig', kty: 'RSA', kid: 'ins_x', alg: 'RS256', n: 'AQAB', e: 'AQAB' };
    fake.setJwks([key]);
    const r = await get(fake, '/v1/jwks');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { keys: [key] });
  });
});

// ---------------------------------------------------------------- users

test('users: fixture shapes, GET one, the bare list with limit/offset/order_by, count, 404', async () => {
  await withFakeClerk({}, async (fake) => {
    const { alice, bob } = seedStory(fake);
    assert.deepEqual(Object.keys(alice), keysOf('03'));
    assert.deepEqual(Object.keys(bob), keysOf('01'));
    assert.deepEqual(Object.keys(alice.email_addresses[0]), Object.keys(fixtureEnvelope('03').data.email_addresses[0]));
    assert.deepEqual(Object.keys(bob.phone_numbers[0]), Object.keys(fixtureEnvelope('01').data.phone_numbers[0]));
    assert.match(alice.id, /^user_[0-9A-Za-z]{27}$/);
    assert.equal(alice.email_addresses[1].id, alice.primary_email_address_id, 'the primary address is second');
    assert.deepEqual([bob.email_addresses, bob.primary_email_address_id], [[], null]);
    const img = JSON.parse(Buffer.from(alice.image_url.split('/').at(-1), 'base64url').toString());
    assert.deepEqual(img, { type: 'default', iid: INSTANCE_ID, rid: alice.id });

    let r = await get(fake, `/v1/users/${alice.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, alice);
    assertClerkError(await get(fake, '/v1/users/user_missing'), 404, 'resource_not_found');

    for (let i = 0; i < 12; i++) fake.addUser({ first_name: `U${String(i).padStart(2, '0')}`, last_name: i < 10 ? 'Zeta-one' : 'Other' });
    r = await get(fake, '/v1/users');
    assert.ok(Array.isArray(r.json), 'a bare array');
    assert.equal(r.json.length, 10, 'default limit 10');
    const all = (await get(fake, '/v1/users?limit=500')).json;
    assert.equal(all.length, 14);
    assert.deepEqual(all.map((u) => u.created_at), all.map((u) => u.created_at).sort((a, b) => b - a),
      'default -created_at');
    assert.deepEqual(ids((await get(fake, '/v1/users?limit=3&offset=2')).json), ids(all.slice(2, 5)));
    assert.deepEqual(ids((await get(fake, '/v1/users?order_by=%2Bcreated_at&limit=500')).json), ids(all).reverse());
    assert.deepEqual(ids((await get(fake, '/v1/users?order_by=+created_at&limit=500')).json), ids(all).reverse(),
      'an unencoded + (a space) still means ascending');
    const byName = (await get(fake, '/v1/users?order_by=first_name&limit=3')).json;
    assert.deepEqual(byName.map((u) => u.first_name), ['Alice', 'U00', 'U01']);
    r = await get(fake, `/v1/users?user_id=${alice.id}&user_id=${bob.id}`);
    assert.deepEqual(new Set(ids(r.json)), new Set([alice.id, bob.id]));
    assert.deepEqual(ids((await get(fake, '/v1/users?email_address=alice@acme.example')).json), [alice.id]);
    assert.deepEqual((await get(fake, '/v1/users/count')).json, { object: 'total_count', total_count: 14 });
    // A word no random id holds (ids are base62): the search matches names.
    assert.deepEqual((await get(fake, '/v1/users/count?query=zeta-one')).json, { object: 'total_count', total_count: 10 });

    assertClerkError(await get(fake, '/v1/users?limit=0'), 422, 'form_param_value_invalid', 'limit');
    assertClerkError(await get(fake, '/v1/users?limit=501'), 422, 'form_param_value_invalid', 'limit');
    assertClerkError(await get(fake, '/v1/users?offset=-1'), 422, 'form_param_value_invalid', 'offset');
    assertClerkError(await get(fake, '/v1/users?order_by=shoe_size'), 422, 'form_param_value_invalid', 'order_by');
  });
});

test('users: starting_after pages by created_at (either direction), survives a deleted cursor user, and refuses other orders or an offset', async () => {
  await withFakeClerk({}, async (fake) => {
    for (let i = 0; i < 25; i++) fake.addUser();
    const all = ids((await get(fake, '/v1/users?limit=500&order_by=-created_at')).json);
    const pages = [];
    let after = '';
    for (let n = 0; n < 10; n++) {
      const page = ids((await get(fake, `/v1/users?limit=10&order_by=-created_at${after}`)).json);
      pages.push(...page);
      if (page.length < 10) break;
      after = `&starting_after=${page.at(-1)}`;
    }
    assert.deepEqual(pages, all);
    const asc = ids((await get(fake, `/v1/users?limit=3&order_by=created_at&starting_after=${all[20]}`)).json);
    assert.deepEqual(asc, [all[19], all[18], all[17]]);
    // The cursor user deleted between two pages: the next page still follows.
    assert.equal((await api(fake, 'DELETE', `/v1/users/${all[9]}`)).status, 200);
    const next = ids((await get(fake, `/v1/users?limit=10&starting_after=${all[9]}`)).json);
    assert.deepEqual(next, all.slice(10, 20));
    assertClerkError(await get(fake, `/v1/users?order_by=first_name&starting_after=${all[0]}`), 422,
      'form_param_value_invalid', 'starting_after');
    assertClerkError(await get(fake, `/v1/users?offset=10&starting_after=${all[0]}`), 422,
      'form_param_value_invalid', 'starting_after');
    assertClerkError(await get(fake, '/v1/users?starting_after=user_never'), 422, 'form_param_value_invalid',
      'starting_after');
  });
});

test('DELETE /v1/users/{id}: a DeletedObject; the user\'s memberships and sessions go too', async () => {
  await withFakeClerk({}, async (fake) => {
    const { alice, acme } = seedStory(fake);
    fake.addSession({ user_id: alice.id });
    const withExternal = fake.addUser({ external_id: 'ext-1' });
    let r = await api(fake, 'DELETE', `/v1/users/${alice.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { object: 'user', id: alice.id, deleted: true });
    assert.deepEqual((await api(fake, 'DELETE', `/v1/users/${withExternal.id}`)).json,
      { object: 'user', id: withExternal.id, deleted: true, external_id: 'ext-1' });
    assertClerkError(await get(fake, `/v1/users/${alice.id}`), 404, 'resource_not_found');
    assertClerkError(await api(fake, 'DELETE', `/v1/users/${alice.id}`), 404, 'resource_not_found');
    assert.equal(fake.membership(acme.id, alice.id), undefined);
    assert.equal(fake.state.sessions.size, 0);
    r = await get(fake, `/v1/organizations/${acme.id}`);
    assert.equal(r.json.members_count, 1);
  });
});

// ---------------------------------------------------------------- organizations

test('organizations: fixture shape, list {data,total_count} with paging and order, GET by id or slug', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme } = seedStory(fake);
    for (let i = 0; i < 11; i++) fake.addOrg({ name: `Org ${String(i).padStart(2, '0')}` });
    let r = await get(fake, `/v1/organizations/${acme.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), keysOf('02'));
    assert.match(acme.id, /^org_[0-9A-Za-z]{27}$/);
    assert.equal(r.json.slug, 'acme-corp');
    assert.equal(r.json.members_count, 2);
    assert.deepEqual((await get(fake, '/v1/organizations/acme-corp')).json, r.json);
    assertClerkError(await get(fake, '/v1/organizations/org_missing'), 404, 'resource_not_found');

    r = await get(fake, '/v1/organizations');
    assert.deepEqual(Object.keys(r.json), ['data', 'total_count']);
    assert.equal(r.json.data.length, 10);
    assert.equal(r.json.total_count, 12);
    r = await get(fake, '/v1/organizations?limit=5&offset=10&order_by=name');
    assert.deepEqual(r.json.data.map((o) => o.name), ['Org 09', 'Org 10']);
    r = await get(fake, '/v1/organizations?order_by=-members_count&limit=1');
    assert.equal(r.json.data[0].id, acme.id);
    r = await get(fake, '/v1/organizations?query=acme');
    assert.deepEqual(ids(r.json.data), [acme.id]);
    assertClerkError(await get(fake, '/v1/organizations?order_by=slug'), 422, 'form_param_value_invalid', 'order_by');
    // Two orgs of the same name get different slugs.
    assert.notEqual(fake.addOrg({ name: 'Acme Corp' }).slug, 'acme-corp');
  });
});

test('PATCH /v1/organizations/{id}: name and slug change, updated_at moves on; Clerk\'s 422s for a taken or malformed slug, bad names and unknown keys', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme } = seedStory(fake);
    fake.addOrg({ name: 'Beta', slug: 'beta' });
    const before = acme.updated_at;
    let r = await api(fake, 'PATCH', `/v1/organizations/${acme.id}`, { body: { name: 'Acme Renamed', slug: 'acme-2' } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), keysOf('02'));
    assert.equal(r.json.name, 'Acme Renamed');
    assert.equal(r.json.slug, 'acme-2');
    assert.ok(r.json.updated_at > before);
    const second = await api(fake, 'PATCH', `/v1/organizations/${acme.id}`, { body: { name: null } });
    assert.equal(second.json.name, 'Acme Renamed', 'null changes nothing');
    assert.ok(second.json.updated_at > r.json.updated_at, 'each write a later updated_at');
    assert.equal((await get(fake, '/v1/organizations/acme-2')).json.id, acme.id);

    const bad = async (body) => api(fake, 'PATCH', `/v1/organizations/${acme.id}`, { body });
    assertClerkError(await bad({ slug: 'beta' }), 422, 'form_identifier_exists', 'slug');
    assertClerkError(await bad({ slug: 'Not A Slug' }), 422, 'form_param_format_invalid', 'slug');
    assertClerkError(await bad({ name: '' }), 422, 'form_param_missing', 'name');
    assertClerkError(await bad({ name: 'x'.repeat(257) }), 422, 'form_param_max_length_exceeded', 'name');
    assertClerkError(await bad({ name: 'Visit https://spam.example' }), 422, 'form_param_value_invalid', 'name');
    assertClerkError(await bad({ name: 5 }), 422, 'form_param_type_invalid', 'name');
    assertClerkError(await bad({ public_metadata: {} }), 422, 'form_param_unknown', 'public_metadata');
    assertClerkError(await bad({ max_allowed_memberships: -1 }), 422, 'form_param_value_invalid', 'max_allowed_memberships');
    assertClerkError(await bad({ created_at: 'yesterday' }), 422, 'form_param_invalid_time', 'created_at');
    assertClerkError(await api(fake, 'PATCH', '/v1/organizations/org_missing', { body: { name: 'x' } }), 404,
      'resource_not_found');
    assert.equal(fake.organization(acme.id).name, 'Acme Renamed', 'refused writes changed nothing');
    r = await bad({ max_allowed_memberships: 3, admin_delete_enabled: false, created_at: '2025-01-02T03:04:05Z' });
    assert.equal(r.status, 200);
    assert.deepEqual([r.json.max_allowed_memberships, r.json.admin_delete_enabled, r.json.created_at],
      [3, false, Date.parse('2025-01-02T03:04:05Z')]);
  });
});

test('DELETE /v1/organizations/{id}: a DeletedObject with the slug; memberships, invitations and domains go too', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice } = seedStory(fake);
    fake.addInvitation({ organization_id: acme.id, email_address: 'carol@example.com' });
    fake.addDomain({ organization_id: acme.id, name: 'acme.example' });
    const r = await api(fake, 'DELETE', `/v1/organizations/${acme.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { object: 'organization', id: acme.id, slug: 'acme-corp', deleted: true });
    assert.deepEqual(Object.keys(r.json), keysOf('10'));
    assert.equal(fake.state.memberships.size, 0);
    assert.equal(fake.state.invitations.size, 0);
    assert.equal(fake.state.domains.size, 0);
    assertClerkError(await get(fake, `/v1/organizations/${acme.id}`), 404, 'resource_not_found');
    assert.deepEqual((await get(fake, `/v1/users/${alice.id}/organization_memberships`)).json, { data: [], total_count: 0 });
  });
});

// ---------------------------------------------------------------- memberships

test('memberships: fixture shape with the embedded organization, public_user_data and the role\'s permissions; per-org, per-user and instance lists', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const fx = fixtureEnvelope('05').data;
    let r = await get(fake, `/v1/organizations/${acme.id}/memberships`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['data', 'total_count']);
    assert.equal(r.json.total_count, 2);
    const m = r.json.data.find((x) => x.public_user_data.user_id === bob.id);
    assert.deepEqual(Object.keys(m), Object.keys(fx));
    assert.deepEqual(Object.keys(m.organization), Object.keys(fx.organization));
    assert.deepEqual(Object.keys(m.public_user_data), Object.keys(fx.public_user_data));
    assert.match(m.id, /^orgmem_[0-9A-Za-z]{27}$/);
    assert.deepEqual([m.role, m.role_name], ['org:admin', 'Admin']);
    assert.deepEqual(m.permissions, fx.permissions, 'the admin role holds the 8 system permissions');
    assert.equal(m.organization.members_count, 2);
    assert.equal(m.public_user_data.identifier, '+15555550123', 'phone-only: the phone');
    const am = r.json.data.find((x) => x.public_user_data.user_id === alice.id);
    assert.equal(am.public_user_data.identifier, 'alice@acme.example', 'the primary email, not the first');
    assert.deepEqual(am.permissions, ['org:sys_memberships:read']);

    r = await get(fake, `/v1/organizations/${acme.id}/memberships?role=org:admin`);
    assert.deepEqual(r.json.data.map((x) => x.public_user_data.user_id), [bob.id]);
    r = await get(fake, `/v1/organizations/${acme.id}/memberships?order_by=first_name`);
    assert.deepEqual(r.json.data.map((x) => x.public_user_data.user_id), [alice.id, bob.id], 'nulls last');
    const beta = fake.addOrg({ name: 'Beta' });
    fake.addMembership({ organization_id: beta.id, user_id: alice.id });
    r = await get(fake, '/v1/organization_memberships?limit=2');
    assert.deepEqual([r.json.data.length, r.json.total_count], [2, 3]);
    r = await get(fake, '/v1/organization_memberships?limit=2&offset=2');
    assert.deepEqual([r.json.data.length, r.json.total_count], [1, 3]);
    r = await get(fake, `/v1/users/${alice.id}/organization_memberships`);
    assert.deepEqual(new Set(r.json.data.map((x) => x.organization.id)), new Set([acme.id, beta.id]));
    assertClerkError(await get(fake, '/v1/organizations/org_missing/memberships'), 404, 'resource_not_found');
    assert.ok(fake.state.memberships.has(membershipKey(beta.id, alice.id)));
  });
});

test('POST, PATCH, DELETE memberships: Clerk\'s answers and refusals', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const carol = fake.addUser({ email: 'carol@example.com', first_name: 'Carol' });
    const base = `/v1/organizations/${acme.id}/memberships`;
    let r = await api(fake, 'POST', base, { body: { user_id: carol.id, role: 'org:member', public_metadata: { a: 1 } } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), keysOf('05'));
    assert.deepEqual([r.json.role, r.json.public_user_data.user_id, r.json.organization.members_count],
      ['org:member', carol.id, 3]);
    assert.deepEqual(r.json.public_metadata, { a: 1 });
    assert.equal(r.json.created_at, r.json.updated_at);

    assertClerkError(await api(fake, 'POST', base, { body: { role: 'org:member' } }), 422, 'form_param_missing', 'user_id');
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: carol.id } }), 422, 'form_param_missing', 'role');
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: carol.id, role: 'org:boss' } }), 422,
      'form_param_value_invalid', 'role');
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: 'user_nobody', role: 'org:member' } }), 422,
      'form_resource_not_found', 'user_id');
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: carol.id, role: 'org:member' } }), 400,
      'already_a_member_in_organization');
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: carol.id, role: 'org:member', x: 1 } }), 422,
      'form_param_unknown', 'x');
    fake.updateOrg(acme.id, { max_allowed_memberships: 3 });
    const dave = fake.addUser();
    assertClerkError(await api(fake, 'POST', base, { body: { user_id: dave.id, role: 'org:member' } }), 403,
      'organization_membership_quota_exceeded');

    // A new role brings its permissions and a later updated_at.
    fake.addRole({ key: 'org:billing', name: 'Billing', permissions: ['org:invoices:read', 'org:sys_billing:read'] });
    const old = fake.membership(acme.id, alice.id);
    r = await api(fake, 'PATCH', `${base}/${alice.id}`, { body: { role: 'org:billing' } });
    assert.equal(r.status, 200);
    assert.deepEqual([r.json.role, r.json.role_name, r.json.permissions],
      ['org:billing', 'Billing', ['org:invoices:read', 'org:sys_billing:read']]);
    assert.equal(r.json.id, old.id);
    assert.ok(r.json.updated_at > old.updated_at);
    assertClerkError(await api(fake, 'PATCH', `${base}/${alice.id}`, { body: {} }), 422, 'form_param_missing', 'role');
    assertClerkError(await api(fake, 'PATCH', `${base}/${alice.id}`, { body: { role: 'org:nope' } }), 422,
      'form_param_value_invalid', 'role');
    assertClerkError(await api(fake, 'PATCH', `${base}/${dave.id}`, { body: { role: 'org:admin' } }), 404,
      'resource_not_found');

    // DELETE answers the removed membership itself.
    r = await api(fake, 'DELETE', `${base}/${bob.id}`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), keysOf('09'));
    assert.equal(r.json.public_user_data.user_id, bob.id);
    assert.equal(r.json.deleted, undefined);
    assert.equal(r.json.organization.members_count, 2);
    assertClerkError(await api(fake, 'DELETE', `${base}/${bob.id}`), 404, 'resource_not_found');
    assertClerkError(await api(fake, 'DELETE', `/v1/organizations/org_missing/memberships/${bob.id}`), 404,
      'resource_not_found');
  });
});

// ---------------------------------------------------------------- invitations

test('POST invitations: a pending invitation shaped like fixture 12; missing or bad email, bad role, unknown keys, duplicates and non-admin inviters refused', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const base = `/v1/organizations/${acme.id}/invitations`;
    const r = await api(fake, 'POST', base, {
      body: { email_address: 'carol@example.com', role: 'org:member', inviter_user_id: bob.id,
        redirect_url: 'http://localhost:3000/accept', notify: false },
    });
    assert.equal(r.status, 200);
    const inv = r.json;
    assert.deepEqual(Object.keys(inv), INVITATION_KEYS);
    assert.deepEqual(Object.keys(inv.public_inviter_data), INVITER_KEYS);
    assert.match(inv.id, /^orginv_[0-9A-Za-z]{27}$/);
    assert.deepEqual([inv.status, inv.role, inv.role_name, inv.organization_id, inv.inviter_id],
      ['pending', 'org:member', 'Member', acme.id, bob.id]);
    assert.equal(inv.public_inviter_data.identifier, '+15555550123');
    assert.equal(inv.expires_at, inv.created_at + 30 * 86400000);
    assert.equal((await get(fake, `/v1/organizations/${acme.id}`)).json.pending_invitations_count, 1);

    const post = (body) => api(fake, 'POST', base, { body });
    assertClerkError(await post({ role: 'org:member' }), 422, 'form_param_missing', 'email_address');
    assertClerkError(await post({ email_address: 'not-an-email', role: 'org:member' }), 422,
      'form_param_format_invalid', 'email_address');
    assertClerkError(await post({ email_address: 'dan@example.com' }), 422, 'form_param_missing', 'role');
    assertClerkError(await post({ email_address: 'dan@example.com', role: 'org:overlord' }), 422,
      'form_param_value_invalid', 'role');
    assertClerkError(await post({ email_address: 'dan@example.com', role: 'org:member', colour: 'red' }), 422,
      'form_param_unknown', 'colour');
    assertClerkError(await post({ email_address: 'dan@example.com', role: 'org:member', expires_in_days: 400 }), 422,
      'form_param_value_invalid', 'expires_in_days');
    assertClerkError(await post({ email_address: 'Carol@Example.com', role: 'org:admin' }), 400,
      'organization_invitation_not_unique');
    assertClerkError(await post({ email_address: 'alice@acme.example', role: 'org:member' }), 400,
      'already_a_member_in_organization');
    assertClerkError(await post({ email_address: 'dan@example.com', role: 'org:member', inviter_user_id: alice.id }),
      403, 'missing_organization_permission');
    assertClerkError(await post({ email_address: 'dan@example.com', role: 'org:member', inviter_user_id: 'user_x' }),
      422, 'form_resource_not_found', 'inviter_user_id');
    assertClerkError(await api(fake, 'POST', '/v1/organizations/org_missing/invitations',
      { body: { email_address: 'dan@example.com', role: 'org:member' } }), 404, 'resource_not_found');
    assert.equal(fake.state.invitations.size, 1, 'refusals stored nothing');
    const plain = await post({ email_address: 'dan@example.com', role: 'org:admin', expires_in_days: 1 });
    assert.deepEqual([plain.json.inviter_id, plain.json.public_inviter_data], [null, null]);
    assert.equal(plain.json.expires_at, plain.json.created_at + 86400000);
  });
});

test('invitation lists: per organization with status filter; instance-wide with public_organization_data; paging', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, bob } = seedStory(fake);
    const beta = fake.addOrg({ name: 'Beta' });
    for (let i = 0; i < 12; i++) fake.addInvitation({ organization_id: acme.id, email_address: `p${i}@example.com` });
    fake.addInvitation({ organization_id: acme.id, email_address: 'gone@example.com', status: 'revoked',
      inviter_user_id: bob.id });
    fake.addInvitation({ organization_id: acme.id, email_address: 'in@example.com', status: 'accepted',
      user_id: bob.id });
    fake.addInvitation({ organization_id: beta.id, email_address: 'b@example.com' });
    const base = `/v1/organizations/${acme.id}/invitations`;
    let r = await get(fake, base);
    assert.deepEqual([r.json.data.length, r.json.total_count], [10, 14]);
    assert.deepEqual(Object.keys(r.json.data.find((i) => i.status === 'pending')), INVITATION_KEYS);
    const accepted = r.json.data.find((i) => i.status === 'accepted');
    assert.deepEqual(Object.keys(accepted), [...INVITATION_KEYS.slice(0, 12), 'user_id', ...INVITATION_KEYS.slice(12)],
      'fixture 13: user_id after url');
    r = await get(fake, `${base}?status=revoked`);
    assert.deepEqual(r.json.data.map((i) => i.email_address), ['gone@example.com']);
    r = await get(fake, `${base}?status=accepted`);
    assert.equal(r.json.data[0].user_id, bob.id);
    r = await get(fake, `${base}?status=pending&limit=5&offset=10`);
    assert.deepEqual([r.json.data.length, r.json.total_count], [2, 12]);
    r = await get(fake, `${base}?order_by=email_address&limit=1`);
    assert.equal(r.json.data[0].email_address, 'gone@example.com');
    assertClerkError(await get(fake, `${base}?status=maybe`), 422, 'form_param_value_invalid', 'status');

    r = await get(fake, '/v1/organization_invitations?limit=500');
    assert.equal(r.json.total_count, 15);
    const b = r.json.data.find((i) => i.organization_id === beta.id);
    assert.deepEqual(Object.keys(b), [...INVITATION_KEYS, 'public_organization_data']);
    assert.deepEqual(Object.keys(b.public_organization_data), PUBLIC_ORG_KEYS);
    assert.deepEqual([b.public_organization_data.id, b.public_organization_data.name], [beta.id, 'Beta']);
    r = await get(fake, '/v1/organization_invitations?status=pending&query=p1');
    assert.deepEqual(new Set(r.json.data.map((i) => i.email_address)),
      new Set(['p1@example.com', 'p10@example.com', 'p11@example.com']));
  });
});

test('POST .../invitations/{inv}/revoke: only a pending invitation; 400 otherwise, 404 for an unknown one', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const inv = fake.addInvitation({ organization_id: acme.id, email_address: 'carol@example.com', inviter_user_id: bob.id });
    const accepted = fake.addInvitation({ organization_id: acme.id, status: 'accepted', user_id: alice.id });
    const url = (id) => `/v1/organizations/${acme.id}/invitations/${id}/revoke`;
    assertClerkError(await api(fake, 'POST', url(inv.id), { body: { requesting_user_id: alice.id } }), 403,
      'missing_organization_permission');
    let r = await api(fake, 'POST', url(inv.id), { body: { requesting_user_id: bob.id } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), INVITATION_KEYS);
    assert.equal(r.json.status, 'revoked');
    assert.equal(r.json.id, inv.id);
    assert.ok(r.json.updated_at > inv.updated_at);
    assert.equal((await get(fake, `/v1/organizations/${acme.id}`)).json.pending_invitations_count, 0);
    assertClerkError(await api(fake, 'POST', url(inv.id)), 400, 'invitation_already_revoked');
    assertClerkError(await api(fake, 'POST', url(accepted.id)), 400, 'organization_invitation_not_pending');
    assertClerkError(await api(fake, 'POST', url('orginv_missing')), 404, 'resource_not_found');
    const other = fake.addOrg({ name: 'Other' });
    assertClerkError(await api(fake, 'POST', `/v1/organizations/${other.id}/invitations/${inv.id}/revoke`), 404,
      'resource_not_found');
    r = await get(fake, `/v1/organizations/${acme.id}/invitations/${inv.id}`);
    assert.equal(r.json.status, 'revoked');
  });
});

// ---------------------------------------------------------------- domains, roles, permissions

test('domains, roles and permissions: shapes of fixtures 15, 17 and 18, filters, {data,total_count} paging', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme } = seedStory(fake);
    const beta = fake.addOrg({ name: 'Beta' });
    const d1 = fake.addDomain({ organization_id: acme.id, name: 'acme.example', verified: true });
    fake.addDomain({ organization_id: acme.id, name: 'acme.test', enrollment_mode: 'automatic_invitation' });
    fake.addDomain({ organization_id: beta.id, name: 'beta.example' });
    let r = await get(fake, '/v1/organization_domains');
    assert.deepEqual(Object.keys(r.json), ['data', 'total_count']);
    assert.equal(r.json.total_count, 3);
    assert.deepEqual(Object.keys(r.json.data[0]), DOMAIN_KEYS);
    assert.match(d1.id, /^orgdmn_[0-9A-Za-z]{27}$/);
    assert.deepEqual(Object.keys(d1.public_organization_data), PUBLIC_ORG_KEYS);
    const names = async (q) => (await get(fake, `/v1/organization_domains?${q}`)).json.data.map((d) => d.name).sort();
    assert.deepEqual(await names(`organization_id=${acme.id}`), ['acme.example', 'acme.test']);
    assert.deepEqual(await names('verified=true'), ['acme.example']);
    assert.deepEqual(await names('enrollment_mode=-manual_invitation'), ['acme.test']);
    assert.deepEqual(await names(`query=${beta.id}`), ['beta.example']);
    assert.deepEqual(await names('query=acm'), ['acme.example', 'acme.test']);
    assert.deepEqual(await names('domains=beta.example&domains=acme.test'), ['acme.test', 'beta.example']);
    assert.deepEqual((await get(fake, '/v1/organization_domains?order_by=name&limit=1&offset=1')).json.data
      .map((d) => d.name), ['acme.test']);
    assertClerkError(await get(fake, '/v1/organization_domains?query='), 422, 'form_param_value_invalid', 'query');
    assertClerkError(await get(fake, '/v1/organization_domains?verified=yes'), 422, 'form_param_value_invalid', 'verified');
    r = await get(fake, `/v1/organizations/${beta.id}/domains`);
    assert.deepEqual(r.json.data.map((d) => d.name), ['beta.example']);

    // Roles: the two defaults, then a custom one with its full permissions.
    const billing = fake.addRole({ key: 'org:billing', name: 'Billing', description: 'Invoices',
      permissions: ['org:invoices:read', 'org:sys_billing:read'] });
    r = await get(fake, '/v1/organization_roles');
    assert.equal(r.json.total_count, 3);
    assert.deepEqual(r.json.data.map((x) => x.key), ['org:billing', 'org:member', 'org:admin'], '-created_at');
    assert.deepEqual(Object.keys(r.json.data[0]), ROLE_KEYS);
    assert.match(billing.id, /^role_[0-9A-Za-z]{27}$/);
    assert.deepEqual(r.json.data[0].permissions.map((p) => [p.key, p.type]),
      [['org:invoices:read', 'custom'], ['org:sys_billing:read', 'system']]);
    assert.deepEqual(Object.keys(r.json.data[0].permissions[0]), PERMISSION_KEYS);
    r = await get(fake, '/v1/organization_roles?order_by=key&limit=2');
    assert.deepEqual([r.json.data.map((x) => x.key), r.json.total_count], [['org:admin', 'org:billing'], 3]);
    r = await get(fake, '/v1/organization_roles?query=bill');
    assert.deepEqual(r.json.data.map((x) => x.key), ['org:billing']);

    r = await get(fake, '/v1/organization_permissions?limit=500');
    assert.equal(r.json.total_count, 9);
    assert.deepEqual(Object.keys(r.json.data[0]), PERMISSION_KEYS);
    assert.match(r.json.data[0].id, /^perm_[0-9A-Za-z]{27}$/);
    r = await get(fake, '/v1/organization_permissions?query=invoices');
    assert.deepEqual(r.json.data.map((p) => p.key), ['org:invoices:read']);
    r = await get(fake, '/v1/organization_permissions?order_by=key&limit=3&offset=1');
    assert.deepEqual(r.json.data.map((p) => p.key), ['org:sys_billing:manage', 'org:sys_billing:read', 'org:sys_domains:manage']);
    assertClerkError(await get(fake, '/v1/organization_permissions?limit=1000'), 422, 'form_param_value_invalid', 'limit');
  });
  await withFakeClerk({ seedDefaults: false }, async (fake) => {
    assert.deepEqual((await get(fake, '/v1/organization_roles')).json, { data: [], total_count: 0 });
  });
});

test('every list endpoint takes limit (1-500, default 10) and offset, and refuses others with a 422', async () => {
  await withFakeClerk({}, async (fake) => {
    const user = fake.addUser();
    const org = fake.addOrg({ name: 'Many' });
    for (let i = 0; i < 12; i++) {
      const u = fake.addUser();
      const o = fake.addOrg({ name: `O${i}` });
      fake.addMembership({ organization_id: org.id, user_id: u.id });
      fake.addMembership({ organization_id: o.id, user_id: user.id });
      fake.addInvitation({ organization_id: org.id });
      fake.addDomain({ organization_id: org.id });
      fake.addRole({ key: `org:r${i}`, permissions: [`org:f${i}:read`] });
    }
    const lists = ['/v1/users', '/v1/organizations', `/v1/organizations/${org.id}/memberships`,
      '/v1/organization_memberships', `/v1/users/${user.id}/organization_memberships`,
      `/v1/organizations/${org.id}/invitations`, '/v1/organization_invitations', '/v1/organization_domains',
      `/v1/organizations/${org.id}/domains`, '/v1/organization_roles', '/v1/organization_permissions'];
    const itemsOf = (json) => (Array.isArray(json) ? json : json.data);
    for (const p of lists) {
      const all = itemsOf((await get(fake, `${p}?limit=500`)).json);
      assert.ok(all.length >= 12, `${p}: ${all.length} items`);
      assert.equal(itemsOf((await get(fake, p)).json).length, 10, `${p}: default limit`);
      const page = (await get(fake, `${p}?limit=3&offset=4`)).json;
      assert.deepEqual(ids(itemsOf(page)), ids(all.slice(4, 7)), `${p}: limit and offset`);
      if (!Array.isArray(page)) assert.equal(page.total_count, all.length, `${p}: total_count`);
      assert.deepEqual(itemsOf((await get(fake, `${p}?offset=${all.length}`)).json), [], `${p}: past the end`);
      for (const bad of ['limit=0', 'limit=501', 'limit=x', 'offset=-1', 'offset=1.5']) {
        const param = bad.split('=')[0];
        assertClerkError(await get(fake, `${p}?${bad}`), 422, 'form_param_value_invalid', param);
      }
    }
  });
});

// ---------------------------------------------------------------- sessions

test('POST /v1/sessions/{id}/revoke: the Session with status revoked; 404 unknown, 400 when no longer active', async () => {
  await withFakeClerk({}, async (fake) => {
    const { alice, acme } = seedStory(fake);
    const s = fake.addSession({ user_id: alice.id, last_active_organization_id: acme.id });
    assert.deepEqual(Object.keys(s), SESSION_KEYS);
    assert.deepEqual(Object.keys(s.latest_activity), ACTIVITY_KEYS);
    assert.match(s.id, /^sess_[0-9A-Za-z]{27}$/);
    const r = await api(fake, 'POST', `/v1/sessions/${s.id}/revoke`);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), SESSION_KEYS);
    assert.deepEqual([r.json.id, r.json.status, r.json.user_id], [s.id, 'revoked', alice.id]);
    assert.ok(r.json.updated_at > r.json.created_at);
    assertClerkError(await api(fake, 'POST', `/v1/sessions/${s.id}/revoke`), 400, 'session_not_active');
    assertClerkError(await api(fake, 'POST', '/v1/sessions/sess_missing/revoke'), 404, 'resource_not_found');
    assert.equal((await get(fake, `/v1/sessions/${s.id}`)).json.status, 'revoked');
  });
});

// ---------------------------------------------------------------- machine tokens

test('machine-token verification: the shapes of bapi.*.verify.json, revoked and expired flags from state, Clerk\'s 404 and 422s', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const key = fake.addApiKey({ subject: acme.id, name: 'acme-ci', scopes: ['invoices:read'], claims: { env: 'ci' },
      created_by: bob.id });
    assert.match(key.id, /^ak_[0-9a-f]{32}$/);
    assert.ok(key.secret.startsWith('ak_'));
    let r = await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: key.secret } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), API_KEY_KEYS);
    assert.deepEqual([r.json.subject, r.json.scopes, r.json.claims, r.json.revoked, r.json.expired],
      [acme.id, ['invoices:read'], { env: 'ci' }, false, false]);
    assertClerkError(await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: 'ak_unknown' } }), 404,
      'resource_not_found');
    assertClerkError(await api(fake, 'POST', '/v1/api_keys/verify', { body: {} }), 422, 'form_param_missing', 'secret');
    assertClerkError(await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: key.secret, token: 'x' } }), 422,
      'form_param_unknown', 'token');
    fake.revokeToken(key.id, 'leaked');
    r = await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: key.secret } });
    assert.deepEqual([r.status, r.json.revoked, r.json.revocation_reason], [200, true, 'leaked']);
    const old = fake.addApiKey({ subject: alice.id, expiration: Date.now() - 1000 });
    r = await api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: old.secret } });
    assert.equal(r.json.expired, true, 'past its expiration');

    const mt = fake.addM2MToken({ subject: 'mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D', scopes: ['mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F'] });
    assert.match(mt.id, /^mt_[0-9a-f]{32}$/);
    r = await api(fake, 'POST', '/v1/m2m_tokens/verify', { body: { token: mt.token } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), M2M_KEYS);
    assert.deepEqual([r.json.object, r.json.subject, r.json.expired], ['machine_to_machine_token', mt.subject, false]);
    fake.state.m2mTokens.get(mt.id).expired = true;
    assert.equal((await api(fake, 'POST', '/v1/m2m_tokens/verify', { body: { token: mt.token } })).json.expired, true);
    assertClerkError(await api(fake, 'POST', '/v1/m2m_tokens/verify', { body: { token: 'mt_nope' } }), 404,
      'resource_not_found');
    assertClerkError(await api(fake, 'POST', '/v1/m2m_tokens/verify', { body: { token: 5 } }), 422,
      'form_param_type_invalid', 'token');

    const oat = fake.addOAuthToken({ subject: alice.id, scopes: ['profile', 'email'] });
    r = await api(fake, 'POST', '/v1/oauth_applications/access_tokens/verify', { body: { access_token: oat.token } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), OAUTH_KEYS);
    assert.deepEqual([r.json.object, r.json.subject], ['clerk_idp_oauth_access_token', alice.id]);
    r = await api(fake, 'POST', '/v1/oauth_applications/access_tokens/verify', { body: { secret: oat.token } });
    assert.equal(r.status, 200, 'the deprecated `secret` still works');
    const inactive = fake.addOAuthToken({ subject: alice.id, active: false });
    r = await api(fake, 'POST', '/v1/oauth_applications/access_tokens/verify', { body: { access_token: inactive.token } });
    assert.deepEqual([r.status, r.json], [200, { active: false }]);
    assertClerkError(await api(fake, 'POST', '/v1/oauth_applications/access_tokens/verify',
      { body: { access_token: 'oat_nope' } }), 404, 'resource_not_found');
    assert.equal(fake.count('POST /v1/api_keys/verify'), 6);
  });
});

test('verify: the Authorization header must be Bearer <sk_...>; subjects user_, org_, mch_; expiration from state', async () => {
  await withFakeClerk({ secretKey: 'sk_test_verify' }, async (fake) => {
    const user = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ', scopes: ['a', 'b'] });
    const org = fake.addApiKey({ subject: 'org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH' });
    const mch = fake.addApiKey({ subject: 'mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D', expiration: Date.now() + 60000 });
    for (const k of [user, org, mch]) {
      const r = await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: k.secret } });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.json), API_KEY_KEYS);
      assert.deepEqual([r.json.id, r.json.subject, r.json.scopes, r.json.expiration, r.json.expired],
        [k.id, k.subject, k.scopes, k.expiration, false]);
    }
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: user.secret }, key: 'sk_test_other' }),
      401, 'clerk_key_invalid');
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.m2m_token, { body: { token: 'mt_x' }, key: null }), 401,
      'authorization_header_format_invalid');
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.oauth_token, { body: { access_token: 'oat_x' },
      headers: { authorization: 'Basic c2tfdGVzdA==' }, key: null }), 401, 'authorization_header_format_invalid');
    const c = fake.calls(verifyMatcher(user))[0];
    assert.equal(c.headers.authorization, 'Bearer sk_test_verify');
    assert.deepEqual(c.body, { secret: user.secret });
  });
});

test('verify: per-token faults (401, 404, 422, 429 with Retry-After, 500, reset), delays and {"active":false}; counters by path, type and token', async () => {
  await withFakeClerk({}, async (fake) => {
    const sub = 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ';
    const ok = fake.addApiKey({ subject: sub });
    const limited = fake.addApiKey({ subject: sub, fault: { status: 429, retryAfter: 7 } });
    const broken = fake.addM2MToken({ fault: { status: 500 } });
    const badKey = fake.addOAuthToken({ subject: sub, fault: { status: 401 } });
    const gone = fake.addApiKey({ subject: sub, fault: { status: 404 } });
    const invalid = fake.addM2MToken({ fault: { status: 422 } });
    const cut = fake.addApiKey({ subject: sub, fault: { reset: true } });
    const slow = fake.addOAuthToken({ subject: sub, delayMs: 150 });
    const inactive = fake.addOAuthToken({ subject: sub, active: false });
    const revoked = fake.addApiKey({ subject: sub, revoked: true, revocation_reason: 'leaked' });
    const expired = fake.addM2MToken({ expired: true });

    assert.equal((await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: ok.secret } })).status, 200);
    let r = await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: limited.secret } });
    assertClerkError(r, 429, 'too_many_requests');
    assert.equal(r.headers.get('retry-after'), '7');
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.m2m_token, { body: { token: broken.token } }), 500,
      'internal_clerk_error');
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.oauth_token, { body: { access_token: badKey.token } }), 401,
      'clerk_key_invalid');
    const e = assertClerkError(await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: gone.secret } }), 404,
      'resource_not_found');
    assert.equal(e.long_message, 'API key not found');
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.m2m_token, { body: { token: invalid.token } }), 422,
      'form_param_value_invalid', 'token');
    await assert.rejects(api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: cut.secret } }));
    const t0 = Date.now();
    r = await api(fake, 'POST', VERIFY_PATHS.oauth_token, { body: { access_token: slow.token } });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 140, 'answered late');
    assert.ok(fake.lastCall(verifyMatcher(slow)).ms >= 140, 'the call\'s own time is recorded');
    r = await api(fake, 'POST', VERIFY_PATHS.oauth_token, { body: { access_token: inactive.token } });
    assert.deepEqual([r.status, r.json], [200, { active: false }]);
    r = await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: revoked.secret } });
    assert.deepEqual([r.status, r.json.revoked, r.json.revocation_reason], [200, true, 'leaked']);
    r = await api(fake, 'POST', VERIFY_PATHS.m2m_token, { body: { token: expired.token } });
    assert.deepEqual([r.status, r.json.expired], [200, true]);
    // The faults are per token: another token of the same type is served.
    assert.equal((await api(fake, 'POST', VERIFY_PATHS.m2m_token, { body: { token: expired.token } })).status, 200);
    fake.failToken(ok, { status: 503, times: 1 });
    assertClerkError(await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: ok.secret } }), 503, 'maintenance_mode');
    assert.equal((await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: ok.secret } })).status, 200);

    assert.deepEqual(fake.verifyCounts(), { api_key: 7, m2m_token: 4, oauth_token: 3 });
    assert.equal(fake.verifyCount(), 14);
    assert.equal(fake.verifyCount('api_key'), 7);
    assert.equal(fake.verifyCount(ok), 3);
    assert.equal(fake.verifyCount(ok.secret), 3);
    assert.equal(fake.verifyCount(expired.token), 2);
    assert.equal(fake.counts()['POST /v1/api_keys/verify'], 7);
    assert.equal(fake.counts()['POST /v1/oauth_applications/access_tokens/verify'], 3);
    fake.clearFaults();
    assert.equal((await api(fake, 'POST', VERIFY_PATHS.api_key, { body: { secret: limited.secret } })).status, 200,
      'clearFaults() drops a token\'s own fault');
    fake.clearCalls();
    assert.deepEqual(fake.counts(), {});
  });
});

// ---------------------------------------------------------------- faults

test('fail(): 429 with Retry-After for a number of calls, a given Clerk error, the default 5xx body, text bodies, resets, predicates', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme } = seedStory(fake);
    const rule = fake.fail('GET /v1/organizations/{id}', { status: 429, retryAfter: 3, times: 2 });
    for (let i = 0; i < 2; i++) {
      const r = await get(fake, `/v1/organizations/${acme.id}`);
      assertClerkError(r, 429, 'too_many_requests');
      assert.equal(r.headers.get('retry-after'), '3');
    }
    assert.equal(rule.used, 2);
    assert.equal((await get(fake, `/v1/organizations/${acme.id}`)).status, 200, 'served again after `times`');
    assert.equal(fake.count('GET /v1/organizations/{id}'), 3, 'failed calls are recorded too');

    fake.fail(`PATCH /v1/organizations/${acme.id}`, { error: CLERK_ERRORS.identifierExists('slug'), times: 1 });
    let r = await api(fake, 'PATCH', `/v1/organizations/${acme.id}`, { body: { slug: 'free' } });
    assertClerkError(r, 422, 'form_identifier_exists', 'slug');
    assert.equal(fake.organization(acme.id).slug, 'acme-corp', 'nothing changed');
    fake.fail('*', { status: 500, times: 1 });
    const e = assertClerkError(await get(fake, '/v1/jwks'), 500, 'internal_clerk_error');
    assert.match(e.message, /unexpected error/);
    assertClerkError(await (async () => { fake.fail('GET /v1/jwks', { status: 503, times: 1 }); return get(fake, '/v1/jwks'); })(),
      503, 'maintenance_mode');
    fake.fail('GET /v1/jwks', { status: 502, body: '<html>Bad gateway</html>', times: 1 });
    r = await get(fake, '/v1/jwks');
    assert.deepEqual([r.status, r.text, r.headers.get('content-type')], [502, '<html>Bad gateway</html>',
      'text/plain; charset=utf-8']);
    const body = clerkErrorBody({ code: 'organization_minimum_permissions_needed', message: 'minimum permissions',
      long_message: 'There has to be at least one organization member with the minimum required permissions.' });
    fake.fail((c) => c.method === 'DELETE' && c.path.includes('/memberships/'), { status: 403, body, times: 1 });
    r = await api(fake, 'DELETE', `/v1/organizations/${acme.id}/memberships/user_x`);
    assert.deepEqual([r.status, r.json], [403, body]);
    fake.fail('POST /v1/api_keys/verify', { reset: true, times: 1 });
    await assert.rejects(api(fake, 'POST', '/v1/api_keys/verify', { body: { secret: 'ak_x' } }));
    const forever = fake.fail('GET /v1/jwks', { status: 500 });
    for (let i = 0; i < 3; i++) assert.equal((await get(fake, '/v1/jwks')).status, 500);
    forever.remove();
    assert.equal((await get(fake, '/v1/jwks')).status, 200);
    fake.fail('*', { status: 500 });
    fake.clearFaults();
    assert.equal((await get(fake, '/v1/jwks')).status, 200);
    assert.throws(() => fake.fail('*', { times: 0 }));
  });
});

test('delay(): a slow answer times a client out, then answers normally; close() cuts a pending delay short', async () => {
  const fake = await startFakeClerk();
  let closed = false;
  try {
    fake.delay('GET /v1/jwks', 300, { times: 1 });
    const t0 = Date.now();
    await assert.rejects(get(fake, '/v1/jwks', { timeout: 60 }), /abort|timeout/i);
    assert.ok(Date.now() - t0 < 250);
    const t1 = Date.now();
    assert.equal((await get(fake, '/v1/jwks')).status, 200);
    assert.ok(Date.now() - t1 < 200, 'only `times` calls are delayed');
    fake.delay('GET /v1/users/count', 80, { times: 1 });
    const t2 = Date.now();
    const slow = await get(fake, '/v1/users/count');
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - t2 >= 75, 'the delayed answer came late');

    fake.delay('*', 60000);
    const pending = get(fake, '/v1/jwks', { timeout: 10000 }).then(() => 'answered', () => 'cut');
    await new Promise((r) => setTimeout(r, 50));
    const t3 = Date.now();
    await fake.close();
    closed = true;
    assert.equal(await pending, 'cut');
    assert.ok(Date.now() - t3 < 1000, 'close() did not wait for the delay');
  } finally {
    if (!closed) await fake.close();
  }
});

test('down() refuses connections, up() listens again on the same port with the data kept', async () => {
  await withFakeClerk({}, async (fake) => {
    const { acme } = seedStory(fake);
    const url = fake.url;
    fake.delay('GET /v1/users', 60000, { times: 1 });
    const pending = get(fake, '/v1/users', { timeout: 5000 }).then(() => 'answered', () => 'cut');
    await new Promise((r) => setTimeout(r, 30));
    await fake.down();
    assert.equal(fake.isDown, true);
    assert.equal(await pending, 'cut', 'a call in flight is cut');
    await assert.rejects(get(fake, '/v1/jwks'), (err) => {
      assert.equal(err.cause?.code, 'ECONNREFUSED');
      return true;
    });
    await fake.up();
    assert.equal(fake.isDown, false);
    assert.equal(fake.url, url);
    assert.equal((await get(fake, `/v1/organizations/${acme.id}`)).json.id, acme.id);
  });
});

test('reset() empties data, calls and faults, and seeds the default roles again', async () => {
  await withFakeClerk({}, async (fake) => {
    seedStory(fake);
    fake.fail('*', { status: 500 });
    await get(fake, '/v1/jwks');
    fake.reset();
    assert.equal(fake.count(), 0);
    assert.equal(fake.state.users.size, 0);
    assert.equal(fake.state.organizations.size, 0);
    assert.equal(fake.state.memberships.size, 0);
    const r = await get(fake, '/v1/organization_roles');
    assert.deepEqual(r.json.data.map((x) => x.key).sort(), ['org:admin', 'org:member']);
  });
});

// ---------------------------------------------------------------- webhooks

test('webhook(): the envelope of fixture 02 around an API answer, with the action inferred or given', async () => {
  await withFakeClerk({ instanceId: 'ins_test' }, async (fake) => {
    const { acme, alice, bob } = seedStory(fake);
    const patched = (await api(fake, 'PATCH', `/v1/organizations/${acme.id}`, { body: { name: 'Acme 2' } })).json;
    const ev = fake.webhook(patched);
    assert.deepEqual(Object.keys(ev), Object.keys(fixtureEnvelope('02')));
    assert.deepEqual(Object.keys(ev.event_attributes.http_request), ['client_ip', 'user_agent']);
    assert.deepEqual([ev.type, ev.object, ev.instance_id], ['organization.updated', 'event', 'ins_test']);
    assert.deepEqual(ev.data, patched);
    assert.ok(ev.timestamp > patched.updated_at, 'a millisecond timestamp after the write');
    assert.equal(fake.webhook(fake.state.users.get(alice.id)).type, 'user.created');

    const removed = (await api(fake, 'DELETE', `/v1/organizations/${acme.id}/memberships/${alice.id}`)).json;
    assert.equal(fake.webhook(removed, 'deleted').type, 'organizationMembership.deleted');
    const inv = fake.addInvitation({ organization_id: acme.id });
    assert.equal(fake.webhook(inv).type, 'organizationInvitation.created');
    const revoked = (await api(fake, 'POST', `/v1/organizations/${acme.id}/invitations/${inv.id}/revoke`)).json;
    assert.equal(fake.webhook(revoked).type, 'organizationInvitation.revoked');
    const s = fake.addSession({ user_id: bob.id });
    const sev = fake.webhook((await api(fake, 'POST', `/v1/sessions/${s.id}/revoke`)).json);
    assert.equal(sev.type, 'session.revoked');
    assert.deepEqual(Object.keys(sev.data), [...SESSION_KEYS, 'user']);
    assert.equal(sev.data.user.id, bob.id, 'the user embedded, as in session events');
    const gone = (await api(fake, 'DELETE', `/v1/organizations/${acme.id}`)).json;
    const dev = fake.webhook(gone);
    assert.equal(dev.type, 'organization.deleted');
    assert.deepEqual(Object.keys(dev.data), keysOf('10'));
    assert.deepEqual(dev.data, gone);
    assert.equal(fake.webhook((await api(fake, 'DELETE', `/v1/users/${bob.id}`)).json).type, 'user.deleted');
    assert.equal(fake.webhook(fake.addDomain({ organization_id: fake.addOrg().id })).type, 'organizationDomain.created');
    assert.equal(fake.webhook(fake.addRole({ key: 'org:x' })).type, 'role.created');
    assert.equal(fake.webhook(fake.addPermission({ key: 'org:x:y' }), { type: 'permission.deleted' }).type,
      'permission.deleted');

    // The standalone builder works on any object.
    const u = buildUser({ first_name: 'Solo' });
    const standalone = webhookEvent(u, { timestamp: 1757931000180 });
    assert.deepEqual([standalone.type, standalone.instance_id, standalone.timestamp],
      ['user.created', INSTANCE_ID, 1757931000180]);
    assert.throws(() => webhookEvent({ object: 'mystery' }), /no event type/);
  });
});
