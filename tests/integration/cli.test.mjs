// The command line: version, help, and bad usage (exit 2, usage on stderr).
// DESIGN §1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, runCli } from './lib/server.mjs';

const T = { timeout: 30000 };

test('--version prints "mysaas X.Y.Z" (the VERSION file) and exits 0', T, () => {
  const r = runCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^mysaas \d+\.\d+\.\d+\n$/);
  const version = fs.readFileSync(path.join(ROOT, 'VERSION'), 'utf8').trim();
  assert.equal(r.stdout, `mysaas ${version}\n`);
  assert.equal(r.stderr, '');
});

test('help lists the commands and exits 0', T, () => {
  const r = runCli(['help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /usage/i);
  assert.match(r.stdout, /\bserve\b/);
  assert.match(r.stdout, /\bmigrate\b/);
  assert.equal(r.stderr, '');
});

test('help serve / help migrate show that command\'s usage, exit 0', T, () => {
  const r = runCli(['help', 'serve']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /usage: mysaas serve/);
  assert.match(r.stdout, /--port/);
  assert.match(r.stdout, /--no-migrate/);

  const m = runCli(['help', 'migrate']);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /usage: mysaas migrate/);
  assert.match(m.stdout, /--list/);
});

test('serve --help and migrate --help exit 0 with the usage on stdout', T, () => {
  for (const cmd of ['serve', 'migrate']) {
    const r = runCli([cmd, '--help']);
    assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: mysaas ${cmd}`));
  }
});

test('help of an unknown command exits 2', T, () => {
  const r = runCli(['help', 'nosuch']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nosuch/);
  assert.match(r.stderr, /usage/i);
});

test('no arguments: usage on stderr, exit 2', T, () => {
  const r = runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /usage: mysaas/);
  assert.equal(r.stdout, '');
});

test('an unknown command: usage on stderr, exit 2', T, () => {
  for (const cmd of ['nosuch', '--bogus', 'Serve']) {
    const r = runCli([cmd]);
    assert.equal(r.code, 2, cmd);
    assert.match(r.stderr, /usage: mysaas/, cmd);
    assert.ok(r.stderr.includes(cmd), `names ${cmd}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});

test('serve with bad arguments: its usage on stderr, exit 2', T, () => {
  const cases = [
    ['serve', '--bogus'],
    ['serve', 'extra'],
    ['serve', '--port'],
    ['serve', '--port', 'abc'],
    ['serve', '--port', '0'],
    ['serve', '--port', '70000'],
    ['serve', '--port', '-1'],
    ['serve', '--port', '80x'],
    ['serve', '--host'],
  ];
  for (const args of cases) {
    const r = runCli(args, { timeout: 10000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: mysaas serve/, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('migrate with bad arguments: its usage on stderr, exit 2', T, () => {
  for (const args of [['migrate', '--bogus'], ['migrate', 'now'], ['migrate', '--list', '--x']]) {
    const r = runCli(args, { timeout: 10000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: mysaas migrate/, args.join(' '));
    assert.equal(r.stdout, '');
  }
});
