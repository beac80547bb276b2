// The session rules of DESIGN §6 and §11.1 over HTTP, tokens minted with
// jose: a pending session (sts "pending") is signed out (401 on the API,
// the sign-in redirect on pages); an impersonated session (act) is
// accepted and its actor shown in users/me and in the request's access
// line; the Bearer scheme in any case with white space around the token;
// cookie names case-sensitive and several Cookie headers read as one
// list; __client_uat=0 signs a cookie token out. Every refusal is the
// same 401 whose reason is in the log only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { rawRequest, until } from './lib/server.mjs';
import { startWebhookServer } from './lib/webhook.mjs';
import {
  COOKIE_SUFFIX, NOT_AUTHENTICATED, assertNotAuthenticated, assertStatus, call, createUser, me, mint,
  newKey, nowSec, pemEnv,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };
const SIGN_IN_DASHBOARD = '/sign-in?redirect_url=/dashboard';

// GET path with raw header lines (exact bytes on the wire: fetch would
// trim values and join repeated headers): {status, headers, body, json, id}.
async function raw(srv, path, lines) {
  const head = [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...lines, 'Connection: close', '', ''].join('\r\n');
  const r = await rawRequest(srv.port, head, { timeout: 15000 });
  let json;
  try { json = JSON.parse(r.body); } catch { /* not JSON */ }
  return { ...r, json, id: r.headers['x-request-id'] };
}

// The log lines of one request (by its X-Request-Id), once its access
// line (status=) is written.
async function linesOf(srv, id) {
  assert.ok(id, 'X-Request-Id');
  const mine = () => srv.stderr().split('\n').filter((l) => l.includes(`req=${id}`));
  await until(() => mine().some((l) => / status=\d+/.test(l)), { ms: 5000 });
  return mine();
}

// A 401 of DESIGN §6 whose reason is in the request's log line only.
async function assertRefusedFor(srv, r, reason, what) {
  assert.equal(r.status, 401, `${what}: expected 401, got ${r.status} ${r.body ?? r.text}`);
  const body = r.body ?? r.text;
  assert.deepEqual(JSON.parse(body), NOT_AUTHENTICATED, `${what}: body`);
  assert.ok(!body.includes(reason), `${what}: the reason is not in the body`);
  const lines = await linesOf(srv, r.id ?? r.headers.get('x-request-id'));
  assert.ok(lines.some((l) => l.includes(`outcome=refused reason=${reason}`)),
    `${what}: reason=${reason} logged:\n${lines.join('\n')}`);
}

