// "mysaas createsuperuser" and "mysaas changepassword" (DESIGN §1, §3, §8)
// on the selected backend. Prompts are answered on a pseudo-terminal made
// by util-linux's script(1), which every Debian system has; each answer is
// sent only once its prompt is on screen, when echo is already off.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';

import {
  BIN, cleanEnv, freshDb, rmDir, runCli, sleep, tmpDir,
} from './lib/server.mjs';

const T = { timeout: 60000 };
const PW = 'Zebra-Quartz-9071';
const PW2 = 'Marble-Otter-4418';
// Our argon2id cost (src/accounts/password.h): at least OWASP's minimum.
const HASH = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const HAS_SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const PTY = { ...T, skip: HAS_SCRIPT ? false : 'script(1) from util-linux is not installed' };

function migratedDb() {
  const db = freshDb();
  const r = runCli(['migrate'], { env: { DATABASE_URL: db.url } });
  assert.equal(r.code, 0, r.stderr);
  return db;
}

function q(db, sql) {
  const r = db.sql(`${sql};`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

const flag = (col) => `CASE WHEN ${col} THEN 1 ELSE 0 END`;

// The users with that email (any case), as objects.
function users(db, email) {
  const out = q(db, `SELECT id, email, password, ${flag('is_staff')}, ${flag('is_superuser')},
    ${flag('is_active')}, ${flag('clerk_id IS NULL')}, date_joined, created_at, updated_at
    FROM users WHERE lower(email) = lower('${email}') ORDER BY id`);
  return out.split('\n').filter(Boolean).map((l) => {
    const c = l.split('|');
    return {
      id: Number(c[0]), email: c[1], password: c[2], is_staff: c[3] === '1',
      is_superuser: c[4] === '1', is_active: c[5] === '1', no_clerk_id: c[6] === '1',
      date_joined: c[7], created_at: c[8], updated_at: c[9],
    };
  });
}

const count = (db) => Number(q(db, 'SELECT count(*) FROM users'));

function create(db, args, password) {
  return runCli(['createsuperuser', ...args], {
    env: { DATABASE_URL: db.url, MYSAAS_SUPERUSER_PASSWORD: password },
  });
}

const shQuote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

// Runs mysaas ARGS on a pseudo-terminal. steps: [[prompt, text], ...]:
// once `prompt` appears in the output after the previous answer, `text`
// is typed (raw bytes: add '\n' for Enter). Resolves {code, out} where out
// is everything the terminal showed; wrap(cmd) may put the quoted command
// into a longer shell line (to inspect the terminal around it).
function onPty(args, { env = {}, steps = [], wrap = (c) => c, timeout = 30000 } = {}) {
  const cwd = tmpDir('mysaas-pty-');
  const cmd = wrap([BIN, ...args].map(shQuote).join(' '));
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    cwd, env: cleanEnv({ ...env, SHELL: '/bin/sh' }), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let from = 0;
  let step = 0;
  child.stdin.on('error', () => { /* the child is gone */ });
  const answer = () => {
    while (step < steps.length) {
      const [prompt, text] = steps[step];
      const at = out.indexOf(prompt, from);
      if (at < 0) return;
      from = at + prompt.length;
      step++;
      child.stdin.write(text);
    }
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => { out += d; answer(); });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
      reject(new Error(`mysaas ${args.join(' ')} on a pty: no exit within ${timeout} ms;` +
        ` answered ${step}/${steps.length}; output:\n${out}`));
    }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      rmDir(cwd);
      resolve({ code, out });
    });
  });
}

