// JWKS mode (DESIGN §6, reference/clerk.md §3.4): no CLERK_JWT_KEY, the
// signing keys come from GET {CLERK_API_URL}/v1/jwks with the secret key as
// bearer, cached by kid, refetched on an unknown kid at most once every
// 10 s (so key rotation works and an unknown-kid flood cannot hammer
// Clerk), and a Backend API that fails is a 503/401, never a crash. The
// Backend API is a fake (node:http) started by each test.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { SKIP_VIA_PROXY, health, rawRequest, sleep } from './lib/server.mjs';
import { pool, startWebhookServer, uid } from './lib/webhook.mjs';
import {
  PUBLISHABLE_KEY, SECRET_KEY, assertNotAuthenticated, assertStatus, createUser, me, mint,
  newKey, withFakeClerk,
} from './lib/clerk.mjs';

const T = { timeout: 180000 };
const MISS_INTERVAL_MS = 10000;
// These count the JWKS fetches of one process (its cache): behind the
// proxy two instances fetch, each once.
const ONE_CACHE = { ...T, skip: SKIP_VIA_PROXY('counts the JWKS fetches of one process') };

function jwksEnv(fake) {
  return {
    CLERK_SECRET_KEY: SECRET_KEY,
    CLERK_API_URL: fake.url,
    CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
  };
}

async function withJwksServer(fake, fn) {
  const srv = await startWebhookServer({ env: jwksEnv(fake) });
  let failed = false;
  try {
    return await fn(srv);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    try { await srv.stop(); } catch (e) { if (!failed) throw e; }
  }
}

// Sleeps until `ms` have passed since the time `since` (Date.now()).
const sleepUntil = (since, ms) => sleep(Math.max(0, since + ms - Date.now()));

test('a valid token is verified with the JWKS fetched with the secret key', T, async () => {
  const key = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      const r = await me(srv, { token: await mint(key, alice.clerkId) });
      assertStatus(r, 200, 'valid token');
      assert.equal(r.json.clerk_id, alice.clerkId);
      const fetches = fake.jwksFetches();
      assert.ok(fetches.length >= 1, 'the JWKS was fetched');
      for (const f of fetches) {
        assert.equal(f.method, 'GET');
        assert.equal(f.headers.authorization, `Bearer ${SECRET_KEY}`, 'Authorization: Bearer <secret key>');
      }
      // Cached: more tokens with the same kid fetch nothing more.
      const before = fake.jwksFetches().length;
      for (let i = 0; i < 5; i++) assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, `token ${i}`);
      assert.equal(fake.jwksFetches().length, before, 'no refetch for a known kid');
      // Refusals still happen in JWKS mode.
      assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { header: { kid: undefined } }) }),
        'no kid');
      assertNotAuthenticated(await me(srv, { token: await mint(await newKey(key.kid), alice.clerkId) }),
        'known kid, other key');
      assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { header: { alg: 'RS512' } }) }),
        'RS512 with the JWKS key');
      assert.equal((await health(srv.url)).status, 200);
    });
  });
});

test('keys of other types in the JWKS are skipped, the RSA key is used', T, async () => {
  const key = await newKey();
  const ec = await generateKeyPair('ES256', { extractable: true });
  const ecJwk = { use: 'sig', ...(await exportJWK(ec.publicKey)), kid: uid('ins'), alg: 'ES256' };
  await withFakeClerk({ keys: [ecJwk, { kid: uid('ins'), kty: 'oct', k: 'c2VjcmV0' }, key.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, 'RSA key after others');
      // A token claiming the EC key's kid is refused (RS256 only).
      const spoof = await mint(key, alice.clerkId, { header: { kid: ecJwk.kid } });
      assertNotAuthenticated(await me(srv, { token: spoof }), 'RS256 token with the EC key\'s kid');
      const es = await new SignJWT({ sub: alice.clerkId, sid: uid('sess'), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'ES256', kid: ecJwk.kid, typ: 'JWT' }).sign(ec.privateKey);
      assertNotAuthenticated(await me(srv, { token: es }), 'ES256 token');
      assert.equal((await health(srv.url)).status, 200);
    });
  });
});

