// The admin's server times (from the access log) on a database holding
// many users: login POST with argon2id, and the changelists with and
// without a search term, sequential requests from one signed-in client.
// Usage: node bench/admin.mjs BASE_URL SERVER_LOG EMAIL PASSWORD [REPEAT]
import { readFileSync } from 'node:fs';

import { Client } from '../tests/integration/admin_helpers.mjs';

const [base, logPath, email, password, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 20);
let seen = 0;

const settle = () => new Promise((r) => { setTimeout(r, 50); });

// Server times (ms) of the requests to path logged since the last call
// (after a moment: a request's line is written once its answer is sent).
async function newTimes(path) {
  await settle();
  const lines = readFileSync(logPath, 'utf8').split('\n');
  const fresh = lines.slice(seen);
  seen = lines.length - 1;
  return fresh.filter((l) => l.includes(` path="${path}" `))
    .map((l) => Number(/ ms=([0-9.]+)/.exec(l)?.[1]))
    .filter((n) => !Number.isNaN(n));
}

function report(label, times) {
  const t = [...times].sort((a, b) => a - b);
  const at = (q) => t[Math.min(t.length - 1, Math.floor(q * t.length))];
  console.log(`${label.padEnd(46)} n=${t.length} median_ms=${at(0.5).toFixed(2)} ` +
    `p90_ms=${at(0.9).toFixed(2)} max_ms=${t[t.length - 1].toFixed(2)}`);
}

await newTimes('');
const logins = [];
let client;
for (let i = 0; i < Math.max(3, repeat / 4); i++) {
  client = new Client(base);
  const r = await client.login(email, password);
  if (r.status !== 302) throw new Error(`login: ${r.status}`);
  logins.push(...(await newTimes('/admin/login/')).slice(-1));
}
report('login POST (argon2id verification)', logins);

// Each changelist with and without a search; the users' search has its
// own trigram index on PostgreSQL, the others' searches read their table.
const lists = [
  ['/admin/users/user/', [
    ['users changelist, no search', ''],
    ['users changelist, page 500', '?p=500'],
    ['users changelist, search matching few users', '?q=person4242'],
    ['users changelist, search matching every user', '?q=example'],
    ['users changelist, search matching every user, page 50', '?q=example&p=50'],
    ['users changelist, two words', '?q=person1+example'],
    ['users changelist, sorted by last name', '?o=last_name'],
    ['users changelist, search matching none', '?q=nobody-matches-this'],
  ]],
  ['/admin/users/organization/', [
    ['organizations changelist, no search', ''],
    ['organizations changelist, search', '?q=org'],
  ]],
  ['/admin/users/organizationmembership/', [
    ['memberships changelist, no search', ''],
    ['memberships changelist, search', '?q=person42'],
  ]],
  ['/admin/clerk/webhookevent/', [
    ['webhook events changelist, no search', ''],
    ['webhook events changelist, search', '?q=user'],
  ]],
];
for (const [list, cases] of lists) {
  for (const [label, query] of cases) {
    await newTimes(list);
    for (let i = 0; i < repeat; i++) {
      const r = await client.get(list + query);
      if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
    }
    report(label, await newTimes(list));
  }
}
