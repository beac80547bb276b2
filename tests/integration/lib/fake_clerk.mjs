// A stateful fake of Clerk's Backend API for the integration tests
// (reference/clerk.md §5, §7, §8, §10; DESIGN §12 and §13). It listens on
// 127.0.0.1 (node:http, a free port); point CLERK_API_URL at `fake.url` and
// CLERK_SECRET_KEY at the same secret key (`fake.env()` gives both).
//
// What it does:
// - keeps users, organizations, memberships (keyed by organization + user),
//   invitations, domains, roles, permissions, sessions, API keys, M2M
//   tokens, OAuth access tokens and the JWKS, seeded with fake.add*() and
//   changed by the write endpoints; every write bumps `updated_at` to a
//   strictly later millisecond, so "the webhook that follows changes
//   nothing" can be tested;
// - answers with Clerk's shapes (the objects of the webhook fixtures, the
//   BAPI fixtures bapi.*.verify.json), statuses and error bodies
//   {"errors":[{message, long_message, code, meta?}], "clerk_trace_id"};
//   list endpoints page with limit (1-500, default 10) and offset, /v1/users
//   also with the starting_after cursor;
// - records every request (method, path, query, headers, parsed JSON body,
//   arrival time, and the call's own time in ms once answered):
//   fake.calls(match), fake.count(match), per-path fake.counts();
// - verifies machine tokens (POST /v1/api_keys/verify {"secret"},
//   /v1/m2m_tokens/verify {"token"}, /v1/oauth_applications/access_tokens/
//   verify {"access_token"}) seeded with fake.addApiKey() etc.: accepted,
//   revoked, expired (flag or past expiration), {"active":false}, unknown →
//   404; a token can have its own fault (401, 422, 429 + Retry-After, 5xx)
//   or delay (fake.failToken(), fake.delayToken(), or `fault` / `delayMs`
//   when added); fake.verifyCount(type | token) counts its calls;
// - injects faults: fake.fail(match, {status, ...}) answers an error (429
//   with Retry-After, 5xx, a given Clerk error, a reset connection),
//   fake.delay(match, ms) answers late (close() and down() cut it short),
//   fake.down() / fake.up() refuse connections, then listen again on the
//   same port;
// - builds the webhook envelope mysaas receives from any object it answered
//   (fake.webhook(obj)), to check that applying it after the API write
//   changes nothing.
//
// A match is a string "METHOD /v1/path/{param}" ({name} matches one path
// segment; "*" as method or path matches any; no method = any method), or a
// predicate over the recorded call.
//
// The order of a request: recorded → delay → fault → authentication →
// route. Unknown paths and unknown methods on known paths answer 404
// resource_not_found, as Clerk does.
//
// Where Clerk's behaviour is not documented the fake picks one and says so
// with [U] in the comment; fake.fail() can always impose another answer.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

/** The fixtures' instance id (fixtures/clerk/README.md). */
export const INSTANCE_ID = 'ins_2lQ7v3WbYc9XkR4pN8dT6sM1hZa';
/** The secret key the fake accepts when none is given. */
export const DEFAULT_SECRET_KEY = 'sk_test_fakeclerk';

const DAY_MS = 86400000;
const MAX_BODY = 1024 * 1024;
const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 10;
const CLOSE_TIMEOUT_MS = 2000;

// ---------------------------------------------------------------- ids, time

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A Clerk-shaped id: `prefix` + "_" + 27 base62 characters
 * (user_, org_, orgmem_, orginv_, orgdmn_, role_, perm_, sess_, idn_, ...).
 * @param {string} prefix
 * @returns {string}
 */
export function clerkId(prefix) {
  let s = '';
  for (const b of randomBytes(27)) s += B62[b % 62];
  return `${prefix}_${s}`;
}

/**
 * An id of the machine-token form: `prefix` + "_" + 32 lowercase hex
 * characters (ak_, mt_, oat_; reference/clerk.md §10.2).
 * @param {string} prefix
 * @returns {string}
 */
export const hexId = (prefix) => `${prefix}_${randomBytes(16).toString('hex')}`;

/** A trace id like Clerk's clerk_trace_id (32 hex characters). */
export const traceId = () => randomBytes(16).toString('hex');

// A clock that never answers the same millisecond twice, so that two
// writes in a row always get different updated_at values.
function makeClock(now) {
  let last = 0;
  return () => {
    last = Math.max(now(), last + 1);
    return last;
  };
}

const dayStart = (ms) => ms - (ms % DAY_MS);

// ---------------------------------------------------------------- errors

/**
 * Clerk's error catalogue (clerk-docs guides/development/errors/backend-api):
 * each function returns {status, code, message, long_message, meta?}, the
 * form fake.fail(match, {error}) and clerkErrorBody() take.
 */
export const CLERK_ERRORS = {
  headerFormat: () => ({
    status: 401, code: 'authorization_header_format_invalid',
    message: 'Invalid Authorization header format',
    long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
  }),
  secretKeyInvalid: () => ({
    status: 401, code: 'clerk_key_invalid',
    message: 'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
    long_message: 'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
  }),
  forbidden: () => ({
    status: 403, code: 'authorization_invalid', message: 'Unauthorized request',
    long_message: 'You are not authorized to perform this request',
  }),
  notFound: (long = 'Resource not found') => ({
    status: 404, code: 'resource_not_found', message: 'not found', long_message: long,
  }),
  badRequest: () => ({ status: 400, code: 'bad_request', message: 'Bad request', long_message: 'Bad request' }),
  bodyInvalid: () => ({
    status: 400, code: 'request_body_invalid', message: 'Request body invalid',
    long_message: 'The request body is invalid. Please consult the API documentation for more information.',
  }),
  paramMissing: (param) => ({
    status: 422, code: 'form_param_missing', message: 'is missing',
    long_message: `${param} must be included.`, meta: { param_name: param },
  }),
  paramUnknown: (param) => ({
    status: 422, code: 'form_param_unknown', message: 'is unknown',
    long_message: `${param} is not a valid parameter for this request.`, meta: { param_name: param },
  }),
  paramFormat: (param, long = `${param} is invalid.`) => ({
    status: 422, code: 'form_param_format_invalid', message: 'is invalid',
    long_message: long, meta: { param_name: param },
  }),
  paramValue: (param, long = `${param} is invalid`) => ({
    status: 422, code: 'form_param_value_invalid', message: 'is invalid',
    long_message: long, meta: { param_name: param },
  }),
  paramType: (param, type) => ({
    status: 422, code: 'form_param_type_invalid', message: 'is invalid',
    long_message: `\`${param}\` must be a \`${type}\`.`, meta: { param_name: param },
  }),
  maxLength: (param, n) => ({
    status: 422, code: 'form_param_max_length_exceeded', message: 'exceeds maximum length',
    long_message: `${param} should not exceed ${n} characters.`, meta: { param_name: param },
  }),
  invalidTime: (param) => ({
    status: 422, code: 'form_param_invalid_time', message: 'invalid format',
    long_message: `${param} must contain a datetime specified in RFC3339 format (e.g. \`2022-10-20T10:00:27.645Z\`).`,
    meta: { param_name: param },
  }),
  // The docs give no message for form_identifier_exists; this one is the
  // Frontend API's wording for a taken identifier [U].
  identifierExists: (param) => ({
    status: 422, code: 'form_identifier_exists', message: `That ${param} is taken. Please try another.`,
    long_message: `That ${param} is taken. Please try another.`, meta: { param_name: param },
  }),
  resourceMissing: (param) => ({
    status: 422, code: 'form_resource_not_found', message: 'is missing',
    long_message: `The resource associated with the supplied ${param} was not found.`,
    meta: { param_name: param },
  }),
  orgNameInvalid: (name) => ({
    status: 422, code: 'form_param_value_invalid', message: 'invalid organization name',
    long_message: `The organization name ${JSON.stringify(name)} is invalid: it must not contain URLs or HTML`,
    meta: { param_name: 'name' },
  }),
  alreadyMember: () => ({
    status: 400, code: 'already_a_member_in_organization', message: 'already a member',
    long_message: 'The user is already a member of the organization.',
  }),
  membershipQuota: () => ({
    status: 403, code: 'organization_membership_quota_exceeded', message: 'membership quota exceeded',
    long_message: 'You have reached your limit of organization memberships, including outstanding invitations.',
  }),
  missingPermission: (permission) => ({
    status: 403, code: 'missing_organization_permission', message: 'missing permission',
    long_message: 'Current user is missing an organization permission.', meta: { permissions: [permission] },
  }),
  invitationNotUnique: () => ({
    status: 400, code: 'organization_invitation_not_unique', message: 'organization invitation not unique',
    long_message: 'Organizations cannot have duplicate pending invitations for an email address.',
  }),
  invitationAlreadyRevoked: () => ({
    status: 400, code: 'invitation_already_revoked', message: 'Invitation is already revoked.',
    long_message: 'Invitation is already revoked.',
  }),
  // The spec's words ("Only organization invitations with 'pending' status
  // can be revoked"); the code is [U].
  invitationNotPending: (status) => ({
    status: 400, code: 'organization_invitation_not_pending', message: 'not pending',
    long_message: `Only organization invitations with 'pending' status can be revoked; this one is ${status}.`,
  }),
  // Revoking a session that is no longer active: the spec lists a 400, the
  // code is [U].
  sessionNotActive: (status) => ({
    status: 400, code: 'session_not_active', message: 'session not active',
    long_message: `The session is ${status} and cannot be revoked.`,
  }),
  tooManyRequests: () => ({
    status: 429, code: 'too_many_requests', message: 'Too many requests',
    long_message: 'Too many requests, please retry later.',
  }),
  internal: () => ({
    status: 500, code: 'internal_clerk_error', message: 'Oops, an unexpected error occurred',
    long_message: "There was an internal error on our servers. We've been notified and are working on fixing it.",
  }),
  maintenance: () => ({
    status: 503, code: 'maintenance_mode', message: 'System under maintenance',
    long_message: 'We are currently undergoing maintenance and only essential operations are permitted. We will be back shortly.',
  }),
};

/**
 * The error Clerk answers for a status, when a fault names no body: 400
 * bad_request, 401 clerk_key_invalid, 403 authorization_invalid, 404
 * resource_not_found, 422 form_param_value_invalid, 429 too_many_requests,
 * 503 maintenance_mode, other 5xx internal_clerk_error.
 * @param {number} status
 */
