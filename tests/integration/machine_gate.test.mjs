// Machine tokens at the gate (DESIGN §13): an API key on whoami, the
// verdict cache counted by the fake Backend API, the routes that take a
// type and those that do not, the outage rule, and the metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startFakeClerk } from './lib/fake_clerk.mjs';
import {
  CAT, assertNotAuthenticated, assertStatus, call, createOrg, createUser, mint, newKey, nowSec, pemEnv,
} from './lib/clerk.mjs';
import { startWebhookServer } from './lib/webhook.mjs';

const T = { timeout: 120000 };
const VERIFY_AK = 'POST /v1/api_keys/verify';
const VERIFY_MT = 'POST /v1/m2m_tokens/verify';
const VERIFY_OAT = 'POST /v1/oauth_applications/access_tokens/verify';

async function withMachineServer(fn, { env = {}, fakeOpts = {} } = {}) {
  const fake = await startFakeClerk(fakeOpts);
  const key = await newKey();
  let srv;
  try {
    srv = await startWebhookServer({ env: pemEnv(key, { ...fake.env(), ...env }) });
    return await fn({ srv, fake, key });
  } finally {
    if (srv) await srv.stop();
    await fake.close();
  }
}

const whoami = (srv, token, opts = {}) => call(srv, '/api/v1/auth/whoami', { token, ...opts });

async function metric(srv, re) {
  const r = await call(srv, '/metrics');
  const line = r.text.split('\n').find((l) => re.test(l));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('an API key on whoami: verified once, then from the cache', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const k = fake.addApiKey({ subject: 'org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH', scopes: ['invoices:read'], claims: { env: 'ci' } });
    const r = await whoami(srv, k.secret);
    assertStatus(r, 200, 'whoami');
    assert.deepEqual(r.json, {
      token_type: 'api_key', subject: k.subject, session_id: null, org_id: k.subject, scopes: ['invoices:read'], actor: null,
    });
    assert.equal(fake.count(VERIFY_AK), 1);
    assert.deepEqual(fake.lastCall(VERIFY_AK).body, { secret: k.secret });
    assertStatus(await whoami(srv, k.secret), 200, 'cached');
    assert.equal(fake.count(VERIFY_AK), 1, 'second use: no call');
    assert.equal(await metric(srv, /^mysaas_machine_verifications_total\{type="api_key",form="opaque",outcome="accepted"\}/), 2);
    assert.equal(await metric(srv, /^mysaas_machine_cache_total\{result="hit"\}/), 1);
    assert.equal(await metric(srv, /^mysaas_clerk_verify_calls_total\{type="api_key",status="200"\}/), 1);
  });
});

