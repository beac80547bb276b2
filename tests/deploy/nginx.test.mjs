// deploy/nginx.conf for real: Debian's nginx, configured by that file (its
// marked lines substituted: lib/nginx.mjs), in front of two `mysaas serve`
// instances (MYSAAS_TRUST_PROXY=1) on one PostgreSQL database. Its HTTPS
// lines are switched on with a self-signed certificate, and its load
// balancer section trusts 127.0.0.2: clients connect from 127.0.0.x
// addresses of their own, so nginx tells them apart as it would tell
// apart hosts. Everything stays on loopback.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, createAdmin, csrfOf } from '../integration/admin_helpers.mjs';
import { nginxBin, nginxConfig, nginxTest, startNginx } from '../integration/lib/nginx.mjs';
import { DB_KIND, freshDb, rmDir, startInstance, tmpDir } from '../integration/lib/server.mjs';
import {
  SECRET, count, deliver, msgId, rows, scalar, userByClerkId, userEvent,
} from '../integration/lib/webhook.mjs';

const T = { timeout: 120000 };
const LB = '127.0.0.2'; // the trusted load balancer of the configuration
const why = !nginxBin() ? 'nginx is not installed (apt-get install nginx-light)'
  : DB_KIND !== 'postgres' ? 'two instances share one PostgreSQL database (MYSAAS_TEST_DB=postgres)'
    : spawnSync('openssl', ['version']).status !== 0 ? 'openssl is not installed' : false;

// A self-signed certificate for 127.0.0.1 in dir: {cert, key, pem}.
function selfSigned(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `openssl req: ${r.stderr}`);
  return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

// One HTTP(S) request on a new connection from the local address `from`:
// {status, headers, text, cookies: {name: attrs (lowercase)}}.
function request(base, method, p, { headers = {}, body, from = '127.0.0.1', ca } = {}) {
  const u = new URL(p, base);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers,
      localAddress: from, agent: false, ca, timeout: 20000,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const cookies = {};
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair, ...attrs] = line.split(';');
          cookies[pair.slice(0, pair.indexOf('=')).trim()] = {
            value: pair.slice(pair.indexOf('=') + 1).trim(),
            attrs: attrs.map((a) => a.trim().toLowerCase()),
          };
        }
        resolve({ status: res.statusCode, headers: res.headers, text, cookies });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${u}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// The admin's login form, then a POST of it: the two answers.
