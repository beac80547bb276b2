// API docs: /openapi.json is a valid OpenAPI 3.1 document covering every API
// route, and /docs (Swagger UI served by mysaas itself) works in a real
// browser with all networking beyond this server refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { chromium } from 'playwright-core';

import { startServer } from './lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let srv;

before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('/openapi.json is a valid OpenAPI 3.1 document of every API route', async () => {
  const r = await fetch(`${srv.url}/openapi.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  const doc = await r.json();
  assert.equal(doc.openapi, '3.1.0');
  // swagger-parser validates against the 3.1 schema and resolves $refs.
  await SwaggerParser.validate(structuredClone(doc));
  const ops = {
    '/api/v1/health': ['get'],
    '/api/v1/auth/clerk_webhook/': ['post'],
    '/api/v1/auth/clerk_webhook': ['post'],
    '/api/v1/users/me': ['get'],
    '/api/v1/organizations': ['get'],
    '/api/v1/organizations/{id}': ['get'],
    '/api/v1/organizations/{id}/members': ['get'],
    '/api/v1/auth/check': ['get'],
    '/api/v1/auth/whoami': ['get'],
    '/api/v1/organizations/{id}/invitations': ['get', 'post'],
    '/api/v1/organizations/{id}/invitations/{invitation_id}/revoke': ['post'],
    '/api/v1/organizations/{id}/members/{user_id}': ['patch', 'delete'],
  };
  for (const m of ['patch', 'delete']) assert.ok(doc.paths['/api/v1/organizations/{id}'][m], `${m} organization`);
  for (const [path, methods] of Object.entries(ops)) {
    for (const m of methods) {
      const op = doc.paths[path]?.[m];
      assert.ok(op, `${m.toUpperCase()} ${path} documented`);
      assert.ok(Object.keys(op.responses).length > 0, `${path} has responses`);
    }
  }
  // A scheme per token form (DESIGN §13), all bearer but the cookie.
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
    'apiKeyAuth', 'bearerAuth', 'cookieAuth', 'm2mJwtAuth', 'm2mTokenAuth', 'oauthJwtAuth', 'oauthTokenAuth']);
  assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
  assert.equal(doc.components.securitySchemes.cookieAuth.name, '__session');
  assert.equal(doc.components.securitySchemes.apiKeyAuth.scheme, 'bearer');
  // Which routes take which, generated from the route table.
  const schemesOf = (op) => op.security.map((alt) => Object.keys(alt)[0]);
  assert.deepEqual(schemesOf(doc.paths['/api/v1/auth/whoami'].get), ['bearerAuth', 'cookieAuth', 'apiKeyAuth',
    'm2mTokenAuth', 'm2mJwtAuth', 'oauthTokenAuth', 'oauthJwtAuth']);
  assert.deepEqual(doc.paths['/api/v1/auth/whoami'].get['x-mysaas-accepts'],
    ['session_token', 'api_key', 'm2m_token', 'oauth_token']);
  assert.deepEqual(schemesOf(doc.paths['/api/v1/users/me'].get), ['bearerAuth', 'cookieAuth', 'apiKeyAuth', 'oauthTokenAuth']);
  assert.deepEqual(doc.paths['/api/v1/users/me'].get['x-mysaas-subjects'], ['user']);
  assert.deepEqual(schemesOf(doc.paths['/api/v1/organizations/{id}'].get), ['bearerAuth', 'cookieAuth', 'apiKeyAuth']);
  assert.deepEqual(doc.paths['/api/v1/organizations/{id}'].get['x-mysaas-subjects'], ['organization']);
  assert.deepEqual(schemesOf(doc.paths['/api/v1/organizations'].get), ['bearerAuth', 'cookieAuth']);
  assert.deepEqual(doc.paths['/api/v1/organizations'].get['x-mysaas-accepts'], ['session_token']);
  for (const path of ['/api/v1/users/me', '/api/v1/organizations']) {
    assert.ok(doc.paths[path].get.responses['401'], `${path} documents 401`);
    assert.ok(Array.isArray(doc.paths[path].get.security));
  }
  assert.ok(doc.paths['/api/v1/organizations'].get.responses['422']);
  for (const code of ['200', '400', '413', '422', '503'])
    assert.ok(doc.paths['/api/v1/auth/clerk_webhook/'].post.responses[code], `webhook ${code}`);
  // The authorization check and the session's fields of users/me.
  const check = doc.paths['/api/v1/auth/check'].get;
  assert.deepEqual(check.parameters.map((p) => [p.name, p.in, p.required]),
    ['role', 'permission', 'feature', 'plan', 'reverification'].map((n) => [n, 'query', false]));
  for (const code of ['200', '401', '422']) assert.ok(check.responses[code], `auth/check ${code}`);
  assert.match(check.description, /empty value counts as not given/);
  assert.deepEqual(check.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/AuthCheck' });
  for (const f of ['session_id', 'actor', 'features', 'plans']) {
    assert.ok(doc.components.schemas.Me.properties[f], `Me.${f}`);
    assert.ok(doc.components.schemas.Me.required.includes(f), `Me.${f} required`);
  }
  // The reverification answer's schema is there for the routes that need it.
  assert.deepEqual(doc.components.schemas.ReverificationError.example, {
    clerk_error: { type: 'forbidden', reason: 'reverification-error',
      metadata: { reverification: { level: 'second_factor', afterMinutes: 10 } } },
  });
  // Generated from the route table: the requirements (and their 403), the
  // Idempotency-Key of every write but the webhook's.
  const org = '/api/v1/organizations/{id}';
  const members = `${org}/members/{user_id}`;
  const requires = {
    [`patch ${org}`]: { permission: 'org:sys_profile:manage', organization_param: 'id' },
    [`delete ${org}`]: { permission: 'org:sys_profile:delete', reverification: 'strict', organization_param: 'id' },
    [`get ${org}/invitations`]: { permission: 'org:sys_memberships:read', organization_param: 'id' },
    [`post ${org}/invitations`]: { permission: 'org:sys_memberships:manage', organization_param: 'id' },
    [`post ${org}/invitations/{invitation_id}/revoke`]: { permission: 'org:sys_memberships:manage', organization_param: 'id' },
    [`patch ${members}`]: { permission: 'org:sys_memberships:manage', organization_param: 'id' },
    [`delete ${members}`]: { permission: 'org:sys_memberships:manage', organization_param: 'id', allow_self_param: 'user_id' },
  };
  const keyRef = '#/components/parameters/IdempotencyKey';
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      assert.deepEqual(op['x-mysaas-requires'], requires[`${m} ${path}`], `${m} ${path}: requirement`);
      if (requires[`${m} ${path}`]) assert.ok(op.responses['403'], `${m} ${path}: 403`);
      const write = m !== 'get' && !path.startsWith('/api/v1/auth/clerk_webhook');
      const keyed = (op.parameters ?? []).some((p) => p.$ref === keyRef);
      assert.equal(keyed, write, `${m} ${path}: Idempotency-Key ${write ? '' : 'not '}documented`);
      if (write) {
        for (const code of ['401', '404', '409', '422', '503']) assert.ok(op.responses[code], `${m} ${path}: ${code}`);
        assert.ok(op.responses['503'].headers['Retry-After'], `${m} ${path}: Retry-After`);
      }
    }
  }
  assert.deepEqual(doc.paths[org].delete.responses['403'].content['application/json'].schema.oneOf,
    [{ $ref: '#/components/schemas/HTTPError' }, { $ref: '#/components/schemas/ReverificationError' }]);
  assert.equal(doc.components.parameters.IdempotencyKey.in, 'header');
  assert.match(doc.paths['/api/v1/auth/clerk_webhook/'].post.description, /no `Idempotency-Key`/);
});

test('/docs serves Swagger UI and its assets from this server', async () => {
  const r = await fetch(`${srv.url}/docs`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.match(r.headers.get('content-security-policy'), /default-src 'self'/);
  const html = await r.text();
  for (const asset of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']) {
    assert.ok(html.includes(asset), asset);
    const a = await fetch(srv.url + asset);
    assert.equal(a.status, 200, asset);
    assert.ok((await a.arrayBuffer()).byteLength > 100, `${asset} has content`);
  }
  assert.equal((await fetch(`${srv.url}/docs/nosuch.js`)).status, 404);
});

test('/docs shows every operation in chromium with no network beyond this server', async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext();
    const outside = [];
    // Networking off: anything not addressed to this server is refused.
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(srv.url + '/')) return route.continue();
      outside.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${srv.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    const clean = paths.map((p) => p.replace(/\u200b/g, '').trim());
    for (const p of ['/api/v1/health', '/api/v1/users/me', '/api/v1/organizations',
      '/api/v1/organizations/{id}', '/api/v1/organizations/{id}/members',
      '/api/v1/auth/clerk_webhook/']) {
      assert.ok(clean.includes(p), `${p} shown (got ${clean.join(', ')})`);
    }
    assert.deepEqual(outside, [], 'no request left this server');
    assert.deepEqual(errors, [], 'no script errors');
  } finally {
    await browser.close();
  }
});