test('M2M and OAuth opaque tokens on whoami; refusals are cached', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const m = fake.addM2MToken({ scopes: ['mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F'] });
    let r = await whoami(srv, m.token);
    assertStatus(r, 200, 'm2m');
    assert.deepEqual(r.json, { token_type: 'm2m_token', subject: m.subject, session_id: null, org_id: null, scopes: m.scopes, actor: null });
    const o = fake.addOAuthToken({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ', scopes: ['profile'] });
    r = await whoami(srv, o.token);
    assertStatus(r, 200, 'oauth');
    assert.equal(r.json.token_type, 'oauth_token');
    assert.equal(fake.count(VERIFY_MT), 1);
    assert.equal(fake.count(VERIFY_OAT), 1);

    assertNotAuthenticated(await whoami(srv, 'ak_unknown+/='), 'unknown key');
    assertNotAuthenticated(await whoami(srv, 'ak_unknown+/='), 'unknown key again');
    assert.equal(fake.count(VERIFY_AK), 1, 'refusal cached');
    const revoked = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ', revoked: true });
    assertNotAuthenticated(await whoami(srv, revoked.secret), 'revoked');
    const inactive = fake.addOAuthToken({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ', active: false });
    assertNotAuthenticated(await whoami(srv, inactive.token), 'inactive');
  });
});

test('routes take the types they declare; cookies never carry machine tokens', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const user = await createUser(srv);
    const org = await createOrg(srv);
    const other = await createOrg(srv);
    const userKey = fake.addApiKey({ subject: user.clerkId });
    const orgKey = fake.addApiKey({ subject: org.clerkId });
    const m2m = fake.addM2MToken({});
    const oat = fake.addOAuthToken({ subject: user.clerkId });

    let r = await call(srv, '/api/v1/users/me', { token: userKey.secret });
    assertStatus(r, 200, 'users/me with a user key');
    assert.equal(r.json.clerk_id, user.clerkId);
    assert.equal(r.json.session_id, null);
    r = await call(srv, '/api/v1/users/me', { token: oat.token });
    assertStatus(r, 200, 'users/me with an oat_');
    assertNotAuthenticated(await call(srv, '/api/v1/users/me', { token: orgKey.secret }), 'users/me with an org key');
    assertNotAuthenticated(await call(srv, '/api/v1/users/me', { token: m2m.token }), 'users/me with an M2M token');

    r = await call(srv, `/api/v1/organizations/${org.clerkId}`, { token: orgKey.secret });
    assertStatus(r, 200, 'own organization');
    assert.equal(r.json.clerk_id, org.clerkId);
    assert.equal(r.json.role, null);
    assertStatus(await call(srv, `/api/v1/organizations/${org.id}/members`, { token: orgKey.secret }), 200, 'members by local id');
    assertStatus(await call(srv, `/api/v1/organizations/${other.clerkId}`, { token: orgKey.secret }), 404, 'another organization');
    assertNotAuthenticated(await call(srv, `/api/v1/organizations/${org.clerkId}`, { token: userKey.secret }), 'a user key on an org route');
    assertNotAuthenticated(await call(srv, '/api/v1/organizations', { token: orgKey.secret }), 'a session-only route');
    assertNotAuthenticated(await call(srv, '/api/v1/auth/check?role=admin', { token: userKey.secret }), 'auth/check');

    const before = fake.count(VERIFY_AK);
    assertNotAuthenticated(await call(srv, '/api/v1/auth/whoami', { cookies: { __session: userKey.secret } }), 'cookie');
    assert.equal(fake.count(VERIFY_AK), before, 'a cookie is never verified as a machine token');
  });
});

test('outage rule: 503 with nothing cached, 200 once cached; Clerk 401 is a 503', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const k = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' });
    const cached = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' });
    assertStatus(await whoami(srv, cached.secret), 200, 'cached first');
    const rule = fake.fail(VERIFY_AK, { status: 500 });
    assertStatus(await whoami(srv, k.secret), 503, '500 → 503');
    assertStatus(await whoami(srv, cached.secret), 200, 'cached survives the outage');
    rule.remove();
    const rl = fake.fail(VERIFY_AK, { status: 429, retryAfter: 1 });
    assertStatus(await whoami(srv, k.secret), 503, '429 → 503');
    rl.remove();
    const bad = fake.fail(VERIFY_AK, { status: 401 });
    assertStatus(await whoami(srv, k.secret), 503, '401 → 503');
    bad.remove();
    assertStatus(await whoami(srv, k.secret), 200, 'back');
    assert.equal(await metric(srv, /^mysaas_machine_verifications_total\{type="api_key",form="opaque",outcome="unavailable"\}/), 3);
  });
});

test('single flight: 20 concurrent first uses make one call', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const k = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' });
    fake.delay(VERIFY_AK, 300);
    const rs = await Promise.all(Array.from({ length: 20 }, () => whoami(srv, k.secret)));
    for (const r of rs) assertStatus(r, 200, 'burst');
    assert.equal(fake.count(VERIFY_AK), 1);
  });
});

