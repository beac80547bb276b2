/*
 * Every route this program serves, in one table, and the gate that runs
 * before the handler of each gated route. Later features add their rows
 * here (and to the OpenAPI document kept beside it). A route's policy
 * (auth/policy.h) says what it requires beyond a session; the served
 * OpenAPI document shows it (docs_openapi_build). A route's flags say
 * which gate guards it: ROUTE_AUTH a Clerk session (ROUTE_IDEMPOTENT adds
 * the Idempotency-Key, auth/idempotent.h), ROUTE_ADMIN (with
 * ROUTE_ADMIN_ANY_POST for logout) an admin session, ROUTE_ADMIN_PUBLIC
 * the admin's context without a session (the login page);
 * tests/routes_test.c checks that every admin page has one of them.
 */
#include "app.h"

#include "admin/admin.h"
#include "api/auth.h"
#include "api/health.h"
#include "api/org_manage.h"
#include "api/organizations.h"
#include "api/sessions.h"
#include "api/users.h"
#include "api/webhook.h"
#include "auth/gate.h"
#include "auth/idempotent.h"
#include "auth/policy.h"
#include "docs/docs.h"
#include "http/metrics.h"
#include "http/req.h"
#include "pages/pages.h"

/* A route that requires nothing beyond its flags leaves out its last
 * field, policy (NULL): four fields, as before requirements existed. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* Organization management (DESIGN 12.2): the permission is checked
 * against the caller's membership of {id}, read from the mirror. */
static const struct route_policy profile_manage = {.permission =
                                                       "org:sys_profile:manage",
    .organization_param = "id"};
static const struct route_policy profile_delete = {.permission =
                                                       "org:sys_profile:delete",
    .reverification = "strict",
    .organization_param = "id"};
static const struct route_policy memberships_read =
    {.permission = "org:sys_memberships:read", .organization_param = "id"};
static const struct route_policy memberships_manage =
    {.permission = "org:sys_memberships:manage", .organization_param = "id"};
/* A member may leave: removing oneself needs no permission. */
static const struct route_policy member_remove =
    {.permission = "org:sys_memberships:manage",
        .organization_param = "id",
        .allow_self_param = "user_id"};

/*
 * Token types (DESIGN 13): a route takes session tokens only unless its
 * policy's accepts says more; subjects narrows the machine tokens it
 * takes to those standing for a user (the route then acts as that user)
 * or for an organization.
 */
static const struct route_policy any_token = {.accepts = AUTH_ACCEPT_ANY};
/* An OAuth JWT is no key to users/me, as a session JWT of that form is
 * refused there (DESIGN 6). */
static const struct route_policy as_user = {.accepts = AUTH_ACCEPT_SESSION |
        AUTH_ACCEPT_API_KEY | AUTH_ACCEPT_OAUTH,
    .subjects = AUTH_SUBJECT_USER};
/* An organization's own API key reads that organization (api/organizations). */
static const struct route_policy as_org = {.accepts = AUTH_ACCEPT_SESSION |
        AUTH_ACCEPT_API_KEY,
    .subjects = AUTH_SUBJECT_ORG};

/* The writes under /api/v1 that a client may retry with a key. */
#define ROUTE_WRITE (ROUTE_AUTH | ROUTE_IDEMPOTENT)

