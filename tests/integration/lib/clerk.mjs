// Helpers for the Clerk session tests (DESIGN §4 and §6, reference/clerk.md
// §3 and §4): RSA keys and session tokens minted with the npm `jose` package
// (never with our own code), a fake Clerk Backend API (node:http) serving
// /v1/jwks and /v1/users/{id}, a server started with the PEM key or in JWKS
// mode, a mirror filled through signed webhooks, and HTTP helpers that assert
// the exact 401 answer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';

import {
  CompactSign, SignJWT, exportJWK, exportSPKI, generateKeyPair,
} from 'jose';

import {
  assertOk, deliver, membershipEvent, orgEvent, rows, sqlStr, uid, userEvent, withServer,
} from './webhook.mjs';

// ------------------------------------------------------------ keys, issuer

// The docs' example instance (reference/clerk.md §4): the publishable key
// is 'pk_test_' + base64('<host>$'); its cookie suffix is PXVV4PZn (§3.3).
export const FAPI_HOST = 'example.accounts.dev';
export const PUBLISHABLE_KEY = 'pk_test_' + Buffer.from(`${FAPI_HOST}$`).toString('base64').replace(/=+$/, '');
export const ISSUER = `https://${FAPI_HOST}`;
export const COOKIE_SUFFIX = 'PXVV4PZn';
export const SECRET_KEY = 'sk_test_x';
export const AZP = 'http://localhost:3000';
export const NOT_AUTHENTICATED = { detail: 'Not authenticated' };
export const NOT_SYNCED = { detail: 'User not synced yet' };

// Category header values (reference/clerk.md §3.1).
export const CAT = {
  session: 'cl_B7d4PD111AAA',
  template: 'cl_B7d4PD222AAA',
  m2m: 'cl_B7d4PD333AAA',
  ignore: 'cl_I7d4PD111III',
};

// The first 8 characters of url-safe base64 of SHA-1(key) (§3.3).
export function cookieSuffix(pk) {
  return createHash('sha1').update(pk).digest('base64')
    .replaceAll('+', '-').replaceAll('/', '_').slice(0, 8);
}
assert.equal(PUBLISHABLE_KEY, 'pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk');
assert.equal(cookieSuffix(PUBLISHABLE_KEY), COOKIE_SUFFIX);

export const nowSec = () => Math.floor(Date.now() / 1000);

// An RS256 key pair made by jose: {kid, privateKey, publicKey, pem (SPKI),
// jwk (public, with kid/use/alg as Clerk's JWKS has them)}.
export async function newKey(kid = uid('ins')) {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const pem = await exportSPKI(publicKey);
  const jwk = { use: 'sig', ...(await exportJWK(publicKey)), kid, alg: 'RS256' };
  return { kid, privateKey, publicKey, pem, jwk };
}

// ------------------------------------------------------------ tokens

export const b64url = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