test('createsuperuser --noinput: an active staff superuser, argon2id hash, no clerk_id', T, () => {
  const db = migratedDb();
  try {
    const r = create(db, ['--email', 'Admin@Example.com', '--noinput'], PW);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Superuser created successfully.\n');
    const [u, ...more] = users(db, 'admin@example.com');
    assert.equal(more.length, 0);
    assert.equal(u.email, 'Admin@Example.com');
    assert.ok(u.is_staff && u.is_superuser && u.is_active, JSON.stringify(u));
    assert.ok(u.no_clerk_id, 'clerk_id is NULL');
    const m = HASH.exec(u.password);
    assert.ok(m, `argon2id PHC string: ${u.password}`);
    assert.ok(Number(m[1]) >= 19456 && Number(m[2]) >= 2, u.password);
    assert.ok(!u.password.includes(PW));
    for (const t of [u.date_joined, u.created_at, u.updated_at]) {
      // SQLite: 2026-01-02T03:04:05.678Z; psql: 2026-01-02 03:04:05.678+00
      const ms = Date.parse(t.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
      assert.ok(Math.abs(Date.now() - ms) < 5 * 60 * 1000, `timestamp now: ${t}`);
    }

    const r2 = create(db, ['--email=second@example.com', '--no-input'], PW);
    assert.equal(r2.code, 0, r2.stderr);
    const [v] = users(db, 'second@example.com');
    assert.ok(v.is_superuser);
    assert.notEqual(v.password, u.password, 'salted: same password, other hash');
  } finally {
    db.drop();
  }
});

test('createsuperuser refuses an email any user has, in any case', T, () => {
  const db = migratedDb();
  try {
    assert.equal(create(db, ['--email', 'admin@example.com', '--noinput'], PW).code, 0);
    const r = create(db, ['--email', 'ADMIN@example.COM', '--noinput'], PW2);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a user with email ADMIN@example\.COM already exists/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(count(db), 1);

    // A user mirrored from Clerk (no password) holds its email too.
    q(db, "INSERT INTO users (clerk_id, email) VALUES ('user_2abc', 'member@example.com')");
    const c = create(db, ['--email', 'Member@Example.com', '--noinput'], PW);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /already exists/);
    assert.equal(count(db), 2);
  } finally {
    db.drop();
  }
});