const struct route app_routes[] = {
    {"GET", "/api/v1/health", api_health, 0},
    {"POST", "/api/v1/auth/clerk_webhook/", api_clerk_webhook, 0},
    {"POST", "/api/v1/auth/clerk_webhook", api_clerk_webhook, 0},
    {"GET", "/api/v1/users/me", api_users_me, ROUTE_AUTH | ROUTE_AUTH_PROFILE,
        &as_user},
    {"GET", "/api/v1/users/me/sessions", api_users_me_sessions, ROUTE_AUTH},
    {"GET", "/api/v1/organizations", api_orgs_list, ROUTE_AUTH},
    {"GET", "/api/v1/organizations/{id}", api_org_get, ROUTE_AUTH, &as_org},
    {"GET", "/openapi.json", docs_openapi, 0},
    {"GET", "/metrics", metrics_handler, 0},
    {"GET", "/docs", docs_page, ROUTE_HTML},
    {"GET", "/docs/{file}", docs_asset, 0},
    {"GET", "/api/v1/organizations/{id}/members", api_org_members, ROUTE_AUTH,
        &as_org},
    {"PATCH", "/api/v1/organizations/{id}", api_org_patch, ROUTE_WRITE,
        &profile_manage},
    {"DELETE", "/api/v1/organizations/{id}", api_org_delete, ROUTE_WRITE,
        &profile_delete},
    {"GET", "/api/v1/organizations/{id}/invitations", api_org_invitations,
        ROUTE_AUTH, &memberships_read},
    {"POST", "/api/v1/organizations/{id}/invitations", api_org_invite,
        ROUTE_WRITE, &memberships_manage},
    {"POST", "/api/v1/organizations/{id}/invitations/{invitation_id}/revoke",
        api_org_invitation_revoke, ROUTE_WRITE, &memberships_manage},
    {"PATCH", "/api/v1/organizations/{id}/members/{user_id}",
        api_org_member_patch, ROUTE_WRITE, &memberships_manage},
    {"DELETE", "/api/v1/organizations/{id}/members/{user_id}",
        api_org_member_delete, ROUTE_WRITE, &member_remove},
    {"GET", "/api/v1/auth/check", api_auth_check, ROUTE_AUTH},
    {"GET", "/api/v1/auth/whoami", api_auth_whoami, ROUTE_AUTH, &any_token},
    {"GET", "/", pages_landing, ROUTE_HTML},
    {"GET", "/sign-in", pages_sign_in, ROUTE_HTML},
    {"GET", "/sign-in/{a}", pages_sign_in, ROUTE_HTML},
    {"GET", "/sign-in/{a}/{b}", pages_sign_in, ROUTE_HTML},
    {"GET", "/sign-in/{a}/{b}/{c}", pages_sign_in, ROUTE_HTML},
    {"GET", "/sign-in/{a}/{b}/{c}/{d}", pages_sign_in, ROUTE_HTML},
    {"GET", "/sign-up", pages_sign_up, ROUTE_HTML},
    {"GET", "/sign-up/{a}", pages_sign_up, ROUTE_HTML},
    {"GET", "/sign-up/{a}/{b}", pages_sign_up, ROUTE_HTML},
    {"GET", "/sign-up/{a}/{b}/{c}", pages_sign_up, ROUTE_HTML},
    {"GET", "/sign-up/{a}/{b}/{c}/{d}", pages_sign_up, ROUTE_HTML},
    {"GET", "/dashboard", pages_dashboard, ROUTE_HTML},
    {"GET", "/static/pages.js", pages_script, 0},
    {"GET", "/static/style.css", admin_static_css, 0},
    {"GET", "/admin/", admin_index, ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/login/", admin_login, ROUTE_HTML | ROUTE_ADMIN_PUBLIC},
    {"POST", "/admin/login/", admin_login, ROUTE_HTML | ROUTE_ADMIN_PUBLIC},
    {"GET", "/admin/logout/", admin_logout, ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/logout/", admin_logout,
        ROUTE_HTML | ROUTE_ADMIN | ROUTE_ADMIN_ANY_POST},
    {"GET", "/admin/{app}/{model}/", admin_changelist,
        ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/{app}/{model}/add/", admin_add, ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/{app}/{model}/add/", admin_add, ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/{app}/{model}/{id}/", admin_object,
        ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/{app}/{model}/{id}/change/", admin_change,
        ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/{app}/{model}/{id}/change/", admin_change,
        ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/{app}/{model}/{id}/delete/", admin_delete,
        ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/{app}/{model}/{id}/delete/", admin_delete,
        ROUTE_HTML | ROUTE_ADMIN},
    {"GET", "/admin/{app}/{model}/{id}/history/", admin_history,
        ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/clerk/webhookevent/{id}/retry/", admin_event_retry,
        ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/users/session/{id}/revoke/", admin_session_revoke,
        ROUTE_HTML | ROUTE_ADMIN},
    {"POST", "/admin/users/organizationinvitation/{id}/revoke/",
        admin_invitation_revoke, ROUTE_HTML | ROUTE_ADMIN},
};

const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);

int
app_gate(struct req *r)
{
	unsigned flags = r->match.route->flags;
	int      rc;

	if ((flags & ROUTE_AUTH) == 0)
		return admin_gate(r);
	if ((rc = auth_gate_session(r)) != 0)
		return rc;
	/* Once the caller is known and allowed: its key is its own. */
	if ((flags & ROUTE_IDEMPOTENT) != 0)
		return idempotent_begin(r);
	return 0;
}

void
app_after(struct req *r)
{
	if (r->match.route != NULL &&
	    (r->match.route->flags & ROUTE_IDEMPOTENT) != 0)
		idempotent_end(r);
}
