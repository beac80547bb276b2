// Migrations and the schema of DESIGN §3, on the selected backend, checked
// through the database's own command-line client (sqlite3 / psql).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  DB_KIND, ROOT, freshDb, health, rmDir, runCli, sqlite, startServer, tmpDir,
} from './lib/server.mjs';

const T = { timeout: 60000 };

const SCHEMA = {
  users: ['id', 'clerk_id', 'email', 'password', 'first_name', 'last_name', 'username',
    'image_url', 'is_active', 'is_staff', 'is_superuser', 'date_joined', 'last_login',
    'clerk_updated_at', 'created_at', 'updated_at'],
  organizations: ['id', 'clerk_id', 'name', 'slug', 'image_url', 'clerk_updated_at',
    'created_at', 'updated_at'],
  organization_memberships: ['id', 'clerk_id', 'user_id', 'organization_id', 'role',
    'clerk_updated_at', 'created_at', 'updated_at', 'permissions'],
  webhook_events: ['svix_id', 'type', 'status', 'error', 'payload', 'received_at', 'attempts'],
  clerk_tombstones: ['clerk_id', 'kind', 'deleted_at'],
  admin_sessions: ['token_hash', 'user_id', 'csrf_token', 'created_at', 'expires_at'],
  admin_log: ['id', 'user_id', 'action', 'object_type', 'object_id', 'object_repr',
    'message', 'created_at'],
  sessions: ['id', 'clerk_id', 'user_id', 'status', 'client_id', 'last_active_organization_id',
    'actor', 'last_active_at', 'expire_at', 'abandon_at', 'clerk_updated_at', 'created_at',
    'updated_at'],
  roles: ['id', 'clerk_id', 'key', 'name', 'description', 'clerk_updated_at', 'created_at',
    'updated_at'],
  permissions: ['id', 'clerk_id', 'key', 'name', 'description', 'type', 'clerk_updated_at',
    'created_at', 'updated_at'],
  role_permissions: ['role_id', 'permission_id'],
  organization_invitations: ['id', 'clerk_id', 'organization_id', 'email_address', 'role',
    'status', 'inviter_clerk_id', 'user_clerk_id', 'expires_at', 'clerk_updated_at',
    'created_at', 'updated_at'],
  organization_domains: ['id', 'clerk_id', 'organization_id', 'name', 'enrollment_mode',
    'verified', 'affiliation_email_address', 'clerk_updated_at', 'created_at', 'updated_at'],
  idempotency_keys: ['key', 'principal', 'method', 'path', 'request_hash', 'status', 'body',
    'created_at'],
};

// Tables of later migrations, outside DESIGN §3: the admin's login
// throttle, the runs of `mysaas clerk sync` and what they changed.
const EXTRA = {
  admin_login_failures: null,
  clerk_sync_runs: ['id', 'status', 'started_at', 'finished_at', 'error',
    ...['organizations', 'users', 'memberships', 'roles', 'permissions', 'invitations',
      'domains'].flatMap((k) =>
      ['seen', 'applied', 'unchanged', 'failed'].map((n) => `${k}_${n}`))],
  clerk_sync_changes: ['id', 'run_id', 'object_type', 'clerk_id', 'created_at'],
};
const ALL_TABLES = [...Object.keys(SCHEMA), ...Object.keys(EXTRA), 'schema_migrations'].sort();

// The embedded migrations of the backend, by file name: [version, name].
const MIGRATIONS = fs.readdirSync(path.join(ROOT, 'src', 'db', 'migrations', DB_KIND))
  .filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort()
  .map((f) => [Number(f.slice(0, 4)), f.slice(0, -4)]);

