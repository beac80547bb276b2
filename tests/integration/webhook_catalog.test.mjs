// The role and permission catalog (DESIGN §12.3, reference/clerk.md §8.4)
// and the permissions of memberships: fixtures 17, 18, 19 and 05, 08 in and
// out of order, both shapes of deletions, tombstones, a role's list
// replacing its set, a key taken over by a newer id. Exact rows are read
// back with sqlite3 / psql.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  IDS, count, deliver, event, fixture, membershipEvent, memberships, msgId, rows, tombstones, withServer,
} from './lib/webhook.mjs';
import {
  permission, permissionEvent, permissions, roleEvent, roleKeys, roles, send, sendFixture,
} from './sessions_helpers.mjs';

const T = { timeout: 120000 };

const F = Object.fromEntries(['05', '08', '17', '18', '19'].map((n) => [n, fixture(n)]));
const ROLE = F['18'].data;
const PERM_READ = F['17'].data;

const permRow = (p) => ({
  clerk_id: p.id, key: p.key, name: p.name, description: p.description, type: p.type,
  clerk_updated_at: p.updated_at,
});
const num = (rs) => rs.map((r) => ({ ...r, clerk_updated_at: Number(r.clerk_updated_at) }));
const keysOf = (list) => list.map((p) => p.key).sort();

test('fixtures 17, 18, 19: permissions, the role, and its set replaced by the complete list', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '17');
    assert.deepEqual(num(permissions(db)), [permRow(PERM_READ)]);

    await sendFixture(srv, '18');
    assert.deepEqual(num(roles(db)), [{
      clerk_id: ROLE.id, key: 'org:billing', name: 'Billing', description: ROLE.description,
      clerk_updated_at: ROLE.updated_at,
    }]);
    // The system permissions came with the role: created from its list.
    assert.deepEqual(num(permissions(db)), ROLE.permissions.map(permRow).sort((a, b) => a.key.localeCompare(b.key)));
    assert.deepEqual(roleKeys(db, 'org:billing'), keysOf(ROLE.permissions));

    await sendFixture(srv, '19');
    assert.deepEqual(roleKeys(db, 'org:billing'), keysOf(F['19'].data.permissions));
    assert.deepEqual(roleKeys(db, 'org:billing'), [...F['08'].data.permissions].sort(), 'equals the members\' of 08');
    assert.equal(Number(roles(db)[0].clerk_updated_at), F['19'].data.updated_at);
    assert.equal(count(db, 'permissions'), 5);

    // A later list without two of them: the set shrinks, the permissions stay.
    const next = roleEvent('role.updated', {
      id: ROLE.id, key: 'org:billing', name: 'Billing', permissions: F['19'].data.permissions.slice(0, 3),
      updated_at: F['19'].data.updated_at + 1000,
    });
    await send(srv, next);
    assert.deepEqual(roleKeys(db, 'org:billing'), keysOf(F['19'].data.permissions.slice(0, 3)));
    assert.equal(count(db, 'permissions'), 5);

    // Duplicates: the same svix-id, or the same event again.
    await sendFixture(srv, '19');
    const same = await send(srv, next);
    assert.equal(same.error, null);
    assert.deepEqual(roleKeys(db, 'org:billing'), keysOf(F['19'].data.permissions.slice(0, 3)));
  });
});

test('19 before 18: the older role changes nothing', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    await sendFixture(srv, '19');
    const before = { roles: roles(db), keys: roleKeys(db, 'org:billing') };
    assert.equal((await sendFixture(srv, '18', { expect: 'ignored' })).error, 'stale');
    assert.deepEqual({ roles: roles(db), keys: roleKeys(db, 'org:billing') }, before);
    assert.deepEqual(before.keys, keysOf(F['19'].data.permissions));
    // 17: the same as the copy of its permission the role brought.
    await sendFixture(srv, '17');
    assert.equal(count(db, 'permissions'), 5);
  });
});

for (const shape of ['tombstone', 'full object']) {
  test(`role.deleted and permission.deleted (${shape}): gone, tombstoned, not brought back`, T, async () => {
    await withServer(async (srv) => {
      const db = srv.db;
      await sendFixture(srv, '19');
      const manage = F['19'].data.permissions.find((p) => p.key === 'org:invoices:manage');
      const del = (type, data, at) => {
        const ev = fixture('18');
        ev.type = type;
        ev.timestamp = at;
        ev.data = shape === 'tombstone'
          ? { object: data.object, id: data.id, ...(data.object === 'role' ? { slug: null } : {}), deleted: true }
          : data;
        return ev;
      };
      const at = F['19'].timestamp + 5000;
      await send(srv, del('permission.deleted', manage, at));
      assert.equal(rows(db, `SELECT count(*) AS n FROM permissions WHERE key = 'org:invoices:manage'`)[0].n, 0);
      assert.ok(!roleKeys(db, 'org:billing').includes('org:invoices:manage'), 'unlinked from the role');
      await send(srv, del('role.deleted', F['19'].data, at + 1000));
      assert.equal(count(db, 'roles'), 0);
      assert.equal(count(db, 'role_permissions'), 0);
      assert.equal(count(db, 'permissions'), 4, 'the other permissions stay');
      const t = Object.fromEntries(tombstones(db).map((x) => [x.clerk_id, x]));
      assert.deepEqual(t[ROLE.id], { clerk_id: ROLE.id, kind: 'role', deleted_at: at + 1000 });
      assert.deepEqual(t[manage.id], { clerk_id: manage.id, kind: 'permission', deleted_at: at });
      // Replays of older events do not bring them back.
      assert.equal((await sendFixture(srv, '19', { id: msgId(), expect: 'ignored' })).error, 'stale');
      assert.equal((await send(srv, permissionEvent('permission.updated', manage), { expect: 'ignored' })).error,
        'stale');
      assert.equal(count(db, 'roles'), 0);
      // A deletion twice is harmless.
      await send(srv, del('role.deleted', F['19'].data, at + 1000));
      // A role updated after its deletion is back (Clerk's clock decides).
      await send(srv, roleEvent('role.updated', { id: ROLE.id, key: 'org:billing', updated_at: at + 60000,
        permissions: [manage] }));
      assert.equal(count(db, 'roles'), 1);
      assert.deepEqual(roleKeys(db, 'org:billing'), [], 'its deleted permission is not re-created');
    });
  });
}