test('no CLERK_SECRET_KEY: machine tokens are refused', T, async () => {
  await withMachineServer(async ({ srv, fake }) => {
    const k = fake.addApiKey({ subject: 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ' });
    assertNotAuthenticated(await whoami(srv, k.secret), 'no secret');
    assert.equal(fake.count(VERIFY_AK), 0);
  }, { env: { CLERK_SECRET_KEY: undefined } });
});

test('a session token on whoami', T, async () => {
  await withMachineServer(async ({ srv, key }) => {
    const user = await createUser(srv);
    const token = await mint(key, user.clerkId);
    const r = await whoami(srv, token);
    assertStatus(r, 200, 'session');
    assert.equal(r.json.token_type, 'session_token');
    assert.equal(r.json.subject, user.clerkId);
    assert.deepEqual(r.json.scopes, []);
    assert.ok(r.json.session_id);
  });
});

const MCH = 'mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D';
const USER = 'user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ';

function m2mJwt(key, { claims = {}, header = {} } = {}) {
  const iat = nowSec();
  return mint(key, MCH, {
    payload: { sub: MCH, iat, nbf: iat, exp: iat + 3600, jti: 'mt_0123456789abcdef0123456789abcdef', scopes: 'mch_a mch_b', job: 'sync', ...claims },
    header: { cat: CAT.m2m, ...header },
  });
}

function oauthJwt(key, { claims = {}, header = {} } = {}) {
  const iat = nowSec();
  return mint(key, USER, {
    payload: { sub: USER, iat, nbf: iat, exp: iat + 3600, jti: 'oat_x', client_id: 'cid', scp: ['profile', 'email'], org_id: 'org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH', ...claims },
    header: { typ: 'at+jwt', ...header },
  });
}

test('M2M and OAuth JWTs, checked with CLERK_JWT_KEY', T, async () => {
  await withMachineServer(async ({ srv, key, fake }) => {
    let r = await whoami(srv, await m2mJwt(key));
    assertStatus(r, 200, 'm2m jwt');
    assert.deepEqual(r.json, { token_type: 'm2m_token', subject: MCH, session_id: null, org_id: null, scopes: ['mch_a', 'mch_b'], actor: null });
    r = await whoami(srv, await m2mJwt(key, { header: { cat: undefined } }));
    assertStatus(r, 200, 'm2m jwt without cat');
    r = await whoami(srv, await oauthJwt(key));
    assertStatus(r, 200, 'oauth jwt');
    assert.deepEqual(r.json, { token_type: 'oauth_token', subject: USER, session_id: null, org_id: 'org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH', scopes: ['profile', 'email'], actor: null });
    r = await whoami(srv, await oauthJwt(key, { header: { typ: 'application/at+jwt' }, claims: { scp: undefined, scope: 'a b' } }));
    assertStatus(r, 200, 'oauth jwt, long typ');
    assert.deepEqual(r.json.scopes, ['a', 'b']);

    assertNotAuthenticated(await whoami(srv, await m2mJwt(key, { header: { cat: CAT.session } })), 'wrong cat');
    assertNotAuthenticated(await whoami(srv, await m2mJwt(key, { claims: { exp: nowSec() - 60 } })), 'expired');
    const other = await newKey(key.kid);
    assertNotAuthenticated(await whoami(srv, await m2mJwt(other)), 'another key');
    assertNotAuthenticated(await call(srv, '/api/v1/users/me', { token: await oauthJwt(key) }), 'an OAuth JWT on users/me');
    assertNotAuthenticated(await call(srv, '/api/v1/organizations', { token: await m2mJwt(key) }), 'an M2M JWT on a session route');
    assert.equal(fake.count('POST *'), 0, 'no Backend API call for a JWT');
  });
});

test('M2M JWT checked with the JWKS', T, async () => {
  const fake = await startFakeClerk();
  const key = await newKey();
  fake.setJwks([key.jwk]);
  let srv;
  try {
    srv = await startWebhookServer({ env: { ...fake.env() } });
    const r = await whoami(srv, await m2mJwt(key));
    assertStatus(r, 200, 'm2m jwt via JWKS');
    assert.equal(r.json.subject, MCH);
  } finally {
    if (srv) await srv.stop();
    await fake.close();
  }
});
