// Where the session token comes from and the azp rule (DESIGN §6,
// reference/clerk.md §3.3, §3.4): the Authorization header wins over the
// cookie (an invalid header is a 401 even with a valid cookie), the
// publishable key's suffixed cookie wins over __session, __client_uat makes
// older cookie tokens stale, and CLERK_AUTHORIZED_PARTIES gates azp (a
// missing azp is accepted only for a cookie token on GET/HEAD).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startWebhookServer } from './lib/webhook.mjs';
import {
  AZP, COOKIE_SUFFIX, assertNotAuthenticated, assertStatus, call, createUser, me, mint, newKey,
  nowSec, pemEnv,
} from './lib/clerk.mjs';

const T = { timeout: 120000 };
const SESSION_SUFFIXED = `__session_${COOKIE_SUFFIX}`;
const UAT_SUFFIXED = `__client_uat_${COOKIE_SUFFIX}`;

describe('CLERK_AUTHORIZED_PARTIES=http://localhost:3000', () => {
  let srv;
  let key;
  let alice;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key, { CLERK_AUTHORIZED_PARTIES: AZP }) });
    alice = await createUser(srv);
  });
  after(async () => { if (srv) await srv.stop(); });

  test('bearer: azp in the list accepted, any other azp refused', T, async () => {
    assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp: AZP } }) }), 200, 'azp listed');
    for (const azp of ['http://localhost:3001', 'https://localhost:3000', 'http://localhost:3000/',
      'http://localhost:3000.evil.com', 'http://localhost:300', 'http://evil.com', 'null']) {
      assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp } }) }),
        `azp ${azp}`);
    }
    assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp: 3000 } }) }),
      'azp not a string');
  });

  test('bearer: a missing azp is refused', T, async () => {
    assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp: undefined } }) }),
      'bearer without azp');
    assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp: '' } }) }),
      'bearer with an empty azp');
  });

  test('cookie: a listed azp accepted, another refused, a missing one accepted on GET and HEAD', T, async () => {
    const listed = await mint(key, alice.clerkId);
    assertStatus(await me(srv, { cookies: { __session: listed } }), 200, 'cookie, azp listed');
    const other = await mint(key, alice.clerkId, { claims: { azp: 'http://evil.com' } });
    assertNotAuthenticated(await me(srv, { cookies: { __session: other } }), 'cookie, other azp');
    const none = await mint(key, alice.clerkId, { claims: { azp: undefined } });
    const r = await me(srv, { cookies: { __session: none } });
    assertStatus(r, 200, 'cookie without azp on GET');
    assert.equal(r.json.clerk_id, alice.clerkId);
    const head = await me(srv, { cookies: { __session: none }, method: 'HEAD' });
    assert.ok(head.status === 200 || head.status === 405, `HEAD: 200 (or 405 if HEAD is not routed), got ${head.status}`);
  });

  test('a token accepted from a cookie without azp is still refused as a bearer token (cache keyed on the mode)', T, async () => {
    const none = await mint(key, alice.clerkId, { claims: { azp: undefined } });
    assertStatus(await me(srv, { cookies: { __session: none } }), 200, 'cookie first');
    assertNotAuthenticated(await me(srv, { token: none }), 'same token as bearer afterwards');
    assertStatus(await me(srv, { cookies: { __session: none } }), 200, 'cookie again');
  });
});

test('a list of several parties (with blanks) accepts each of them', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({
    env: pemEnv(key, { CLERK_AUTHORIZED_PARTIES: 'http://localhost:3000, https://app.example.com' }),
  });
  try {
    const alice = await createUser(srv);
    for (const azp of ['http://localhost:3000', 'https://app.example.com']) {
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp } }) }), 200, azp);
    }
    assertNotAuthenticated(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp: 'https://example.com' } }) }),
      'unlisted');
  } finally {
    await srv.stop();
  }
});

test('without CLERK_AUTHORIZED_PARTIES any azp (or none) is accepted', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({ env: pemEnv(key) });
  try {
    const alice = await createUser(srv);
    for (const azp of ['http://localhost:3000', 'https://evil.example', undefined]) {
      assertStatus(await me(srv, { token: await mint(key, alice.clerkId, { claims: { azp } }) }), 200,
        `bearer azp ${azp}`);
      assertStatus(await me(srv, { cookies: { __session: await mint(key, alice.clerkId, { claims: { azp } }) } }), 200,
        `cookie azp ${azp}`);
    }
  } finally {
    await srv.stop();
  }
});