test('an unknown kid is refused with 401', T, async () => {
  const key = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, 'known kid');
      const stranger = await newKey();
      assertNotAuthenticated(await me(srv, { token: await mint(stranger, alice.clerkId) }), 'unknown kid');
    });
  });
});

test('key rotation: a token signed with a new key (new kid) is accepted after a refetch', ONE_CACHE, async () => {
  const oldKey = await newKey();
  const newK = await newKey();
  await withFakeClerk({ keys: [oldKey.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      assertStatus(await me(srv, { token: await mint(oldKey, alice.clerkId) }), 200, 'old key');
      const lastFetch = fake.jwksFetches().at(-1).at;
      // Clerk rotates: the JWKS now holds only the new key.
      fake.state.keys = [newK.jwk];
      // The server may refetch at once or only after the 10 s interval
      // since its last fetch; either way it must accept the new key by then.
      await sleepUntil(lastFetch, MISS_INTERVAL_MS + 500);
      const n = fake.jwksFetches().length;
      const r = await me(srv, { token: await mint(newK, alice.clerkId) });
      assertStatus(r, 200, 'token signed with the new key');
      assert.equal(r.json.clerk_id, alice.clerkId);
      assert.equal(fake.jwksFetches().length, n + 1, 'one refetch for the unknown kid');
      for (const f of fake.jwksFetches()) assert.equal(f.headers.authorization, `Bearer ${SECRET_KEY}`);
      // Further new-key tokens are served from the cache.
      assertStatus(await me(srv, { token: await mint(newK, alice.clerkId) }), 200, 'new key again');
      assert.equal(fake.jwksFetches().length, n + 1, 'no more fetches');
    });
  });
});

test('a flood of 50 tokens with random unknown kids causes at most a couple of JWKS fetches', T, async (t) => {
  const key = await newKey();
  const stranger = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      const flood = async (what) => {
        const tokens = [];
        for (let i = 0; i < 50; i++) {
          tokens.push(await mint(stranger, alice.clerkId, { header: { kid: uid('ins') } }));
        }
        const before = fake.jwksFetches().length;
        const res = await pool(tokens, 10, (token) => me(srv, { token }));
        for (const r of res) {
          assert.ok(!r.error, `${what}: request failed: ${r.error}`);
          assertNotAuthenticated(r, `${what}: unknown kid`);
        }
        return fake.jwksFetches().length - before;
      };
      // On a fresh server (which reads the key set once at start).
      const first = await flood('first flood');
      t.diagnostic(`first flood: ${first} JWKS fetch(es)`);
      assert.ok(first <= 2, `first flood: ${first} JWKS fetches (expected at most 2)`);
      // The real key still works, and the server is still healthy.
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, 'valid token after the flood');
      assert.equal((await health(srv.url)).status, 200);
      // Once the interval has passed, a second flood may fetch once more.
      await sleepUntil(fake.jwksFetches().at(-1).at, MISS_INTERVAL_MS + 500);
      const second = await flood('second flood');
      t.diagnostic(`second flood: ${second} JWKS fetch(es)`);
      assert.ok(second <= 2, `second flood: ${second} JWKS fetches (expected at most 2)`);
      assert.ok(fake.jwksFetches().length <= 5, `total JWKS fetches ${fake.jwksFetches().length}`);
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId) }), 200, 'valid token after the second flood');
    });
  });
});