export function defaultError(status) {
  const E = CLERK_ERRORS;
  const byStatus = {
    400: E.badRequest, 401: E.secretKeyInvalid, 403: E.forbidden, 404: E.notFound,
    422: () => E.paramValue('body', 'The request is invalid.'), 429: E.tooManyRequests, 503: E.maintenance,
  };
  const make = byStatus[status] ?? (status >= 500 ? E.internal : E.badRequest);
  return { ...make(), status };
}

/**
 * An error body exactly as Clerk sends it:
 * {"errors":[{message, long_message, code, meta?}], "clerk_trace_id"}.
 * @param {object|object[]} errors one error or several ({code, message,
 *   long_message?, meta?}; a `status` member is dropped)
 * @param {{traceId?: string}} [opts]
 */
export function clerkErrorBody(errors, { traceId: trace = traceId() } = {}) {
  const list = (Array.isArray(errors) ? errors : [errors]).map((e) => {
    const out = { message: e.message, long_message: e.long_message ?? e.message, code: e.code };
    if (e.meta !== undefined) out.meta = e.meta;
    return out;
  });
  return { errors: list, clerk_trace_id: trace };
}

// Thrown by the handlers; becomes the answer.
class ClerkApiError extends Error {
  constructor(error) {
    super(`${error.status} ${error.code}: ${error.long_message}`);
    this.error = error;
  }
}

const fail = (error) => { throw new ClerkApiError(error); };

// ---------------------------------------------------------------- builders

/**
 * Clerk's default avatar URL for an object (img.clerk.com + base64url of
 * {"type":"default","iid","rid"}), as in the fixtures.
 */
export function defaultImageUrl(rid, iid = INSTANCE_ID) {
  const json = JSON.stringify({ type: 'default', iid, rid });
  return `https://img.clerk.com/${Buffer.from(json).toString('base64url')}`;
}

function emailItem(address, at) {
  return {
    id: clerkId('idn'), object: 'email_address', email_address: address, reserved: false,
    verification: {
      object: 'verification_otp', status: 'verified', strategy: 'email_code', attempts: 1, expire_at: at + 600000,
    },
    linked_to: [], matches_sso_connection: false, created_at: at, updated_at: at,
  };
}

function phoneItem(number, at) {
  return {
    id: clerkId('idn'), object: 'phone_number', phone_number: number, reserved_for_second_factor: false,
    default_second_factor: false, reserved: false,
    verification: {
      object: 'verification_otp', status: 'verified', strategy: 'phone_code', attempts: 1,
      expire_at: at + 600000, channel: 'sms',
    },
    linked_to: [], backup_codes: null, created_at: at, updated_at: at,
  };
}

/**
 * A full Clerk User (the shape of fixture 03's data).
 * @param {object} [opts] any User fields (snake_case) override the
 *   defaults, plus:
 *   email   the primary address (default <id>@example.com; null: no email,
 *           as fixture 01)
 *   emails  further, non-primary addresses, listed before the primary one
 *           (fixture 03 has its primary second)
 *   phone   a primary phone number (E.164), or none
 *   at      created_at/updated_at when those are not given (default now)
 */
export function buildUser({ email, emails = [], phone = null, at = Date.now(), ...fields } = {}) {
  const id = fields.id ?? clerkId('user');
  const created = fields.created_at ?? at;
  const primary = email === undefined ? `${id.toLowerCase()}@example.com` : email;
  const items = emails.map((e) => emailItem(e, created));
  if (primary) items.push(emailItem(primary, created));
  const phones = phone ? [phoneItem(phone, created)] : [];
  const user = {
    id, object: 'user', external_id: null,
    primary_email_address_id: primary ? items[items.length - 1].id : null,
    primary_phone_number_id: phones.length ? phones[0].id : null,
    primary_web3_wallet_id: null, username: null, first_name: null, last_name: null, locale: null,
    profile_image_url: 'https://www.gravatar.com/avatar?d=mp', image_url: defaultImageUrl(id), has_image: false,
    public_metadata: {}, private_metadata: {}, unsafe_metadata: {},
    email_addresses: items, phone_numbers: phones, web3_wallets: [], passkeys: [],
    password_enabled: Boolean(primary), two_factor_enabled: false, totp_enabled: false,
    backup_code_enabled: false, mfa_enabled_at: null, mfa_disabled_at: null,
    password_last_updated_at: primary ? created : null,
    external_accounts: [], saml_accounts: [], enterprise_accounts: [],
    last_sign_in_at: created, banned: false, locked: false, lockout_expires_in_seconds: null,
    verification_attempts_remaining: 100, created_at: created, updated_at: created,
    delete_self_enabled: true, create_organization_enabled: true, create_organizations_limit: null,
    last_active_at: dayStart(created), legal_accepted_at: null,
  };
  return { ...user, ...fields, id, created_at: created, updated_at: fields.updated_at ?? created };
}

/** The user's primary email address, or null. */
export function primaryEmail(user) {
  const e = (user.email_addresses || []).find((x) => x.id === user.primary_email_address_id);
  return e ? e.email_address : null;
}

/** The user's primary phone number, or null. */
export function primaryPhone(user) {
  const p = (user.phone_numbers || []).find((x) => x.id === user.primary_phone_number_id);
  return p ? p.phone_number : null;
}

// The user's primary identifier as public_user_data shows it: the email,
// else the phone (fixture 12 shows a phone-only inviter's phone [U]), else
// the username.
const identifierOf = (user) => primaryEmail(user) ?? primaryPhone(user) ?? user.username ?? '';

/** public_user_data of a membership (fixture 05), from a User. */
export function publicUserData(user) {
  return {
    user_id: user.id, first_name: user.first_name, last_name: user.last_name,
    profile_image_url: user.profile_image_url, image_url: user.image_url, has_image: user.has_image,
    identifier: identifierOf(user), username: user.username,
  };
}

/** public_inviter_data of an invitation (fixture 12), from a User. */
export function publicInviterData(user) {
  return {
    user_id: user.id, first_name: user.first_name, last_name: user.last_name,
    image_url: user.image_url, has_image: user.has_image, identifier: identifierOf(user),
  };
}

/** public_organization_data of an invitation or domain (fixture 15). */
export function publicOrganizationData(org) {
  return { id: org.id, name: org.name, slug: org.slug, image_url: org.image_url, has_image: org.has_image };
}

/** A slug made from a name: lowercase letters, digits and dashes. */
export function slugify(name) {
  return String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'org';
}

/**
 * A full Clerk Organization (fixture 02). Any Organization field
 * overrides a default; `at` sets created_at/updated_at (default now).
 * max_allowed_memberships defaults to 0 (unlimited).
 */
