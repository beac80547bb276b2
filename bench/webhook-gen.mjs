// Writes N fresh signed deliveries, one a line:
// "<svix-id>\t<timestamp>\t<signature>\t<compact JSON body>", for
// bench/webhook.lua to replay with wrk. Signed with the npm svix package.
//
// Usage: node bench/webhook-gen.mjs SECRET N OUT [SHAPE]
//   SHAPE  full   (default) user.created shaped like what Clerk sends for a
//                 user who signed up with Google: the full User object of
//                 fixture 03 (one verified email with its verification
//                 object, an external account, the three metadata objects,
//                 image URLs) and event_attributes.http_request; 2.5-3 KB
//          mixed  a sign-up burst: per 20 such users one organization.created
//                 and 30 organizationMembership.created (1.5 per user), in
//                 the order Clerk emits them (organization, then each user
//                 and its memberships)
//          small  the old 400-byte user.created with only the fields the
//                 mirror reads (kept as a labelled second row)
// Every delivery has fresh ids, so each one is applied, never a duplicate.
// Prints the size range and the mix to stderr.
import fs from 'node:fs';
import { Webhook } from 'svix';

const [secret, nArg, out, shape = 'full'] = process.argv.slice(2);
const n = Number(nArg);
if (!secret || !Number.isInteger(n) || n <= 0 || !out ||
    !['full', 'mixed', 'small'].includes(shape)) {
  console.error('usage: node bench/webhook-gen.mjs SECRET N OUT [full|mixed|small]');
  process.exit(2);
}
const wh = new Webhook(secret);
const now = new Date();
const ms = now.getTime();
const ts = Math.floor(ms / 1000);
const run = ms.toString(36);
const INSTANCE = 'ins_2lQ7v3WbYc9XkR4pN8dT6sM1hZa';
const EVENT_ATTRIBUTES = {
  http_request: {
    client_ip: '203.0.113.10',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 ' +
      '(KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
  },
};
// Clerk ids are 27 base62 characters after the prefix: the run, the kind
// and the number, zero-padded to a fixed width so that no two collide.
const id27 = (kind, i) => {
  const head = `${run}${kind}`;
  return head + String(i.toString(36)).padStart(27 - head.length, '0');
};
const img = (rid) => 'https://img.clerk.com/' + Buffer.from(JSON.stringify({
  type: 'default', iid: INSTANCE, rid,
})).toString('base64url');

function envelope(type, data, at) {
  return { data, event_attributes: EVENT_ATTRIBUTES, instance_id: INSTANCE,
    object: 'event', timestamp: at + 180, type };
}

function fullUser(i) {
  const uid = `user_${id27('u', i)}`;
  const eid = `idn_${id27('e', i)}`;
  const gid = `idn_${id27('g', i)}`;
  const email = `person${run}.${i}@gmail.example`;
  const verification = (strategy) => ({
    object: 'verification_oauth', status: 'verified', strategy, attempts: null,
    expire_at: ms + 600000,
  });
  return {
    id: uid, object: 'user', external_id: null,
    primary_email_address_id: eid, primary_phone_number_id: null,
    primary_web3_wallet_id: null, username: null,
    first_name: 'Bench', last_name: `Person ${i}`, locale: 'en-US',
    profile_image_url: 'https://www.gravatar.com/avatar?d=mp',
    image_url: img(uid), has_image: true,
    public_metadata: { plan: 'free', onboarded: false },
    private_metadata: {},
    unsafe_metadata: { referrer: 'newsletter' },
    email_addresses: [{
      id: eid, object: 'email_address', email_address: email, reserved: false,
      verification: verification('from_oauth_google'),
      linked_to: [{ type: 'oauth_google', id: gid }],
      matches_sso_connection: false, created_at: ms, updated_at: ms,
    }],
    phone_numbers: [], web3_wallets: [], passkeys: [],
    password_enabled: false, two_factor_enabled: false, totp_enabled: false,
    backup_code_enabled: false, mfa_enabled_at: null, mfa_disabled_at: null,
    password_last_updated_at: null,
    external_accounts: [{
      object: 'google_account', id: gid, provider: 'oauth_google',
      identification_id: gid, provider_user_id: `10${(1e15 + i).toString()}`,
      approved_scopes: 'email https://www.googleapis.com/auth/userinfo.email ' +
        'https://www.googleapis.com/auth/userinfo.profile openid profile',
      email_address: email, first_name: 'Bench', last_name: `Person ${i}`,
      avatar_url: `https://lh3.googleusercontent.com/a/ACg8ocK${id27('a', i)}=s96-c`,
      image_url: img(gid), username: null, phone_number: null,
      public_metadata: {}, label: null,
      verification: verification('oauth_google'),
      created_at: ms, updated_at: ms,
    }],
    saml_accounts: [], enterprise_accounts: [],
    last_sign_in_at: ms, banned: false, locked: false,
    lockout_expires_in_seconds: null, verification_attempts_remaining: 100,
    created_at: ms, updated_at: ms, delete_self_enabled: true,
    create_organization_enabled: true, create_organizations_limit: null,
    last_active_at: ms, legal_accepted_at: null,
  };
}