test('createsuperuser --noinput without a password in the environment: exit 1', T, () => {
  const db = migratedDb();
  try {
    for (const pw of [undefined, '']) {
      const r = create(db, ['--email', 'admin@example.com', '--noinput'], pw);
      assert.equal(r.code, 1, `password ${JSON.stringify(pw)}`);
      assert.match(r.stderr, /MYSAAS_SUPERUSER_PASSWORD/);
      assert.match(r.stderr, pw === undefined ? /not set/ : /empty/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(count(db), 0);
  } finally {
    db.drop();
  }
});

test('createsuperuser with a bad email: exit 1', T, () => {
  const db = migratedDb();
  try {
    for (const email of ['admin.example.com', '@example.com', 'admin@', 'ad min@example.com', '']) {
      const r = create(db, ['--email', email, '--noinput'], PW);
      assert.equal(r.code, 1, `${JSON.stringify(email)}: ${r.stderr}`);
      assert.match(r.stderr, /not an email address/);
    }
    assert.equal(count(db), 0);
  } finally {
    db.drop();
  }
});

test('createsuperuser bad usage: usage on stderr, exit 2', T, () => {
  const db = migratedDb();
  try {
    const cases = [
      [['--noinput'], /--email is required/],
      [[], /--email is required/],
      [['--email', 'a@example.com', '--noinput', '--bogus'], /unknown argument "--bogus"/],
      [['--email', 'a@example.com', 'extra', '--noinput'], /unknown argument "extra"/],
      [['--noinput', '--email'], /--email needs a value/],
    ];
    for (const [args, why] of cases) {
      const r = create(db, args, PW);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /usage: mysaas createsuperuser --email E \[--noinput\]/);
      assert.equal(r.stdout, '');
    }
    assert.equal(count(db), 0);
  } finally {
    db.drop();
  }
});

test('createsuperuser without --noinput and no terminal: exit 1 naming --noinput', T, () => {
  const db = migratedDb();
  try {
    // runCli's stdin is a pipe; the password variable alone does not count.
    const r = runCli(['createsuperuser', '--email', 'admin@example.com'], {
      env: { DATABASE_URL: db.url, MYSAAS_SUPERUSER_PASSWORD: PW }, input: `${PW}\n${PW}\n`,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a terminal/);
    assert.match(r.stderr, /--noinput/);
    assert.equal(count(db), 0);
  } finally {
    db.drop();
  }
});

test('both commands need a migrated database: exit 1 "run mysaas migrate first"', T, () => {
  const db = freshDb();
  try {
    const r = create(db, ['--email', 'admin@example.com', '--noinput'], PW);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /run mysaas migrate first/);
    const c = runCli(['changepassword', 'admin@example.com'], { env: { DATABASE_URL: db.url } });
    assert.equal(c.code, 1);
    assert.match(c.stderr, /run mysaas migrate first/);
  } finally {
    db.drop();
  }
});

test('help lists both commands; --help shows their usage', T, () => {
  const h = runCli(['help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /createsuperuser --email E \[--noinput\]/);
  assert.match(h.stdout, /changepassword E/);
  for (const cmd of ['createsuperuser', 'changepassword']) {
    const r = runCli([cmd, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`usage: mysaas ${cmd}`));
    const r2 = runCli(['help', cmd]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.stdout, r.stdout);
  }
});

test('changepassword bad usage: usage on stderr, exit 2', T, () => {
  for (const args of [[], ['--bogus', 'a@example.com'], ['a@example.com', 'b@example.com'],
    ['a@example.com', '--noinput']]) {
    const r = runCli(['changepassword', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: mysaas changepassword E/);
  }
});

test('changepassword of an unknown email: exit 1', T, () => {
  const db = migratedDb();
  try {
    const r = runCli(['changepassword', 'nobody@example.com'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /user 'nobody@example\.com' does not exist/);
    assert.equal(r.stdout, '');
  } finally {
    db.drop();
  }
});

test('changepassword with no terminal: exit 1, clearly', T, () => {
  const db = migratedDb();
  try {
    assert.equal(create(db, ['--email', 'admin@example.com', '--noinput'], PW).code, 0);
    const before = users(db, 'admin@example.com')[0].password;
    const r = runCli(['changepassword', 'admin@example.com'], {
      env: { DATABASE_URL: db.url }, input: `${PW2}\n${PW2}\n`,
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not a terminal/);
    assert.equal(users(db, 'admin@example.com')[0].password, before);
  } finally {
    db.drop();
  }
});

test('changepassword on a terminal: prompts twice without echo, stores a new hash', PTY, async () => {
  const db = migratedDb();
  try {
    assert.equal(create(db, ['--email', 'Admin@Example.com', '--noinput'], PW).code, 0);
    const [before] = users(db, 'admin@example.com');
    // An admin session of that user, which the change must end.
    q(db, `INSERT INTO admin_sessions (token_hash, user_id, csrf_token, expires_at)
      VALUES ('h1', ${before.id}, 'c1', '2999-01-01T00:00:00.000Z')`);
    await sleep(5); // updated_at must move

    const r = await onPty(['changepassword', 'admin@EXAMPLE.com'], {
      env: { DATABASE_URL: db.url },
      steps: [['Password: ', `${PW2}\n`], ['Password (again): ', `${PW2}\n`]],
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Changing password for user 'admin@EXAMPLE\.com'/);
    assert.match(r.out, /Password changed successfully for user 'admin@EXAMPLE\.com'/);
    assert.ok(!r.out.includes(PW2), `the password was echoed:\n${r.out}`);

    const [after] = users(db, 'admin@example.com');
    assert.equal(after.id, before.id);
    assert.match(after.password, HASH);
    assert.notEqual(after.password, before.password);
    assert.notEqual(after.updated_at, before.updated_at);
    assert.ok(after.is_superuser && after.is_staff, 'flags untouched');
    assert.equal(q(db, `SELECT count(*) FROM admin_sessions WHERE user_id = ${before.id}`), '0');
  } finally {
    db.drop();
  }
});

test('changepassword on a terminal: mismatch or unknown email exit 1, hash unchanged', PTY, async () => {
  const db = migratedDb();
  try {
    assert.equal(create(db, ['--email', 'admin@example.com', '--noinput'], PW).code, 0);
    const before = users(db, 'admin@example.com')[0].password;

    const m = await onPty(['changepassword', 'admin@example.com'], {
      env: { DATABASE_URL: db.url },
      steps: [['Password: ', `${PW2}\n`], ['Password (again): ', `${PW2}x\n`]],
    });
    assert.equal(m.code, 1, m.out);
    assert.match(m.out, /passwords do not match/);
    assert.ok(!m.out.includes(PW2), m.out);

    const e = await onPty(['changepassword', 'admin@example.com'], {
      env: { DATABASE_URL: db.url },
      steps: [['Password: ', '\n'], ['Password (again): ', '\n']],
    });
    assert.equal(e.code, 1, e.out);
    assert.match(e.out, /password is empty/);

    const u = await onPty(['changepassword', 'nobody@example.com'], { env: { DATABASE_URL: db.url } });
    assert.equal(u.code, 1, u.out);
    assert.match(u.out, /user 'nobody@example\.com' does not exist/);
    assert.doesNotMatch(u.out, /Password:/, 'no prompt for a user that does not exist');

    assert.equal(users(db, 'admin@example.com')[0].password, before);
  } finally {
    db.drop();
  }
});

test('createsuperuser on a terminal: prompts twice without echo', PTY, async () => {
  const db = migratedDb();
  try {
    const r = await onPty(['createsuperuser', '--email', 'root@example.com'], {
      env: { DATABASE_URL: db.url },
      steps: [['Password: ', `${PW}\n`], ['Password (again): ', `${PW}\n`]],
    });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Superuser created successfully\./);
    assert.ok(!r.out.includes(PW), `the password was echoed:\n${r.out}`);
    const [u] = users(db, 'root@example.com');
    assert.ok(u.is_superuser && u.is_staff && u.is_active && u.no_clerk_id);
    assert.match(u.password, HASH);

    const m = await onPty(['createsuperuser', '--email', 'other@example.com'], {
      env: { DATABASE_URL: db.url },
      steps: [['Password: ', `${PW}\n`], ['Password (again): ', `${PW2}\n`]],
    });
    assert.equal(m.code, 1, m.out);
    assert.match(m.out, /passwords do not match/);
    assert.equal(users(db, 'other@example.com').length, 0);

    // A taken email is refused before any password is asked for.
    const t = await onPty(['createsuperuser', '--email', 'ROOT@example.com'], {
      env: { DATABASE_URL: db.url },
    });
    assert.equal(t.code, 1, t.out);
    assert.match(t.out, /already exists/);
    assert.doesNotMatch(t.out, /Password:/);
  } finally {
    db.drop();
  }
});

test('Ctrl-C at the password prompt gives the terminal its echo back', PTY, async () => {
  const db = migratedDb();
  try {
    assert.equal(create(db, ['--email', 'admin@example.com', '--noinput'], PW).code, 0);
    const before = users(db, 'admin@example.com')[0].password;
    // The shell's INT trap runs once mysaas has died of the signal and
    // prints the terminal's echo flag: "echo", or "-echo" if left off.
    const r = await onPty(['changepassword', 'admin@example.com'], {
      env: { DATABASE_URL: db.url },
      wrap: (cmd) => `trap 'stty -a | tr " ;" "\\n\\n" | grep -x -e -echo -e echo; exit 7' INT; ` +
        `${cmd}; echo "exit=$?"`,
      steps: [['Password: ', '\x03']],
    });
    assert.equal(r.code, 7, `killed by SIGINT, the trap ran:\n${r.out}`);
    assert.match(r.out, /^echo\r?$/m, r.out);
    assert.doesNotMatch(r.out, /^-echo/m);
    assert.equal(users(db, 'admin@example.com')[0].password, before);
  } finally {
    db.drop();
  }
});
