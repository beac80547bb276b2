// `mysaas clerk send-webhook FILE [--url U]` (DESIGN §1): signs a payload
// with CLERK_WEBHOOK_SIGNING_SECRET and POSTs it to the local server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { freePort, rmDir, runCli, tmpDir } from './lib/server.mjs';
import {
  IDS, SECRET, count, events, fixturePath, fixtureText, userByClerkId, withServer,
} from './lib/webhook.mjs';

const T = { timeout: 60000 };

test('send-webhook FILE with the secret and PORT: exit 0, prints 200 "OK", the event is stored', T, async () => {
  await withServer(async (srv) => {
    const r = runCli(['clerk', 'send-webhook', fixturePath('03')], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, PORT: srv.port },
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.startsWith('200 "OK"'), `stdout: ${r.stdout}`);
    const ev = events(srv.db);
    assert.equal(ev.length, 1);
    assert.equal(ev[0].status, 'applied');
    assert.equal(ev[0].type, 'user.created');
    assert.match(ev[0].svix_id, /^msg_[A-Za-z0-9]+$/, 'a Svix-shaped message id');
    assert.equal(ev[0].payload, fixtureText('03'), 'the file\'s bytes, as they are');
    assert.equal(userByClerkId(srv.db, IDS.alice)?.email, 'alice@acme.example');

    // Each run is a new message (a new svix-id), not a duplicate.
    const again = runCli(['clerk', 'send-webhook', fixturePath('01')], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, PORT: srv.port },
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count(srv.db, 'webhook_events'), 2);
  });
});

test('send-webhook --url to the route without the trailing slash works too', T, async () => {
  await withServer(async (srv) => {
    const r = runCli(['clerk', 'send-webhook', fixturePath('02'), '--url', `${srv.url}/api/v1/auth/clerk_webhook`], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET },
    });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.startsWith('200 "OK"'), `stdout: ${r.stdout}`);
    assert.equal(count(srv.db, 'organizations'), 1);
    // --url before FILE is accepted as well.
    const r2 = runCli(['clerk', 'send-webhook', '--url', `${srv.url}/api/v1/auth/clerk_webhook/`, fixturePath('01')], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET },
    });
    assert.equal(r2.code, 0, `${r2.stdout}${r2.stderr}`);
    assert.equal(count(srv.db, 'users'), 1);
  });
});

test('send-webhook signed with a secret the server does not have: prints the 400, exit 1', T, async () => {
  await withServer(async (srv) => {
    const r = runCli(['clerk', 'send-webhook', fixturePath('03')], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_' + Buffer.alloc(24, 7).toString('base64'), PORT: srv.port },
    });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.ok(r.stdout.startsWith('400 '), `stdout: ${r.stdout}`);
    assert.match(r.stdout, /Invalid webhook signature/);
    assert.equal(count(srv.db, 'webhook_events'), 0);
  });
});

test('send-webhook without a secret: exit 1 naming CLERK_WEBHOOK_SIGNING_SECRET, nothing sent', T, async () => {
  await withServer(async (srv) => {
    const r = runCli(['clerk', 'send-webhook', fixturePath('03')], {
      env: { PORT: srv.port, CLERK_WEBHOOK_SIGNING_SECRET: undefined },
    });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /CLERK_WEBHOOK_SIGNING_SECRET/);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one clear line: ${r.stderr}`);
    assert.equal(count(srv.db, 'webhook_events'), 0);
  });
});

test('send-webhook failures: a missing file, nothing listening (exit 1, one line)', T, async () => {
  const dir = tmpDir('mysaas-wh-cli-');
  try {
    const r = runCli(['clerk', 'send-webhook', path.join(dir, 'nope.json')], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET },
    });
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /nope\.json/);

    const file = path.join(dir, 'ev.json');
    fs.writeFileSync(file, fixtureText('01'));
    const port = await freePort();
    const r2 = runCli(['clerk', 'send-webhook', file], {
      env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET, PORT: port },
    });
    assert.equal(r2.code, 1, `${r2.stdout}${r2.stderr}`);
    assert.match(r2.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`), `names the URL: ${r2.stderr}`);
  } finally {
    rmDir(dir);
  }
});

test('bad usage of mysaas clerk exits 2 with the usage on stderr', T, () => {
  for (const args of [['clerk'], ['clerk', 'send-webhook'], ['clerk', 'nosuch'],
    ['clerk', 'send-webhook', 'a.json', 'b.json'], ['clerk', 'send-webhook', 'a.json', '--url'],
    ['clerk', 'send-webhook', 'a.json', '--bogus']]) {
    const r = runCli(args, { env: { CLERK_WEBHOOK_SIGNING_SECRET: SECRET } });
    assert.equal(r.code, 2, `mysaas ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage/i, `mysaas ${args.join(' ')}`);
    assert.equal(r.stdout, '', `mysaas ${args.join(' ')}: nothing on stdout`);
  }
});
