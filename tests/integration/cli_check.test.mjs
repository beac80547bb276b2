// mysaas check: one line per check, exit 0 only when nothing is broken.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { freshDb, runCli, runCliAsync } from './lib/server.mjs';

function fakeJwks(status, body) {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

test('a fresh database needs migrations: exit 1, then 0 once migrated', () => {
  const db = freshDb();
  try {
    let r = runCli(['check'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^error\s+DATABASE_URL\s+.*pending: run mysaas migrate/m);
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    r = runCli(['check'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok\s+DATABASE_URL\s+.*schema up to date/m);
    // Missing Clerk keys are warnings, not errors.
    assert.match(r.stdout, /^warn\s+CLERK_PUBLISHABLE_KEY/m);
    assert.match(r.stdout, /^warn\s+CLERK_AUTHORIZED_PARTIES/m);
    assert.match(r.stdout, /^0 error\(s\), \d+ warning\(s\)$/m);
  } finally {
    db.drop();
  }
});

test('the JWKS is fetched with the secret key: reachable ok, 401 or unreachable an error', async () => {
  const db = freshDb();
  const good = await fakeJwks(200, { keys: [{ kid: 'k', kty: 'RSA', n: 'x', e: 'AQAB' }] });
  const bad = await fakeJwks(401, { errors: [] });
  try {
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    const env = { DATABASE_URL: db.url, CLERK_SECRET_KEY: 'sk_test_x' };
    let r = await runCliAsync(['check'], { env: { ...env, CLERK_API_URL: `http://127.0.0.1:${good.address().port}` } });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^ok\s+CLERK_SECRET_KEY\s+JWKS reachable/m);
    const badPort = bad.address().port;
    r = await runCliAsync(['check'], { env: { ...env, CLERK_API_URL: `http://127.0.0.1:${badPort}` } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^error\s+CLERK_SECRET_KEY\s+.*401/m);
    await new Promise((res) => bad.close(res));
    r = await runCliAsync(['check'], { env: { ...env, CLERK_API_URL: `http://127.0.0.1:${badPort}` } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^error\s+CLERK_SECRET_KEY\s+.*not reachable/m);
  } finally {
    good.close();
    if (bad.listening) bad.close();
    db.drop();
  }
});

test('malformed keys are errors; bad usage exits 2', () => {
  const db = freshDb();
  try {
    assert.equal(runCli(['migrate'], { env: { DATABASE_URL: db.url } }).code, 0);
    const r = runCli(['check'], { env: { DATABASE_URL: db.url, CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /^error\s+CLERK_JWT_KEY/m);
    const u = runCli(['check', '--bogus'], { env: { DATABASE_URL: db.url } });
    assert.equal(u.code, 2);
    assert.match(u.stderr, /usage: mysaas check/);
  } finally {
    db.drop();
  }
});
