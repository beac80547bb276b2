// Configuration (DESIGN §2): bad values are refused at start with exit 1 and
// one line on stderr that names the variable; .env in the working folder is
// read and the real environment wins over it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
  freePort, freshDb, health, rmDir, sleep, spawnMysaas, tmpDir, until,
} from './lib/server.mjs';

const T = { timeout: 60000 };
let db;

before(() => { db = freshDb(); });
after(() => { if (db) db.drop(); });

// Runs `mysaas serve` expecting it to exit by itself within ms; a server that
// starts instead is killed and reported.
async function serveExpectingExit(env, { files = {}, args = [], ms = 15000 } = {}) {
  const cwd = tmpDir('mysaas-cfg-');
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cwd, name), text);
  const port = await freePort();
  const child = spawnMysaas(['serve', '--port', String(port), ...args], {
    env: { DATABASE_URL: db.url, ...env }, cwd,
  });
  try {
    const r = await child.wait(ms);
    if (r === null) {
      child.kill('SIGKILL');
      await child.wait(5000);
      assert.fail(`mysaas serve did not exit within ${ms} ms with ${JSON.stringify(env)}:\n${child.stderr()}`);
    }
    return { ...r, stdout: child.stdout(), stderr: child.stderr() };
  } finally {
    rmDir(cwd);
  }
}

function assertOneLineNaming(r, name, label) {
  assert.equal(r.code, 1, `${label}: exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `${label}: one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].includes(name), `${label}: the line names ${name}: ${lines[0]}`);
  assert.equal(r.stdout, '', `${label}: nothing on stdout`);
}

const badValues = [
  ['DATABASE_URL', 'mysql://x'],
  ['DATABASE_URL', 'postgres://u@h:notaport/db'],
  ['DATABASE_URL', 'sqlite:'],
  ['PORT', '70000'],
  ['PORT', 'abc'],
  ['PORT', '0'],
  ['MYSAAS_THREADS', '0'],
  ['MYSAAS_THREADS', 'abc'],
  ['MYSAAS_THREADS', '-3'],
  ['LOG_LEVEL', 'loud'],
  ['LOG_FORMAT', 'xml'],
  ['MYSAAS_TRUST_PROXY', 'maybe'],
  ['MYSAAS_MAX_CONNECTIONS', '10'],
  ['MYSAAS_MAX_CONNECTIONS', 'lots'],
  ['MYSAAS_MAX_CONNS_PER_IP', '-1'],
  ['MYSAAS_MAX_CONNS_PER_IP', '2k'],
  ['CLERK_WEBHOOK_SIGNING_SECRET', 'nope'],
  ['CLERK_PUBLISHABLE_KEY', 'nope'],
  ['CLERK_SECRET_KEY', 'nope'],
  ['CLERK_API_URL', 'ftp://example.invalid'],
];

for (const [name, value] of badValues) {
  test(`${name}=${value} is refused: exit 1, one line naming ${name}`, T, async () => {
    const r = await serveExpectingExit({ [name]: value });
    assertOneLineNaming(r, name, `${name}=${value}`);
  });
}

test('a password in a malformed PostgreSQL URL is never echoed', T, async () => {
  const urls = [
    'postgres://u:Sup3rS3cretPw@127.0.0.1:notaport/db',
    'postgres://u:Sup3rS3cretPw%zz@127.0.0.1/db',
    'postgresql://u:Sup3rS3cretPw@127.0.0.1/db?bogus=1',
    'postgres://u:Sup3rS3cretPw@127.0.0.1:99999/db',
    'postgres://u:Sup3rS3cretPw@127.0.0.1:5432/db?sslmode=bogus',
  ];
  for (const url of urls) {
    const r = await serveExpectingExit({ DATABASE_URL: url });
    assert.equal(r.code, 1, `${url}: ${r.stderr}`);
    assert.ok(!(r.stdout + r.stderr).includes('Sup3rS3cretPw'),
      `the password is echoed for ${url}:\n${r.stderr}`);
  }
});

