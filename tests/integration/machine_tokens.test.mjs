// Machine authentication (DESIGN §13, §4): Clerk API keys (ak_), M2M tokens
// (mt_) and OAuth access tokens (oat_) verified through the fake Backend
// API's verify endpoints (lib/fake_clerk.mjs), and the JWT forms of M2M and
// OAuth tokens minted with the npm `jose` package (key by CLERK_JWT_KEY or
// by the JWKS). Black box: each type on GET /api/v1/auth/whoami (exact
// answer), on the routes that accept it and refused (401) on the others; a
// machine token in a cookie is not one; the verdict cache (accepted: no
// second call; refused: no call again within 10 s; one call for concurrent
// first uses), the outage rule (503, never 401, when Clerk cannot answer and
// nothing is cached; a cached accept survives), Clerk refusing our own
// secret key (503 and an error in the log), no secret key (401), and the
// /metrics counters.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { SignJWT } from 'jose';

import { CLERK_ERRORS, clerkId, hexId } from './lib/fake_clerk.mjs';
import { SKIP_VIA_PROXY, sleep, until } from './lib/server.mjs';
import { PUBLISHABLE_KEY, assertNotAuthenticated, mint, newKey, nowSec } from './lib/clerk.mjs';
import { startWebhookServer } from './lib/webhook.mjs';
import { T, organization, person, startWithFake } from './org_helpers.mjs';

const WHOAMI = '/api/v1/auth/whoami';
const ME = '/api/v1/users/me';
const WHOAMI_KEYS = ['actor', 'org_id', 'scopes', 'session_id', 'subject', 'token_type'];
const CAT = { session: 'cl_B7d4PD111AAA', template: 'cl_B7d4PD222AAA', m2m: 'cl_B7d4PD333AAA' };
// Counts the verify calls of one process's cache: behind the proxy two
// instances each verify once.
const ONE = { ...T, skip: SKIP_VIA_PROXY('counts the verify calls of one process') };
const NEGATIVE_TTL_MS = 10000;

