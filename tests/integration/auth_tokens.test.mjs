// Clerk session token verification (DESIGN §6, reference/clerk.md §3.1,
// §3.2, §3.4) with the PEM key (CLERK_JWT_KEY): what is accepted, and every
// refusal answering exactly 401 {"detail":"Not authenticated"} with
// WWW-Authenticate: Bearer, whatever the reason. Tokens are minted with the
// npm `jose` package.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { SKIP_VIA_PROXY, health, startServer } from './lib/server.mjs';
import { startWebhookServer, uid } from './lib/webhook.mjs';
import {
  CAT, COOKIE_SUFFIX, ISSUER, PUBLISHABLE_KEY, assertNotAuthenticated, assertStatus, b64url, call, createUser, me, mint,
  newKey, nowSec, pemEnv, sessionClaims, tamper, unsignedToken,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };

describe('PEM key with the publishable key configured', () => {
  let srv;
  let key;
  let alice;
  let bob;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv, { first_name: 'Alice', last_name: 'Nguyen' });
    bob = await createUser(srv, { first_name: 'Bob', last_name: 'Stone' });
  });
  after(async () => { if (srv) await srv.stop(); });

  const ok = async (token, what) => {
    const r = await me(srv, { token });
    assertStatus(r, 200, what);
    assert.equal(r.json.clerk_id, alice.clerkId, `${what}: the token's user`);
    return r;
  };
  const refused = async (token, what) => assertNotAuthenticated(await me(srv, { token }), what);

  test('a valid bearer token answers 200 for its own user', T, async () => {
    const r = await ok(await mint(key, alice.clerkId), 'valid token');
    assert.equal(r.json.id, alice.id);
    const rb = await me(srv, { token: await mint(key, bob.clerkId) });
    assertStatus(rb, 200, 'bob');
    assert.equal(rb.json.clerk_id, bob.clerkId);
    assert.equal(rb.json.id, bob.id);
  });

  test('exp: beyond the 5 s leeway refused, within it accepted', T, async () => {
    const now = nowSec();
    await refused(await mint(key, alice.clerkId, { claims: { iat: now - 70, exp: now - 10 } }), 'exp = now-10');
    await refused(await mint(key, alice.clerkId, { claims: { iat: now - 3660, exp: now - 3600 } }), 'exp an hour ago');
    await ok(await mint(key, alice.clerkId, { claims: { iat: now - 62, exp: now - 2 } }), 'exp = now-2');
  });

  test('exp is required and must be an integer', T, async () => {
    await refused(await mint(key, alice.clerkId, { claims: { exp: undefined } }), 'no exp');
    await refused(await mint(key, alice.clerkId, { claims: { exp: String(nowSec() + 60) } }), 'exp as a string');
  });

  test('nbf and iat in the future: beyond the leeway refused, within it accepted', T, async () => {
    const now = nowSec();
    await refused(await mint(key, alice.clerkId, { claims: { iat: now, nbf: now + 10 } }), 'nbf = now+10');
    await refused(await mint(key, alice.clerkId, { claims: { iat: now + 10, nbf: now, exp: now + 70 } }), 'iat = now+10');
    await ok(await mint(key, alice.clerkId, { claims: { iat: now, nbf: now + 2 } }), 'nbf = now+2');
    await ok(await mint(key, alice.clerkId, { claims: { iat: now + 2, nbf: now, exp: now + 62 } }), 'iat = now+2');
    await ok(await mint(key, alice.clerkId, { claims: { nbf: undefined } }), 'no nbf');
  });

  test('sub and sid are required; a token without sid (JWT template) is refused', T, async () => {
    await refused(await mint(key, alice.clerkId, { claims: { sid: undefined } }), 'no sid');
    await refused(await mint(key, alice.clerkId, { claims: { sid: '' } }), 'empty sid');
    await refused(await mint(key, alice.clerkId, { claims: { sub: undefined } }), 'no sub');
    await refused(await mint(key, alice.clerkId, { claims: { sub: 42 } }), 'numeric sub');
  });

  test('cat header: session and ignore accepted, JWT template and M2M refused', T, async () => {
    await ok(await mint(key, alice.clerkId, { header: { cat: CAT.session } }), 'cat session');
    await ok(await mint(key, alice.clerkId, { header: { cat: CAT.ignore } }), 'cat ignore');
    await refused(await mint(key, alice.clerkId, { header: { cat: CAT.template } }), 'cat JWT template');
    await refused(await mint(key, alice.clerkId, { header: { cat: CAT.m2m } }), 'cat M2M');
    await refused(await mint(key, alice.clerkId, { header: { cat: 'cl_unknown' } }), 'unknown cat');
  });

  test('machine tokens (sub mch_...) and OAuth access tokens (typ at+jwt) are refused', T, async () => {
    await refused(await mint(key, 'mch_2xYz8kQ4vL1nR7pT3wB6cJ9dHs'), 'sub mch_');
    await refused(await mint(key, alice.clerkId, { header: { typ: 'at+jwt' } }), 'typ at+jwt');
    await refused(await mint(key, alice.clerkId, { header: { typ: 'jwt+foo' } }), 'typ other');
    await ok(await mint(key, alice.clerkId, { header: { typ: undefined } }), 'no typ (optional)');
  });

  test('iss must be https:// + the Frontend API host of the publishable key', T, async () => {
    await ok(await mint(key, alice.clerkId, { claims: { iss: ISSUER } }), 'right iss');
    for (const iss of ['https://evil.accounts.dev', 'http://example.accounts.dev', `${ISSUER}/`,
      'https://example.accounts.dev.evil.com', '']) {
      await refused(await mint(key, alice.clerkId, { claims: { iss } }), `iss ${JSON.stringify(iss)}`);
    }
    await refused(await mint(key, alice.clerkId, { claims: { iss: undefined } }), 'no iss');
  });

  test('alg none (unsigned) is refused, with or without a signature part', T, async () => {
    await refused(unsignedToken(key, alice.clerkId), 'alg none, empty signature');
    const signed = await mint(key, alice.clerkId);
    await refused(unsignedToken(key, alice.clerkId, { signature: signed.split('.')[2] }),
      'alg none with a real signature part');
    // alg none with the header of a valid token's claims, as a two-part token
    const [h, p] = unsignedToken(key, alice.clerkId).split('.');
    await refused(`${h}.${p}`, 'alg none, two parts');
  });

  test('algorithm confusion: HS256 with the public key PEM as the HMAC secret is refused', T, async () => {
    for (const secret of [key.pem, key.pem.trim(), key.pem.replaceAll('\n', '')]) {
      const token = await mint(key, alice.clerkId, {
        header: { alg: 'HS256' }, signWith: new TextEncoder().encode(secret),
      });
      await refused(token, 'HS256 with the PEM as secret');
    }
  });

  test('RS384 / RS512 / PS256 tokens signed by the configured key are refused (RS256 only)', T, async () => {
    for (const alg of ['RS384', 'RS512', 'PS256']) {
      await refused(await mint(key, alice.clerkId, { header: { alg } }), alg);
    }
    // The header says RS256 but the signature is an RS512 one.
    const rs512 = await mint(key, alice.clerkId, { header: { alg: 'RS512' } });
    const good = await mint(key, alice.clerkId);
    await refused(`${good.split('.').slice(0, 2).join('.')}.${rs512.split('.')[2]}`, 'RS256 header, RS512 signature');
  });

  test('a token signed by another key (same kid) is refused', T, async () => {
    const other = await newKey(key.kid);
    await refused(await mint(other, alice.clerkId), 'other key, same kid');
    const another = await newKey();
    await refused(await mint(another, alice.clerkId), 'other key, other kid');
  });

  test('a tampered payload (re-encoded, original signature kept) is refused', T, async () => {
    const good = await mint(key, alice.clerkId);
    await ok(good, 'the original');
    await refused(tamper(good, (p) => { p.sub = bob.clerkId; }), 'sub changed to another real user');
    await refused(tamper(good, (p) => { p.exp += 3600; }), 'exp extended');
    // The same claims serialised with other bytes (whitespace): the
    // signature covers the bytes, not the meaning.
    {
      const [h, p, sg] = good.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      assert.equal(tamper(good, () => {}), good, 'jose serialises like JSON.stringify');
      await refused(`${h}.${b64url(JSON.stringify(claims, null, 1))}.${sg}`, 'same claims, other bytes');
    }
    // The header changed (kid) with the original signature.
    const [, p, s] = good.split('.');
    await refused(`${b64url({ alg: 'RS256', kid: 'ins_x', typ: 'JWT' })}.${p}.${s}`, 'header re-encoded');
    // One bit of the signature flipped.
    const sig = Buffer.from(s, 'base64url');
    sig[sig.length - 1] ^= 1;
    await refused(`${good.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`, 'signature bit flipped');
    // Signature truncated.
    await refused(good.slice(0, -4), 'signature truncated');
  });

  test('bad base64, garbage and malformed tokens are refused', T, async () => {
    const good = await mint(key, alice.clerkId);
    const [h, p, s] = good.split('.');
    const cases = {
      'garbage string': 'not-a-jwt',
      'three garbage parts': 'a.b.c',
      'bad base64 in the payload': `${h}.${p.slice(0, 10)}!${p.slice(11)}.${s}`,
      'bad base64 in the header': `${h.slice(0, 5)}%${h.slice(6)}.${p}.${s}`,
      'bad base64 in the signature': `${h}.${p}.${s.slice(0, 20)}*${s.slice(21)}`,
      'payload not JSON': `${h}.${b64url('hello')}.${s}`,
      'payload a JSON array': `${h}.${b64url([1, 2])}.${s}`,
      'four parts': `${good}.${s}`,
      'two parts': `${h}.${p}`,
      'empty payload part': `${h}..${s}`,
      'leading dot': `.${good}`,
      'very long token': `${h}.${'A'.repeat(12000)}.${s}`,
      'unicode': `${h}.${p}.${s}é`,
    };
    for (const [what, token] of Object.entries(cases)) await refused(token, what);
    // The server still works.
    await ok(good, 'valid token afterwards');
  });

  test('no token, an empty bearer, and Authorization: Basic without a cookie answer 401', T, async () => {
    assertNotAuthenticated(await me(srv), 'no token at all');
    assertNotAuthenticated(await me(srv, { headers: { authorization: 'Bearer ' } }), 'empty bearer');
    assertNotAuthenticated(await me(srv, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } }), 'Basic');
    assertNotAuthenticated(await me(srv, { headers: { authorization: 'Bearer' } }), 'Bearer without a token');
  });

  test('Authorization: Basic is ignored: the session cookie is used then (as Clerk\'s SDK)', T, async () => {
    const token = await mint(key, alice.clerkId);
    const r = await me(srv, { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' }, cookies: { __session: token } });
    assertStatus(r, 200, 'Basic header + valid cookie');
    assert.equal(r.json.clerk_id, alice.clerkId);
  });

  test('a bare Authorization value without a scheme is taken as the token (as Clerk\'s SDK)', T, async () => {
    const token = await mint(key, alice.clerkId);
    const r = await me(srv, { headers: { authorization: token } });
    assertStatus(r, 200, 'bare token');
  });

  test('every refusal is identical: the body never says why', T, async () => {
    const now = nowSec();
    const tokens = [
      await mint(key, alice.clerkId, { claims: { iat: now - 70, exp: now - 10 } }),
      await mint(key, alice.clerkId, { claims: { iss: 'https://evil.accounts.dev' } }),
      await mint(key, alice.clerkId, { header: { alg: 'RS512' } }),
      await mint(await newKey(key.kid), alice.clerkId),
      'garbage',
    ];
    const answers = [];
    for (const token of tokens) {
      const r = await me(srv, { token });
      assertNotAuthenticated(r, 'refusal');
      answers.push([r.text, r.headers.get('www-authenticate'), r.headers.get('content-type'),
        r.headers.get('content-length')]);
    }
    for (const a of answers) assert.deepEqual(a, answers[0], 'same answer for every reason');
  });

  test('every API route is behind the gate; health is not', T, async () => {
    for (const p of ['/api/v1/users/me', '/api/v1/organizations', '/api/v1/organizations/1',
      '/api/v1/organizations/org_x/members']) {
      assertNotAuthenticated(await call(srv, p), `GET ${p} without a token`);
      assertNotAuthenticated(await call(srv, p, { token: 'garbage' }), `GET ${p} with garbage`);
    }
    assert.equal((await health(srv.url)).status, 200);
  });

  test('the reason of a refusal goes to the log, not to the client', T, async () => {
    const now = nowSec();
    const r = await me(srv, { token: await mint(key, alice.clerkId, { claims: { iat: now - 70, exp: now - 10 } }) });
    assertNotAuthenticated(r, 'expired');
    const logs = srv.logs();
    assert.match(logs, /expired/i, 'the log names the reason');
    assert.doesNotMatch(r.text, /expired/i);
  });

  test('a token accepted once is accepted again (cache) and still checked for expiry', T, async () => {
    const now = nowSec();
    const token = await mint(key, alice.clerkId, { claims: { iat: now - 58, exp: now - 3 } });
    await ok(token, 'first use, exp = now-3');
    await ok(token, 'second use (cached)');
    // Wait until it is beyond the leeway: the cached copy must not outlive it.
    await new Promise((r) => setTimeout(r, Math.max(0, (now + 4) * 1000 + 50 - Date.now())));
    await refused(token, 'same token once exp < now-5');
  });

  test('400 live tokens all stay cached: the second use of each is a hit',
    { ...T, skip: SKIP_VIA_PROXY("reads one process's /metrics (nginx does not serve it)") }, async () => {
    const misses = async () => {
      const text = await (await fetch(`${srv.url}/metrics`)).text();
      const m = text.match(/^mysaas_token_cache_total\{result="miss"\} (\d+)$/m);
      assert.ok(m, 'token cache counter');
      return Number(m[1]);
    };
    const tokens = [];
    for (let i = 0; i < 400; i++) {
      tokens.push(await mint(key, alice.clerkId, { claims: { sid: `sess_cache${i}` } }));
    }
    for (const t of tokens) assertStatus(await me(srv, { token: t }), 200, 'first use');
    const before = await misses();
    for (const t of tokens) assertStatus(await me(srv, { token: t }), 200, 'second use');
    assert.equal(await misses(), before, 'no token verified twice');
  });
});