describe('token sources with the publishable key configured', () => {
  let srv;
  let key;
  let alice;
  let bob;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv);
    bob = await createUser(srv);
  });
  after(async () => { if (srv) await srv.stop(); });

  test('no Authorization header + a valid __session cookie → 200', T, async () => {
    const r = await me(srv, { cookies: { __session: await mint(key, alice.clerkId) } });
    assertStatus(r, 200, 'cookie only');
    assert.equal(r.json.clerk_id, alice.clerkId);
  });

  test('an invalid bearer token + a valid __session cookie → 401 (the header alone counts)', T, async () => {
    const good = await mint(key, alice.clerkId);
    const now = nowSec();
    const bad = [
      'garbage',
      await mint(key, alice.clerkId, { claims: { iat: now - 70, exp: now - 10 } }),
      await mint(await newKey(key.kid), alice.clerkId),
    ];
    for (const token of bad) {
      assertNotAuthenticated(await me(srv, { token, cookies: { __session: good } }), 'bad bearer + good cookie');
      assertNotAuthenticated(await me(srv, { token, cookies: { __session: good, [SESSION_SUFFIXED]: good } }),
        'bad bearer + good cookies (both names)');
    }
  });

  test('a valid bearer token wins over a cookie of another user', T, async () => {
    const r = await me(srv, { token: await mint(key, alice.clerkId), cookies: { __session: await mint(key, bob.clerkId) } });
    assertStatus(r, 200, 'bearer alice + cookie bob');
    assert.equal(r.json.clerk_id, alice.clerkId);
  });

  test('the suffixed cookie __session_PXVV4PZn is preferred over __session', T, async () => {
    const good = await mint(key, alice.clerkId);
    const goodBob = await mint(key, bob.clerkId);
    const now = nowSec();
    const expired = await mint(key, alice.clerkId, { claims: { iat: now - 70, exp: now - 10 } });

    let r = await me(srv, { cookies: { [SESSION_SUFFIXED]: good } });
    assertStatus(r, 200, 'suffixed only');
    r = await me(srv, { cookies: { [SESSION_SUFFIXED]: good, __session: 'garbage' } });
    assertStatus(r, 200, 'valid suffixed + garbage plain');
    r = await me(srv, { cookies: { __session: expired, [SESSION_SUFFIXED]: good } });
    assertStatus(r, 200, 'expired plain (first) + valid suffixed');
    assertNotAuthenticated(await me(srv, { cookies: { [SESSION_SUFFIXED]: 'garbage', __session: good } }),
      'garbage suffixed + valid plain');
    assertNotAuthenticated(await me(srv, { cookies: { [SESSION_SUFFIXED]: expired, __session: good } }),
      'expired suffixed + valid plain');
    r = await me(srv, { cookies: { __session: goodBob, [SESSION_SUFFIXED]: good } });
    assertStatus(r, 200, 'two valid cookies');
    assert.equal(r.json.clerk_id, alice.clerkId, 'the suffixed cookie\'s user');
  });

  test('a cookie with another suffix is not a session cookie', T, async () => {
    const good = await mint(key, alice.clerkId);
    assertNotAuthenticated(await me(srv, { cookies: { __session_AAAAAAAA: good } }), 'foreign suffix only');
    assertNotAuthenticated(await me(srv, { cookies: { __session_: good } }), '__session_ only');
    assertNotAuthenticated(await me(srv, { cookies: { session: good } }), 'session');
  });

  test('__client_uat newer than the cookie token\'s iat makes it stale (401), 0 means signed out (401); older or equal does not', T, async () => {
    const iat = nowSec() - 20;
    const token = await mint(key, alice.clerkId, { claims: { iat } });
    assertStatus(await me(srv, { cookies: { __session: token } }), 200, 'no __client_uat');
    assertNotAuthenticated(await me(srv, { cookies: { __session: token, __client_uat: String(iat + 5) } }),
      '__client_uat = iat+5');
    assertNotAuthenticated(await me(srv, { cookies: { __session: token, __client_uat: String(iat + 1) } }),
      '__client_uat = iat+1');
    assertNotAuthenticated(await me(srv, { cookies: { [SESSION_SUFFIXED]: token, [UAT_SUFFIXED]: String(iat + 5) } }),
      'suffixed __client_uat = iat+5');
    assertNotAuthenticated(await me(srv, { cookies: { __session: token, [UAT_SUFFIXED]: String(iat + 5) } }),
      'plain session, suffixed __client_uat = iat+5');
    assertStatus(await me(srv, { cookies: { __session: token, __client_uat: String(iat) } }), 200, '__client_uat = iat');
    assertStatus(await me(srv, { cookies: { __session: token, __client_uat: String(iat - 5) } }), 200, '__client_uat = iat-5');
    assertNotAuthenticated(await me(srv, { cookies: { __session: token, __client_uat: '0' } }), '__client_uat = 0');
    assertNotAuthenticated(await me(srv, { cookies: { [SESSION_SUFFIXED]: token, [UAT_SUFFIXED]: '0' } }),
      'suffixed __client_uat = 0');
    assertStatus(await me(srv, { cookies: { __session: token, __client_uat: 'abc' } }), 200,
      'unparsable __client_uat (no active client)');
  });

  test('__client_uat does not apply to bearer tokens', T, async () => {
    const iat = nowSec() - 20;
    const token = await mint(key, alice.clerkId, { claims: { iat } });
    const r = await me(srv, { token, cookies: { __client_uat: String(iat + 10) } });
    assertStatus(r, 200, 'bearer token with a newer __client_uat cookie');
  });
});

test('without a publishable key only __session is read', T, async () => {
  const key = await newKey();
  const srv = await startWebhookServer({ env: pemEnv(key, { pk: false }) });
  try {
    const alice = await createUser(srv);
    const good = await mint(key, alice.clerkId);
    assertStatus(await me(srv, { cookies: { __session: good } }), 200, '__session');
    assertStatus(await me(srv, { cookies: { __session: good, [SESSION_SUFFIXED]: 'garbage' } }), 200,
      'a suffixed cookie means nothing without the key');
    const r = await call(srv, '/api/v1/organizations', { cookies: { __session: good } });
    assertStatus(r, 200, 'organizations with the cookie');
  } finally {
    await srv.stop();
  }
});
