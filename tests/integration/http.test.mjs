// HTTP basics against the real binary: health, 404/405, the body and header
// limits, and many concurrent requests. DESIGN §4.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { health, rawRequest, sleep, startServer } from './lib/server.mjs';

const T = { timeout: 60000 };
const MiB = 1024 * 1024;
let srv;

before(async () => { srv = await startServer(); });
after(async () => { if (srv) await srv.stop(); });

async function assertAlive() {
  const h = await health(srv.url);
  assert.equal(h.status, 200, 'the server still answers health');
  assert.equal(h.body, '{"status":"ok"}');
}

function assertJsonDetail(text) {
  const body = JSON.parse(text);
  assert.equal(typeof body.detail, 'string', `{"detail": string}, got ${text}`);
  assert.ok(body.detail.length > 0);
  return body;
}

test('GET /api/v1/health answers 200 {"status":"ok"} with the common headers', T, async () => {
  const res = await fetch(`${srv.url}/api/v1/health`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '{"status":"ok"}');
  assert.match(res.headers.get('content-type'), /^application\/json\b/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const id = res.headers.get('x-request-id');
  assert.ok(id, 'X-Request-Id is present');
  assert.match(id, /^[A-Za-z0-9._-]{8,64}$/);

  const res2 = await fetch(`${srv.url}/api/v1/health`);
  await res2.text();
  assert.notEqual(res2.headers.get('x-request-id'), id, 'each request has its own id');
});

test('HEAD /api/v1/health answers 200 without a body', T, async () => {
  const r = await rawRequest(srv.port,
    'HEAD /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.equal(r.status, 200, r.raw);
  assert.equal(r.body, '', 'no body bytes after the head');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.ok(r.headers['x-request-id']);
});

test('an unknown path answers 404 {"detail":"Not Found"}', T, async () => {
  for (const p of ['/nope', '/api/v1/healthz', '/api/v1/health/extra', '/api/v2/health']) {
    const res = await fetch(`${srv.url}${p}`);
    assert.equal(res.status, 404, p);
    assert.match(res.headers.get('content-type'), /^application\/json\b/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.deepEqual(await res.json(), { detail: 'Not Found' });
  }
});

test('a wrong method answers 405 with Allow: GET, HEAD', T, async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const res = await fetch(`${srv.url}/api/v1/health`, { method, body: method === 'DELETE' ? undefined : '{}' });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET, HEAD', method);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assertJsonDetail(await res.text());
  }
});

test('a body over 1 MiB announced by Content-Length answers 413', T, async () => {
  // The server reads (and drops) an oversized body before answering, so
  // that the client can read the 413 instead of seeing a reset.
  for (const target of ['/nope', '/api/v1/health']) {
    const r = await rawRequest(srv.port,
      `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${MiB + 1}\r\n\r\n` + 'x'.repeat(MiB + 1));
    assert.equal(r.status, 413, `${target}: ${r.raw.slice(0, 300)}`);
    assert.match(r.headers['content-type'] || '', /^application\/json\b/);
    assertJsonDetail(r.body);
  }
  // An absurd announcement is refused at once, before any body byte.
  const r = await rawRequest(srv.port,
    'POST /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Content-Length: ${64 * MiB}\r\n\r\n`);
  assert.equal(r.status, 413, r.raw.slice(0, 300));
  assertJsonDetail(r.body);
  await assertAlive();
});

test('a body over 1 MiB sent whole by a real client gets the 413, not a reset', T, async () => {
  // The server answers before the body is read; it must still let the
  // client read that answer (no RST from closing with unread data).
  for (const size of [MiB + 1, ...Array(4).fill(2 * MiB), ...Array(5).fill(4 * MiB)]) {
    let res;
    try {
      res = await fetch(`${srv.url}/nope`, { method: 'POST', body: Buffer.alloc(size, 'a'),
        signal: AbortSignal.timeout(15000) });
    } catch (e) {
      assert.fail(`POST of ${size} bytes: no answer, the connection failed: ${e.cause?.code ?? e}`);
    }
    assert.equal(res.status, 413, `${size} bytes`);
    assertJsonDetail(await res.text());
  }
  await assertAlive();
});

function chunked(target, total, chunk = 64 * 1024) {
  const parts = [`POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n` +
    'Content-Type: application/octet-stream\r\n\r\n'];
  for (let sent = 0; sent < total; sent += chunk) {
    const n = Math.min(chunk, total - sent);
    parts.push(Buffer.concat([Buffer.from(n.toString(16) + '\r\n'), Buffer.alloc(n, 'b'), Buffer.from('\r\n')]));
  }
  parts.push('0\r\n\r\n');
  return parts;
}

test('a chunked body over 1 MiB (no Content-Length) answers 413', T, async () => {
  for (const target of ['/nope', '/api/v1/health']) {
    const r = await rawRequest(srv.port, chunked(target, MiB + 1), { timeout: 15000 });
    assert.equal(r.status, 413, `${target}: ${r.raw.slice(0, 300)}`);
    assertJsonDetail(r.body);
  }
  await assertAlive();
});

test('a body of exactly 1 MiB is accepted (the limit is 1048576 bytes)', T, async () => {
  const res = await fetch(`${srv.url}/nope`, { method: 'POST', body: Buffer.alloc(MiB, 'c') });
  assert.equal(res.status, 404, 'routed normally, not 413');
  assert.deepEqual(await res.json(), { detail: 'Not Found' });

  const r = await rawRequest(srv.port, chunked('/nope', MiB), { timeout: 15000 });
  assert.equal(r.status, 404, `chunked, exactly 1 MiB: ${r.raw.slice(0, 300)}`);

  const res2 = await fetch(`${srv.url}/nope`, { method: 'POST', body: Buffer.alloc(MiB - 1, 'c') });
  assert.equal(res2.status, 404);
  await res2.text();
  await assertAlive();
});

function withHeader(name, size) {
  return `GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n${name}: ${'h'.repeat(size)}\r\n` +
    'Connection: close\r\n\r\n';
}

test('request headers over 16 KiB answer 431', T, async () => {
  const r = await rawRequest(srv.port, withHeader('X-Big', 17 * 1024));
  assert.equal(r.status, 431, r.raw.slice(0, 300));
  assert.match(r.headers['content-type'] || '', /^application\/json\b/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assertJsonDetail(r.body);

  // Many headers adding up to more than 16 KiB.
  let many = 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n';
  for (let i = 0; i < 40; i++) many += `X-H${i}: ${'m'.repeat(500)}\r\n`;
  const r2 = await rawRequest(srv.port, many + '\r\n');
  assert.equal(r2.status, 431, r2.raw.slice(0, 300));
  await assertAlive();
});

test('10 KiB of request headers answer normally', T, async () => {
  const r = await rawRequest(srv.port, withHeader('X-Medium', 10 * 1024));
  assert.equal(r.status, 200, r.raw.slice(0, 300));
  assert.equal(r.body, '{"status":"ok"}');

  const res = await fetch(`${srv.url}/api/v1/health`, { headers: { 'x-medium': 'q'.repeat(10 * 1024) } });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '{"status":"ok"}');
});

test('a 100 KiB header answers a 4xx and the server stays up', T, async () => {
  const r = await rawRequest(srv.port, withHeader('X-Huge', 100 * 1024));
  assert.ok(r.status >= 400 && r.status < 500, `4xx expected, got ${r.status}: ${r.raw.slice(0, 200)}`);
  // And a 1 MiB one, which is more than any connection buffer.
  const r2 = await rawRequest(srv.port, withHeader('X-Huger', MiB));
  assert.ok(r2.status === null || (r2.status >= 400 && r2.status < 500),
    `4xx or a closed connection expected, got ${r2.status}`);
  await assertAlive();
});

test('garbage instead of HTTP does not take the server down', T, async () => {
  const bad = [
    'GARBAGE\r\n\r\n',
    'GET /api/v1/health HTTP/9.9\r\n\r\n',
    'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /nope HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    '\x00\x01\x02\xff\r\n\r\n',
    'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n',
  ];
  for (const b of bad) {
    const r = await rawRequest(srv.port, b, { timeout: 1000 });
    if (r.status !== null) assert.ok(r.status >= 400, `${JSON.stringify(b)} -> ${r.status}`);
  }
  await assertAlive();
});

test('200 concurrent requests (20 at a time) all answer 200', T, async () => {
  const total = 200;
  const width = 20;
  const ids = new Set();
  const statuses = [];
  let next = 0;
  async function worker() {
    while (next < total) {
      next++;
      const res = await fetch(`${srv.url}/api/v1/health`, { signal: AbortSignal.timeout(15000) });
      const text = await res.text();
      statuses.push(res.status);
      assert.equal(text, '{"status":"ok"}');
      ids.add(res.headers.get('x-request-id'));
    }
  }
  await Promise.all(Array.from({ length: width }, worker));
  assert.equal(statuses.length, total);
  assert.deepEqual([...new Set(statuses)], [200]);
  assert.equal(ids.size, total, 'every request id is unique');
});

// Open files allowed to this process (and so to the server it starts).
function fileLimit() {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number((r.stdout || '').trim());
  return r.stdout.trim() === 'unlimited' ? Infinity : n;
}

test('1,200 clients at once (from 8 addresses, under the per-address cap) are all answered', { timeout: 120000 }, async (t) => {
  const clients = 1200;
  if (fileLimit() < 2 * clients + 200) {
    t.skip(`needs ${2 * clients + 200} open files (ulimit -n)`);
    return;
  }
  const socks = [];
  let answered = 0;
  let failed = 0;
  for (let i = 0; i < clients; i++) {
    // Loopback is 127/8: 150 clients on each of 127.0.0.1-8, each address
    // under the default cap of 256 connections.
    const s = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: `127.0.0.${1 + (i % 8)}` });
    let buf = '';
    s.answered = false;
    s.on('connect', () => s.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    s.on('data', (d) => {
      buf += d;
      if (!s.answered && buf.includes('{"status":"ok"}')) { s.answered = true; answered++; }
    });
    s.on('error', () => { failed++; });
    socks.push(s);
  }
  try {
    // They all stay open (keep-alive): none waits for another to close.
    for (let waited = 0; waited < 30000 && answered < clients; waited += 50) await sleep(50);
    assert.equal(answered, clients, 'every client answered');
    assert.equal(failed, 0, 'no connection reset or refused');
  } finally {
    for (const s of socks) s.destroy();
  }
  await assertAlive();
});