test('without a publishable key the issuer is not checked', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({ env: pemEnv(key, { pk: false }) });
  try {
    const alice = await createUser(srv);
    const r = await me(srv, { token: await mint(key, alice.clerkId, { claims: { iss: 'https://other-app-12.clerk.accounts.dev' } }) });
    assertStatus(r, 200, 'other iss without CLERK_PUBLISHABLE_KEY');
  } finally {
    await srv.stop();
  }
});

test('NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY (the original stack\'s name) sets the issuer and the cookie suffix', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({
    env: { CLERK_JWT_KEY: key.pem, NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY },
  });
  try {
    const alice = await createUser(srv);
    assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, 'right iss');
    assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { iss: 'https://evil.accounts.dev' } }) }),
      'wrong iss');
    assertNotAuthenticated(await me(srv, {
      cookies: { [`__session_${COOKIE_SUFFIX}`]: 'garbage', __session: await mint(key, alice.clerkId) },
    }), 'the suffixed cookie is preferred');
  } finally {
    await srv.stop();
  }
});

test('without any Clerk key the server starts and the API answers 401', T, async () => {
  const srv = await startServer({});
  try {
    const key = await newKey();
    const token = await mint(key, uid('user'));
    for (const p of ['/api/v1/users/me', '/api/v1/organizations', '/api/v1/organizations/1',
      '/api/v1/organizations/1/members']) {
      assertNotAuthenticated(await call(srv, p), `${p}, no token`);
      assertNotAuthenticated(await call(srv, p, { token }), `${p}, some token`);
      assertNotAuthenticated(await call(srv, p, { cookies: { __session: token } }), `${p}, some cookie`);
    }
    assert.equal((await health(srv.url)).status, 200);
  } finally {
    await srv.stop();
  }
});

// sessionClaims is part of the helper's public surface: keep its shape honest.
test('the minted tokens look like Clerk session tokens', T, async () => {
  const key = await newKey();
  const c = sessionClaims('user_2mA7kQ9vXc3LpR8tN1bW5yZ4dFe');
  assert.equal(c.exp - c.iat, 60);
  assert.match(c.sid, /^sess_/);
  assert.equal(c.iss, ISSUER);
  const t = await mint(key, c.sub);
  const [h] = t.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'RS256', kid: key.kid, typ: 'JWT' });
  assert.match(key.kid, /^ins_/);
});