test('the Backend API answering 500 for the JWKS: 503 or 401, never a crash; recovers', T, async () => {
  const key = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    fake.state.jwksStatus = 500;
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      const res = await pool(Array.from({ length: 10 }, () => null), 5,
        async () => me(srv, { token: await mint(key, alice.clerkId) }));
      for (const r of res) {
        assert.ok(!r.error, `request failed: ${r.error}`);
        assert.ok(r.status === 503 || r.status === 401, `expected 503 or 401, got ${r.status} ${r.text}`);
        assert.equal(typeof r.json?.detail, 'string', `a JSON detail: ${r.text}`);
        if (r.status === 401) assertNotAuthenticated(r, '401 while the JWKS fails');
      }
      assert.ok(fake.jwksFetches().length >= 1, 'the JWKS was asked for');
      assert.ok(fake.jwksFetches().length <= 3, `failed fetches are rate-limited too (${fake.jwksFetches().length})`);
      const h = await health(srv.url);
      assert.equal(h.status, 200, 'health still answers');
      // Clerk is back: within the retry interval the server recovers.
      fake.state.jwksStatus = 200;
      await sleepUntil(fake.jwksFetches().at(-1).at, MISS_INTERVAL_MS + 500);
      const r = await me(srv, { token: await mint(key, alice.clerkId) });
      assertStatus(r, 200, 'valid token once the JWKS answers again');
    });
  });
});

test('one JWKS fetch for concurrent requests, and no stampede', ONE_CACHE, async () => {
  const key = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    await withJwksServer(fake, async (srv) => {
      const alice = await createUser(srv);
      const tokens = [];
      for (let i = 0; i < 12; i++) tokens.push(await mint(key, alice.clerkId));
      fake.state.jwksDelayMs = 1500;
      const res = await Promise.all(tokens.map((token) => me(srv, { token })));
      for (const r of res) assertStatus(r, 200, 'token verified once the JWKS arrived');
      assert.equal(fake.jwksFetches().length, 1, 'one fetch at a time: no stampede');
    });
  });
});

// DESIGN §6: "one fetch at a time (never a stampede, never a request thread
// blocked for long)". With one worker thread the effect is deterministic:
// while the fetch is pending, is the worker free to answer other requests?
test('a slow JWKS fetch does not block the worker thread (MYSAAS_THREADS=1)', ONE_CACHE, async (t) => {
  const key = await newKey();
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => {
    const srv = await startWebhookServer({ env: { ...jwksEnv(fake), MYSAAS_THREADS: 1 } });
    try {
      const alice = await createUser(srv);
      const token = await mint(key, alice.clerkId);
      // Clerk takes 4 s to answer (below the 5 s Backend API timeout).
      fake.state.jwksDelayMs = 4000;
      const t0 = Date.now();
      const pending = rawRequest(srv.port,
        `GET /api/v1/users/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
        { timeout: 15000 });
      await sleep(300);
      const h0 = Date.now();
      const h = await rawRequest(srv.port, 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
        { timeout: 15000 });
      const healthMs = Date.now() - h0;
      const r = await pending;
      t.diagnostic(`health answered in ${healthMs} ms during a 4 s JWKS fetch; the token in ${Date.now() - t0} ms`);
      assert.equal(r.status, 200, 'the token, once the JWKS arrived');
      assert.equal(h.status, 200, 'health');
      assert.equal(fake.jwksFetches().length, 1);
      assert.ok(healthMs < 1000, `GET /api/v1/health took ${healthMs} ms while a JWKS fetch was pending: ` +
        'the fetch blocks the worker thread');
    } finally {
      await srv.stop();
    }
  });
});

test('an unreachable Backend API: 503 or 401 quickly, never a crash', T, async () => {
  const key = await newKey();
  // A fake that is closed at once: its port refuses connections.
  let deadUrl;
  await withFakeClerk({ keys: [key.jwk] }, async (fake) => { deadUrl = fake.url; });
  const srv = await startWebhookServer({
    env: { CLERK_SECRET_KEY: SECRET_KEY, CLERK_API_URL: deadUrl, CLERK_PUBLISHABLE_KEY: PUBLISHABLE_KEY },
  });
  try {
    const alice = await createUser(srv);
    const t0 = Date.now();
    const r = await me(srv, { token: await mint(key, alice.clerkId) });
    assert.ok(r.status === 503 || r.status === 401, `expected 503 or 401, got ${r.status} ${r.text}`);
    assert.ok(Date.now() - t0 < 15000, 'answered within 15 s');
    assert.equal((await health(srv.url)).status, 200);
  } finally {
    await srv.stop();
  }
});
