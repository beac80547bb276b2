// The writes through Clerk (DESIGN §12): how long mysaas adds to a write
// beyond Clerk's own answer, and how fast it answers repeats of an
// Idempotency-Key.
//
// 1. A Backend API on loopback that answers at once (this process, built
//    from lib/fake_clerk.mjs's object builders) records how long it takes
//    over each call: from the request's arrival to the end of its answer
//    (process.hrtime). One client (keep-alive, one request at a time)
//    sends N writes of each kind; for each, the server's own time from its
//    access log (ms=, from the request's arrival to the answer sent) minus
//    the Backend API's time for its call is what mysaas adds: the gate, the
//    body's checks, the mirror's reads, the call's connection to the
//    Backend API (a new one per call), applying the answer to the mirror
//    (one transaction, synchronous=FULL on SQLite), the answer.
//    The requests run one after the other, so the client is idle while the
//    server and the Backend API work.
// 2. wrk, 2 threads, 64 connections, one POST .../invitations with one
//    Idempotency-Key, token and body: the first runs, every other request
//    gets the stored answer (the gate, the membership's permission, one
//    read of idempotency_keys).
//
// Usage: node bench/org-writes.mjs BIN DATABASE_URL N SECONDS
//   DATABASE_URL sqlite:PATH or postgres://... (a fresh, empty database)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

import { buildInvitation, buildMembership, buildOrganization, buildUser } from '../tests/integration/lib/fake_clerk.mjs';

const [bin, dbUrl, nArg, durArg] = process.argv.slice(2);
const N = Number(nArg ?? 2000);
const DUR = Number(durArg ?? 10);
const WARMUP = 100;
const SECRET = 'sk_test_bench';
const ORG = 'org_bench';
const SYS = ['org:sys_profile:manage', 'org:sys_profile:delete', 'org:sys_memberships:read', 'org:sys_memberships:manage',
  'org:sys_domains:read', 'org:sys_domains:manage', 'org:sys_billing:read', 'org:sys_billing:manage'];

