// Logging: one access-log line per request carrying the request id that
// went back in X-Request-Id; no secret from a header, cookie or query string
// ever reaches the log; LOG_FORMAT=json gives one JSON object a line.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TEXT_LINE } from './lib/logs.mjs';
import { freshDb, startServer } from './lib/server.mjs';
import { SECRET, deliver, userEvent } from './lib/webhook.mjs';

const T = { timeout: 60000 };

async function get(srv, path, headers = {}) {
  const res = await fetch(`${srv.url}${path}`, { headers });
  const body = await res.text();
  return { status: res.status, id: res.headers.get('x-request-id'), body };
}

const lines = (text) => text.split('\n').filter((l) => l.trim() !== '');

test('one access-log line per request: method, path, status, bytes, ms, request id', T, async () => {
  const srv = await startServer();
  let logs;
  let stderr;
  const reqs = [];
  try {
    reqs.push({ ...(await get(srv, '/api/v1/health')), method: 'GET', path: '/api/v1/health', bytes: 15 });
    reqs.push({ ...(await get(srv, '/nope')), method: 'GET', path: '/nope', bytes: '{"detail":"Not Found"}'.length });
    const res = await fetch(`${srv.url}/api/v1/health`, { method: 'POST', body: 'x' });
    const body = await res.text();
    reqs.push({ status: res.status, id: res.headers.get('x-request-id'), body, method: 'POST',
      path: '/api/v1/health', bytes: Buffer.byteLength(body) });
  } finally {
    await srv.stop();
    logs = srv.logs();
    stderr = srv.stderr();
  }
  assert.deepEqual(reqs.map((r) => r.status), [200, 404, 405]);
  for (const r of reqs) {
    assert.ok(r.id, 'X-Request-Id present');
    const mine = lines(stderr).filter((l) => l.includes(r.id));
    assert.equal(mine.length, 1, `exactly one stderr line with ${r.id}:\n${logs}`);
    const l = mine[0];
    assert.match(l, new RegExp(`\\b${r.method}\\b`), l);
    assert.ok(l.includes(r.path), l);
    assert.match(l, new RegExp(`\\b${r.status}\\b`), l);
    assert.match(l, new RegExp(`bytes=${r.bytes}\\b`), l);
    assert.match(l, /\bms=\d+(\.\d+)?\b/, l);
  }
});

test('secrets in Authorization, Cookie and the query string never reach the log', T, async () => {
  // Debug level: the most the server would ever write.
  const srv = await startServer({ env: { LOG_LEVEL: 'debug' } });
  let logs;
  try {
    const secretHeaders = {
      authorization: 'Bearer SECRET-TOKEN-123',
      cookie: '__session=COOKIE-SECRET-456; other=1',
    };
    assert.equal((await get(srv, '/api/v1/health', secretHeaders)).status, 200);
    assert.equal((await get(srv, '/nope', secretHeaders)).status, 404);
    assert.equal((await get(srv, '/api/v1/health?token=QUERY-SECRET-789')).status, 200);
    assert.equal((await get(srv, '/nope?token=QUERY-SECRET-789&x=1')).status, 404);
    const res = await fetch(`${srv.url}/api/v1/health?token=QUERY-SECRET-789`, {
      method: 'POST', headers: secretHeaders, body: 'x',
    });
    assert.equal(res.status, 405);
    await res.text();
  } finally {
    await srv.stop();
    logs = srv.logs();
  }
  assert.ok(lines(logs).length >= 5, 'the requests were logged');
  for (const secret of ['SECRET-TOKEN-123', 'COOKIE-SECRET-456', 'QUERY-SECRET-789']) {
    assert.ok(!logs.includes(secret), `${secret} appears in the log:\n${logs}`);
  }
});

test('LOG_FORMAT=json writes one JSON object a line with level and ts', T, async () => {
  const srv = await startServer({ env: { LOG_FORMAT: 'json' } });
  let stderr;
  let id;
  try {
    const r = await get(srv, '/api/v1/health');
    assert.equal(r.status, 200);
    id = r.id;
    assert.equal((await get(srv, '/nope')).status, 404);
  } finally {
    await srv.stop();
    stderr = srv.stderr();
  }
  const objs = lines(stderr).map((l) => {
    let o;
    assert.doesNotThrow(() => { o = JSON.parse(l); }, `not JSON: ${l}`);
    assert.equal(typeof o, 'object');
    assert.ok(o !== null && !Array.isArray(o), l);
    assert.equal(typeof o.level, 'string', l);
    assert.ok(['error', 'warn', 'info', 'debug'].includes(o.level), l);
    assert.equal(typeof o.ts, 'string', l);
    assert.ok(!Number.isNaN(Date.parse(o.ts)), `ts is a date: ${l}`);
    return o;
  });
  assert.ok(objs.length >= 3, stderr);
  const access = objs.filter((o) => JSON.stringify(o).includes(id));
  assert.equal(access.length, 1, `one line for ${id}:\n${stderr}`);
  assert.ok(Object.values(access[0]).includes(id), 'the request id is a value of its own');
  assert.ok(JSON.stringify(access[0]).includes('/api/v1/health'));
  assert.ok(Object.values(access[0]).some((v) => String(v) === '200'), JSON.stringify(access[0]));
});

test('LOG_LEVEL=error keeps the access log quiet', T, async () => {
  const srv = await startServer({ env: { LOG_LEVEL: 'error' } });
  let logs;
  let id;
  try {
    id = (await get(srv, '/api/v1/health')).id;
  } finally {
    await srv.stop();
    logs = srv.logs();
  }
  assert.ok(!logs.includes(id), `info lines are not written at level error:\n${logs}`);
});

// The database refuses every new user with an error whose message holds a
// quote, a backslash and a newline (as PostgreSQL's DETAIL lines do): the
// webhook answers 503, and every line of the log, text or JSON, is whole.
for (const format of ['text', 'json']) {
  test(`a database error holding quotes and newlines stays in one ${format} log line`, T, async () => {
    const db = freshDb();
    const trigger = db.kind === 'sqlite'
      ? `CREATE TRIGGER refuse BEFORE INSERT ON users BEGIN
           SELECT RAISE(ABORT, 'refused "by trigger"
second line \\ end'); END;`
      : `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused "by trigger"' USING DETAIL = E'second line \\\\ end'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse();`;
    let logs;
    const srv = await startServer({ db, env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, LOG_FORMAT: format } });
    try {
      const t = db.sql(trigger);
      assert.equal(t.code, 0, t.stderr);
      const r = await deliver(srv.url, JSON.stringify(userEvent({})));
      assert.equal(r.status, 503, r.text);
    } finally {
      await srv.stop();
      logs = srv.stderr();
      db.drop();
    }
    const all = lines(logs);
    const failed = all.filter((l) => l.includes('refused'));
    assert.ok(failed.length >= 1, `the database's message is logged:\n${logs}`);
    for (const l of all) {
      if (format === 'json') {
        const obj = JSON.parse(l);
        assert.equal(typeof obj.level, 'string', l);
      } else {
        assert.match(l, TEXT_LINE, 'one well-formed line');
      }
    }
    const msg = failed[0];
    if (format === 'json') {
      const fields = Object.values(JSON.parse(msg)).join(' ');
      assert.match(fields, /refused "by trigger"/, 'JSON shows the original text');
    } else {
      assert.match(msg, /refused \\x22by trigger\\x22/, msg);
    }
  });
}
