// GET /api/v1/auth/check (DESIGN §4, §11.2): the session token evaluated
// like Clerk's has() for role, permission, feature, plan and
// reverification, with v1 and v2 tokens minted with jose, including the
// vectors of reference/clerk.md §9.6 that make sense over HTTP. All given
// parameters must pass; an empty value is not asked (has() skips a falsy
// one); none asked is a 422.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startWebhookServer } from './lib/webhook.mjs';
import { assertNotAuthenticated, call, createUser, mint, newKey, pemEnv } from './lib/clerk.mjs';

const T = { timeout: 120000 };
const CHECK = '/api/v1/auth/check';

describe('GET /api/v1/auth/check', () => {
  let srv;
  let key;
  let alice;

  before(async () => {
    key = await newKey();
    srv = await startWebhookServer({ env: pemEnv(key) });
    alice = await createUser(srv);
  });
  after(async () => { if (srv) await srv.stop(); });

  const token = (claims) => mint(key, alice.clerkId, { claims });

  // The answer for the query (an object of parameters): true or false.
  async function allowed(tok, query) {
    const qs = new URLSearchParams(query).toString();
    const r = await call(srv, `${CHECK}?${qs}`, { token: tok });
    assert.equal(r.status, 200, `${qs}: ${r.status} ${r.text}`);
    assert.match(r.headers.get('content-type') || '', /^application\/json\b/);
    assert.ok(r.text === '{"allowed":true}' || r.text === '{"allowed":false}', r.text);
    return r.json.allowed;
  }

  // Each [query, expected] against tok, twice (the second from the cache).
  async function expectAll(tok, cases, what) {
    for (let round = 0; round < 2; round++) {
      for (const [query, want] of cases)
        assert.equal(await allowed(tok, query), want, `${what}: ${JSON.stringify(query)} round ${round}`);
    }
  }

  test('no parameter, or only empty ones, or only unknown ones: 422 {"detail": "..."}', T, async () => {
    const tok = await token({ org_id: 'org_1', org_role: 'org:admin' });
    for (const qs of ['', '?', '?permission=', '?role=&permission=&feature=&plan=&reverification=', '?foo=bar']) {
      const r = await call(srv, `${CHECK}${qs}`, { token: tok });
      assert.equal(r.status, 422, `${qs}: ${r.status} ${r.text}`);
      assert.equal(typeof r.json.detail, 'string', r.text);
      assert.deepEqual(Object.keys(r.json), ['detail']);
    }
  });

  test('401 without a session, the usual answer', T, async () => {
    assertNotAuthenticated(await call(srv, `${CHECK}?role=org:admin`), 'no token');
  });

  test('an empty parameter is not asked: only the others count', T, async () => {
    const tok = await token({ org_id: 'org_1', org_role: 'org:admin', fea: 'o:teams' });
    assert.equal(await allowed(tok, { permission: '', feature: 'teams' }), true);
    assert.equal(await allowed(tok, { role: '', feature: 'o:nope' }), false);
    assert.equal(await allowed(tok, { reverification: '', role: 'admin' }), true);
  });

  test('role: with or without the org: prefix; none active is false (v1 and v2)', T, async () => {
    const cases = [
      [{ role: 'admin' }, true], [{ role: 'org:admin' }, true], [{ role: 'org:org:admin' }, true],
      [{ role: 'org:member' }, false], [{ role: 'Admin' }, false],
    ];
    await expectAll(await token({ org_id: 'org_1', org_role: 'org:admin', org_slug: 'acme' }), cases, 'v1');
    await expectAll(await token({ v: 2, o: { id: 'org_1', rol: 'admin', slg: 'acme' } }), cases, 'v2');
    await expectAll(await token({}), [[{ role: 'org:admin' }, false], [{ permission: 'org:a:read' }, false]],
      'no active organization');
    await expectAll(await token({ v: 2, fea: 'o:teams' }), [[{ role: 'admin' }, false]], 'v2 without o');
  });

  test('permission: v1 org_permissions; system permissions never come from a token', T, async () => {
    const tok = await token({
      org_id: 'org_1', org_role: 'org:admin', org_permissions: ['org:invoices:read', 'org:teams:manage'],
    });
    await expectAll(tok, [
      [{ permission: 'org:invoices:read' }, true], [{ permission: 'invoices:read' }, true],
      [{ permission: 'org:invoices:write' }, false], [{ permission: 'org:sys_memberships:manage' }, false],
      [{ permission: 'org:sys_profile:delete' }, false], [{ permission: 'org:Invoices:read' }, false],
      [{ role: 'org:admin', permission: 'org:teams:manage' }, true],
      [{ role: 'org:member', permission: 'org:teams:manage' }, false],
    ], 'v1 permissions');
  });

  test('§9.6 vector 1: feature scopes', T, async () => {
    const claims = { fea: 'o:reservations,u:dashboard' };
    for (const [what, tok] of [
      ['v1', await token({ org_id: 'org_123', org_role: 'admin', ...claims })],
      ['v2', await token({ v: 2, o: { id: 'org_123', rol: 'admin' }, ...claims })],
    ]) {
      await expectAll(tok, [
        [{ feature: 'o:reservations' }, true], [{ feature: 'org:reservations' }, true],
        [{ feature: 'organization:reservations' }, true], [{ feature: 'reservations' }, true],
        [{ feature: 'u:dashboard' }, true], [{ feature: 'user:dashboard' }, true], [{ feature: 'dashboard' }, true],
        [{ feature: 'lol:dashboard' }, false], [{ feature: 'u:reservations' }, false],
        [{ feature: 'o:dashboard' }, false], [{ feature: 'org:reservations:extra' }, true],
      ], what);
    }
  });

  test('§9.6 vector 2: several dimensions at once, all must pass', T, async () => {
    const tok = await token({
      org_id: 'org_123', org_role: 'org:admin', org_permissions: ['org:sys_memberships:read'],
      fea: 'o:reservations', pla: 'u:plus', fva: [0, 0],
    });
    await expectAll(tok, [
      [{ permission: 'org:sys_profile:delete', feature: 'org:reservations' }, false],
      [{ permission: 'org:sys_memberships:read', feature: 'org:reservations' }, true],
      [{ role: 'org:member', permission: 'org:sys_memberships:read' }, false],
      [{ feature: 'org:reservations', plan: 'u:plus' }, true],
      [{ feature: 'org:reservations', plan: 'u:free' }, false],
      [{ plan: 'plus' }, true], [{ plan: 'o:plus' }, false], [{ plan: 'user:plus' }, true],
    ], 'vector 2');
  });

  test('plans: scopes, v2 organization plans', T, async () => {
    const tok = await token({ v: 2, o: { id: 'org_1', rol: 'admin' }, pla: 'o:pro' });
    await expectAll(tok, [
      [{ plan: 'pro' }, true], [{ plan: 'o:pro' }, true], [{ plan: 'organization:pro' }, true],
      [{ plan: 'u:pro' }, false], [{ plan: 'enterprise' }, false],
    ], 'pla o:pro');
    await expectAll(await token({}), [[{ plan: 'free' }, false], [{ feature: 'x' }, false]], 'no billing claims');
  });

  test('§9.6 vectors 3, 4: no organization, or no valid fva, fails', T, async () => {
    await expectAll(await token({ fva: [0, 0] }),
      [[{ permission: 'org:sys_profile:delete', reverification: 'strict' }, false]], 'vector 3');
    const held = { org_id: 'org_123', org_role: 'org:admin', org_permissions: ['org:a:read'] };
    await expectAll(await token({ ...held, fva: undefined }),
      [[{ permission: 'org:a:read', reverification: 'strict' }, false], [{ permission: 'org:a:read' }, true]],
      'fva absent');
    await expectAll(await token({ ...held, fva: null }), [[{ reverification: 'lax' }, false]], 'fva null');
    await expectAll(await token({ ...held, fva: [-0.5, 0] }), [[{ reverification: 'strict' }, false]], 'fva [-0.5, 0]');
    await expectAll(await token({ ...held, fva: ['0', '0'] }), [[{ reverification: 'strict_mfa' }, false]],
      'fva of strings');
    await expectAll(await token({ ...held, fva: [0] }), [[{ reverification: 'lax' }, false]], 'fva of one');
    await expectAll(await token({ ...held, fva: [0, 0, 0] }), [[{ reverification: 'lax' }, false]], 'fva of three');
    await expectAll(await token({ ...held, fva: 'recent' }), [[{ reverification: 'lax' }, false]], 'fva a string');
  });

  test('§9.6 vectors 5, 6, 7: reverification presets and LEVEL:MINUTES', T, async () => {
    const held = { org_id: 'org_123', org_role: 'org:admin', org_permissions: ['org:a:read'] };
    await expectAll(await token({ ...held, fva: [0, 0] }), [
      [{ reverification: 'multi_factor' }, false], [{ reverification: 'multi_factor:0' }, false],
      [{ reverification: 'multi_factor:-1' }, false], [{ reverification: 'invalid-value' }, false],
      [{ reverification: 'multi_factor:1.5' }, false], [{ reverification: 'Strict' }, false],
      [{ reverification: 'strict' }, true], [{ reverification: 'strict_mfa' }, true],
      [{ reverification: 'moderate' }, true], [{ reverification: 'lax' }, true],
    ], 'vector 5, fva [0, 0]');
    await expectAll(await token({ ...held, fva: [0, -1] }), [
      [{ permission: 'org:a:read', reverification: 'strict_mfa' }, true],
    ], 'vector 6: no second factor, strict_mfa downgrades');
    await expectAll(await token({ ...held, fva: [-1, -1] }), [[{ reverification: 'strict' }, false]],
      'vector 6: no factor');
    for (const [fva, want] of [[[0, 0], true], [[0, 10], false], [[10, 0], false], [[0, 11], false],
      [[0, -1], true], [[11, -1], false]]) {
      await expectAll(await token({ ...held, fva }), [[{ reverification: 'multi_factor:10' }, want]],
        `vector 7, fva ${JSON.stringify(fva)}`);
    }
    await expectAll(await token({ ...held, fva: [11, -1] }), [[{ reverification: 'strict' }, false]], 'strict [11,-1]');
    await expectAll(await token({ ...held, fva: [30, 5] }), [
      [{ reverification: 'first_factor:31' }, true], [{ reverification: 'first_factor:30' }, false],
      [{ reverification: 'second_factor:6' }, true], [{ reverification: 'second_factor:5' }, false],
      [{ reverification: 'moderate' }, true], [{ reverification: 'strict' }, true],
      [{ reverification: 'strict_mfa' }, false],
    ], 'ages 30 and 5');
  });

  test('§9.6 vectors 8-11: v2 permissions decoded from per, fpm and fea', T, async () => {
    const v2 = (fea, per, fpm) => token({ v: 2, o: { id: 'org_123', rol: 'admin', per, fpm }, fea });
    await expectAll(await v2('o:impersonation,o:memberships', 'read,manage', '1,3'), [
      [{ permission: 'org:impersonation:read' }, true], [{ permission: 'org:impersonation:manage' }, false],
      [{ permission: 'org:memberships:read' }, true], [{ permission: 'org:memberships:manage' }, true],
    ], 'vector 8');
    const nine = await v2('o:repositories,o:projects', 'read,create,update,delete,revoke', '7,21');
    await expectAll(nine, ['read', 'create', 'update', 'delete', 'revoke'].flatMap((p) => [
      [{ permission: `org:repositories:${p}` }, ['read', 'create', 'update'].includes(p)],
      [{ permission: `org:projects:${p}` }, ['read', 'update', 'revoke'].includes(p)],
    ]), 'vector 9');
    await expectAll(await v2('o:repositories,o:impersonation,o:billing', 'manage,read,update', '6,0,3'), [
      [{ permission: 'org:repositories:read' }, true], [{ permission: 'org:repositories:update' }, true],
      [{ permission: 'org:repositories:manage' }, false], [{ permission: 'org:billing:manage' }, true],
      [{ permission: 'org:billing:read' }, true], [{ permission: 'org:impersonation:manage' }, false],
    ], 'vector 10');
    await expectAll(await v2('uo:impersonation,o:memberships,uo:feature3', 'read,manage', '1,3,1'), [
      [{ permission: 'org:impersonation:read' }, true], [{ permission: 'org:memberships:manage' }, true],
      [{ permission: 'org:feature3:read' }, true], [{ permission: 'org:feature3:manage' }, false],
      [{ feature: 'u:impersonation' }, true], [{ feature: 'u:memberships' }, false],
    ], 'vector 11');
    // The SDK counts org-scoped features only (§9.3 "mask index").
    await expectAll(await v2('u:x,o:a', 'read,manage', '0,3'), [
      [{ permission: 'org:a:read' }, false], [{ permission: 'org:x:read' }, false],
    ], 'user features are not counted');
  });

  test('§9.6 vector 12: masks of any width, failing closed per feature', T, async () => {
    const per = Array.from({ length: 54 }, (_, i) => `permission_${i}`).join(',');
    const v2 = (fpm) => token({ v: 2, o: { id: 'org_123', rol: 'admin', per, fpm }, fea: 'o:feature,o:other' });
    await expectAll(await v2('9007199254740993,1'), [
      [{ permission: 'org:feature:permission_0' }, true], [{ permission: 'org:feature:permission_53' }, true],
      [{ permission: 'org:feature:permission_1' }, false], [{ permission: 'org:other:permission_0' }, true],
    ], '2^53 + 1');
    await expectAll(await v2('18014398509481984,1'), [
      [{ permission: 'org:feature:permission_0' }, false], [{ permission: 'org:other:permission_0' }, true],
    ], 'bit 54 only, past per');
    for (const bad of ['1invalid', '-1', '1.5', '']) {
      await expectAll(await v2(`${bad},1`), [
        [{ permission: 'org:feature:permission_0' }, false], [{ permission: 'org:other:permission_0' }, true],
      ], `mask ${JSON.stringify(bad)}`);
    }
  });

  test('§9.6 vector 13: v2 and v1 spellings of the same organization agree', T, async () => {
    const cases = [
      [{ role: 'org:admin' }, true], [{ permission: 'org:impersonation:read' }, true],
      [{ permission: 'org:impersonation:manage' }, true], [{ role: 'admin', permission: 'impersonation:manage' }, true],
    ];
    await expectAll(await token({
      v: 2, o: { id: 'org_123', rol: 'admin', per: 'read,manage', fpm: '3' }, fea: 'o:impersonation',
    }), cases, 'v2');
    await expectAll(await token({
      org_id: 'org_123', org_role: 'org:admin', org_permissions: ['org:impersonation:read', 'org:impersonation:manage'],
    }), cases, 'v1');
    await expectAll(await token({ v: 2, o: { id: 'org_123', rol: 'admin' }, fea: 'o:impersonation' }), [
      [{ role: 'org:admin' }, true], [{ permission: 'org:impersonation:read' }, false],
    ], 'v2 o without per/fpm');
  });
});
