// Lifecycle: graceful shutdown on SIGTERM/SIGINT (in-flight requests finish,
// the port stops accepting, exit code 0) and "port already in use".
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import { freePort, freshDb, runCli, sleep, startServer, until } from './lib/server.mjs';

const T = { timeout: 60000 };

// Resolves 'open' or the connect error code (e.g. ECONNREFUSED).
function tryConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, 2000);
    s.on('connect', () => { clearTimeout(timer); s.destroy(); resolve('open'); });
    s.on('error', (e) => { clearTimeout(timer); resolve(e.code || 'error'); });
  });
}

test('SIGTERM with a request in flight: it finishes, the port closes, exit 0', T, async () => {
  const srv = await startServer();
  try {
    // A slow client: the head and 10 of 100 body bytes now, the rest later.
    const head = 'POST /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n' +
      'Connection: close\r\n\r\n';
    let answer = '';
    let closed = false;
    const sock = net.connect({ host: '127.0.0.1', port: srv.port });
    sock.setEncoding('latin1');
    sock.on('data', (d) => { answer += d; });
    sock.on('close', () => { closed = true; });
    sock.on('error', () => {});
    await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    sock.write(head + 'a'.repeat(10));
    await sleep(300); // the server has the head: the request is in flight

    srv.kill('SIGTERM');
    const refused = await until(async () => (await tryConnect(srv.port)) === 'ECONNREFUSED', { ms: 5000, every: 50 });
    assert.ok(refused, 'after SIGTERM the port stops accepting connections');
    assert.equal(srv.proc.exitCode, null, 'still running while the request is in flight');

    sock.write('b'.repeat(90));
    await until(() => closed || /\r\n\r\n[\s\S]*"detail"/.test(answer), { ms: 10000, every: 20 });
    sock.destroy();
    assert.match(answer, /^HTTP\/1\.1 404 /, `the in-flight request was answered: ${answer}`);

    const r = await srv.wait(15000);
    assert.ok(r, 'the process exits after the last request');
    assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
    assert.match(srv.stderr(), /SIGTERM/);
  } finally {
    await srv.stop();
  }
});

test('SIGTERM during a burst of requests: every answer is complete, exit 0', T, async () => {
  const srv = await startServer();
  try {
    let done = 0;
    const all = Array.from({ length: 100 }, async () => {
      const res = await fetch(`${srv.url}/api/v1/health`, { signal: AbortSignal.timeout(15000) });
      const body = await res.text();
      done++;
      return { status: res.status, body };
    });
    await until(() => done >= 10, { ms: 10000, every: 5 });
    srv.kill('SIGTERM');
    const results = await Promise.allSettled(all);
    const answered = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    assert.ok(answered.length >= 10, `${answered.length} answered`);
    for (const a of answered) {
      assert.equal(a.status, 200);
      assert.equal(a.body, '{"status":"ok"}');
    }
    const r = await srv.wait(15000);
    assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
  } finally {
    await srv.stop();
  }
});

test('an idle keep-alive connection does not hold up SIGTERM', T, async () => {
  const srv = await startServer();
  try {
    const sock = net.connect({ host: '127.0.0.1', port: srv.port });
    sock.on('error', () => {});
    let answer = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { answer += d; });
    await new Promise((resolve) => sock.once('connect', resolve));
    sock.write('GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await until(() => answer.includes('{"status":"ok"}'), { ms: 5000, every: 10 });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    const t0 = Date.now();
    srv.kill('SIGTERM');
    const r = await srv.wait(15000);
    sock.destroy();
    assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
    assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
  } finally {
    await srv.stop();
  }
});

test('SIGINT also stops the server with exit code 0', T, async () => {
  const srv = await startServer();
  try {
    const res = await fetch(`${srv.url}/api/v1/health`);
    assert.equal(res.status, 200);
    await res.text();
    srv.kill('SIGINT');
    const r = await srv.wait(15000);
    assert.deepEqual(r, { code: 0, signal: null }, srv.stderr());
    assert.equal(await tryConnect(srv.port), 'ECONNREFUSED');
  } finally {
    await srv.stop();
  }
});

test('a port already in use: exit 1 with a message naming the port', T, async () => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise((resolve, reject) => { blocker.once('error', reject); blocker.listen(port, '127.0.0.1', resolve); });
  const db = freshDb();
  try {
    const r = runCli(['serve', '--port', String(port)], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`\\b${port}\\b`));
    assert.match(r.stderr, /in use/i);
    assert.equal(r.stdout, '');

    // Through PORT as well.
    const r2 = runCli(['serve'], { env: { DATABASE_URL: db.url, PORT: port } });
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(r2.stderr, /in use/i);
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
    db.drop();
  }
});