async function login(base, email, password, { from, headers = {}, ca } = {}) {
  const page = await request(base, 'GET', '/admin/login/', { from, headers, ca });
  assert.equal(page.status, 200, `login page: ${page.status} ${page.text.slice(0, 200)}`);
  const csrf = page.cookies.mysaas_admin_csrf?.value;
  assert.ok(csrf, 'the login page sets the CSRF cookie');
  const form = new URLSearchParams({ csrfmiddlewaretoken: csrfOf(page.text), username: email, password });
  const post = await request(base, 'POST', '/admin/login/', {
    from, ca,
    headers: {
      ...headers, origin: new URL(base).origin, cookie: `mysaas_admin_csrf=${csrf}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form.toString(),
  });
  return { page, post };
}

const prefix = (res) => String(res.headers['x-request-id'] ?? res.headers.get?.('x-request-id')).slice(0, 8);

describe('deploy/nginx.conf in front of two instances', { skip: why }, () => {
  let db;
  let dir;
  let tls;
  const inst = [];
  let proxy;
  const ids = []; // each instance's X-Request-Id prefix

  before(async () => {
    db = freshDb();
    dir = tmpDir('mysaas-deploy-');
    tls = selfSigned(dir);
    const env = { MYSAAS_TRUST_PROXY: 1, CLERK_WEBHOOK_SIGNING_SECRET: SECRET };
    for (let i = 0; i < 2; i++) inst.push(await startInstance({ env, db }));
    for (const s of inst) ids.push(prefix(await request(s.url, 'GET', '/api/v1/health')));
    assert.notEqual(ids[0], ids[1], 'each instance has its own request id prefix');
    proxy = await startNginx({ upstreams: inst.map((s) => s.port), lb: LB, https: { cert: tls.cert, key: tls.key } });
    createAdmin(db, 'root@deploy.test');
  });

  after(async () => {
    const errs = [];
    if (proxy) await proxy.stop().catch((e) => errs.push(e));
    for (const s of inst) await s.stop({ expectCode: null }).catch((e) => errs.push(e));
    if (db) db.drop();
    if (dir) rmDir(dir);
    if (errs.length) throw errs[0];
  });

  test('nginx -t accepts the file with every commented HTTPS line switched on', T, () => {
    const d = tmpDir('mysaas-nginx-t-');
    try {
      fs.mkdirSync(path.join(d, 'tmp'));
      for (const opts of [{}, { lb: LB }, { https: { port: 1, cert: tls.cert, key: tls.key } },
        { https: { port: 1, cert: tls.cert, key: tls.key, redirect: true } }]) {
        const text = nginxConfig({ dir: d, port: 2, upstreams: [3, 4], ...opts });
        const r = nginxTest(text, d);
        assert.ok(r.ok, `nginx -t with ${JSON.stringify(opts)}:\n${r.output}`);
      }
      const redirect = nginxConfig({ dir: d, port: 2, upstreams: [3, 4], https: { port: 1, cert: tls.cert, key: tls.key, redirect: true } });
      assert.match(redirect, /return 301 https:\/\/\$host\$request_uri;/);
      assert.doesNotMatch(redirect, /listen 127\.0\.0\.1:2 default_server/, 'plain HTTP only redirects');
    } finally {
      rmDir(d);
    }
  });

  test('the routes of the original stack answer through nginx as mysaas answers them', T, async () => {
    const same = ['/', '/sign-in', '/sign-in/factor-one', '/sign-up', '/dashboard', '/admin/', '/docs',
      '/openapi.json', '/api/v1/health', '/api/v1/users/me', '/static/style.css', '/static/pages.js',
      '/no/such/page'];
    for (const p of same) {
      const direct = await request(inst[0].url, 'GET', p);
      const via = await request(proxy.url, 'GET', p);
      assert.equal(via.status, direct.status, `GET ${p}: status`);
      assert.equal(via.headers['content-type'], direct.headers['content-type'], `GET ${p}: type`);
      assert.equal(via.headers.location, direct.headers.location, `GET ${p}: Location`);
      assert.ok(ids.includes(prefix(via)), `GET ${p}: answered by an instance (${via.headers['x-request-id']})`);
      if (/json|css|javascript/.test(direct.headers['content-type'] ?? '')) assert.equal(via.text, direct.text, `GET ${p}: body`);
    }
    // Django's /admin -> /admin/, relative (the scheme and host stay the browser's).
    const a = await request(proxy.url, 'GET', '/admin');
    assert.equal(a.status, 301);
    assert.equal(a.headers.location, '/admin/');
    // Metrics are loopback-only in mysaas, and nginx is on loopback: it must
    // not pass them on.
    assert.equal((await request(inst[0].url, 'GET', '/metrics')).status, 200, 'an instance serves loopback');
    for (const p of ['/metrics', '/metrics?x=1']) {
      const m = await request(proxy.url, 'GET', p);
      assert.equal(m.status, 404, `GET ${p} through nginx`);
      assert.deepEqual(JSON.parse(m.text), { detail: 'Not Found' });
      assert.equal(m.headers['x-content-type-options'], 'nosniff');
    }
    // Over 1 MiB: nginx's 413 in mysaas' words; exactly 1 MiB passes on.
    const big = await request(proxy.url, 'POST', '/api/v1/auth/clerk_webhook/', {
      headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 1),
    });
    assert.equal(big.status, 413);
    assert.deepEqual(JSON.parse(big.text), { detail: 'Request body too large (limit 1 MiB)' });
    const max = await request(proxy.url, 'POST', '/api/v1/auth/clerk_webhook/', {
      headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024),
    });
    assert.equal(max.status, 400, 'a 1 MiB body reaches mysaas (bad signature)');
    assert.ok(ids.includes(prefix(max)));
  });

  test('both instances serve: round robin in X-Request-Id, the access logs of nginx and of each instance', T, async () => {
    const seen = new Map();
    for (let i = 0; i < 12; i++) {
      const r = await request(proxy.url, 'GET', `/api/v1/health?n=${i}`);
      assert.equal(r.status, 200);
      seen.set(prefix(r), (seen.get(prefix(r)) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), [...ids].sort(), `both instances answered: ${[...seen]}`);
    for (const n of seen.values()) assert.ok(n >= 3, `round robin, not one instance mostly: ${[...seen]}`);
    const log = proxy.accessLog();
    for (const s of inst) {
      assert.match(log, new RegExp(`"GET /api/v1/health\\?n=\\d+ HTTP/1.1" 200 .*upstream=127\\.0\\.0\\.1:${s.port} `),
        `nginx logged requests sent to :${s.port}`);
    }
    // nginx's line names mysaas' request id; that instance logged it.
    const line = log.split('\n').find((l) => l.includes('/api/v1/health?n=0 '));
    const req = /req=([0-9a-f]{16})/.exec(line)?.[1];
    assert.ok(req, `request id in nginx's line: ${line}`);
    const owner = inst[ids.indexOf(req.slice(0, 8))];
    assert.match(owner.logs(), new RegExp(`req=${req} method="GET" path="/api/v1/health" status=200`));
  });

  test('X-Forwarded-For: the address nginx saw is the client of the admin throttle; a forged one is not', T, async () => {
    const failures = (email) => rows(db, `SELECT ip FROM admin_login_failures WHERE email = '${email}'`).map((r) => r.ip);
    // A client facing nginx directly: its header is kept in the list but
    // the last address, the one nginx adds, is what mysaas reads.
    let r = await login(proxy.url, 'a@deploy.test', 'wrong', { from: '127.0.0.3', headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(r.post.status, 200, 'a failed login');
    assert.deepEqual(failures('a@deploy.test'), ['127.0.0.3']);
    // Through the trusted load balancer: the client is the one it names,
    // the last address not its own (real_ip_recursive).
    r = await login(proxy.url, 'b@deploy.test', 'wrong', { from: LB, headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.deepEqual(failures('b@deploy.test'), ['198.51.100.7']);
    r = await login(proxy.url, 'c@deploy.test', 'wrong', { from: LB, headers: { 'x-forwarded-for': '203.0.113.50, 198.51.100.8' } });
    assert.deepEqual(failures('c@deploy.test'), ['198.51.100.8']);
    // nginx's log names the same clients.
    const log = proxy.accessLog();
    assert.match(log, /^127\.0\.0\.3 .*"POST \/admin\/login\/ HTTP\/1\.1" 200/m);
    assert.match(log, /^198\.51\.100\.7 .*"POST \/admin\/login\/ HTTP\/1\.1" 200/m);

    // The throttle per address works across both instances: five failures
    // from 127.0.0.4 (any emails) block it, not 127.0.0.5.
    for (let i = 0; i < 5; i++) {
      r = await login(proxy.url, `spray${i}@deploy.test`, 'wrong', { from: '127.0.0.4', headers: { 'x-forwarded-for': `192.0.2.${i}` } });
      assert.equal(r.post.status, 200, `failure ${i + 1}`);
    }
    assert.equal(scalar(db, "SELECT count(DISTINCT ip) FROM admin_login_failures WHERE email LIKE 'spray%'"), 1);
    r = await login(proxy.url, 'root@deploy.test', PASSWORD, { from: '127.0.0.4' });
    assert.equal(r.post.status, 429, 'the sixth attempt from that address');
    r = await login(proxy.url, 'root@deploy.test', PASSWORD, { from: '127.0.0.5' });
    assert.equal(r.post.status, 302, 'another address logs in');
  });

  test('X-Forwarded-Proto: the admin cookies are Secure over HTTPS, and only then', T, async () => {
    const secure = (c) => c.attrs.includes('secure');
    // TLS terminated by nginx.
    let r = await login(proxy.httpsUrl, 'root@deploy.test', PASSWORD, { ca: tls.pem, from: '127.0.0.6' });
    assert.ok(secure(r.page.cookies.mysaas_admin_csrf), `CSRF cookie over HTTPS: ${r.page.headers['set-cookie']}`);
    assert.equal(r.post.status, 302, `login over HTTPS (Origin https://...): ${r.post.text.slice(0, 200)}`);
    assert.ok(secure(r.post.cookies.mysaas_admin), `session cookie over HTTPS: ${r.post.headers['set-cookie']}`);
    // Plain HTTP: not Secure, even when the client claims https.
    r = await login(proxy.url, 'root@deploy.test', PASSWORD, { from: '127.0.0.6', headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(!secure(r.page.cookies.mysaas_admin_csrf), 'plain HTTP: not Secure');
    assert.equal(r.post.status, 302, 'its http:// Origin is the right one');
    assert.ok(!secure(r.post.cookies.mysaas_admin));
    // The load balancer terminated TLS and says so: Secure.
    r = await login(proxy.url, 'root@deploy.test', PASSWORD, { from: LB, headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(secure(r.page.cookies.mysaas_admin_csrf), 'X-Forwarded-Proto: https from the load balancer');
    assert.equal(r.post.status, 403, 'an http:// Origin is refused for an https request');
    // HSTS on the HTTPS answers.
    const h = await request(proxy.httpsUrl, 'GET', '/api/v1/health', { ca: tls.pem });
    assert.equal(h.status, 200);
    assert.match(h.headers['strict-transport-security'] ?? '', /max-age=\d+/);
  });

  test('one webhook delivered to both instances (one after the other, then at once) is applied once', T, async () => {
    const ev = userEvent({ email: 'twice@deploy.test' });
    const body = JSON.stringify(ev);
    const id = msgId();
    const by = new Set();
    for (let i = 0; i < 8 && by.size < 2; i++) {
      const r = await deliver(proxy.url, body, { id });
      assert.equal(r.status, 200, `delivery ${i + 1}: ${r.text}`);
      by.add(prefix(r));
    }
    assert.equal(by.size, 2, 'both instances received the delivery');
    assert.deepEqual(rows(db, `SELECT status, attempts FROM webhook_events WHERE svix_id = '${id}'`),
      [{ status: 'applied', attempts: 1 }]);
    assert.equal(count(db, 'users', "email = 'twice@deploy.test'"), 1);

    // Concurrent deliveries of one new event: one applies it.
    const ev2 = userEvent({ email: 'atonce@deploy.test' });
    const id2 = msgId();
    const res = await Promise.all(Array.from({ length: 8 }, () => deliver(proxy.url, JSON.stringify(ev2), { id: id2 })));
    for (const r of res) assert.equal(r.status, 200, r.text);
    assert.deepEqual(rows(db, `SELECT status, attempts FROM webhook_events WHERE svix_id = '${id2}'`),
      [{ status: 'applied', attempts: 1 }]);
    assert.ok(userByClerkId(db, ev2.data.id));
    assert.equal(count(db, 'users', "email = 'atonce@deploy.test'"), 1);
  });

  // Last: it stops an instance.
  test('an instance stopped: nginx sends everything to the other one', T, async () => {
    await inst[1].stop();
    for (let i = 0; i < 6; i++) {
      const r = await request(proxy.url, 'GET', '/api/v1/health');
      assert.equal(r.status, 200, `request ${i + 1}`);
      assert.equal(prefix(r), ids[0]);
    }
    const r = await deliver(proxy.url, JSON.stringify(userEvent()), {});
    assert.equal(r.status, 200, `a webhook: ${r.text}`);
    await inst[0].stop();
    const down = await request(proxy.url, 'GET', '/api/v1/health');
    assert.equal(down.status, 502, 'no instance left');
    assert.deepEqual(JSON.parse(down.text), { detail: 'Bad Gateway' });
  });
});