function smallUser(i) {
  const uid = `user_bench${run}x${i}`;
  return {
    id: uid, object: 'user', first_name: 'Bench', last_name: `User ${i}`,
    username: null, image_url: 'https://img.clerk.com/x',
    primary_email_address_id: `idn_${run}${i}`,
    email_addresses: [{ id: `idn_${run}${i}`, object: 'email_address',
      email_address: `bench${run}.${i}@example.com` }],
    created_at: ms, updated_at: ms,
  };
}

function org(k, creator, kind = 'o') {
  const oid = `org_${id27(kind, k)}`;
  return {
    object: 'organization', id: oid, name: `Bench Org ${k}`,
    slug: `bench-${run}-${k}`, image_url: img(oid), has_image: false,
    members_count: 1, missing_member_with_elevated_permissions: false,
    pending_invitations_count: 0, max_allowed_memberships: 0,
    admin_delete_enabled: true, public_metadata: {}, private_metadata: {},
    created_by: creator, created_at: ms, updated_at: ms,
  };
}

const ADMIN_PERMS = ['org:sys_profile:manage', 'org:sys_profile:delete',
  'org:sys_memberships:read', 'org:sys_memberships:manage',
  'org:sys_domains:read', 'org:sys_domains:manage', 'org:sys_billing:read',
  'org:sys_billing:manage'];
const MEMBER_PERMS = ['org:sys_memberships:read', 'org:sys_billing:read'];

function membership(k, o, user, admin) {
  return {
    object: 'organization_membership', id: `orgmem_${id27('m', k)}`,
    role: admin ? 'org:admin' : 'org:member',
    role_name: admin ? 'Admin' : 'Member',
    permissions: admin ? ADMIN_PERMS : MEMBER_PERMS,
    public_metadata: {}, private_metadata: {}, organization: o,
    public_user_data: {
      user_id: user.id, first_name: user.first_name, last_name: user.last_name,
      profile_image_url: user.profile_image_url, image_url: user.image_url,
      has_image: user.has_image,
      identifier: user.email_addresses[0].email_address, username: null,
    },
    created_at: ms, updated_at: ms,
  };
}

// The events of the mixed scenario, generated lazily: for each block of 20
// users, the organization first (created by the block's first user), then
// each user followed by its memberships: every user joins the block's
// organization, and every other user also the previous block's.
function* mixedEvents() {
  let u = 0;
  let m = 0;
  let prev = null;
  for (let block = 0; ; block++) {
    const users = [];
    for (let j = 0; j < 20; j++) users.push(fullUser(u++));
    const o = org(block, users[0].id);
    yield envelope('organization.created', o, ms);
    for (let j = 0; j < 20; j++) {
      const user = users[j];
      yield envelope('user.created', user, ms);
      yield envelope('organizationMembership.created',
        membership(m++, o, user, j === 0), ms);
      if (j % 2 === 0) continue;
      // The second membership: the previous block's organization; the
      // first block has none, so its users join the block's creator's
      // second organization, made on the spot.
      const other = prev ?? org(block, users[0].id, 'q');
      yield envelope('organizationMembership.created',
        membership(m++, other, user, false), ms);
    }
    prev = o;
  }
}

function* events() {
  if (shape === 'mixed') {
    yield* mixedEvents();
    return;
  }
  for (let i = 0; ; i++)
    yield envelope('user.created', shape === 'full' ? fullUser(i) : smallUser(i), ms);
}

const fd = fs.openSync(out, 'w');
const sizes = { min: Infinity, max: 0, total: 0 };
const types = {};
let chunk = [];
let i = 0;
for (const ev of events()) {
  if (i >= n) break;
  const body = JSON.stringify(shape === 'small'
    ? { data: ev.data, object: 'event', type: ev.type, timestamp: ev.timestamp }
    : ev);
  const id = `msg_${id27('d', i)}`;
  chunk.push(`${id}\t${ts}\t${wh.sign(id, now, body)}\t${body}\n`);
  sizes.min = Math.min(sizes.min, body.length);
  sizes.max = Math.max(sizes.max, body.length);
  sizes.total += body.length;
  types[ev.type] = (types[ev.type] || 0) + 1;
  if (chunk.length === 10000) { fs.writeSync(fd, chunk.join('')); chunk = []; }
  i++;
}
fs.writeSync(fd, chunk.join(''));
fs.closeSync(fd);
console.error(`deliveries=${i} shape=${shape} bytes_min=${sizes.min} ` +
  `bytes_avg=${Math.round(sizes.total / i)} bytes_max=${sizes.max} ` +
  `mix=${JSON.stringify(types)}`);
