// A sign-up burst (DESIGN §5): organizations, their users and the users'
// memberships, delivered 32 at a time, so that the group commit's batches
// (several writers on PostgreSQL) hold rows of the same organizations and
// users. Every delivery is answered
// 200 and applied once, none waits for a deadlock to be found (the log
// names none, and no answer takes a deadlock timeout's second), and the
// mirror ends with every row.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertOk, count, deliver, membershipEvent, msgId, orgEvent, pool, userEvent, withServer,
} from './lib/webhook.mjs';

const USERS = 400;
const PER_ORG = 20; // users per organization, as in a sign-up burst

// In the order Clerk emits them: an organization, then each of its users
// with their memberships (this one's, and every other user also joins
// the previous organization), so neighbouring deliveries, which batches
// of different writers take at once, name the same rows.
function burst() {
  const events = [];
  let prev = null;
  for (let o = 0; o < USERS / PER_ORG; o++) {
    const orgId = `org_burst${o}x${msgId().slice(4, 12)}`;
    events.push(orgEvent({ id: orgId, name: orgId }));
    for (let u = 0; u < PER_ORG; u++) {
      const userId = `user_burst${o}x${u}x${msgId().slice(4, 12)}`;
      events.push(userEvent({ id: userId }));
      events.push(membershipEvent({ userId, orgId }));
      if (prev !== null && u % 2 === 0) events.push(membershipEvent({ userId, orgId: prev }));
    }
    prev = orgId;
  }
  return events;
}

test('a sign-up burst at 32 connections: all applied, no deadlock waited for', { timeout: 120000 }, async () => {
  await withServer(async (srv) => {
    const events = burst();
    const answers = await pool(events, 32, async (ev) => {
      const t0 = Date.now();
      const r = await deliver(srv.url, JSON.stringify(ev));
      return { ...r, ms: Date.now() - t0, type: ev.type };
    });
    for (const r of answers) assertOk(r, r.type);
    assert.equal(count(srv.db, 'webhook_events', "status = 'applied'"), events.length);
    const memberships = events.filter((e) => e.type.startsWith('organizationMembership.')).length;
    assert.equal(count(srv.db, 'organizations'), USERS / PER_ORG);
    assert.equal(count(srv.db, 'users'), USERS);
    assert.equal(count(srv.db, 'organization_memberships'), memberships);
    // A batch that deadlocked is rolled back (and logged) before its jobs
    // run again one by one.
    assert.doesNotMatch(srv.logs(), /deadlock|batch rolled back/i, 'no batch rolled back');
  });
});