// The claims of a realistic Clerk session token for `sub` (exp = iat + 60,
// nbf = iat - 10 like the SDK's fixture), merged with `claims`; a claim
// given as undefined is left out.
export function sessionClaims(sub, claims = {}, { now = nowSec() } = {}) {
  const iat = claims.iat ?? now;
  const base = {
    azp: AZP,
    exp: iat + 60,
    fva: [0, -1],
    iat,
    iss: ISSUER,
    nbf: iat - 10,
    sid: uid('sess'),
    sub,
  };
  const out = { ...base, ...claims };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

// The protected header {alg: RS256, kid, typ: JWT} merged with `header`
// (undefined removes a member).
function makeHeader(key, header) {
  const out = { alg: 'RS256', kid: key.kid, typ: 'JWT', ...header };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

// A session token signed with jose. opts:
//   claims   overrides / removals (undefined) of sessionClaims()
//   header   overrides / removals of the protected header
//   payload  the exact payload object (instead of sessionClaims)
//   signWith another private key (KeyObject or Uint8Array secret for HS*)
export async function mint(key, sub, { claims = {}, header = {}, payload, signWith, now } = {}) {
  const p = payload ?? sessionClaims(sub, claims, { now });
  const h = makeHeader(key, header);
  return new SignJWT(p).setProtectedHeader(h).sign(signWith ?? key.privateKey);
}

// Signs exact payload bytes (a string) with jose's CompactSign.
export async function mintRaw(key, payloadText, { header = {} } = {}) {
  return new CompactSign(new TextEncoder().encode(payloadText))
    .setProtectedHeader(makeHeader(key, header)).sign(key.privateKey);
}

// An unsigned token ("alg": "none"), as an attacker would send it.
export function unsignedToken(key, sub, { claims = {}, signature = '' } = {}) {
  const h = { alg: 'none', kid: key.kid, typ: 'JWT' };
  return `${b64url(h)}.${b64url(sessionClaims(sub, claims))}.${signature}`;
}

// The decoded parts of a compact token.
export function decode(token) {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
    signature: s,
  };
}

// The token with its payload replaced (re-encoded), keeping the header and
// the signature of the original.
export function tamper(token, change) {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  change(payload);
  return `${h}.${b64url(payload)}.${s}`;
}

// ------------------------------------------------------------ HTTP

// GET (or opts.method) path with an optional bearer token, cookies (an
// object name → value) and extra headers: {status, text, json, headers}.
export async function call(base, path, { token, cookies, headers = {}, method = 'GET', timeout = 30000 } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  if (cookies) h.cookie = Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join('; ');
  const url = typeof base === 'string' ? base : base.url;
  const res = await fetch(url + path, { method, headers: h, signal: AbortSignal.timeout(timeout) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, text, json, headers: res.headers };
}

export const me = (srv, opts) => call(srv, '/api/v1/users/me', opts);

// The exact refusal of DESIGN §6: 401 {"detail":"Not authenticated"},
// WWW-Authenticate: Bearer, JSON, and nothing about the reason.
export function assertNotAuthenticated(r, what = '') {
  assert.equal(r.status, 401, `${what}: expected 401, got ${r.status} ${r.text}`);
  assert.deepEqual(r.json, NOT_AUTHENTICATED, `${what}: body ${r.text}`);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer', `${what}: WWW-Authenticate`);
  assert.match(r.headers.get('content-type') || '', /^application\/json\b/, `${what}: content-type`);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
}

export function assertStatus(r, status, what = '') {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${r.status} ${r.text}`);
}

export function assertNotSynced(r, what = '') {
  assert.equal(r.status, 404, `${what}: expected 404, got ${r.status} ${r.text}`);
  assert.deepEqual(r.json, NOT_SYNCED, `${what}: body ${r.text}`);
}

// ------------------------------------------------------------ servers

// Env of a server verifying with the PEM key (no network), with the
// publishable key unless pk is false; extra env merged (undefined removes).
export function pemEnv(key, { pk = true, ...extra } = {}) {
  const env = { CLERK_JWT_KEY: key.pem };
  if (pk) env.CLERK_PUBLISHABLE_KEY = PUBLISHABLE_KEY;
  return { ...env, ...extra };
}

// withServer() of lib/webhook.mjs (signing secret set, stopped and checked
// for exit code 0 at the end) with the given env.
export function withAuthServer(env, fn) {
  return withServer(fn, { env });
}

// ------------------------------------------------------------ mirror

// Creates a user through a signed user.created webhook; returns
// {clerkId, email, first_name, last_name, username, image_url, id (local)}.
export async function createUser(srv, opts = {}) {
  const ev = userEvent(opts);
  assertOk(await deliver(srv.url, ev), `user.created ${ev.data.id}`);
  const [row] = rows(srv.db, `SELECT id FROM users WHERE clerk_id = ${sqlStr(ev.data.id)}`);
  assert.ok(row, `user ${ev.data.id} mirrored`);
  const d = ev.data;
  const primary = d.email_addresses.find((e) => e.id === d.primary_email_address_id);
  return {
    clerkId: d.id, id: Number(row.id), email: primary ? primary.email_address : null,
    first_name: d.first_name, last_name: d.last_name, username: d.username,
    image_url: d.image_url, updated_at: d.updated_at, event: ev,
  };
}

// Creates an organization through a signed organization.created webhook;
// returns {clerkId, id (local), name, slug, image_url}.
export async function createOrg(srv, opts = {}) {
  const ev = orgEvent(opts);
  assertOk(await deliver(srv.url, ev), `organization.created ${ev.data.id}`);
  const [row] = rows(srv.db, `SELECT id FROM organizations WHERE clerk_id = ${sqlStr(ev.data.id)}`);
  assert.ok(row, `organization ${ev.data.id} mirrored`);
  return {
    clerkId: ev.data.id, id: Number(row.id), name: ev.data.name, slug: ev.data.slug,
    image_url: ev.data.image_url,
  };
}

// Adds user to org with role through organizationMembership.created.
export async function addMember(srv, user, org, role) {
  const ev = membershipEvent({ userId: user.clerkId, orgId: org.clerkId, orgName: org.name, role });
  ev.data.organization.slug = org.slug;
  assertOk(await deliver(srv.url, ev), `membership ${user.clerkId} ${org.clerkId} ${role}`);
  return ev.data.id;
}

// ------------------------------------------------------------ fake Clerk

// A Clerk user object as GET /v1/users/{id} answers it (the shape of
// fixture 03's data).
export function clerkUser(id, opts = {}) {
  return userEvent({ id, ...opts }).data;
}

const clerkError = (code, message) => ({
  errors: [{ message, long_message: message, code, meta: {} }],
  clerk_trace_id: 'trace_' + uid('t').slice(2),
});

// A fake Backend API on 127.0.0.1. state:
//   keys        the JWKs GET /v1/jwks serves
//   jwksStatus  its status (200, or e.g. 500)
//   users       Map clerk id → user JSON for GET /v1/users/{id}
//   userStatus  Map clerk id → status to answer instead (e.g. 500)
//   jwksDelayMs how long /v1/jwks takes to answer (default 0)
// Every request is recorded {method, path, headers, at}. Answers 401 when
// the bearer secret is not `secret`.
export async function startFakeClerk({ secret = SECRET_KEY, keys = [] } = {}) {
  const state = { keys, jwksStatus: 200, jwksDelayMs: 0, users: new Map(), userStatus: new Map() };
  const timers = new Set();
  const requests = [];
  const server = http.createServer((req, res) => {
    const path = req.url;
    requests.push({ method: req.method, path, headers: { ...req.headers }, at: Date.now() });
    const send = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.headers.authorization !== `Bearer ${secret}`)
      return send(401, clerkError('authentication_invalid', 'Unauthorized request'));
    if (req.method === 'GET' && path === '/v1/jwks') {
      const answer = () => {
        if (state.jwksStatus !== 200) return send(state.jwksStatus, clerkError('internal_clerk_error', 'Oops'));
        return send(200, { keys: state.keys });
      };
      if (!state.jwksDelayMs) return answer();
      const t = setTimeout(() => { timers.delete(t); if (!res.destroyed) answer(); }, state.jwksDelayMs);
      timers.add(t);
      return undefined;
    }
    const m = /^\/v1\/users\/([^/?]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const id = decodeURIComponent(m[1]);
      if (state.userStatus.has(id)) return send(state.userStatus.get(id), clerkError('internal_clerk_error', 'Oops'));
      const u = state.users.get(id);
      if (!u) return send(404, clerkError('resource_not_found', 'Resource not found'));
      return send(200, u);
    }
    return send(404, clerkError('resource_not_found', 'Resource not found'));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    state,
    requests,
    jwksFetches: () => requests.filter((r) => r.path === '/v1/jwks'),
    userFetches: (id) => requests.filter((r) => r.path.startsWith('/v1/users/') &&
      (id === undefined || r.path === `/v1/users/${id}`)),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 5000);
        server.close(() => { clearTimeout(t); resolve(); });
      });
    },
  };
}

// Runs fn(fake) with a fake Backend API that is always closed afterwards.
export async function withFakeClerk(opts, fn) {
  const fake = await startFakeClerk(opts);
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}