function columns(db, table) {
  if (db.kind === 'sqlite') {
    const r = db.sql(`PRAGMA table_info(${table});`);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).map((l) => l.split('|')[1]);
  }
  const r = db.sql(`SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = '${table}'`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function tables(db) {
  const r = db.kind === 'sqlite'
    ? db.sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%';")
    : db.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

// One statement list, in the same SQL on both backends; SQLite needs foreign
// keys switched on per connection (the server does so on its own).
function exec(db, sql) {
  return db.sql(db.kind === 'sqlite' ? `PRAGMA foreign_keys = ON;\n${sql}` : sql);
}

const migrate = (db, args = []) => runCli(['migrate', ...args], { env: { DATABASE_URL: db.url } });

test('migrate --list, migrate, migrate again', T, () => {
  const db = freshDb();
  try {
    const l1 = migrate(db, ['--list']);
    assert.equal(l1.code, 0, l1.stderr);
    assert.match(l1.stdout, /\[ \] 0001_init\b/);
    assert.doesNotMatch(l1.stdout, /\[X\]/);

    const m1 = migrate(db);
    assert.equal(m1.code, 0, m1.stderr);
    assert.ok(MIGRATIONS.length >= 3);
    assert.match(m1.stdout, new RegExp(`Applied ${MIGRATIONS.length} migration`),
      `reports every migration applied: ${m1.stdout}`);

    const l2 = migrate(db, ['--list']);
    assert.equal(l2.code, 0, l2.stderr);
    assert.match(l2.stdout, /\[X\] 0001_init\b/);
    for (const [, name] of MIGRATIONS) assert.match(l2.stdout, new RegExp(`\\[X\\] ${name}\\b`));
    assert.doesNotMatch(l2.stdout, /\[ \]/);

    const m2 = migrate(db);
    assert.equal(m2.code, 0, m2.stderr);
    assert.doesNotMatch(m2.stdout, /Applied [1-9]/, m2.stdout);
    assert.match(m2.stdout, /no migrations/i);

    const rows = db.sql('SELECT version, name FROM schema_migrations ORDER BY version;');
    assert.equal(rows.code, 0, rows.stderr);
    assert.equal(rows.stdout.trim(), MIGRATIONS.map(([v, n]) => `${v}|${n}`).join('\n'));
    assert.deepEqual(MIGRATIONS.slice(0, 3).map(([, n]) => n), ['0001_init', '0002_admin', '0003_sync_runs']);
  } finally {
    db.drop();
  }
});

test('the schema has the tables and exact columns of DESIGN §3', T, () => {
  const db = freshDb();
  try {
    assert.equal(migrate(db).code, 0);
    // DESIGN §3's tables, plus those of later migrations and the bookkeeping.
    assert.deepEqual(tables(db), ALL_TABLES);
    for (const [table, cols] of Object.entries({ ...SCHEMA, ...EXTRA })) {
      if (cols) assert.deepEqual(columns(db, table).sort(), [...cols].sort(), table);
    }
  } finally {
    db.drop();
  }
});

test('users.email is unique case-insensitively, and many NULL emails are fine', T, () => {
  const db = freshDb();
  try {
    assert.equal(migrate(db).code, 0);
    let r = exec(db, "INSERT INTO users (email) VALUES ('A@x.io');");
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, "INSERT INTO users (email) VALUES ('a@x.io');");
    assert.notEqual(r.code, 0, 'a second a@x.io (other case) is refused');
    assert.match(r.stderr, /unique/i);
    r = exec(db, "INSERT INTO users (email) VALUES ('A@x.io');");
    assert.notEqual(r.code, 0, 'the same email twice is refused');
    r = exec(db, 'INSERT INTO users (email) VALUES (NULL); INSERT INTO users (email) VALUES (NULL);');
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, "INSERT INTO users (clerk_id) VALUES ('user_1');");
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, "INSERT INTO users (clerk_id) VALUES ('user_1');");
    assert.notEqual(r.code, 0, 'clerk_id is unique');
    r = db.sql('SELECT count(*) FROM users WHERE email IS NULL;');
    assert.equal(r.stdout.trim(), '3');
    r = db.sql("SELECT count(*) FROM users WHERE lower(email) = 'a@x.io';");
    assert.equal(r.stdout.trim(), '1');
  } finally {
    db.drop();
  }
});

test('memberships: unique (user, organization), deleted with their user', T, () => {
  const db = freshDb();
  try {
    assert.equal(migrate(db).code, 0);
    let r = exec(db, `
      INSERT INTO users (email) VALUES ('m@x.io');
      INSERT INTO organizations (clerk_id, name) VALUES ('org_1', 'O');
      INSERT INTO organization_memberships (user_id, organization_id, role)
        SELECT u.id, o.id, 'org:admin' FROM users u, organizations o
        WHERE u.email = 'm@x.io' AND o.clerk_id = 'org_1';`);
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, `INSERT INTO organization_memberships (user_id, organization_id, role)
        SELECT u.id, o.id, 'org:member' FROM users u, organizations o
        WHERE u.email = 'm@x.io' AND o.clerk_id = 'org_1';`);
    assert.notEqual(r.code, 0, 'a second membership of the same pair is refused');
    r = exec(db, 'SELECT role FROM organization_memberships;');
    assert.equal(r.stdout.trim(), 'org:admin');

    r = exec(db, "DELETE FROM users WHERE email = 'm@x.io';");
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, 'SELECT count(*) FROM organization_memberships;');
    assert.equal(r.stdout.trim(), '0', 'the membership went with its user');
    r = exec(db, 'SELECT count(*) FROM organizations;');
    assert.equal(r.stdout.trim(), '1', 'the organization stays');
  } finally {
    db.drop();
  }
});