test('.env in the working folder is read (PORT set only there is used)', T, async () => {
  const port = await freePort();
  const cwd = tmpDir('mysaas-dotenv-');
  fs.writeFileSync(path.join(cwd, '.env'),
    `# a comment\nexport PORT=${port}\nLOG_FORMAT="json"\nDATABASE_URL='${db.url}'\n`);
  const child = spawnMysaas(['serve'], { env: {}, cwd });
  try {
    const ok = await until(async () => {
      try { return (await health(`http://127.0.0.1:${port}`, { timeout: 1000 })).status === 200; } catch { return false; }
    }, { ms: 15000, every: 100 });
    assert.ok(ok, `the server listens on the port from .env:\n${child.stderr()}`);
    assert.match(child.stderr().split('\n')[0], /^\{.*"level"/, 'LOG_FORMAT from .env is used too');
  } finally {
    child.kill('SIGTERM');
    const r = await child.wait(15000);
    if (r === null) child.kill('SIGKILL');
    rmDir(cwd);
    assert.deepEqual(r, { code: 0, signal: null }, child.stderr());
  }
});

test('the real environment wins over .env', T, async () => {
  const dotenvPort = await freePort();
  const envPort = await freePort();
  const cwd = tmpDir('mysaas-dotenv-');
  fs.writeFileSync(path.join(cwd, '.env'), `PORT=${dotenvPort}\nLOG_LEVEL=loud\n`);
  // LOG_LEVEL=loud in .env would be refused: the environment's value wins.
  const child = spawnMysaas(['serve'], {
    env: { PORT: envPort, LOG_LEVEL: 'info', DATABASE_URL: db.url }, cwd,
  });
  try {
    const ok = await until(async () => {
      try { return (await health(`http://127.0.0.1:${envPort}`, { timeout: 1000 })).status === 200; } catch { return false; }
    }, { ms: 15000, every: 100 });
    assert.ok(ok, `the server listens on PORT from the environment:\n${child.stderr()}`);
    await assert.rejects(health(`http://127.0.0.1:${dotenvPort}`, { timeout: 1000 }),
      'nothing listens on the port from .env');
  } finally {
    child.kill('SIGTERM');
    const r = await child.wait(15000);
    if (r === null) child.kill('SIGKILL');
    rmDir(cwd);
    assert.deepEqual(r, { code: 0, signal: null }, child.stderr());
  }
});

test('a malformed .env line: exit 1 naming .env and the line', T, async () => {
  const r = await serveExpectingExit({}, { files: { '.env': 'LOG_LEVEL=info\n\nthis is not an assignment\n' } });
  assertOneLineNaming(r, '.env', 'malformed .env');
  assert.match(r.stderr, /line 3\b/);

  const q = await serveExpectingExit({}, { files: { '.env': 'A=1\nB="unterminated\n' } });
  assertOneLineNaming(q, '.env', 'unterminated quote');
  assert.match(q.stderr, /line 2\b/);
});

test('an unknown MYSAAS_ variable in .env: exit 1 naming it', T, async () => {
  const r = await serveExpectingExit({}, { files: { '.env': 'MYSAAS_THREADS=2\nMYSAAS_FOO=1\n' } });
  assertOneLineNaming(r, 'MYSAAS_FOO', 'MYSAAS_FOO in .env');
});

test('a bad value in .env is refused like one in the environment', T, async () => {
  const r = await serveExpectingExit({}, { files: { '.env': 'PORT=abc\n' } });
  assertOneLineNaming(r, 'PORT', 'PORT=abc in .env');
});

test('the configuration is checked by migrate too', T, async () => {
  const cwd = tmpDir('mysaas-cfg-');
  const child = spawnMysaas(['migrate', '--list'], { env: { DATABASE_URL: db.url, LOG_LEVEL: 'loud' }, cwd });
  const r = await child.wait(15000);
  if (r === null) child.kill('SIGKILL');
  rmDir(cwd);
  assert.equal(r?.code, 1, child.stderr());
  assert.match(child.stderr(), /LOG_LEVEL/);
  await sleep(0);
});