test('a key held by another id: the newer of the two keeps it', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const t = Date.now() - 60000;
    const old = roleEvent('role.created', { key: 'org:auditor', name: 'Old', updated_at: t });
    await send(srv, old);
    // Deleted in Clerk and made again under a new id; the deletion is late.
    const fresh = roleEvent('role.created', { key: 'org:auditor', name: 'New', updated_at: t + 5000 });
    await send(srv, fresh);
    assert.deepEqual(roles(db).map((r) => [r.clerk_id, r.name]), [[fresh.data.id, 'New']]);
    const late = roleEvent('role.updated', { id: old.data.id, key: 'org:auditor', name: 'Old 2', updated_at: t + 1000 });
    assert.equal((await send(srv, late, { expect: 'ignored' })).error, 'stale');
    assert.deepEqual(roles(db).map((r) => [r.clerk_id, r.name]), [[fresh.data.id, 'New']]);
    // The same for permissions.
    const p1 = permission({ key: 'org:reports:read', updated_at: t });
    const p2 = permission({ key: 'org:reports:read', updated_at: t + 5000 });
    await send(srv, permissionEvent('permission.created', p1));
    await send(srv, permissionEvent('permission.created', p2));
    assert.deepEqual(permissions(db).filter((p) => p.key === 'org:reports:read').map((p) => p.clerk_id), [p2.id]);
  });
});

test('bad role and permission payloads: 422, nothing written', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const cases = [
      ['role without key', () => { const e = roleEvent('role.created'); delete e.data.key; return e; }],
      ['role with permissions not an array', () => { const e = roleEvent('role.created'); e.data.permissions = {}; return e; }],
      ['role with a permission without id', () => {
        const p = permission();
        delete p.id;
        return roleEvent('role.created', { permissions: [permission(), p] });
      }],
      ['permission with updated_at as text', () => {
        const p = permission();
        p.updated_at = 'yesterday';
        return permissionEvent('permission.created', p, { timestamp: Date.now() });
      }],
      ['role.deleted without id', () => { const e = roleEvent('role.deleted'); delete e.data.id; return e; }],
    ];
    for (const [what, make] of cases) {
      const id = msgId();
      const r = await deliver(srv.url, JSON.stringify(make()), { id });
      assert.equal(r.status, 422, `${what}: ${r.text}`);
      assert.equal(event(db, id).status, 'failed', what);
    }
    assert.equal(count(db, 'roles') + count(db, 'permissions') + count(db, 'role_permissions'), 0);
  });
});

test('membership events store their permissions (05, 08); none given: null; a bad list: 422', T, async () => {
  await withServer(async (srv) => {
    const db = srv.db;
    const perms = () => rows(db, 'SELECT clerk_id, permissions FROM organization_memberships ORDER BY id')
      .map((m) => [m.clerk_id, m.permissions === null ? null : JSON.parse(m.permissions)]);
    await sendFixture(srv, '05');
    assert.deepEqual(perms(), [[IDS.membership, F['05'].data.permissions]]);
    await sendFixture(srv, '08');
    assert.deepEqual(perms(), [[IDS.membership, F['08'].data.permissions]]);
    assert.equal(memberships(db)[0].role, 'org:billing');
    // The same updated_at with other permissions is a change.
    const ev = fixture('08');
    ev.data.permissions = ['org:sys_billing:read'];
    await send(srv, ev);
    assert.deepEqual(perms(), [[IDS.membership, ['org:sys_billing:read']]]);

    const none = membershipEvent();
    delete none.data.permissions;
    await send(srv, none);
    const nul = membershipEvent();
    nul.data.permissions = null;
    await send(srv, nul);
    assert.deepEqual(perms().slice(1), [[none.data.id, null], [nul.data.id, null]]);

    for (const bad of [{}, 'org:x:y', [1, 2]]) {
      const b = membershipEvent();
      b.data.permissions = bad;
      const id = msgId();
      const r = await deliver(srv.url, JSON.stringify(b), { id });
      assert.equal(r.status, 422, `${JSON.stringify(bad)}: ${r.text}`);
      assert.equal(event(db, id).status, 'failed');
    }
    assert.equal(count(db, 'organization_memberships'), 3);
  });
});