export function buildOrganization({ at = Date.now(), ...fields } = {}) {
  const id = fields.id ?? clerkId('org');
  const name = fields.name ?? 'Org';
  const created = fields.created_at ?? at;
  const org = {
    object: 'organization', id, name, slug: slugify(name), image_url: defaultImageUrl(id), has_image: false,
    members_count: 0, missing_member_with_elevated_permissions: false, pending_invitations_count: 0,
    max_allowed_memberships: 0, admin_delete_enabled: true, public_metadata: {}, private_metadata: {},
    created_by: null, created_at: created, updated_at: created,
  };
  return { ...org, ...fields, id, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * A full OrganizationMembership (fixture 05): the organization embedded in
 * full, public_user_data from the user.
 * @param {object} opts {organization (Organization), user (User), role,
 *   role_name?, permissions?, id?, at?, ...any other field}
 */
export function buildMembership({
  organization, user, role = 'org:member', role_name, permissions = [], at = Date.now(), ...fields
}) {
  const created = fields.created_at ?? at;
  const m = {
    object: 'organization_membership', id: clerkId('orgmem'), role, role_name: role_name ?? roleTitle(role),
    permissions, public_metadata: {}, private_metadata: {}, organization, public_user_data: publicUserData(user),
    created_at: created, updated_at: created,
  };
  return { ...m, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

// "org:billing_admin" → "Billing admin", for roles the fake does not know.
function roleTitle(key) {
  const s = String(key).replace(/^org:/, '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A full OrganizationInvitation (reference/clerk.md §7, fixture 12).
 * @param {object} opts {organization_id, email_address, role?, role_name?,
 *   inviter (User or null), status? ('pending'), expires_in_days? (30),
 *   at?, ...any other field}
 */
export function buildInvitation({
  organization_id, email_address, role = 'org:member', role_name, inviter = null, status = 'pending',
  expires_in_days = 30, at = Date.now(), ...fields
}) {
  const created = fields.created_at ?? at;
  const inv = {
    object: 'organization_invitation', id: clerkId('orginv'), email_address, role,
    role_name: role_name ?? roleTitle(role), organization_id, inviter_id: inviter ? inviter.id : null,
    public_inviter_data: inviter ? publicInviterData(inviter) : null, status, public_metadata: {},
    private_metadata: {}, url: null,
    // An accepted invitation names its user here (fixture 13).
    ...(fields.user_id !== undefined ? { user_id: fields.user_id } : {}),
    expires_at: created + expires_in_days * DAY_MS,
    created_at: created, updated_at: created,
  };
  return { ...inv, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

function domainVerification(verified, at) {
  if (!verified) return null;
  return { status: 'verified', strategy: 'email_code', attempts: 1, expire_at: null, verified_at: at };
}

/**
 * A full OrganizationDomain (fixture 15), without public_organization_data
 * (the fake adds it when answering).
 * @param {object} opts {organization_id, name, enrollment_mode?
 *   ('manual_invitation'), verified? (false: the verification objects are
 *   null), at?, ...any other field}
 */
export function buildDomain({
  organization_id, name, enrollment_mode = 'manual_invitation', verified = false, at = Date.now(), ...fields
}) {
  const created = fields.created_at ?? at;
  const v = domainVerification(verified, created);
  const d = {
    object: 'organization_domain', id: clerkId('orgdmn'), organization_id, name, enrollment_mode,
    affiliation_email_address: null, affiliation_verification: v, ownership_verification: v,
    verification: v, total_pending_invitations: 0, total_pending_suggestions: 0,
    created_at: created, updated_at: created,
  };
  return { ...d, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * A Permission (fixture 17). `type` is "system" for org:sys_* keys, else
 * "custom".
 * @param {object} opts {key, name?, description?, at?, ...any other field}
 */
export function buildPermission({ key, at = Date.now(), ...fields }) {
  const created = fields.created_at ?? at;
  const p = {
    object: 'permission', id: clerkId('perm'), name: fields.name ?? key, key, description: '',
    type: key.startsWith('org:sys_') ? 'system' : 'custom', created_at: created, updated_at: created,
  };
  return { ...p, ...fields, key, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * A Role (fixture 18) with its full Permission objects.
 * @param {object} opts {key, name?, description?, is_creator_eligible?,
 *   permissions (Permission objects), at?, ...any other field}
 */
export function buildRole({ key, permissions = [], at = Date.now(), ...fields }) {
  const created = fields.created_at ?? at;
  const r = {
    object: 'role', id: clerkId('role'), name: roleTitle(key), key, description: null,
    is_creator_eligible: false, permissions, created_at: created, updated_at: created,
  };
  return { ...r, ...fields, key, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * A BAPI Session (fixture 14 without the embedded user): active, expiring
 * in 7 days, abandoned in 30. Given a `user` (a User), it is embedded last,
 * as session webhooks carry it, and user_id defaults to its id.
 * @param {object} opts {user_id, user?, status? ('active'), at?, ...any
 *   other field}
 */
export function buildSession({ user_id = undefined, status = 'active', at = Date.now(), ...fields }) {
  if (user_id === undefined && fields.user) user_id = fields.user.id;
  const created = fields.created_at ?? at;
  const s = {
    object: 'session', id: clerkId('sess'), client_id: clerkId('client'), user_id, status,
    last_active_organization_id: null, actor: null,
    latest_activity: {
      object: 'session_activity', id: clerkId('sess_activity'), device_type: 'Macintosh', is_mobile: false,
      browser_name: 'Chrome', browser_version: '139.0.0.0', ip_address: '203.0.113.10', city: 'Berlin',
      country: 'DE',
    },
    last_active_at: created, expire_at: created + 7 * DAY_MS, abandon_at: created + 30 * DAY_MS,
    created_at: created, updated_at: created,
  };
  return { ...s, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * An API key as POST /v1/api_keys answers it: the verify shape
 * (bapi.api_keys.verify.json) plus `secret` (ak_ + base64, which can hold
 * "/", "+" and "=", reference/clerk.md §10.1).
 * @param {object} opts {subject (user_/org_/mch_), name?, scopes?, claims?,
 *   revoked?, expired?, expiration?, secret?, at?, ...any other field}
 */
export function buildApiKey({ subject, at = Date.now(), ...fields }) {
  const created = fields.created_at ?? at;
  const k = {
    object: 'api_key', id: hexId('ak'), type: 'api_key', subject, name: 'key', description: null,
    claims: null, scopes: [], revoked: false, revocation_reason: null, expired: false, expiration: null,
    created_by: null, last_used_at: null, created_at: created, updated_at: created,
    secret: `ak_${randomBytes(31).toString('base64')}`,
  };
  return { ...k, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * An M2M token as POST /v1/m2m_tokens answers it: the verify shape
 * (bapi.m2m_tokens.verify.json) plus `token` (mt_...).
 * @param {object} opts {subject (mch_), scopes?, claims?, revoked?,
 *   expired?, expiration?, token?, at?, ...any other field}
 */
export function buildM2MToken({ subject, at = Date.now(), ...fields }) {
  const created = fields.created_at ?? at;
  const t = {
    object: 'machine_to_machine_token', id: hexId('mt'), subject: subject ?? clerkId('mch'), claims: null,
    scopes: [], revoked: false, revocation_reason: null, expired: false, expiration: created + 3600000,
    last_used_at: null, created_at: created, updated_at: created,
    token: `mt_${randomBytes(24).toString('hex')}`,
  };
  return { ...t, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

/**
 * An opaque OAuth access token (reference/clerk.md §10.2) plus `token`
 * (oat_...). With `active: false` the verify endpoint answers
 * {"active":false} instead.
 * @param {object} opts {subject (user_), client_id?, scopes?, revoked?,
 *   expired?, expiration?, token?, active?, at?, ...any other field}
 */
export function buildOAuthToken({ subject, at = Date.now(), ...fields }) {
  const created = fields.created_at ?? at;
  const t = {
    object: 'clerk_idp_oauth_access_token', id: hexId('oat'), client_id: randomBytes(8).toString('hex'),
    subject, scopes: [], revoked: false, revocation_reason: null, expired: false,
    expiration: created + DAY_MS, created_at: created, updated_at: created,
    token: `oat_${randomBytes(24).toString('hex')}`,
  };
  return { ...t, ...fields, created_at: created, updated_at: fields.updated_at ?? created };
}

// The system permissions of a Clerk instance (fixtures 05 and 18) and the
// two default roles (reference/clerk.md §2.5, §9.5).
const SYSTEM_PERMISSIONS = [
  ['org:sys_profile:manage', 'Manage organization', 'Permission to manage an organization.'],
  ['org:sys_profile:delete', 'Delete organization', 'Permission to delete an organization.'],
  ['org:sys_memberships:read', 'Read members', 'Permission to read the members of an organization.'],
  ['org:sys_memberships:manage', 'Manage members', 'Permission to manage the members of an organization.'],
  ['org:sys_domains:read', 'Read domains', 'Permission to read the domains of an organization.'],
  ['org:sys_domains:manage', 'Manage domains', 'Permission to manage the domains of an organization.'],
  ['org:sys_billing:read', 'Read billing', 'Permission to read the billing information of an organization.'],
  ['org:sys_billing:manage', 'Manage billing', 'Permission to manage the billing information of an organization.'],
];
const SEED_AT = 1757000000000;

// ---------------------------------------------------------------- webhooks

const EVENT_PREFIX = {
  user: 'user', organization: 'organization', organization_membership: 'organizationMembership',
  organization_invitation: 'organizationInvitation', organization_domain: 'organizationDomain',
  role: 'role', permission: 'permission', session: 'session',
};
const SESSION_EVENT = { active: 'created', pending: 'pending', ended: 'ended', removed: 'removed', revoked: 'revoked' };

/**
 * The event action an object stands for: "deleted" for a tombstone
 * (deleted: true); for an invitation its status (pending → created,
 * accepted, revoked); for a session its status (active → created, pending,
 * ended, removed, revoked; others → ended); else "created" when created_at
 * equals updated_at, "updated" otherwise. A membership answered by DELETE
 * carries no flag: pass action "deleted" yourself.
 */
export function eventAction(obj) {
  if (obj.deleted === true) return 'deleted';
  if (obj.object === 'organization_invitation') return obj.status === 'pending' ? 'created' : obj.status;
  if (obj.object === 'session') return SESSION_EVENT[obj.status] ?? 'ended';
  return obj.created_at === obj.updated_at ? 'created' : 'updated';
}

/**
 * The webhook envelope mysaas receives for a BAPI object
 * (reference/clerk.md §2.1; the key order of the fixtures):
 * {data, event_attributes, instance_id, object: "event", timestamp (ms), type}.
 * Sign and deliver it with lib/webhook.mjs deliver().
 * @param {object} data the object (User, Organization, ..., or a tombstone)
 * @param {object} [opts] {action (default eventAction(data)), type (the
 *   whole type, wins over action), instanceId, timestamp (ms, default now),
 *   clientIp, userAgent}
 */
export function webhookEvent(data, {
  action, type, instanceId = INSTANCE_ID, timestamp = Date.now(), clientIp = '203.0.113.10',
  userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36',
} = {}) {
  const prefix = EVENT_PREFIX[data.object];
  if (!type && !prefix) throw new Error(`webhookEvent: no event type for object ${JSON.stringify(data.object)}`);
  return {
    data,
    event_attributes: { http_request: { client_ip: clientIp, user_agent: userAgent } },
    instance_id: instanceId,
    object: 'event',
    timestamp,
    type: type ?? `${prefix}.${action ?? eventAction(data)}`,
  };
}

// ---------------------------------------------------------------- state

/** The key of a membership in state.memberships. */
export const membershipKey = (orgId, userId) => `${orgId}/${userId}`;

const clone = (x) => (x === undefined ? undefined : structuredClone(x));
const stripSecret = ({ secret, token, active, ...rest }) => rest;

// The fake's data and the rules every write follows. Stored objects are
// Clerk JSON; what depends on other objects (an organization's counts, a
// membership's embedded organization and user, a role's permissions) is
// computed when answering, so it is always current.
class FakeState {
  constructor({ clock, now, instanceId, seedDefaults }) {
    this.clock = clock;
    this.now = now;
    this.instanceId = instanceId;
    this.seedDefaults = seedDefaults;
    this.clear();
  }

  clear() {
    this.users = new Map();
    this.organizations = new Map();
    this.memberships = new Map();
    this.invitations = new Map();
    this.domains = new Map();
    this.roles = new Map();
    this.permissions = new Map();
    this.sessions = new Map();
    this.apiKeys = new Map();
    this.m2mTokens = new Map();
    this.oauthTokens = new Map();
    this.jwks = [];
    // created_at of deleted users, so a starting_after cursor naming one
    // still pages on.
    this.deletedUsers = new Map();
    if (this.seedDefaults) this.seedDefaultRoles();
  }

  seedDefaultRoles() {
    for (const [key, name, description] of SYSTEM_PERMISSIONS)
      this.addPermission({ key, name, description, created_at: SEED_AT });
    this.addRole({
      key: 'org:admin', name: 'Admin', description: 'Role with elevated permissions', is_creator_eligible: true,
      permissions: SYSTEM_PERMISSIONS.map(([k]) => k), created_at: SEED_AT,
    });
    this.addRole({
      key: 'org:member', name: 'Member', description: 'Role with non-privileged permissions',
      permissions: ['org:sys_memberships:read'], created_at: SEED_AT + 1,
    });
  }

  // --- lookups

  user(id) { return this.users.get(id); }

  org(idOrSlug) {
    return this.organizations.get(idOrSlug) ?? [...this.organizations.values()].find((o) => o.slug === idOrSlug);
  }

  mustUser(id) { return this.user(id) ?? fail(CLERK_ERRORS.notFound(`No user was found with id ${id}`)); }

  mustOrg(idOrSlug) { return this.org(idOrSlug) ?? fail(CLERK_ERRORS.notFound('Given organization not found.')); }

  roleByKey(key) { return [...this.roles.values()].find((r) => r.key === key); }

  permissionByKey(key) { return [...this.permissions.values()].find((p) => p.key === key); }

  membershipsWhere(pred) { return [...this.memberships.values()].filter(pred); }

  membership(orgId, userId) { return this.memberships.get(membershipKey(orgId, userId)); }

  mustMembership(orgId, userId) {
    return this.membership(orgId, userId)
      ?? fail(CLERK_ERRORS.notFound(`No organization membership was found for user ${userId}`));
  }

  // The permission keys a membership holds: its own list when seeded with
  // one, else its role's.
  permissionsOf(m) {
    if (m.permissions) return [...m.permissions];
    const role = this.roleByKey(m.role);
    return role ? [...role.permissions] : [];
  }

  // --- answers (fresh copies: callers may change them freely)

  renderUser(u) { return clone(u); }

  renderOrg(o) {
    const out = clone(o);
    out.members_count = this.membershipsWhere((m) => m.organization_id === o.id).length;
    out.pending_invitations_count = [...this.invitations.values()]
      .filter((i) => i.organization_id === o.id && i.status === 'pending').length;
    return out;
  }

  renderMembership(m) {
    const org = this.org(m.organization_id);
    const user = this.user(m.user_id);
    const role = this.roleByKey(m.role);
    return {
      object: 'organization_membership', id: m.id, role: m.role,
      role_name: m.role_name ?? (role ? role.name : roleTitle(m.role)), permissions: this.permissionsOf(m),
      public_metadata: clone(m.public_metadata), private_metadata: clone(m.private_metadata),
      organization: this.renderOrg(org), public_user_data: publicUserData(user),
      created_at: m.created_at, updated_at: m.updated_at,
    };
  }

  renderInvitation(inv, { withOrganization = false } = {}) {
    const out = clone(inv);
    if (withOrganization) {
      const org = this.org(inv.organization_id);
      out.public_organization_data = org ? publicOrganizationData(org) : null;
    }
    return out;
  }

  renderDomain(d) {
    const org = this.org(d.organization_id);
    const out = clone(d);
    out.public_organization_data = org ? publicOrganizationData(org) : null;
    const { created_at: c, updated_at: u } = out;
    delete out.created_at;
    delete out.updated_at;
    return { ...out, created_at: c, updated_at: u };
  }

  renderRole(r) {
    const perms = r.permissions.map((k) => clone(this.permissionByKey(k))).filter(Boolean);
    return { ...clone(r), permissions: perms };
  }

  renderPermission(p) { return clone(p); }

  renderSession(s) { return clone(s); }

  // A machine token's verify answer: `expired` is also true once its
  // expiration has passed.
  renderMachine(t) {
    const out = stripSecret(clone(t));
    if (t.expiration != null && t.expiration <= this.now()) out.expired = true;
    return out;
  }

  // --- seeding (the fake.add* helpers)

  addUser(fields = {}) {
    const u = buildUser({ at: this.clock(), ...fields });
    this.users.set(u.id, u);
    this.deletedUsers.delete(u.id);
    return u;
  }

  addOrg(fields = {}) {
    const o = buildOrganization({ at: this.clock(), ...fields });
    if (fields.slug === undefined) o.slug = this.freeSlug(o.slug);
    const other = this.org(o.slug);
    if (other && other.id !== o.id) throw new Error(`addOrg: slug ${o.slug} is taken by ${other.id}`);
    this.organizations.set(o.id, o);
    return o;
  }

  freeSlug(base) {
    let slug = base;
    for (let n = 2; this.org(slug); n++) slug = `${base}-${n}`;
    return slug;
  }

  addMembership({ organization_id, user_id, role = 'org:member', at, ...fields }) {
    if (!this.org(organization_id)) throw new Error(`addMembership: unknown organization ${organization_id}`);
    if (!this.user(user_id)) throw new Error(`addMembership: unknown user ${user_id}`);
    const created = fields.created_at ?? at ?? this.clock();
    const m = {
      id: clerkId('orgmem'), organization_id, user_id, role, public_metadata: {}, private_metadata: {},
      ...fields, created_at: created, updated_at: fields.updated_at ?? created,
    };
    this.memberships.set(membershipKey(organization_id, user_id), m);
    return this.renderMembership(m);
  }

  addInvitation({ organization_id, inviter_user_id, ...fields }) {
    if (!this.org(organization_id)) throw new Error(`addInvitation: unknown organization ${organization_id}`);
    const inviter = inviter_user_id ? this.user(inviter_user_id) : null;
    if (inviter_user_id && !inviter) throw new Error(`addInvitation: unknown inviter ${inviter_user_id}`);
    const role = this.roleByKey(fields.role ?? 'org:member');
    const inv = buildInvitation({
      at: this.clock(), email_address: `${clerkId('invitee').toLowerCase()}@example.com`,
      role_name: role ? role.name : undefined, ...fields, organization_id, inviter,
    });
    this.invitations.set(inv.id, inv);
    return clone(inv);
  }

  addDomain({ organization_id, ...fields }) {
    if (!this.org(organization_id)) throw new Error(`addDomain: unknown organization ${organization_id}`);
    const d = buildDomain({ at: this.clock(), name: `${clerkId('d').slice(2, 12).toLowerCase()}.example`, ...fields, organization_id });
    this.domains.set(d.id, d);
    return this.renderDomain(d);
  }

  addPermission(fields) {
    const p = buildPermission({ at: this.clock(), ...fields });
    const old = this.permissionByKey(p.key);
    if (old) this.permissions.delete(old.id);
    this.permissions.set(p.id, p);
    return clone(p);
  }

  // A role names its permissions by key; keys the fake does not know yet
  // are created as custom permissions.
  addRole({ permissions = [], ...fields }) {
    for (const key of permissions) if (!this.permissionByKey(key)) this.addPermission({ key });
    const r = buildRole({ at: this.clock(), ...fields });
    r.permissions = [...permissions];
    const old = this.roleByKey(r.key);
    if (old) this.roles.delete(old.id);
    this.roles.set(r.id, r);
    return this.renderRole(r);
  }

  addSession(fields) {
    const s = buildSession({ at: this.clock(), ...fields });
    this.sessions.set(s.id, s);
    return s;
  }

  addMachine(map, build, fields) {
    const t = build({ at: this.clock(), ...fields });
    map.set(t.id, t);
    return t;
  }

  // --- writes through the API

  touch(obj) {
    obj.updated_at = this.clock();
    return obj;
  }

  deleteUser(id) {
    const u = this.mustUser(id);
    this.users.delete(id);
    this.deletedUsers.set(id, u.created_at);
    for (const [k, m] of this.memberships) if (m.user_id === id) this.memberships.delete(k);
    for (const [k, s] of this.sessions) if (s.user_id === id) this.sessions.delete(k);
    const out = { object: 'user', id, deleted: true };
    if (u.external_id) out.external_id = u.external_id;
    return out;
  }

  // Deleting an organization deletes its memberships, invitations and
  // domains (reference/clerk.md §7).
  deleteOrg(idOrSlug) {
    const o = this.mustOrg(idOrSlug);
    this.organizations.delete(o.id);
    for (const [k, m] of this.memberships) if (m.organization_id === o.id) this.memberships.delete(k);
    for (const [k, i] of this.invitations) if (i.organization_id === o.id) this.invitations.delete(k);
    for (const [k, d] of this.domains) if (d.organization_id === o.id) this.domains.delete(k);
    return { object: 'organization', id: o.id, slug: o.slug, deleted: true };
  }

  // Whether the user holds `permission` in the organization.
  holds(orgId, userId, permission) {
    const m = this.membership(orgId, userId);
    return Boolean(m) && this.permissionsOf(m).includes(permission);
  }
}

// ---------------------------------------------------------------- requests

// Rejects keys a write does not take (Clerk: 422 form_param_unknown).
function onlyKeys(body, allowed) {
  for (const k of Object.keys(body)) if (!allowed.includes(k)) fail(CLERK_ERRORS.paramUnknown(k));
}

// A required, non-empty string parameter.
function requiredString(body, key) {
  const v = body[key];
  if (v === undefined || v === null || v === '') fail(CLERK_ERRORS.paramMissing(key));
  if (typeof v !== 'string') fail(CLERK_ERRORS.paramType(key, 'string'));
  return v;
}

function optionalString(body, key) {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(CLERK_ERRORS.paramType(key, 'string'));
  return v;
}

function optionalObject(body, key) {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(CLERK_ERRORS.paramType(key, 'object'));
  return v;
}

const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const SLUG_RE = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const NAME_FORBIDDEN = /<[^>]*>|https?:\/\/|www\./i;

function validEmail(body, key) {
  const v = requiredString(body, key);
  if (!EMAIL_RE.test(v) || v.length > 254)
    fail(CLERK_ERRORS.paramFormat(key, `${key} must be a valid email address.`));
  return v;
}

function knownRole(s, body, key = 'role') {
  const role = requiredString(body, key);
  if (!s.roleByKey(role))
    fail(CLERK_ERRORS.paramValue(key, `${role} does not match one of the allowed values for parameter ${key}`));
  return role;
}

function integerParam(q, name, dflt, min, max) {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || n < min || n > max) {
    const range = max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
    fail(CLERK_ERRORS.paramValue(name, `${name} must be an integer ${range}.`));
  }
  return n;
}

// order_by: a field with an optional "+"/"-" prefix (none = "+"). A "+"
// sent unencoded in the query arrives as a space and still means "+".
function orderParam(q, allowed, dflt = '-created_at') {
  let raw = q.get('order_by') ?? dflt;
  if (raw.startsWith(' ')) raw = `+${raw.slice(1)}`;
  const dir = raw.startsWith('-') ? -1 : 1;
  const field = raw.replace(/^[+-]/, '');
  if (!allowed.includes(field)) {
    fail(CLERK_ERRORS.paramValue('order_by',
      `${raw} does not match one of the allowed values for parameter order_by`));
  }
  return { field, dir };
}

// Compares two sort values: numbers and strings; nulls last.
function compareValues(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

// Sorts items by get(item, field) in dir, ties broken by id (so that paging
// is stable).
function sortItems(items, { field, dir }, get) {
  return items.sort((a, b) => {
    const c = compareValues(get(a, field), get(b, field));
    if (c !== 0) return c * dir;
    return compareValues(a.id, b.id) * dir;
  });
}

// limit / offset of a list: {limit, offset}.
function pageParams(q) {
  return { limit: integerParam(q, 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT), offset: integerParam(q, 'offset', 0, 0, Infinity) };
}

// A {data, total_count} page of `items` (already filtered), sorted.
function pagedList(q, items, { order, get = (x, f) => x[f], render }) {
  const { limit, offset } = pageParams(q);
  sortItems(items, order, get);
  return { data: items.slice(offset, offset + limit).map(render), total_count: items.length };
}

const parseBool = (q, name) => {
  const v = q.get(name);
  if (v === null) return undefined;
  if (v !== 'true' && v !== 'false') fail(CLERK_ERRORS.paramValue(name, `${name} must be true or false.`));
  return v === 'true';
};

const contains = (hay, needle) => hay != null && String(hay).toLowerCase().includes(needle.toLowerCase());

// ---------------------------------------------------------------- users

const USER_ORDER = ['created_at', 'updated_at', 'email_address', 'web3wallet', 'first_name', 'last_name',
  'phone_number', 'username', 'last_active_at', 'last_sign_in_at'];

function userSortValue(u, field) {
  if (field === 'email_address') return primaryEmail(u);
  if (field === 'phone_number') return primaryPhone(u);
  if (field === 'web3wallet') return null;
  return u[field];
}

// The users matching the list filters of GET /v1/users and /users/count.
function filterUsers(s, q) {
  const ids = q.getAll('user_id');
  const emails = q.getAll('email_address').map((e) => e.toLowerCase());
  const usernames = q.getAll('username');
  const phones = q.getAll('phone_number');
  const externals = q.getAll('external_id');
  const query = q.get('query');
  return [...s.users.values()].filter((u) => {
    const addrs = u.email_addresses.map((e) => e.email_address.toLowerCase());
    const nums = u.phone_numbers.map((p) => p.phone_number);
    if (ids.length && !ids.includes(u.id)) return false;
    if (emails.length && !emails.some((e) => addrs.includes(e))) return false;
    if (usernames.length && !usernames.includes(u.username)) return false;
    if (phones.length && !phones.some((p) => nums.includes(p))) return false;
    if (externals.length && !externals.includes(u.external_id)) return false;
    if (query && ![u.id, u.first_name, u.last_name, u.username, ...addrs, ...nums].some((x) => contains(x, query)))
      return false;
    return true;
  });
}

// GET /v1/users: a bare array. starting_after=<user id> pages after that
// user; it needs created_at ordering and no offset (422 otherwise;
// reference/clerk.md §5).
function listUsers(s, { q }) {
  const { limit, offset } = pageParams(q);
  const order = orderParam(q, USER_ORDER);
  const after = q.get('starting_after');
  let users = sortItems(filterUsers(s, q), order, userSortValue);
  if (after !== null) {
    if (order.field !== 'created_at') {
      fail(CLERK_ERRORS.paramValue('starting_after', 'starting_after can only be used when ordering by created_at.'));
    }
    if (offset !== 0) fail(CLERK_ERRORS.paramValue('starting_after', 'starting_after cannot be combined with offset.'));
    const ref = s.user(after) ?? (s.deletedUsers.has(after) ? { id: after, created_at: s.deletedUsers.get(after) } : null);
    if (!ref) fail(CLERK_ERRORS.paramValue('starting_after', `No user was found with id ${after}`));
    users = users.filter((u) => {
      const c = compareValues(u.created_at, ref.created_at) || compareValues(u.id, ref.id);
      return c * order.dir > 0;
    });
  }
  return users.slice(offset, offset + limit).map((u) => s.renderUser(u));
}

function countUsers(s, { q }) {
  return { object: 'total_count', total_count: filterUsers(s, q).length };
}

// ---------------------------------------------------------------- organizations

const ORG_ORDER = ['name', 'created_at', 'members_count'];

function listOrgs(s, { q }) {
  const query = q.get('query');
  const ids = q.getAll('organization_id');
  const items = [...s.organizations.values()].map((o) => s.renderOrg(o)).filter((o) => {
    if (ids.length && !ids.includes(o.id)) return false;
    return !query || o.id === query || contains(o.name, query) || contains(o.slug, query);
  });
  return pagedList(q, items, { order: orderParam(q, ORG_ORDER), render: (o) => o });
}

const ORG_PATCH_KEYS = ['name', 'slug', 'max_allowed_memberships', 'admin_delete_enabled', 'created_at', 'role_set_key'];

// PATCH /v1/organizations/{id}: every key optional and nullable (null: no
// change), no other key (the 2026-05-12 version took metadata out).
function patchOrg(s, { params, body }) {
  const org = s.mustOrg(params.org);
  onlyKeys(body, ORG_PATCH_KEYS);
  const change = {};
  const name = optionalString(body, 'name');
  if (name !== undefined) {
    if (name.trim() === '') fail(CLERK_ERRORS.paramMissing('name'));
    if (name.length > 256) fail(CLERK_ERRORS.maxLength('name', 256));
    if (NAME_FORBIDDEN.test(name)) fail(CLERK_ERRORS.orgNameInvalid(name));
    change.name = name;
  }
  const slug = optionalString(body, 'slug');
  if (slug !== undefined) {
    if (!SLUG_RE.test(slug) || slug.length > 256) {
      fail(CLERK_ERRORS.paramFormat('slug',
        'slug must contain only lowercase alphanumeric characters, dashes and underscores.'));
    }
    const other = s.org(slug);
    if (other && other.id !== org.id) fail(CLERK_ERRORS.identifierExists('slug'));
    change.slug = slug;
  }
  const max = body.max_allowed_memberships;
  if (max !== undefined && max !== null) {
    if (!Number.isInteger(max) || max < 0) {
      fail(CLERK_ERRORS.paramValue('max_allowed_memberships', 'max_allowed_memberships must be an integer, 0 or more.'));
    }
    change.max_allowed_memberships = max;
  }
  const ade = body.admin_delete_enabled;
  if (ade !== undefined && ade !== null) {
    if (typeof ade !== 'boolean') fail(CLERK_ERRORS.paramType('admin_delete_enabled', 'boolean'));
    change.admin_delete_enabled = ade;
  }
  const created = optionalString(body, 'created_at');
  if (created !== undefined) {
    const ms = Date.parse(created);
    if (!/^\d{4}-\d\d-\d\dT/.test(created) || Number.isNaN(ms)) fail(CLERK_ERRORS.invalidTime('created_at'));
    change.created_at = ms;
  }
  const rsk = optionalString(body, 'role_set_key');
  if (rsk !== undefined) change.role_set_key = rsk;
  Object.assign(org, change);
  s.touch(org);
  return s.renderOrg(org);
}

// ---------------------------------------------------------------- memberships

const MEMBER_ORDER = ['phone_number', 'email_address', 'created_at', 'first_name', 'last_name', 'username'];

function memberSortValue(s) {
  return (m, field) => {
    if (field === 'created_at') return m.created_at;
    const u = s.user(m.user_id);
    if (!u) return null;
    return field === 'email_address' || field === 'phone_number' ? userSortValue(u, field) : u[field];
  };
}

function listMemberships(s, q, pred) {
  const users = q.getAll('user_id');
  const roles = q.getAll('role');
  const items = s.membershipsWhere((m) => pred(m)
    && (!users.length || users.includes(m.user_id)) && (!roles.length || roles.includes(m.role)));
  return pagedList(q, items, {
    order: orderParam(q, MEMBER_ORDER), get: memberSortValue(s), render: (m) => s.renderMembership(m),
  });
}

function listOrgMemberships(s, { params, q }) {
  const org = s.mustOrg(params.org);
  return listMemberships(s, q, (m) => m.organization_id === org.id);
}

function listUserMemberships(s, { params, q }) {
  const user = s.mustUser(params.user_id);
  return listMemberships(s, q, (m) => m.user_id === user.id);
}

// POST /v1/organizations/{id}/memberships {user_id, role, metadata?}.
function createMembership(s, { params, body }) {
  const org = s.mustOrg(params.org);
  onlyKeys(body, ['user_id', 'role', 'public_metadata', 'private_metadata']);
  const userId = requiredString(body, 'user_id');
  const role = knownRole(s, body);
  const pub = optionalObject(body, 'public_metadata');
  const priv = optionalObject(body, 'private_metadata');
  if (!s.user(userId)) fail(CLERK_ERRORS.resourceMissing('user_id'));
  if (s.membership(org.id, userId)) fail(CLERK_ERRORS.alreadyMember());
  const members = s.membershipsWhere((m) => m.organization_id === org.id).length;
  if (org.max_allowed_memberships > 0 && members >= org.max_allowed_memberships) fail(CLERK_ERRORS.membershipQuota());
  return s.addMembership({
    organization_id: org.id, user_id: userId, role, public_metadata: pub ?? {}, private_metadata: priv ?? {},
  });
}

// PATCH /v1/organizations/{id}/memberships/{user_id} {role}: the new role
// brings its permissions.
function updateMembership(s, { params, body }) {
  const org = s.mustOrg(params.org);
  onlyKeys(body, ['role']);
  const role = knownRole(s, body);
  const m = s.mustMembership(org.id, params.user_id);
  m.role = role;
  delete m.permissions;
  delete m.role_name;
  s.touch(m);
  return s.renderMembership(m);
}

// DELETE .../memberships/{user_id}: answers the removed membership (not a
// DeletedObject; reference/clerk.md §7).
function deleteMembership(s, { params }) {
  const org = s.mustOrg(params.org);
  const m = s.mustMembership(org.id, params.user_id);
  const out = s.renderMembership(m);
  s.memberships.delete(membershipKey(org.id, params.user_id));
  out.organization = s.renderOrg(org);
  return out;
}

// ---------------------------------------------------------------- invitations

const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'];
const INVITATION_ORDER = ['created_at', 'email_address'];
const INVITATION_KEYS = ['email_address', 'role', 'inviter_user_id', 'public_metadata', 'private_metadata',
  'redirect_url', 'expires_in_days', 'notify'];

function statusFilter(q) {
  const status = q.get('status');
  if (status !== null && !INVITATION_STATUSES.includes(status)) {
    fail(CLERK_ERRORS.paramValue('status', `${status} does not match one of the allowed values for parameter status`));
  }
  return status;
}

// An invitation's status is what was stored: a pending one past its
// expires_at stays pending (seed status "expired" to have one) [U].
function listOrgInvitations(s, { params, q }) {
  const org = s.mustOrg(params.org);
  const status = statusFilter(q);
  const email = q.get('email_address');
  const items = [...s.invitations.values()].filter((i) => i.organization_id === org.id
    && (status === null || i.status === status) && (!email || i.email_address === email));
  return pagedList(q, items, { order: orderParam(q, INVITATION_ORDER), render: (i) => s.renderInvitation(i) });
}

// GET /v1/organization_invitations: instance-wide, each with
// public_organization_data.
function listAllInvitations(s, { q }) {
  const status = statusFilter(q);
  const query = q.get('query');
  const items = [...s.invitations.values()].filter((i) => (status === null || i.status === status)
    && (!query || contains(i.email_address, query)));
  return pagedList(q, items, {
    order: orderParam(q, INVITATION_ORDER), render: (i) => s.renderInvitation(i, { withOrganization: true }),
  });
}

function mustInvitation(s, org, id) {
  const inv = s.invitations.get(id);
  if (!inv || inv.organization_id !== org.id) fail(CLERK_ERRORS.notFound(`No invitation was found with id ${id}.`));
  return inv;
}

// An acting user (inviter_user_id, requesting_user_id) must exist and hold
// org:sys_memberships:manage in the organization ("must be an
// administrator", reference/clerk.md §7).
function checkActingUser(s, org, body, key) {
  const id = optionalString(body, key);
  if (id === undefined) return null;
  const user = s.user(id) ?? fail(CLERK_ERRORS.resourceMissing(key));
  if (!s.holds(org.id, id, 'org:sys_memberships:manage')) fail(CLERK_ERRORS.missingPermission('org:sys_memberships:manage'));
  return user;
}

// POST /v1/organizations/{id}/invitations → a pending invitation.
function createInvitation(s, { params, body }) {
  const org = s.mustOrg(params.org);
  onlyKeys(body, INVITATION_KEYS);
  const email = validEmail(body, 'email_address');
  const role = knownRole(s, body);
  const inviter = checkActingUser(s, org, body, 'inviter_user_id');
  const pub = optionalObject(body, 'public_metadata');
  const priv = optionalObject(body, 'private_metadata');
  optionalString(body, 'redirect_url');
  const days = body.expires_in_days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    fail(CLERK_ERRORS.paramValue('expires_in_days', 'expires_in_days must be an integer between 1 and 365.'));
  }
  if (body.notify !== undefined && typeof body.notify !== 'boolean') fail(CLERK_ERRORS.paramType('notify', 'boolean'));
  const lower = email.toLowerCase();
  const taken = [...s.invitations.values()].some((i) => i.organization_id === org.id && i.status === 'pending'
    && i.email_address.toLowerCase() === lower);
  if (taken) fail(CLERK_ERRORS.invitationNotUnique());
  const member = s.membershipsWhere((m) => m.organization_id === org.id)
    .some((m) => s.user(m.user_id)?.email_addresses.some((e) => e.email_address.toLowerCase() === lower));
  if (member) fail(CLERK_ERRORS.alreadyMember());
  return s.addInvitation({
    organization_id: org.id, email_address: email, role, inviter_user_id: inviter ? inviter.id : undefined,
    expires_in_days: days, public_metadata: pub ?? {}, private_metadata: priv ?? {},
  });
}

// POST .../invitations/{inv}/revoke: only a pending invitation.
function revokeInvitation(s, { params, body }) {
  const org = s.mustOrg(params.org);
  onlyKeys(body, ['requesting_user_id']);
  const inv = mustInvitation(s, org, params.inv);
  checkActingUser(s, org, body, 'requesting_user_id');
  if (inv.status === 'revoked') fail(CLERK_ERRORS.invitationAlreadyRevoked());
  if (inv.status !== 'pending') fail(CLERK_ERRORS.invitationNotPending(inv.status));
  inv.status = 'revoked';
  s.touch(inv);
  return s.renderInvitation(inv);
}

// ---------------------------------------------------------------- domains, roles, permissions

const ENROLLMENT_MODES = ['manual_invitation', 'automatic_invitation', 'automatic_suggestion', 'enterprise_sso'];

const isVerified = (d) => (d.affiliation_verification ?? d.verification)?.status === 'verified';

// enrollment_mode: a comma list; "-x" excludes x.
function enrollmentFilter(q) {
  const raw = q.get('enrollment_mode');
  if (raw === null) return () => true;
  const parts = raw.split(',').map((x) => x.trim()).filter(Boolean);
  for (const p of parts) {
    if (!ENROLLMENT_MODES.includes(p.replace(/^-/, ''))) {
      fail(CLERK_ERRORS.paramValue('enrollment_mode', `${p} does not match one of the allowed values for parameter enrollment_mode`));
    }
  }
  const want = parts.filter((p) => !p.startsWith('-'));
  const not = parts.filter((p) => p.startsWith('-')).map((p) => p.slice(1));
  return (d) => (!want.length || want.includes(d.enrollment_mode)) && !not.includes(d.enrollment_mode);
}

function listDomains(s, q, orgId) {
  const verified = parseBool(q, 'verified');
  const modeOk = enrollmentFilter(q);
  const query = q.get('query');
  if (query !== null && query.trim() === '') fail(CLERK_ERRORS.paramValue('query', 'query must not be blank.'));
  const names = q.getAll('domains');
  const orgFilter = orgId ?? q.get('organization_id');
  const items = [...s.domains.values()].filter((d) => {
    if (orgFilter && d.organization_id !== orgFilter) return false;
    if (verified !== undefined && isVerified(d) !== verified) return false;
    if (!modeOk(d)) return false;
    if (names.length && !names.includes(d.name)) return false;
    if (query === null) return true;
    if (query.startsWith('org_')) return d.organization_id === query;
    return contains(s.org(d.organization_id)?.name, query);
  });
  return pagedList(q, items, { order: orderParam(q, ['name', 'created_at']), render: (d) => s.renderDomain(d) });
}

// query: an exact id, or part of the name or key.
const matchesQuery = (x, query) => !query || x.id === query || contains(x.name, query) || contains(x.key, query);

function listRoles(s, { q }) {
  const query = q.get('query');
  const items = [...s.roles.values()].filter((r) => matchesQuery(r, query));
  return pagedList(q, items, { order: orderParam(q, ['created_at', 'name', 'key']), render: (r) => s.renderRole(r) });
}

function listPermissions(s, { q }) {
  const query = q.get('query');
  const items = [...s.permissions.values()].filter((p) => matchesQuery(p, query));
  return pagedList(q, items, {
    order: orderParam(q, ['created_at', 'name', 'key']), render: (p) => s.renderPermission(p),
  });
}

// ---------------------------------------------------------------- sessions

function mustSession(s, id) {
  return s.sessions.get(id) ?? fail(CLERK_ERRORS.notFound(`No session was found with id ${id}`));
}

// POST /v1/sessions/{id}/revoke: an active (or pending) session becomes
// revoked; any other status is a 400 [U].
function revokeSession(s, { params }) {
  const sess = mustSession(s, params.session_id);
  if (sess.status !== 'active' && sess.status !== 'pending') fail(CLERK_ERRORS.sessionNotActive(sess.status));
  sess.status = 'revoked';
  s.touch(sess);
  return s.renderSession(sess);
}

// ---------------------------------------------------------------- machine tokens

// A verify endpoint: body {<key>} (or a deprecated alias), the token looked
// up by its secret; unknown → 404 with `notFound`. Revoked and expired
// tokens answer 200 with the flags set (reference/clerk.md §10.2 [U]).
// The long_message of a verify endpoint's 404 for a token (by its prefix).
function verifyNotFound(secret) {
  if (secret.startsWith('mt_')) return 'Machine token not found';
  if (secret.startsWith('oat_')) return 'OAuth token not found';
  return 'API key not found';
}

function verifyMachine(map, key, aliases, notFound) {
  return (s, { body }) => {
    onlyKeys(body, [key, ...aliases]);
    const given = [key, ...aliases].find((k) => body[k] !== undefined);
    if (!given) fail(CLERK_ERRORS.paramMissing(key));
    const secret = requiredString(body, given);
    const t = [...s[map].values()].find((x) => (x.secret ?? x.token) === secret);
    if (!t) fail(CLERK_ERRORS.notFound(notFound));
    if (t.active === false) return { active: false };
    return s.renderMachine(t);
  };
}

/**
 * The verify endpoint of each machine-token type (reference/clerk.md §10.2)
 * and the body member that carries the token.
 */
export const VERIFY_PATHS = {
  api_key: '/v1/api_keys/verify',
  m2m_token: '/v1/m2m_tokens/verify',
  oauth_token: '/v1/oauth_applications/access_tokens/verify',
};
export const VERIFY_BODY_KEYS = { api_key: 'secret', m2m_token: 'token', oauth_token: 'access_token' };

const VERIFY_TYPE_OF_PATH = new Map(Object.entries(VERIFY_PATHS).map(([t, p]) => [p, t]));

/** The token type a recorded call verifies, or null when it is no verify call. */
export function verifyType(c) {
  return c.method === 'POST' ? VERIFY_TYPE_OF_PATH.get(c.path) ?? null : null;
}

/** The token a recorded verify call carries (whatever the body member), or undefined. */
export function verifiedToken(c) {
  const b = c.body;
  if (!b || typeof b !== 'object') return undefined;
  return b.secret ?? b.token ?? b.access_token;
}

/**
 * A call matcher for verify calls: of one token type (api_key, m2m_token,
 * oauth_token), of every type ("*" or nothing), or of one token (its secret,
 * ak_/mt_/oat_..., or a token object the fake made).
 * @returns {(call: object) => boolean}
 */
export function verifyMatcher(what = '*') {
  if (what === '*') return (c) => verifyType(c) !== null;
  if (typeof what === 'string' && VERIFY_PATHS[what]) return (c) => verifyType(c) === what;
  const token = typeof what === 'object' ? what.secret ?? what.token : what;
  return (c) => verifyType(c) !== null && verifiedToken(c) === token;
}

// ---------------------------------------------------------------- routes

// "/v1/users/{user_id}" → a RegExp with named groups; "*" alone matches
// any path.
function pathRegex(pattern) {
  if (pattern === '*') return /^/;
  const src = pattern.split('?')[0].split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/).map((part) => {
    const m = /^\{(\w+)\}$/.exec(part);
    return m ? `(?<${m[1]}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('');
  return new RegExp(`^${src}$`);
}

/**
 * A call matcher: "METHOD /path/{param}" ({name} = one path segment, "*"
 * = any method or any path), "/path" (any method), "*" or undefined (every
 * call), or a predicate (call) => boolean.
 * @returns {(call: object) => boolean}
 */
export function callMatcher(match) {
  if (typeof match === 'function') return match;
  if (match === undefined || match === null || match === '*') return () => true;
  const s = String(match).trim();
  const sp = s.indexOf(' ');
  const method = sp < 0 ? '*' : s.slice(0, sp).toUpperCase();
  const re = pathRegex(sp < 0 ? s : s.slice(sp + 1).trim());
  return (c) => (method === '*' || c.method === method) && re.test(c.path);
}

const ROUTES = [
  ['GET /v1/jwks', (s) => ({ keys: clone(s.jwks) })],
  ['GET /v1/users', listUsers],
  ['GET /v1/users/count', countUsers],
  ['GET /v1/users/{user_id}', (s, { params }) => s.renderUser(s.mustUser(params.user_id))],
  ['DELETE /v1/users/{user_id}', (s, { params }) => s.deleteUser(params.user_id)],
  ['GET /v1/users/{user_id}/organization_memberships', listUserMemberships],
  ['GET /v1/organizations', listOrgs],
  ['GET /v1/organizations/{org}', (s, { params }) => s.renderOrg(s.mustOrg(params.org))],
  ['PATCH /v1/organizations/{org}', patchOrg],
  ['DELETE /v1/organizations/{org}', (s, { params }) => s.deleteOrg(params.org)],
  ['GET /v1/organizations/{org}/memberships', listOrgMemberships],
  ['POST /v1/organizations/{org}/memberships', createMembership],
  ['PATCH /v1/organizations/{org}/memberships/{user_id}', updateMembership],
  ['DELETE /v1/organizations/{org}/memberships/{user_id}', deleteMembership],
  ['GET /v1/organizations/{org}/invitations', listOrgInvitations],
  ['POST /v1/organizations/{org}/invitations', createInvitation],
  ['GET /v1/organizations/{org}/invitations/{inv}',
    (s, { params }) => s.renderInvitation(mustInvitation(s, s.mustOrg(params.org), params.inv))],
  ['POST /v1/organizations/{org}/invitations/{inv}/revoke', revokeInvitation],
  ['GET /v1/organizations/{org}/domains', (s, { params, q }) => listDomains(s, q, s.mustOrg(params.org).id)],
  ['GET /v1/organization_memberships', (s, { q }) => listMemberships(s, q, () => true)],
  ['GET /v1/organization_invitations', listAllInvitations],
  ['GET /v1/organization_domains', (s, { q }) => listDomains(s, q, null)],
  ['GET /v1/organization_roles', listRoles],
  ['GET /v1/organization_permissions', listPermissions],
  ['GET /v1/sessions/{session_id}', (s, { params }) => s.renderSession(mustSession(s, params.session_id))],
  ['POST /v1/sessions/{session_id}/revoke', revokeSession],
  ['POST /v1/api_keys/verify', verifyMachine('apiKeys', 'secret', [], 'API key not found')],
  ['POST /v1/m2m_tokens/verify', verifyMachine('m2mTokens', 'token', [], 'Machine token not found')],
  ['POST /v1/oauth_applications/access_tokens/verify',
    verifyMachine('oauthTokens', 'access_token', ['secret'], 'OAuth token not found')],
].map(([spec, handler]) => {
  const [method, pattern] = spec.split(' ');
  return { spec, method, re: pathRegex(pattern), handler };
});

// The route for a call: {route, params}, or null.
function findRoute(c) {
  for (const route of ROUTES) {
    const m = route.re.exec(c.path);
    if (m && route.method === c.method) {
      const params = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
      return { route, params };
    }
  }
  return null;
}

/** The routes the fake serves, as "METHOD /v1/path/{param}" strings. */
export const FAKE_CLERK_ROUTES = ROUTES.map((r) => r.spec);

// ---------------------------------------------------------------- the server

// The query as a plain object; a repeated parameter becomes an array.
function queryObject(sp) {
  const out = {};
  for (const [k, v] of sp) {
    if (!(k in out)) out[k] = v;
    else out[k] = [].concat(out[k], v);
  }
  return out;
}

// Reads a request into the call record {method, path, query, search,
// headers, text, body, bodyInvalid, at}.
function readCall(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    req.on('data', (b) => {
      size += b.length;
      if (size <= MAX_BODY) chunks.push(b);
    });
    const done = () => {
      const u = new URL(req.url, 'http://fake.invalid');
      const text = Buffer.concat(chunks).toString('utf8');
      let body;
      let bodyInvalid = false;
      if (text.trim() !== '') {
        try { body = JSON.parse(text); } catch { bodyInvalid = true; }
        if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) bodyInvalid = true;
      }
      resolve({
        method: req.method, path: u.pathname, query: queryObject(u.searchParams), search: u.searchParams,
        headers: { ...req.headers }, text, body, bodyInvalid, at: Date.now(),
      });
    };
    req.on('end', done);
    req.on('error', done);
  });
}

function send(res, status, body, headers = {}) {
  if (res.destroyed || res.headersSent) return;
  const isText = typeof body === 'string';
  const text = isText ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorAnswer(error) {
  return { status: error.status, body: clerkErrorBody(error) };
}

// One rule of fake.fail() / fake.delay(): matched against each call until
// it has been used `times` times.
function addRule(list, match, fields, times = Infinity) {
  if (!(times > 0)) throw new Error(`times must be positive, not ${times}`);
  const rule = { test: callMatcher(match), left: times, used: 0, ...fields };
  list.push(rule);
  return {
    /** How many calls this rule has answered. */
    get used() { return rule.used; },
    /** Stops the rule. */
    remove() {
      const i = list.indexOf(rule);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

// The first rule matching the call, used once.
function takeRule(list, c) {
  const rule = list.find((r) => r.left > 0 && r.test(c));
  if (!rule) return null;
  rule.left -= 1;
  rule.used += 1;
  if (rule.left <= 0) list.splice(list.indexOf(rule), 1);
  return rule;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Starts the fake Backend API on 127.0.0.1 (a free port unless `port`).
 * @param {object} [opts]
 * @param {string} [opts.secretKey] the key a request must bear
 *   (Authorization: Bearer <key>); default DEFAULT_SECRET_KEY
 * @param {string} [opts.instanceId] for image URLs and webhook envelopes
 * @param {() => number} [opts.now] the clock in ms (default Date.now);
 *   updated_at values are strictly increasing whatever it says
 * @param {boolean} [opts.seedDefaults] seed the instance's system
 *   permissions and the roles org:admin and org:member (default true; also
 *   after reset())
 * @param {number} [opts.port] default 0 (any free port)
 * @returns {Promise<FakeClerk>} see the methods below
 */
export async function startFakeClerk({
  secretKey = DEFAULT_SECRET_KEY, instanceId = INSTANCE_ID, now = Date.now, seedDefaults = true, port = 0,
} = {}) {
  const host = '127.0.0.1';
  const clock = makeClock(now);
  const state = new FakeState({ clock, now, instanceId, seedDefaults });
  const log = [];
  const faults = [];
  const delays = [];
  const waiting = new Set();
  let closed = false;
  let isDown = false;

  // Waits ms, or less when the fake closes or goes down, or the client
  // leaves: true when the full time passed.
  function hold(ms, res) {
    return new Promise((resolve) => {
      const w = {
        finish(ok) {
          clearTimeout(w.timer);
          waiting.delete(w);
          res.off('close', w.onClose);
          resolve(ok);
        },
      };
      w.onClose = () => w.finish(false);
      w.timer = setTimeout(() => w.finish(true), ms);
      waiting.add(w);
      res.on('close', w.onClose);
    });
  }

  const cutWaits = () => { for (const w of [...waiting]) w.finish(false); };

  function answerFault(req, res, f) {
    if (f.reset) {
      if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
      else req.socket.destroy();
      return;
    }
    const status = f.status ?? f.error?.status ?? 500;
    const body = f.body !== undefined ? f.body : clerkErrorBody(f.error ?? defaultError(status));
    const headers = { ...f.headers };
    if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
    send(res, status, body, headers);
  }

  // Authentication, then the route.
  function dispatch(c) {
    const auth = c.headers.authorization;
    if (!auth || !/^Bearer \S+$/.test(auth)) return errorAnswer(CLERK_ERRORS.headerFormat());
    if (auth !== `Bearer ${secretKey}`) return errorAnswer(CLERK_ERRORS.secretKeyInvalid());
    const found = findRoute(c);
    if (!found) return errorAnswer(CLERK_ERRORS.notFound());
    c.route = found.route.spec;
    if (c.bodyInvalid) return errorAnswer(CLERK_ERRORS.bodyInvalid());
    try {
      const body = found.route.handler(state, { params: found.params, q: c.search, body: c.body ?? {}, call: c });
      return { status: 200, body };
    } catch (err) {
      if (err instanceof ClerkApiError) return errorAnswer(err.error);
      // A bug of the fake itself: answered like Clerk's own failure, and
      // reported so that it is not mistaken for one.
      c.error = err;
      process.emitWarning(`fake Clerk: ${c.method} ${c.path}: ${err.stack}`);
      return errorAnswer(CLERK_ERRORS.internal());
    }
  }

  async function onRequest(req, res) {
    const t0 = process.hrtime.bigint();
    const c = await readCall(req);
    log.push(c);
    // The call's own time, from its arrival to the end of its answer (or
    // its cut connection): c.ms, and c.doneAt (Date.now() then), c.startNs
    // and c.doneNs (process.hrtime.bigint(), to compare with a client in
    // this process).
    c.startNs = t0;
    const finish = () => {
      c.doneNs = process.hrtime.bigint();
      c.ms = Number(c.doneNs - t0) / 1e6;
      c.doneAt = Date.now();
    };
    const d = takeRule(delays, c);
    if (d && !(await hold(d.ms, res))) return finish();
    if (closed || isDown) {
      req.socket.destroy();
      return finish();
    }
    const f = takeRule(faults, c);
    if (f) {
      answerFault(req, res, f);
      return finish();
    }
    const a = dispatch(c);
    send(res, a.status, a.body, a.headers);
    return finish();
  }

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch((err) => {
      send(res, 500, clerkErrorBody(CLERK_ERRORS.internal()));
      process.emitWarning(`fake Clerk: ${err.stack}`);
    });
  });
  await listen(server, port, host);
  const boundPort = server.address().port;

  // Closes the listener and every connection, bounded.
  function stopListening() {
    return new Promise((resolve) => {
      if (!server.listening) {
        server.closeAllConnections();
        resolve();
        return;
      }
      const t = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      server.close(() => {
        clearTimeout(t);
        resolve();
      });
      server.closeAllConnections();
    });
  }

  // add*() of a machine token; `fault` (failToken options) and `delayMs`
  // (delayToken) give the token its own behaviour at the verify endpoint.
  function addMachine(map, build, { fault, delayMs, ...fields } = {}) {
    const t = state.addMachine(map, build, fields);
    if (delayMs !== undefined) fake.delayToken(t, delayMs);
    if (fault !== undefined) fake.failToken(t, fault);
    return t;
  }

  /** @typedef {object} FakeClerk */
  const fake = {
    /** The base URL (no /v1): the value for CLERK_API_URL. */
    url: `http://${host}:${boundPort}`,
    port: boundPort,
    secretKey,
    instanceId,
    /**
     * The data: Maps users, organizations, memberships (key
     * membershipKey(org, user)), invitations, domains, roles, permissions,
     * sessions, apiKeys, m2mTokens, oauthTokens (by id), and jwks (an
     * array). Objects are stored as Clerk JSON; changing one changes what
     * the fake answers (bump updated_at yourself, or use update*()).
     */
    state,

    /** {CLERK_SECRET_KEY, CLERK_API_URL} for the server's environment. */
    env() { return { CLERK_SECRET_KEY: secretKey, CLERK_API_URL: fake.url }; },

    /**
     * The recorded calls matching `match` (see callMatcher; all by
     * default), oldest first: {method, path, query (object; repeated
     * parameters as arrays), search (URLSearchParams), headers (lowercase
     * names), text (raw body), body (parsed JSON or undefined), at (ms),
     * route (the route spec that answered, when one did)}.
     */
    calls(match) { return log.filter(callMatcher(match)); },
    /** The number of recorded calls matching `match`, e.g. count('POST /v1/api_keys/verify'). */
    count(match) { return fake.calls(match).length; },
    /** The latest call matching `match`, or undefined. */
    lastCall(match) { return fake.calls(match).at(-1); },
    /**
     * Per-path call counters: {"METHOD /path": n} over the recorded calls
     * (answered, failed or cut alike), e.g.
     * counts()['POST /v1/api_keys/verify'].
     */
    counts() {
      const out = {};
      for (const c of log) {
        const k = `${c.method} ${c.path}`;
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    },
    /**
     * The recorded verify calls (verifyMatcher): of a type ('api_key',
     * 'm2m_token', 'oauth_token'), of one token (its secret or the object
     * the fake made), or all ('*', the default).
     */
    verifyCalls(what = '*') { return log.filter(verifyMatcher(what)); },
    /** The number of verifyCalls(what). */
    verifyCount(what = '*') { return fake.verifyCalls(what).length; },
    /** Verify calls per type: {api_key, m2m_token, oauth_token}. */
    verifyCounts() {
      const out = { api_key: 0, m2m_token: 0, oauth_token: 0 };
      for (const c of log) {
        const t = verifyType(c);
        if (t) out[t] += 1;
      }
      return out;
    },
    /** Forgets the recorded calls (the data stays). */
    clearCalls() { log.length = 0; },

    /**
     * Answers calls matching `match` with an error instead of serving them.
     * @param {string|Function} match see callMatcher
     * @param {object} [opts]
     * @param {number} [opts.status] default error.status, else 500
     * @param {object} [opts.error] a Clerk error ({code, message,
     *   long_message, meta?}, e.g. CLERK_ERRORS.identifierExists('slug')),
     *   wrapped into Clerk's body; default defaultError(status)
     * @param {object|string} [opts.body] the exact body instead (a string
     *   is sent as text/plain, e.g. a proxy's HTML page)
     * @param {number} [opts.retryAfter] sends Retry-After: <seconds>
     * @param {object} [opts.headers] more response headers
     * @param {boolean} [opts.reset] no answer: the connection is reset
     * @param {number} [opts.times] how many calls (default: all)
     * @returns {{used: number, remove(): void}}
     */
    fail(match, { times, ...opts } = {}) { return addRule(faults, match, opts, times); },

    /**
     * Answers calls matching `match` `ms` late (then normally, or with a
     * fault). close() and down() cut the wait short without answering.
     * @param {string|Function} match see callMatcher
     * @param {number} ms
     * @param {{times?: number}} [opts] how many calls (default: all)
     * @returns {{used: number, remove(): void}}
     */
    delay(match, ms, { times } = {}) { return addRule(delays, match, { ms }, times); },

    /**
     * Answers the verify calls of one token (its secret, or the object the
     * fake made) with an error: fail() restricted to that token. Shortcuts
     * by status: 401 clerk_key_invalid (as if our secret key were wrong),
     * 404 "not found" (as for an unknown token), 422 form_param_value_invalid
     * on the token's member, 429 (retryAfter: seconds), 500, 503; or
     * {reset: true}. Options as fail().
     */
    failToken(token, opts = {}) {
      const o = { ...opts };
      const secret = typeof token === 'object' ? token.secret ?? token.token : token;
      if (o.error === undefined && o.body === undefined && !o.reset) {
        const status = o.status ?? 500;
        if (status === 422) {
          const type = secret.startsWith('ak_') ? 'api_key' : secret.startsWith('mt_') ? 'm2m_token' : 'oauth_token';
          o.error = CLERK_ERRORS.paramValue(VERIFY_BODY_KEYS[type]);
        } else if (status === 404) {
          o.error = CLERK_ERRORS.notFound(verifyNotFound(secret));
        }
      }
      return fake.fail(verifyMatcher(secret), o);
    },

    /** Answers the verify calls of one token `ms` late: delay() restricted to that token. */
    delayToken(token, ms, opts = {}) { return fake.delay(verifyMatcher(token), ms, opts); },

    /** Drops every fail() and delay() rule. */
    clearFaults() {
      faults.length = 0;
      delays.length = 0;
    },

    /** Refuses connections: closes the listener and every open connection. */
    async down() {
      if (closed || isDown) return;
      isDown = true;
      cutWaits();
      await stopListening();
    },

    /** Listens again, on the same port, after down(). */
    async up() {
      if (closed || !isDown) return;
      let lastErr;
      for (let i = 0; i < 40; i++) {
        try {
          await listen(server, boundPort, host);
          isDown = false;
          return;
        } catch (err) {
          lastErr = err;
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      throw new Error(`fake Clerk: cannot listen again on port ${boundPort}: ${lastErr}`);
    },

    /** Whether the fake refuses connections (between down() and up()). */
    get isDown() { return isDown; },

    /** Empties the data (seeding the default roles again), the calls and the faults. */
    reset() {
      state.clear();
      log.length = 0;
      fake.clearFaults();
    },

    /** Stops the server (bounded); pending delayed calls are cut. Idempotent. */
    async close() {
      if (closed) return;
      closed = true;
      cutWaits();
      await stopListening();
    },

    /**
     * Adds (or replaces, by id) a User built by buildUser(opts): the stored
     * object, as GET /v1/users/{id} answers it.
     */
    addUser(opts) { return state.addUser(opts); },

    /**
     * Adds an Organization built by buildOrganization(opts); without a
     * slug one is made from the name, unused. Returns the stored object
     * (members_count and pending_invitations_count are computed when
     * answering).
     */
    addOrg(opts) { return state.addOrg(opts); },

    /**
     * Adds a membership: {organization_id, user_id, role? ('org:member'),
     * permissions? (default: the role's), public_metadata?,
     * private_metadata?, created_at?}. Both must exist. Returns it as the
     * API answers it (embedded organization, public_user_data).
     */
    addMembership(opts) { return state.addMembership(opts); },

    /**
     * Adds an invitation: {organization_id, email_address?, role?,
     * status? ('pending'), inviter_user_id?, user_id? (accepted ones),
     * expires_in_days?, expires_at?, created_at?, ...}. Returns a copy.
     */
    addInvitation(opts) { return state.addInvitation(opts); },

    /**
     * Adds a domain: {organization_id, name?, enrollment_mode?, verified?,
     * ...}. Returns it as the API answers it.
     */
    addDomain(opts) { return state.addDomain(opts); },

    /** Adds (or replaces, by key) a Permission: {key, name?, description?, type?}. */
    addPermission(opts) { return state.addPermission(opts); },

    /**
     * Adds (or replaces, by key) a Role: {key, name?, description?,
     * is_creator_eligible?, permissions: [keys]} (unknown keys become custom
     * permissions). Returns it with its Permission objects.
     */
    addRole(opts) { return state.addRole(opts); },

    /** Adds a Session: {user_id, status? ('active'), ...}; the stored object. */
    addSession(opts) { return state.addSession(opts); },

    /**
     * Adds an API key (buildApiKey): {subject, scopes?, claims?, revoked?,
     * expired?, expiration?, secret?, ...}. The stored object; its `secret`
     * is what a client sends. For this and the next two: `fault` (failToken
     * options, e.g. {status: 429, retryAfter: 2}) and `delayMs` (delayToken)
     * make its verify calls fail or answer late until clearFaults().
     */
    addApiKey(opts) { return addMachine(state.apiKeys, buildApiKey, opts); },

    /** Adds an M2M token (buildM2MToken); its `token` is what a client sends. */
    addM2MToken(opts) { return addMachine(state.m2mTokens, buildM2MToken, opts); },

    /** Adds an OAuth access token (buildOAuthToken); its `token` is what a client sends. */
    addOAuthToken(opts) { return addMachine(state.oauthTokens, buildOAuthToken, opts); },

    /** Sets the keys GET /v1/jwks answers ({keys}). */
    setJwks(keys) { state.jwks = [...keys]; },

    /** Changes a stored user's fields and bumps its updated_at; returns it. */
    updateUser(id, fields) { return state.touch(Object.assign(state.mustUser(id), fields)); },

    /** Changes a stored organization's fields and bumps its updated_at; returns it. */
    updateOrg(idOrSlug, fields) { return state.touch(Object.assign(state.mustOrg(idOrSlug), fields)); },

    /**
     * Revokes an API key, M2M token or OAuth token, named by id or by its
     * secret: revoked true, revocation_reason, updated_at bumped.
     */
    revokeToken(idOrSecret, reason = 'revoked') {
      for (const map of [state.apiKeys, state.m2mTokens, state.oauthTokens]) {
        for (const t of map.values()) {
          if (t.id === idOrSecret || t.secret === idOrSecret || t.token === idOrSecret) {
            t.revoked = true;
            t.revocation_reason = reason;
            return state.touch(t);
          }
        }
      }
      throw new Error(`revokeToken: no token ${idOrSecret}`);
    },

    /** A membership as the API answers it, or undefined. */
    membership(orgId, userId) {
      const m = state.membership(orgId, userId);
      return m && state.renderMembership(m);
    },

    /** An organization as the API answers it (counts included), or undefined. */
    organization(idOrSlug) {
      const o = state.org(idOrSlug);
      return o && state.renderOrg(o);
    },

    /**
     * The webhook envelope for an object the fake answered or holds
     * (webhookEvent() with this fake's instance id and a timestamp later
     * than every write). A session gets its user embedded, as Clerk's
     * session events have it.
     * @param {object} obj
     * @param {object|string} [opts] an action ("deleted", ...) or
     *   webhookEvent options
     */
    webhook(obj, opts = {}) {
      const o = typeof opts === 'string' ? { action: opts } : opts;
      let data = clone(obj);
      if (data.object === 'session' && data.user === undefined) {
        const u = state.user(data.user_id);
        if (u) data = { ...data, user: clone(u) };
      }
      return webhookEvent(data, { instanceId, timestamp: clock(), ...o });
    },
  };
  return fake;
}

/**
 * Runs fn(fake) with a fake Backend API that is always closed afterwards.
 * @param {object} opts startFakeClerk options
 * @param {(fake: object) => Promise<any>} fn
 */
export async function withFakeClerk(opts, fn) {
  const fake = await startFakeClerk(opts);
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}