// A request with an optional bearer token, cookies and JSON body:
// {status, text, json, headers}.
async function req(srv, path, { token, cookies, method = 'GET', body, headers = {}, timeout = 30000 } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  if (cookies) h.cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ');
  let payload;
  if (body !== undefined) {
    h['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(srv.url + path, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeout) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, text, json, headers: res.headers };
}

const tokenOf = (t) => (typeof t === 'string' ? t : t.secret ?? t.token);

function assertStatus(r, status, what) {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

// whoami answered 200 with exactly these fields and values.
function assertWhoami(r, want, what) {
  assertStatus(r, 200, what);
  assert.deepEqual(Object.keys(r.json).sort(), WHOAMI_KEYS, `${what}: fields ${r.text}`);
  assert.deepEqual(r.json, want, `${what}: ${r.text}`);
}

// The outage answer: 503 with a JSON detail, never 401.
function assertUnavailable(r, what) {
  assert.equal(r.status, 503, `${what}: expected 503, got ${r.status} ${r.text}`);
  assert.equal(typeof r.json?.detail, 'string', `${what}: JSON {"detail"}: ${r.text}`);
}

// An M2M JWT (reference/clerk.md §10.3): sub mch_, jti mt_, scopes as a
// space-separated claim; header cat optional. opts: claims (merged,
// undefined removes), header (merged), exp/iat offsets, signWith.
async function m2mJwt(key, { sub = clerkId('mch'), claims = {}, header = {}, now = nowSec(), signWith } = {}) {
  const payload = { sub, jti: hexId('mt'), iat: now, nbf: now - 5, exp: now + 3600, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const h = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...header };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  return new SignJWT(payload).setProtectedHeader(h).sign(signWith ?? key.privateKey);
}

// An OAuth access token as a JWT: header typ at+jwt, sub user_, client_id,
// scp array.
async function oauthJwt(key, { sub, claims = {}, header = {}, now = nowSec() } = {}) {
  const payload = { sub, client_id: 'client_abc123', jti: hexId('oat'), iat: now, nbf: now - 5, exp: now + 86400, ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const h = { alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  return new SignJWT(payload).setProtectedHeader(h).sign(key.privateKey);
}

// The /metrics text.
async function metricsText(srv) {
  const r = await fetch(`${srv.url}/metrics`, { signal: AbortSignal.timeout(10000) });
  assert.equal(r.status, 200);
  return r.text();
}

// Every sample of the metrics whose name matches `name` (a RegExp):
// [{name, labels, value}].
function samples(text, name) {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.eE+-]+)$/.exec(line);
    if (m && name.test(m[1])) out.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

// The labels of a sample, {"{a=\"b\"}"} → {a: 'b'}.
function parseLabels(text) {
  const out = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) out[m[1]] = m[2];
  return out;
}

// The value of the sample `name` whose labels are exactly `labels`, or 0
// when absent (a series appears once it is non-zero).
function metricValue(text, name, labels = {}) {
  const want = JSON.stringify(Object.entries(labels).sort());
  const hit = samples(text, new RegExp(`^${name}$`))
    .find((x) => JSON.stringify(Object.entries(parseLabels(x.labels)).sort()) === want);
  return hit ? hit.value : 0;
}

describe('machine tokens, key by CLERK_JWT_KEY', () => {
  let ctx;
  let fake;
  let srv;
  let alice; // mirrored user, admin of acme
  let bob; // mirrored user, in no organization
  let acme; // mirrored organization
  let globex; // another mirrored organization

  const who = (token, opts) => req(srv, WHOAMI, { token, ...opts });

  before(async () => {
    ctx = await startWithFake({ env: { CLERK_AUTHORIZED_PARTIES: 'http://localhost:3000' } });
    ({ fake, srv } = ctx);
    alice = await person(srv, fake, { email: 'alice@acme.example', first_name: 'Alice' });
    bob = await person(srv, fake, { email: 'bob@example.com', first_name: 'Bob' });
    acme = await organization(srv, fake, [[alice, 'org:admin']], { name: 'Acme' });
    globex = await organization(srv, fake, [[bob, 'org:member']], { name: 'Globex' });
  });
  after(async () => {
    try {
      await srv?.stop();
    } finally {
      await fake?.close();
    }
  });

  // ------------------------------------------------------------ whoami

  test('whoami: a session token (with an active organization and an actor) answers the six fields', T, async () => {
    const token = await mint(ctx.key, alice.id, {
      claims: { sid: 'sess_2m9ZcF5tW8qL1nR4vK7xB3pJ6sQ', org_id: acme.id, org_role: 'org:admin', org_slug: acme.slug,
        org_permissions: [] },
    });
    assertWhoami(await who(token), {
      token_type: 'session_token', subject: alice.id, session_id: 'sess_2m9ZcF5tW8qL1nR4vK7xB3pJ6sQ',
      org_id: acme.id, scopes: [], actor: null,
    }, 'session');
    const plain = await mint(ctx.key, bob.id, { claims: { sid: 'sess_2m9ZcF5tW8qL1nR4vK7xB3pJ6sR', act: { sub: alice.id } } });
    assertWhoami(await who(plain), {
      token_type: 'session_token', subject: bob.id, session_id: 'sess_2m9ZcF5tW8qL1nR4vK7xB3pJ6sR', org_id: null,
      scopes: [], actor: alice.id,
    }, 'session without an organization, impersonated');
    assertNotAuthenticated(await who(undefined), 'no token');
  });

  test('whoami: API keys with a user, an organization and a machine subject', T, async () => {
    const mch = clerkId('mch');
    const cases = [
      [fake.addApiKey({ subject: alice.id, scopes: ['invoices:read', 'invoices:write'], claims: { env: 'ci' } }), null],
      [fake.addApiKey({ subject: acme.id, scopes: ['invoices:read'] }), acme.id],
      [fake.addApiKey({ subject: mch, scopes: [] }), null],
    ];
    for (const [k, org] of cases) {
      assertWhoami(await who(k.secret), {
        token_type: 'api_key', subject: k.subject, session_id: null, org_id: org, scopes: k.scopes, actor: null,
      }, `api key of ${k.subject}`);
    }
    // The fake's secrets are base64 and hold "/", "+" or "=": only the
    // prefix classifies (reference/clerk.md §10.1).
    const sdk = fake.addApiKey({ subject: alice.id, secret: 'ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=' });
    assertStatus(await who(sdk.secret), 200, 'the SDK fixture\'s secret');
    assert.deepEqual(fake.lastCall('POST /v1/api_keys/verify').body, { secret: sdk.secret }, 'the body Clerk receives');
    assert.equal(fake.lastCall('POST /v1/api_keys/verify').headers.authorization, `Bearer ${fake.secretKey}`);
  });

  test('whoami: an opaque M2M token and an opaque OAuth access token', T, async () => {
    const mt = fake.addM2MToken({ subject: 'mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D', scopes: ['mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F'],
      claims: { job: 'invoice-sync' } });
    assertWhoami(await who(mt.token), {
      token_type: 'm2m_token', subject: 'mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D', session_id: null, org_id: null,
      scopes: ['mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F'], actor: null,
    }, 'mt_');
    assert.deepEqual(fake.lastCall('POST /v1/m2m_tokens/verify').body, { token: mt.token });
    const oat = fake.addOAuthToken({ subject: alice.id, scopes: ['profile', 'email'] });
    assertWhoami(await who(oat.token), {
      token_type: 'oauth_token', subject: alice.id, session_id: null, org_id: null, scopes: ['profile', 'email'],
      actor: null,
    }, 'oat_');
    assert.deepEqual(fake.lastCall('POST /v1/oauth_applications/access_tokens/verify').body, { access_token: oat.token });
  });

  test('whoami: an M2M JWT and an OAuth JWT verified with CLERK_JWT_KEY, no call to Clerk', T, async () => {
    const before = fake.verifyCount();
    const mch = clerkId('mch');
    const scopes = [clerkId('mch'), clerkId('mch')];
    // No iss, no azp although CLERK_AUTHORIZED_PARTIES is set: session-only
    // rules (DESIGN §13).
    for (const header of [{}, { cat: CAT.m2m }, { typ: undefined }]) {
      const t = await m2mJwt(ctx.key, { sub: mch, claims: { scopes: scopes.join(' ') }, header });
      assertWhoami(await who(t), {
        token_type: 'm2m_token', subject: mch, session_id: null, org_id: null, scopes, actor: null,
      }, `M2M JWT, header ${JSON.stringify(header)}`);
    }
    const foreign = await m2mJwt(ctx.key, { sub: mch, claims: { iss: 'https://elsewhere.example', azp: 'https://x.example' } });
    assertStatus(await who(foreign), 200, 'M2M JWT: iss and azp are not checked');
    const noScopes = await m2mJwt(ctx.key, { sub: mch });
    assert.deepEqual((await who(noScopes)).json?.scopes, [], 'M2M JWT without scopes or aud: []');
    const byAud = await m2mJwt(ctx.key, { sub: mch, claims: { aud: scopes } });
    assert.deepEqual((await who(byAud)).json?.scopes, scopes, 'M2M JWT: scopes from aud when there is no scopes claim');

    const oj = await oauthJwt(ctx.key, { sub: alice.id, claims: { scp: ['profile', 'email'] } });
    assertWhoami(await who(oj), {
      token_type: 'oauth_token', subject: alice.id, session_id: null, org_id: null, scopes: ['profile', 'email'],
      actor: null,
    }, 'OAuth JWT, typ at+jwt, scp');
    const oj2 = await oauthJwt(ctx.key, { sub: alice.id, claims: { scope: 'profile email' },
      header: { typ: 'application/at+jwt' } });
    assertWhoami(await who(oj2), {
      token_type: 'oauth_token', subject: alice.id, session_id: null, org_id: null, scopes: ['profile', 'email'],
      actor: null,
    }, 'OAuth JWT, typ application/at+jwt, scope');
    assert.equal(fake.verifyCount(), before, 'JWTs are verified locally');
  });

  test('JWT forms: wrong cat, expired, not yet valid, bad signature, another key, unsigned → 401', T, async () => {
    const mch = clerkId('mch');
    const now = nowSec();
    for (const [what, t] of [
      ['M2M JWT with the session cat', await m2mJwt(ctx.key, { sub: mch, header: { cat: CAT.session } })],
      ['M2M JWT with the template cat', await m2mJwt(ctx.key, { sub: mch, header: { cat: CAT.template } })],
      ['M2M JWT with an unknown cat', await m2mJwt(ctx.key, { sub: mch, header: { cat: 'cl_XXXXXXXXXXXX' } })],
      ['expired M2M JWT', await m2mJwt(ctx.key, { sub: mch, claims: { iat: now - 120, exp: now - 30 } })],
      ['M2M JWT not valid before a minute from now', await m2mJwt(ctx.key, { sub: mch, claims: { nbf: now + 60 } })],
      ['M2M JWT signed by another key with the same kid', await m2mJwt(await newKey(ctx.key.kid), { sub: mch })],
      ['M2M JWT with an unknown kid', await m2mJwt(await newKey(), { sub: mch })],
      ['expired OAuth JWT', await oauthJwt(ctx.key, { sub: alice.id, claims: { iat: now - 120, exp: now - 30 } })],
      ['OAuth JWT signed by another key', await oauthJwt(await newKey(ctx.key.kid), { sub: alice.id })],
    ]) assertNotAuthenticated(await who(t), what);
    const good = await m2mJwt(ctx.key, { sub: mch });
    const [h, p] = good.split('.');
    assertNotAuthenticated(await who(`${h}.${p}.`), 'M2M JWT without its signature');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: clerkId('mch'), exp: now + 60 })).toString('base64url')}.${good.split('.')[2]}`;
    assertNotAuthenticated(await who(tampered), 'M2M JWT with another payload');
    // Leeway: 5 s on the times.
    assertStatus(await who(await m2mJwt(ctx.key, { sub: mch, claims: { exp: nowSec() - 2 } })), 200,
      'expired 2 s ago: within the leeway');
  });

  // ------------------------------------------------------------ routes

  test('users/me: an API key and an opaque OAuth token of a user act as that user', T, async () => {
    const k = fake.addApiKey({ subject: alice.id });
    const oat = fake.addOAuthToken({ subject: alice.id });
    const viaSession = await req(srv, ME, { token: await mint(ctx.key, alice.id) });
    assertStatus(viaSession, 200, 'session');
    for (const [what, t] of [['api key', k.secret], ['oat_', oat.token]]) {
      const r = await req(srv, ME, { token: t });
      assertStatus(r, 200, what);
      assert.equal(r.json.clerk_id, alice.id, what);
      assert.equal(r.json.id, alice.local, what);
      assert.equal(r.json.email, 'alice@acme.example', what);
      assert.deepEqual(r.json.organizations, viaSession.json.organizations, `${what}: the user's organizations`);
      assert.equal(r.json.active_organization, null, what);
    }
  });

  test('users/me: a user Clerk knows that is not mirrored yet is fetched just in time, as for sessions', T, async () => {
    const carol = fake.addUser({ email: 'carol@example.com', first_name: 'Carol' });
    const k = fake.addApiKey({ subject: carol.id });
    const r = await req(srv, ME, { token: k.secret });
    assertStatus(r, 200, 'api key of an unmirrored user');
    assert.equal(r.json.clerk_id, carol.id);
    assert.equal(r.json.email, 'carol@example.com');
  });

  test('users/me refuses other machine tokens: organization or machine API keys, M2M tokens, OAuth JWTs, M2M JWTs', T,
    async () => {
      for (const [what, t] of [
        ['api key of an organization', fake.addApiKey({ subject: acme.id }).secret],
        ['api key of a machine', fake.addApiKey({ subject: clerkId('mch') }).secret],
        ['mt_', fake.addM2MToken({}).token],
        ['OAuth JWT of the user', await oauthJwt(ctx.key, { sub: alice.id })],
        ['M2M JWT', await m2mJwt(ctx.key)],
      ]) assertNotAuthenticated(await req(srv, ME, { token: t }), `users/me with ${what}`);
    });

  test('organization routes: the organization\'s own API key reads it and its members (local id or Clerk id)', T,
    async () => {
      const k = fake.addApiKey({ subject: acme.id, scopes: ['org:read'] });
      for (const id of [acme.local, acme.id]) {
        const r = await req(srv, `/api/v1/organizations/${id}`, { token: k.secret });
        assertStatus(r, 200, `GET organizations/${id}`);
        assert.equal(r.json.id, acme.local);
        assert.equal(r.json.clerk_id, acme.id);
        assert.equal(r.json.name, 'Acme');
        const m = await req(srv, `/api/v1/organizations/${id}/members`, { token: k.secret });
        assertStatus(m, 200, `GET organizations/${id}/members`);
        assert.equal(m.json.total_count, 1);
        assert.equal(m.json.data[0].user.clerk_id, alice.id);
        assert.equal(m.json.data[0].role, 'org:admin');
      }
    });

  test('organization routes refuse another organization\'s key and tokens of other types', T, async () => {
    const other = fake.addApiKey({ subject: globex.id });
    const outsider = await mint(ctx.key, bob.id);
    for (const p of [`/api/v1/organizations/${acme.local}`, `/api/v1/organizations/${acme.id}/members`]) {
      const r = await req(srv, p, { token: other.secret });
      // As a session of a non-member is answered (DESIGN §4: 404).
      const s = await req(srv, p, { token: outsider });
      assertStatus(s, 404, `${p} with a non-member's session`);
      assert.deepEqual([r.status, r.json], [s.status, s.json], `${p} with another organization's key: ${r.text}`);
    }
    for (const [what, t] of [
      ['api key of a member user', fake.addApiKey({ subject: alice.id }).secret],
      ['api key of a machine', fake.addApiKey({ subject: clerkId('mch') }).secret],
      ['mt_', fake.addM2MToken({}).token],
      ['oat_ of a member', fake.addOAuthToken({ subject: alice.id }).token],
      ['OAuth JWT of a member', await oauthJwt(ctx.key, { sub: alice.id, claims: { org_id: acme.id } })],
      ['M2M JWT', await m2mJwt(ctx.key)],
    ]) {
      assertNotAuthenticated(await req(srv, `/api/v1/organizations/${acme.id}`, { token: t }), `organization with ${what}`);
      assertNotAuthenticated(await req(srv, `/api/v1/organizations/${acme.id}/members`, { token: t }),
        `members with ${what}`);
    }
  });

  test('routes that accept only sessions (and routes with requirements) refuse every machine token with 401', T,
    async () => {
      const userKey = fake.addApiKey({ subject: alice.id });
      const orgKey = fake.addApiKey({ subject: acme.id });
      const oat = fake.addOAuthToken({ subject: alice.id });
      const mt = fake.addM2MToken({});
      const tokens = [['user api key', userKey.secret], ['org api key', orgKey.secret], ['oat_', oat.token],
        ['mt_', mt.token], ['M2M JWT', await m2mJwt(ctx.key)], ['OAuth JWT', await oauthJwt(ctx.key, { sub: alice.id })]];
      const routes = [
        ['GET', '/api/v1/organizations'],
        ['GET', '/api/v1/users/me/sessions'],
        ['GET', '/api/v1/auth/check?role=org:admin'],
        ['GET', `/api/v1/organizations/${acme.id}/invitations`],
        ['PATCH', `/api/v1/organizations/${acme.id}`, { name: 'Renamed' }],
        ['DELETE', `/api/v1/organizations/${acme.id}`],
        ['POST', `/api/v1/organizations/${acme.id}/invitations`, { email_address: 'x@example.com', role: 'org:member' }],
        ['PATCH', `/api/v1/organizations/${acme.id}/members/${alice.id}`, { role: 'org:member' }],
        ['DELETE', `/api/v1/organizations/${acme.id}/members/${alice.id}`],
      ];
      const writes = fake.count((c) => c.method !== 'GET' && !c.path.endsWith('/verify'));
      for (const [method, path, body] of routes) {
        for (const [what, t] of tokens)
          assertNotAuthenticated(await req(srv, path, { method, token: t, body }), `${method} ${path} with ${what}`);
      }
      assert.equal(fake.count((c) => c.method !== 'GET' && !c.path.endsWith('/verify')), writes, 'no write reached Clerk');
      assert.equal(fake.organization(acme.id).name, 'Acme');
    });

  test('a machine token in a cookie is a session-token attempt: 401, and Clerk is not asked', ONE, async () => {
    const k = fake.addApiKey({ subject: alice.id });
    const mt = fake.addM2MToken({});
    const oat = fake.addOAuthToken({ subject: alice.id });
    const mj = await m2mJwt(ctx.key);
    for (const [what, t] of [['api key', k.secret], ['mt_', mt.token], ['oat_', oat.token], ['M2M JWT', mj]]) {
      for (const name of ['__session', '__session_PXVV4PZn']) {
        assertNotAuthenticated(await req(srv, WHOAMI, { cookies: { [name]: t } }), `${what} in ${name}`);
        assertNotAuthenticated(await req(srv, ME, { cookies: { [name]: t } }), `users/me, ${what} in ${name}`);
      }
    }
    for (const t of [k, mt, oat]) assert.equal(fake.verifyCount(t), 0, 'no verify call for a cookie');
    // The header is the token when both are present.
    assertStatus(await req(srv, WHOAMI, { token: k.secret, cookies: { __session: 'garbage' } }), 200, 'header wins');
    assert.equal(PUBLISHABLE_KEY.startsWith('pk_test_'), true);
  });

  test('the access log names the token type and never holds a token', T, async () => {
    const k = fake.addApiKey({ subject: alice.id });
    const mt = fake.addM2MToken({});
    assertStatus(await req(srv, WHOAMI, { token: k.secret }), 200, 'api key');
    assertStatus(await req(srv, WHOAMI, { token: mt.token }), 200, 'mt_');
    assertNotAuthenticated(await req(srv, WHOAMI, { token: 'ak_unknown_secret_value' }), 'unknown key');
    await sleep(200);
    const logs = srv.logs();
    for (const secret of [k.secret, mt.token, 'ak_unknown_secret_value'])
      assert.ok(!logs.includes(secret), `the log holds the token ${secret}`);
    const lines = logs.split('\n').filter((l) => l.includes('/api/v1/auth/whoami') && /status="?200/.test(l));
    assert.ok(lines.some((l) => l.includes('api_key')), `an access line names api_key:\n${lines.join('\n')}`);
    assert.ok(lines.some((l) => l.includes('m2m_token')), 'an access line names m2m_token');
  });

  // ------------------------------------------------------------ the cache

  test('an accepted verdict is cached: a second use, on any route, makes no call', ONE, async () => {
    const k = fake.addApiKey({ subject: alice.id });
    const mt = fake.addM2MToken({});
    const oat = fake.addOAuthToken({ subject: alice.id });
    for (const t of [k, mt, oat]) {
      assertStatus(await who(tokenOf(t)), 200, 'first use');
      assert.equal(fake.verifyCount(t), 1, 'one call');
      for (let i = 0; i < 3; i++) assertStatus(await who(tokenOf(t)), 200, `use ${i + 2}`);
      assert.equal(fake.verifyCount(t), 1, 'no call for the later uses');
    }
    assertStatus(await req(srv, ME, { token: k.secret }), 200, 'users/me with the cached key');
    assert.equal(fake.verifyCount(k), 1, 'the cache serves every route');
    // Revoked at Clerk: the cache keeps it for its TTL (the documented delay).
    fake.revokeToken(k.id);
    assertStatus(await who(k.secret), 200, 'revoked at Clerk, still cached');
    assert.equal(fake.verifyCount(k), 1);
  });

  test('a refused verdict (404, 422, revoked, expired, inactive) is 401 and cached for 10 s', ONE, async () => {
    const t0 = Date.now();
    const refused = [
      ['unknown api key', `ak_${hexId('x').slice(2)}`, 'api_key'],
      ['unknown mt_', `mt_${hexId('x').slice(2)}`, 'm2m_token'],
      ['unknown oat_', `oat_${hexId('x').slice(2)}`, 'oauth_token'],
      ['revoked api key', fake.addApiKey({ subject: alice.id, revoked: true, revocation_reason: 'leaked' }).secret],
      ['expired api key', fake.addApiKey({ subject: alice.id, expired: true }).secret],
      ['api key past its expiration', fake.addApiKey({ subject: alice.id, expiration: Date.now() - 1000 }).secret],
      ['revoked mt_', fake.addM2MToken({ revoked: true }).token],
      ['expired mt_', fake.addM2MToken({ expired: true }).token],
      ['revoked oat_', fake.addOAuthToken({ subject: alice.id, revoked: true }).token],
      ['inactive oat_ ({"active":false})', fake.addOAuthToken({ subject: alice.id, active: false }).token],
      ['api key answered 422', fake.addApiKey({ subject: alice.id, fault: { status: 422 } }).secret],
    ];
    for (const [what, t] of refused) {
      assertNotAuthenticated(await who(t), what);
      assert.equal(fake.verifyCount(t), 1, `${what}: one call`);
    }
    for (const [what, t] of refused) {
      assertNotAuthenticated(await who(t), `${what}, again`);
      assertNotAuthenticated(await req(srv, ME, { token: t }), `${what}, again on users/me`);
      assert.equal(fake.verifyCount(t), 1, `${what}: no call again within 10 s`);
    }
    assert.ok(Date.now() - t0 < NEGATIVE_TTL_MS - 1000, 'the checks ran within the 10 s');
    // After the 10 s, Clerk is asked again.
    await sleep(Math.max(0, t0 + NEGATIVE_TTL_MS + 1500 - Date.now()));
    const [what, t] = refused[3];
    assertNotAuthenticated(await who(t), `${what}, after 10 s`);
    assert.equal(fake.verifyCount(t), 2, `${what}: a new call after 10 s`);
  });

  test('an accepted verdict lasts no longer than the token\'s expiration', ONE, async () => {
    const k = fake.addApiKey({ subject: alice.id, expiration: Date.now() + 2500 });
    assertStatus(await who(k.secret), 200, 'before its expiration');
    assertStatus(await who(k.secret), 200, 'before its expiration, cached');
    assert.equal(fake.verifyCount(k), 1);
    await sleep(3500);
    assertNotAuthenticated(await who(k.secret), 'after its expiration');
  });

  test('single flight: 20 concurrent first uses of one token make one call, and all get 200', ONE, async () => {
    for (const t of [fake.addApiKey({ subject: alice.id, delayMs: 400 }), fake.addM2MToken({ delayMs: 400 }),
      fake.addOAuthToken({ subject: alice.id, delayMs: 400 })]) {
      const rs = await Promise.all(Array.from({ length: 20 }, () => who(tokenOf(t))));
      const statuses = rs.map((r) => r.status);
      assert.deepEqual(statuses, Array(20).fill(200), `all 200: ${statuses}`);
      assert.equal(fake.verifyCount(t), 1, `exactly one verify call for ${tokenOf(t).slice(0, 4)}`);
    }
  });

  test('single flight with a refusal: 20 concurrent first uses of a revoked key, one call, all 401', ONE, async () => {
    const k = fake.addApiKey({ subject: alice.id, revoked: true, delayMs: 300 });
    const rs = await Promise.all(Array.from({ length: 20 }, () => who(k.secret)));
    for (const r of rs) assertNotAuthenticated(r, 'revoked, concurrent');
    assert.equal(fake.verifyCount(k), 1);
  });

  // ------------------------------------------------------------ outages

  test('outage, nothing cached: Clerk 500, 503, 429, a reset connection → 503, never 401; then accepted', T, async () => {
    for (const [what, fault] of [['500', { status: 500 }], ['503', { status: 503 }],
      ['429 with Retry-After', { status: 429, retryAfter: 1 }], ['a reset connection', { reset: true }],
      ['a proxy\'s HTML 502', { status: 502, body: '<html>Bad gateway</html>' }]]) {
      const k = fake.addApiKey({ subject: alice.id });
      const rule = fake.failToken(k, fault);
      assertUnavailable(await who(k.secret), `Clerk ${what}`);
      assertUnavailable(await req(srv, ME, { token: k.secret }), `Clerk ${what}, users/me`);
      rule.remove();
      const r = await until(async () => {
        const x = await who(k.secret);
        assert.notEqual(x.status, 401, `after Clerk ${what}: never a 401 for a valid key`);
        return x.status === 200 ? x : null;
      }, { ms: 15000, every: 250 });
      assert.ok(r, `after Clerk ${what}: accepted once Clerk answers`);
    }
    for (const t of [fake.addM2MToken({ fault: { status: 500 } }), fake.addOAuthToken({ subject: alice.id,
      fault: { status: 429, retryAfter: 2 } })])
      assertUnavailable(await who(tokenOf(t)), `${tokenOf(t).slice(0, 4)} with Clerk failing`);
  });

  test('outage, Clerk unreachable: 503 with nothing cached; a cached accept still answers 200', ONE, async () => {
    const cached = fake.addApiKey({ subject: alice.id });
    const cachedMt = fake.addM2MToken({});
    assertStatus(await who(cached.secret), 200, 'cached before the outage');
    assertStatus(await who(cachedMt.token), 200, 'cached before the outage');
    const fresh = fake.addApiKey({ subject: alice.id });
    await fake.down();
    try {
      const t0 = Date.now();
      assertUnavailable(await who(fresh.secret), 'Clerk unreachable, nothing cached');
      assert.ok(Date.now() - t0 < 15000, 'answered in bounded time');
      assertStatus(await who(cached.secret), 200, 'Clerk unreachable, cached accept');
      assertStatus(await req(srv, ME, { token: cached.secret }), 200, 'Clerk unreachable, cached accept, users/me');
      assertStatus(await who(cachedMt.token), 200, 'Clerk unreachable, cached mt_');
    } finally {
      await fake.up();
    }
    assert.ok(await until(async () => (await who(fresh.secret)).status === 200, { ms: 15000, every: 250 }),
      'accepted once Clerk is back');
  });

  test('outage after a cached accept: Clerk answering 500 does not touch the cached key', ONE, async () => {
    const k = fake.addApiKey({ subject: acme.id });
    assertStatus(await req(srv, `/api/v1/organizations/${acme.id}`, { token: k.secret }), 200, 'first use');
    const rule = fake.fail('*', { status: 500 });
    try {
      for (let i = 0; i < 3; i++)
        assertStatus(await req(srv, `/api/v1/organizations/${acme.id}`, { token: k.secret }), 200, `cached, use ${i}`);
    } finally {
      rule.remove();
    }
    assert.equal(fake.verifyCount(k), 1);
  });

  test('Clerk refusing our secret key (401, 403) → 503 and an error in the log', T, async () => {
    const k401 = fake.addApiKey({ subject: alice.id, fault: { status: 401 } });
    const k403 = fake.addM2MToken({ fault: { error: CLERK_ERRORS.forbidden() } });
    const logBefore = srv.logs().length;
    assertUnavailable(await who(k401.secret), 'Clerk 401');
    assertUnavailable(await who(k403.token), 'Clerk 403');
    await sleep(200);
    const added = srv.logs().slice(logBefore);
    assert.match(added, /level=error/, `an error line in the log:\n${added}`);
    assert.ok(!added.includes(k401.secret) && !added.includes(k403.token), 'the log holds no token');
    assert.ok(!added.includes(fake.secretKey), 'the log holds no secret key');
  });

  // ------------------------------------------------------------ metrics

  test('/metrics counts machine verifications by type, form and outcome, cache lookups, Clerk calls and their time',
    ONE, async () => {
      const before = await metricsText(srv);
      const k = fake.addApiKey({ subject: alice.id });
      assertStatus(await who(k.secret), 200, 'accepted');
      assertStatus(await who(k.secret), 200, 'accepted, cached');
      assertNotAuthenticated(await who(`ak_${hexId('x').slice(2)}`), 'refused');
      assertStatus(await who(fake.addM2MToken({}).token), 200, 'mt_');
      assertStatus(await who(fake.addOAuthToken({ subject: alice.id }).token), 200, 'oat_');
      assertStatus(await who(await m2mJwt(ctx.key)), 200, 'M2M JWT');
      assertNotAuthenticated(await req(srv, ME, { token: fake.addM2MToken({}).token }), 'mt_ on users/me');
      assertUnavailable(await who(fake.addApiKey({ subject: alice.id, fault: { status: 500 } }).secret), 'Clerk 500');
      const after = await metricsText(srv);
      const delta = (name, labels) => metricValue(after, name, labels) - metricValue(before, name, labels);
      const V = 'mysaas_machine_verifications_total';
      for (const [labels, n] of [
        [{ type: 'api_key', form: 'opaque', outcome: 'accepted' }, 2],
        [{ type: 'api_key', form: 'opaque', outcome: 'refused' }, 1],
        [{ type: 'api_key', form: 'opaque', outcome: 'unavailable' }, 1],
        [{ type: 'm2m_token', form: 'opaque', outcome: 'accepted' }, 1],
        [{ type: 'm2m_token', form: 'opaque', outcome: 'not_accepted' }, 1],
        [{ type: 'oauth_token', form: 'opaque', outcome: 'accepted' }, 1],
        [{ type: 'm2m_token', form: 'jwt', outcome: 'accepted' }, 1],
      ]) assert.equal(delta(V, labels), n, `${V}${JSON.stringify(labels)}:\n${after}`);
      assert.equal(delta('mysaas_machine_cache_total', { result: 'hit' }), 1, 'one cache hit');
      assert.ok(delta('mysaas_machine_cache_total', { result: 'miss' }) >= 5, 'a miss for each first use');
      assert.match(after, /^mysaas_machine_cache_total\{result="wait"\} \d+$/m, 'the cache counters are always printed');
      const C = 'mysaas_clerk_verify_calls_total';
      for (const [labels, n] of [
        [{ type: 'api_key', status: '200' }, 1], [{ type: 'api_key', status: '404' }, 1],
        [{ type: 'api_key', status: '500' }, 1], [{ type: 'm2m_token', status: '200' }, 1],
        [{ type: 'oauth_token', status: '200' }, 1],
      ]) assert.equal(delta(C, labels), n, `${C}${JSON.stringify(labels)}`);
      assert.equal(delta('mysaas_clerk_verify_duration_seconds_count', { type: 'api_key' }), 3, 'api_key call times');
      assert.equal(delta('mysaas_clerk_verify_duration_seconds_bucket', { type: 'api_key', le: '+Inf' }), 3);
      assert.ok(delta('mysaas_clerk_verify_duration_seconds_sum', { type: 'api_key' }) > 0);
      assert.match(after, /^# TYPE mysaas_clerk_verify_duration_seconds histogram$/m);
      assert.match(after, /^# TYPE mysaas_machine_verifications_total counter$/m);
    });
});

describe('machine tokens without CLERK_SECRET_KEY, with a secret key Clerk refuses', () => {
  test('no CLERK_SECRET_KEY: opaque machine tokens → 401 without any call', T, async () => {
    const { fake, key, srv } = await startWithFake({ env: { CLERK_SECRET_KEY: undefined } });
    try {
      const user = await person(srv, fake, {});
      for (const t of [fake.addApiKey({ subject: user.id }), fake.addM2MToken({}),
        fake.addOAuthToken({ subject: user.id })]) {
        assertNotAuthenticated(await req(srv, WHOAMI, { token: tokenOf(t) }), `${tokenOf(t).slice(0, 4)} without a secret key`);
      }
      assert.equal(fake.verifyCount(), 0, 'Clerk is not asked');
      assertStatus(await req(srv, WHOAMI, { token: await mint(key, user.id) }), 200, 'sessions still work');
    } finally {
      try { await srv.stop(); } finally { await fake.close(); }
    }
  });

  test('a CLERK_SECRET_KEY that Clerk refuses: 503 (never 401) and an error in the log', T, async () => {
    const { fake, srv } = await startWithFake({ env: { CLERK_SECRET_KEY: 'sk_test_not_the_fakes' } });
    try {
      const k = fake.addApiKey({ subject: clerkId('user') });
      assertUnavailable(await req(srv, WHOAMI, { token: k.secret }), 'Clerk answers 401');
      assert.equal(fake.lastCall('POST /v1/api_keys/verify').headers.authorization, 'Bearer sk_test_not_the_fakes');
      await sleep(200);
      assert.match(srv.logs(), /level=error/, 'an error line');
      assert.ok(!srv.logs().includes('sk_test_not_the_fakes'), 'the log holds no secret key');
    } finally {
      try { await srv.stop(); } finally { await fake.close(); }
    }
  });
});

describe('machine JWTs with the key from the JWKS', () => {
  test('M2M and OAuth JWTs are verified with the JWKS fetched from the Backend API', T, async () => {
    const { startFakeClerk } = await import('./lib/fake_clerk.mjs');
    const fake = await startFakeClerk();
    const key = await newKey();
    fake.setJwks([key.jwk]);
    const srv = await startWebhookServer({ env: { ...fake.env(), CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY } });
    try {
      const mch = clerkId('mch');
      assertWhoami(await req(srv, WHOAMI, { token: await m2mJwt(key, { sub: mch, header: { cat: CAT.m2m } }) }), {
        token_type: 'm2m_token', subject: mch, session_id: null, org_id: null, scopes: [], actor: null,
      }, 'M2M JWT by the JWKS');
      const user = clerkId('user');
      assertWhoami(await req(srv, WHOAMI, { token: await oauthJwt(key, { sub: user, claims: { scp: ['a'] } }) }), {
        token_type: 'oauth_token', subject: user, session_id: null, org_id: null, scopes: ['a'], actor: null,
      }, 'OAuth JWT by the JWKS');
      assert.ok(fake.count('GET /v1/jwks') >= 1, 'the JWKS was fetched');
      assert.equal(fake.verifyCount(), 0, 'no verify call for a JWT');
      assertNotAuthenticated(await req(srv, WHOAMI, { token: await m2mJwt(await newKey(key.kid), { sub: mch }) }),
        'M2M JWT by another key');
      assertNotAuthenticated(await req(srv, WHOAMI, { token: await m2mJwt(key, { sub: mch, header: { cat: CAT.session } }) }),
        'M2M JWT with the session cat');
      assertNotAuthenticated(await req(srv, ME, { token: await oauthJwt(key, { sub: user }) }), 'OAuth JWT on users/me');
    } finally {
      try { await srv.stop(); } finally { await fake.close(); }
    }
  });
});