async function page(srv, cookies) {
  const headers = { cookie: Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ') };
  const r = await fetch(`${srv.url}/dashboard`, { headers, redirect: 'manual', signal: AbortSignal.timeout(30000) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

function redirectsToSignIn(r, what) {
  assert.equal(r.status, 307, `${what}: expected 307, got ${r.status}`);
  assert.equal(r.headers.get('location'), SIGN_IN_DASHBOARD, `${what}: Location`);
}

describe('session status, actor, header and cookie parsing', () => {
  let srv;
  let key;
  let alice;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, { email: 'alice@session.example', first_name: 'Alice' });
  });
  after(async () => { if (srv) await srv.stop(); });

  test('sts "pending" is signed out: 401 on every API route, with and without the cache', T, async () => {
    const pending = await mint(key, alice.clerkId, {
      claims: { sts: 'pending', org_id: 'org_1', org_role: 'org:admin' },
    });
    for (const path of ['/api/v1/users/me', '/api/v1/organizations', '/api/v1/auth/check?role=org:admin']) {
      for (let round = 0; round < 2; round++) {
        const r = await call(srv, path, { token: pending });
        assertNotAuthenticated(r, `${path} round ${round}`);
        await assertRefusedFor(srv, r, 'session-pending', path);
      }
    }
    const cookie = await call(srv, '/api/v1/users/me', { cookies: { __session: pending } });
    await assertRefusedFor(srv, cookie, 'session-pending', 'cookie');
    // Any other status (or none) is a session like any other.
    for (const sts of ['active', undefined]) {
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { sts } }) }), 200, `sts ${sts}`);
    }
  });

  test('sts "pending" on a page: the sign-in redirect, as with no session', T, async () => {
    const pending = await mint(key, alice.clerkId, { claims: { sts: 'pending', azp: undefined } });
    const r = await page(srv, { __session: pending, __client_uat: String(nowSec() - 5) });
    redirectsToSignIn(r, 'pending session');
    const lines = await linesOf(srv, r.headers.get('x-request-id'));
    assert.ok(lines.some((l) => l.includes('reason=session-pending')), lines.join('\n'));
    const active = await mint(key, alice.clerkId, { claims: { azp: undefined } });
    assert.equal((await page(srv, { __session: active })).status, 200, 'an active session renders');
  });

  test('act: accepted, shown as actor in users/me and written into the access line', T, async () => {
    const token = await mint(key, alice.clerkId, {
      claims: { act: { sub: 'user_2Impersonator', sid: 'sess_2Admin', iss: 'https://dashboard.clerk.com' } },
    });
    const r = await me(srv, { token });
    assertStatus(r, 200, 'impersonated');
    assert.equal(r.json.actor, 'user_2Impersonator');
    assert.equal(r.json.clerk_id, alice.clerkId, 'the user is the impersonated one');
    const lines = await linesOf(srv, r.headers.get('x-request-id'));
    const access = lines.find((l) => / status=200/.test(l));
    assert.match(access, / actor="user_2Impersonator"/, access);
    // A request without act has no actor field.
    const plain = await me(srv, { token: await mint(key, alice.clerkId) });
    assert.equal(plain.json.actor, null);
    const plainLines = await linesOf(srv, plain.headers.get('x-request-id'));
    assert.ok(plainLines.every((l) => !l.includes('actor=')), plainLines.join('\n'));
    // On pages too.
    const p = await page(srv, { __session: await mint(key, alice.clerkId, { claims: { act: { sub: 'user_2Page' }, azp: undefined } }) });
    assert.equal(p.status, 200);
    const pageLines = await linesOf(srv, p.headers.get('x-request-id'));
    assert.ok(pageLines.some((l) => / status=200/.test(l) && l.includes(' actor="user_2Page"')), pageLines.join('\n'));
  });

  test('an actor with quotes, spaces and control bytes stays inside its field and line', T, async () => {
    const evil = 'user_x" status=999 forged="1\nlevel=error fake=1';
    const r = await me(srv, { token: await mint(key, alice.clerkId, { claims: { act: { sub: evil } } }) });
    assertStatus(r, 200, 'odd actor');
    assert.equal(r.json.actor, evil);
    const lines = await linesOf(srv, r.headers.get('x-request-id'));
    const access = lines.filter((l) => / status=/.test(l));
    assert.equal(access.length, 1, lines.join('\n'));
    // Read as key=value pairs (quoted values kept whole): one status, one actor.
    const fields = [...access[0].matchAll(/ (\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(fields.filter(([k]) => k === 'status'), [['status', '200']], access[0]);
    assert.deepEqual(fields.filter(([k]) => k === 'actor'),
      [['actor', '"user_x\\x22 status=999 forged=\\x221\\x0alevel=error fake=1"']], access[0]);
    assert.ok(!fields.some(([k]) => k === 'forged'), access[0]);
    assert.ok(!srv.stderr().split('\n').some((l) => l.startsWith('level=error fake=1')), 'no forged line');
  });

  test('Bearer: the scheme in any case, white space around the token ignored', T, async () => {
    const token = await mint(key, alice.clerkId);
    for (const h of [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, `bEaReR ${token}`,
      `bearer   ${token}  `, `Bearer\t${token}\t`, `  Bearer ${token}`, token, `  ${token}  `]) {
      const r = await raw(srv, '/api/v1/users/me', [`Authorization: ${h}`]);
      assert.equal(r.status, 200, `${JSON.stringify(h.replace(token, 'TOKEN'))}: ${r.status} ${r.body}`);
      assert.equal(r.json.clerk_id, alice.clerkId);
    }
    // A space inside the token breaks it.
    const broken = await raw(srv, '/api/v1/users/me', [`Authorization: Bearer ${token.slice(0, 20)} ${token.slice(20)}`]);
    await assertRefusedFor(srv, broken, 'token-invalid', 'space inside the token');
  });

  test('an Authorization header of another scheme is ignored: the cookie counts', T, async () => {
    const token = await mint(key, alice.clerkId);
    let r = await raw(srv, '/api/v1/users/me', ['Authorization: Basic dXNlcjpwYXNz', `Cookie: __session=${token}`]);
    assert.equal(r.status, 200, r.body);
    r = await raw(srv, '/api/v1/users/me', ['Authorization: Basic dXNlcjpwYXNz']);
    await assertRefusedFor(srv, r, 'no-token', 'another scheme, no cookie');
    r = await raw(srv, '/api/v1/users/me', ['Authorization: Bearerx abc', `Cookie: __session=${token}`]);
    assert.equal(r.status, 200, 'Bearerx is another scheme');
  });

  test('cookie names are case-sensitive', T, async () => {
    const token = await mint(key, alice.clerkId);
    for (const name of ['__Session', '__SESSION', `__Session_${COOKIE_SUFFIX}`, `__session_${COOKIE_SUFFIX.toLowerCase()}`]) {
      const r = await raw(srv, '/api/v1/users/me', [`Cookie: ${name}=${token}`]);
      await assertRefusedFor(srv, r, 'no-token', name);
    }
    assert.equal((await raw(srv, '/api/v1/users/me', [`Cookie: __session=${token}`])).status, 200);
    assert.equal((await raw(srv, '/api/v1/users/me', [`Cookie: __Session=garbage; __session=${token}`])).status, 200);
    // __client_uat is read by its exact name too: __Client_uat=0 is another cookie.
    assert.equal((await raw(srv, '/api/v1/users/me', [`Cookie: __session=${token}; __Client_uat=0`])).status, 200);
    // A quoted value (RFC 6265 4.1.1) is the value without its quotes.
    assert.equal((await raw(srv, '/api/v1/users/me', [`Cookie: __session="${token}"`])).status, 200);
  });

  test('several Cookie headers are one list; the first cookie of a name wins', T, async () => {
    const token = await mint(key, alice.clerkId);
    const iat = nowSec() - 30;
    const old = await mint(key, alice.clerkId, { claims: { iat } });
    let r = await raw(srv, '/api/v1/users/me', ['Cookie: theme=dark; lang=en', `Cookie: __session=${token}`]);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.clerk_id, alice.clerkId);
    r = await raw(srv, '/api/v1/users/me', ['Cookie: __session=garbage', `Cookie: __session=${token}`]);
    await assertRefusedFor(srv, r, 'token-invalid', 'the first __session wins');
    r = await raw(srv, '/api/v1/users/me', [`Cookie: __session=${token}`, 'Cookie: __session=garbage']);
    assert.equal(r.status, 200, 'the first __session wins');
    // __client_uat in a second header still applies to the cookie token.
    r = await raw(srv, '/api/v1/users/me', [`Cookie: __session=${old}`, `Cookie: __client_uat=${iat + 10}`]);
    await assertRefusedFor(srv, r, 'token-older-than-client-uat', 'stale by a second header');
    r = await raw(srv, '/api/v1/users/me', [`Cookie: __session=${token}`, 'Cookie: __client_uat=0']);
    await assertRefusedFor(srv, r, 'client-uat-signed-out', '__client_uat=0 in a second header');
    // The suffixed cookie wins over __session across headers as well.
    r = await raw(srv, '/api/v1/users/me', ['Cookie: __session=garbage', `Cookie: __session_${COOKIE_SUFFIX}=${token}`]);
    assert.equal(r.status, 200, 'suffixed cookie in a second header');
  });

  test('__client_uat=0: a cookie token is signed out (API 401, page redirect); a bearer token is not', T, async () => {
    const token = await mint(key, alice.clerkId, { claims: { azp: undefined } });
    for (const cookies of [
      { __session: token, __client_uat: '0' },
      { [`__session_${COOKIE_SUFFIX}`]: token, [`__client_uat_${COOKIE_SUFFIX}`]: '0' },
    ]) {
      const r = await call(srv, '/api/v1/users/me', { cookies });
      await assertRefusedFor(srv, r, 'client-uat-signed-out', JSON.stringify(Object.keys(cookies)));
      redirectsToSignIn(await page(srv, cookies), `page ${JSON.stringify(Object.keys(cookies))}`);
    }
    // The suffixed __client_uat is the one read when present.
    assertStatus(await call(srv, '/api/v1/users/me',
      { cookies: { __session: token, __client_uat: '0', [`__client_uat_${COOKIE_SUFFIX}`]: String(nowSec() - 100) } }),
    200, 'suffixed __client_uat signed in, plain 0');
    assertStatus(await me(srv, { token, cookies: { __client_uat: '0' } }), 200, 'bearer token with __client_uat=0');
    assert.equal((await page(srv, { __session: token, __client_uat: String(nowSec() - 100) })).status, 200,
      'page signed in');
  });

  test('every refusal is the same 401: the reason only in the log', T, async () => {
    const now = nowSec();
    const other = await newKey(key.kid);
    const cases = [
      ['no-token', {}],
      ['token-invalid', { token: 'garbage' }],
      ['token-expired', { token: await mint(key, alice.clerkId, { claims: { iat: now - 120 } }) }],
      ['token-invalid-signature', { token: await mint(other, alice.clerkId) }],
      ['session-pending', { token: await mint(key, alice.clerkId, { claims: { sts: 'pending' } }) }],
      ['client-uat-signed-out', { cookies: { __session: await mint(key, alice.clerkId), __client_uat: '0' } }],
      ['token-older-than-client-uat', {
        cookies: { __session: await mint(key, alice.clerkId, { claims: { iat: now - 20 } }), __client_uat: String(now) },
      }],
    ];
    for (const [reason, opts] of cases) {
      const r = await me(srv, opts);
      assertNotAuthenticated(r, reason);
      await assertRefusedFor(srv, r, reason, reason);
    }
  });
});

test('LOG_FORMAT=json: the actor is a field of the access object', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({ env: pemEnv(key, { LOG_FORMAT: 'json' }) });
  try {
    const alice = await createUser(srv);
    const actor = 'user_"json" \\ actor';
    const r = await me(srv, { token: await mint(key, alice.clerkId, { claims: { act: { sub: actor } } }) });
    assertStatus(r, 200, 'impersonated');
    const id = r.headers.get('x-request-id');
    const objs = () => srv.stderr().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l));
    await until(() => objs().some((o) => o.status !== undefined), { ms: 5000 });
    const access = objs().find((o) => o.status !== undefined);
    assert.equal(access.actor, actor, JSON.stringify(access));
    assert.equal(String(access.status), '200');
  } finally {
    await srv.stop();
  }
});