// The migrations before `upTo` run by hand (as the runner would, each
// recorded), so that the next one meets rows written before it.
function migrateBefore(db, upTo) {
  const dir = path.join(ROOT, 'src', 'db', 'migrations', DB_KIND);
  const ddl = db.kind === 'sqlite'
    ? 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL ' +
      "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    : 'CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
      'applied_at timestamptz NOT NULL DEFAULT now());';
  let r = exec(db, ddl);
  assert.equal(r.code, 0, r.stderr);
  for (const [version, name] of MIGRATIONS.filter(([v]) => v < upTo)) {
    r = exec(db, `${fs.readFileSync(path.join(dir, `${name}.sql`), 'utf8')}
      ;INSERT INTO schema_migrations (version, name) VALUES (${version}, '${name}');`);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
}

test('0008: the sync runs count four more kinds; the changes recorded before stay, new types are admitted', T, () => {
  const db = freshDb();
  try {
    migrateBefore(db, 8);
    let r = exec(db, `INSERT INTO clerk_sync_runs (id, status, users_seen) VALUES (1, 'completed', 3);
      INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (1, 'users.user', 'user_a');
      INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (1, 'users.organization', 'org_a');`);
    assert.equal(r.code, 0, r.stderr);
    r = exec(db, "INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (1, 'users.role', 'role_a');");
    assert.notEqual(r.code, 0, 'before 0008: refused');
    r = migrate(db);
    assert.equal(r.code, 0, r.stderr);
    // 0008 and any after it.
    assert.match(r.stdout, new RegExp(`Applied ${MIGRATIONS.filter(([v]) => v >= 8).length} migration`));
    r = exec(db, 'SELECT id, run_id, object_type, clerk_id FROM clerk_sync_changes ORDER BY id;');
    assert.equal(r.stdout.trim(), '1|1|users.user|user_a\n2|1|users.organization|org_a');
    r = exec(db, 'SELECT users_seen, roles_seen, permissions_applied, invitations_unchanged, domains_failed ' +
      'FROM clerk_sync_runs;');
    assert.equal(r.stdout.trim(), '3|0|0|0|0');
    for (const t of ['users.role', 'users.permission', 'users.organizationinvitation', 'users.organizationdomain']) {
      r = exec(db, `INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (1, '${t}', 'x_${t}');`);
      assert.equal(r.code, 0, `${t}: ${r.stderr}`);
    }
    r = exec(db, "INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (1, 'users.session', 's');");
    assert.notEqual(r.code, 0, 'an unknown type is still refused');
    r = exec(db, "INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id) VALUES (99, 'users.user', 'u');");
    assert.notEqual(r.code, 0, 'the run must exist');
    // The indexes are back; a run's changes go with it.
    const idx = db.kind === 'sqlite'
      ? exec(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'clerk_sync_changes' ORDER BY name;")
      : exec(db, "SELECT indexname FROM pg_indexes WHERE tablename = 'clerk_sync_changes' AND indexname LIKE '%_idx' ORDER BY indexname;");
    assert.equal(idx.stdout.trim(), 'clerk_sync_changes_clerk_idx\nclerk_sync_changes_run_idx');
    r = exec(db, 'DELETE FROM clerk_sync_runs WHERE id = 1; SELECT count(*) FROM clerk_sync_changes;');
    assert.equal(r.stdout.trim(), '0');
  } finally {
    db.drop();
  }
});

test('serve applies the migrations by itself', T, async () => {
  const db = freshDb();
  const srv = await startServer({ db });
  try {
    assert.equal((await health(srv.url)).status, 200);
    const l = migrate(db, ['--list']);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /\[X\] 0001_init\b/);
    assert.deepEqual(tables(db), ALL_TABLES);
  } finally {
    await srv.stop();
    db.drop();
  }
});

test('serve --no-migrate on a fresh database starts and applies nothing', T, async () => {
  const db = freshDb();
  const srv = await startServer({ db, args: ['--no-migrate'] });
  try {
    const h = await health(srv.url);
    assert.equal(h.status, 200);
    const l = migrate(db, ['--list']);
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /\[ \] 0001_init\b/);
    assert.ok(!tables(db).includes('users'), 'no table was created');
  } finally {
    await srv.stop();
    db.drop();
  }
  assert.match(srv.logs(), /migrat/i, 'the log says migrations are pending');
});

test('SQLite: the folders of the path are created; the database is in WAL mode', {
  ...T, skip: DB_KIND !== 'sqlite' && 'SQLite only',
}, async () => {
  const dir = tmpDir('mysaas-nested-');
  const file = path.join(dir, 'nested', 'dir', 'db.sqlite');
  const srv = await startServer({ env: { DATABASE_URL: `sqlite:${file}` } });
  try {
    assert.equal((await health(srv.url)).status, 200);
    assert.ok(fs.existsSync(file), `${file} exists`);
    const r = sqlite(file, 'PRAGMA journal_mode;');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'wal');
  } finally {
    await srv.stop();
    rmDir(dir);
  }
});

test('SQLite: a relative path is relative to the working folder', {
  ...T, skip: DB_KIND !== 'sqlite' && 'SQLite only',
}, async () => {
  const cwd = tmpDir('mysaas-rel-');
  try {
    const r = runCli(['migrate'], { cwd, env: { DATABASE_URL: 'sqlite:data/x.db' } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'data', 'x.db')));
    const d = runCli(['migrate', '--list'], { cwd, env: {} });
    assert.equal(d.code, 0, d.stderr);
    assert.ok(fs.existsSync(path.join(cwd, 'data', 'mysaas.db')), 'the default is sqlite:data/mysaas.db');
  } finally {
    rmDir(cwd);
  }
});