function sql(text) {
  const r = dbUrl.startsWith('sqlite:')
    ? spawnSync('sqlite3', ['-batch', '-bail', dbUrl.slice(7)], { input: text, encoding: 'utf8' })
    : spawnSync('psql', [dbUrl, '-X', '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', text], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${text}\n${r.stderr}`);
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// ---------------------------------------------------------------- the Backend API

const org = buildOrganization({ id: ORG, name: 'Bench', slug: 'bench', at: 1000 });
const bob = buildUser({ id: 'user_bob', email: 'bob@example.com', at: 1000 });
let clock = Date.now();
const clerkMs = { invite: [], patch: [] };

function answer(req, body) {
  if (req.method === 'POST' && req.url === `/v1/organizations/${ORG}/invitations`)
    return ['invite', buildInvitation({ organization_id: ORG, email_address: body.email_address, role: body.role })];
  if (req.method === 'PATCH' && req.url === `/v1/organizations/${ORG}/memberships/user_bob`) {
    return ['patch', buildMembership({
      organization: org, user: bob, role: body.role, id: 'orgmem_bob', created_at: 1000, updated_at: ++clock,
      permissions: ['org:sys_memberships:read'],
    })];
  }
  return [null, null];
}

const api = http.createServer((req, res) => {
  const t0 = process.hrtime.bigint();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const [kind, obj] = answer(req, JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    const text = JSON.stringify(obj ?? { errors: [{ message: 'not found', long_message: 'not found', code: 'resource_not_found' }] });
    res.writeHead(obj ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    if (kind) clerkMs[kind].push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
});
await new Promise((r) => api.listen(0, '127.0.0.1', r));

// ---------------------------------------------------------------- mysaas

const { publicKey, privateKey } = await generateKeyPair('RS256');
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ sub: 'user_alice', sid: 'sess_bench', azp: 'http://localhost:3000', iss: 'https://example.accounts.dev' })
  .setProtectedHeader({ alg: 'RS256', kid: 'ins_bench', typ: 'JWT' })
  .setIssuedAt(now).setNotBefore(now - 10).setExpirationTime(now + 900).sign(privateKey);

const env = { ...process.env, DATABASE_URL: dbUrl, CLERK_JWT_KEY: await exportSPKI(publicKey), CLERK_SECRET_KEY: SECRET,
  CLERK_API_URL: `http://127.0.0.1:${api.address().port}`, LOG_LEVEL: 'info' };
if (spawnSync(bin, ['migrate'], { env, encoding: 'utf8' }).status !== 0) throw new Error('migrate failed');
sql(`INSERT INTO users (id, clerk_id, email, first_name) VALUES (1, 'user_alice', 'alice@example.com', 'Alice'),
  (2, 'user_bob', 'bob@example.com', 'Bob');
INSERT INTO organizations (id, clerk_id, name, slug, clerk_updated_at) VALUES (1, '${ORG}', 'Bench', 'bench', 1000);
INSERT INTO organization_memberships (clerk_id, user_id, organization_id, role, permissions, clerk_updated_at) VALUES
  ('orgmem_alice', 1, 1, 'org:admin', '${JSON.stringify(SYS)}', 1000),
  ('orgmem_bob', 2, 1, 'org:member', '["org:sys_memberships:read"]', 1000);`);

const port = await freePort();
// The log goes to a file, read after each run: nothing in this process
// competes with the server for the cores meanwhile.
const logFile = join(os.tmpdir(), `org-writes-${process.pid}.log`);
const logFd = fs.openSync(logFile, 'w');
const proc = spawn(bin, ['serve', '--port', String(port)], { env, stdio: ['ignore', 'ignore', logFd] });
const readLog = () => fs.readFileSync(logFile, 'utf8');
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try { if ((await fetch(`${base}/api/v1/health`)).ok) break; } catch { /* not yet */ }
  if (i > 200) throw new Error(`server did not start\n${readLog()}`);
  await new Promise((r) => setTimeout(r, 50));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function send(method, path, body, headers = {}) {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method, agent, headers: {
        authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers,
      },
    }, (res) => {
      let out = '';
      res.on('data', (c) => { out += c; });
      res.on('end', () => resolve({ status: res.statusCode, text: out }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
const invitePath = `/api/v1/organizations/${ORG}/invitations`;
const patchPath = `/api/v1/organizations/${ORG}/members/user_bob`;

async function run(kind, path, method, bodyOf, want) {
  for (let i = 0; i < WARMUP + N; i++) {
    const r = await send(method, path, bodyOf(i));
    if (r.status !== want) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  }
  await new Promise((r) => setTimeout(r, 200)); // the last access lines
  const esc = path.replace(/[/.]/g, '\\$&');
  const re = new RegExp(`method="${method}" path="${esc}" status=${want} .*?ms=([0-9.]+)`, 'g');
  const server = [...readLog().matchAll(re)].map((m) => Number(m[1]));
  const clerk = clerkMs[kind];
  if (server.length !== clerk.length) throw new Error(`${kind}: ${server.length} access lines, ${clerk.length} calls`);
  const added = server.slice(WARMUP).map((s, i) => s - clerk[WARMUP + i]).sort((a, b) => a - b);
  const sorted = (a) => [...a.slice(WARMUP)].sort((x, y) => x - y);
  const s = sorted(server);
  const c = sorted(clerk);
  console.log(`${method} ${path.replace(ORG, '{id}')}: n=${N} added_median_ms=${pct(added, 0.5).toFixed(3)} ` +
    `added_p99_ms=${pct(added, 0.99).toFixed(3)} (server median ${pct(s, 0.5).toFixed(3)} p99 ${pct(s, 0.99).toFixed(3)}; ` +
    `Backend API median ${pct(c, 0.5).toFixed(3)} p99 ${pct(c, 0.99).toFixed(3)})`);
}

try {
  await run('invite', invitePath, 'POST', (i) => ({ email_address: `i${i}@example.com` }), 201);
  await run('patch', patchPath, 'PATCH', (i) => ({ role: i % 2 ? 'org:editor' : 'org:member' }), 200);

  // 2. The repeats: the first request stores the answer.
  const key = `bench-${Date.now()}`;
  const body = { email_address: 'repeat@example.com' };
  const first = await send('POST', invitePath, body, { 'idempotency-key': key });
  const again = await send('POST', invitePath, body, { 'idempotency-key': key });
  if (first.status !== 201 || again.status !== 201 || again.text !== first.text) throw new Error('no replay');
  const calls = clerkMs.invite.length;
  const wrk = spawn('wrk', ['-t2', '-c64', `-d${DUR}s`, '--latency', '-s', 'bench/idem.lua', base, '--',
    invitePath, token, key, JSON.stringify(body)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  wrk.stdout.on('data', (b) => { out += b; });
  await new Promise((r) => wrk.on('exit', r));
  process.stdout.write(`Idempotency-Key repeats, wrk -t2 -c64 -d${DUR}s:\n`);
  process.stdout.write(out.split('\n').filter((l) => /Requests\/sec|Latency |50%|90%|99%|Non-2xx|Socket errors|requests in/.test(l)).join('\n') + '\n');
  if (clerkMs.invite.length !== calls) throw new Error('a repeat reached the Backend API');
} finally {
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  agent.destroy();
  api.close();
  fs.closeSync(logFd);
  fs.rmSync(logFile, { force: true });
}
