/*
 * Every route this program serves, in one table, and the gate that runs
 * before the handler of each gated route. Later features add their rows
 * here (and to the OpenAPI document kept beside it). A route's policy
 * (auth/policy.h) says what it requires beyond a session; the served
 * OpenAPI document shows it (docs_openapi_build). A route's flags say
 * which gate guards it: ROUTE_AUTH a Clerk session, ROUTE_ADMIN (with
 * ROUTE_ADMIN_ANY_POST for logout) an admin session, ROUTE_ADMIN_PUBLIC
 * the admin's context without a session (the login page);
 * tests/routes_test.c checks that every admin page has one of them.
 */
#include "app.h"

#include "admin/admin.h"
#include "api/auth.h"
#include "api/health.h"
#include "api/organizations.h"
#include "api/sessions.h"
#include "api/users.h"
#include "api/webhook.h"
#include "auth/gate.h"
#include "docs/docs.h"
#include "http/metrics.h"
#include "http/req.h"
#include "pages/pages.h"

/* A route that requires nothing beyond its flags leaves out its last
 * field, policy (NULL): four fields, as before requirements existed. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

const struct route app_routes[] = {
    {"GET", "/api/v1/health", api_health, 0},
    {"POST", "/api/v1/auth/clerk_webhook/", api_clerk_webhook, 0},
    {"POST", "/api/v1/auth/clerk_webhook", api_clerk_webhook, 0},
    {"GET", "/api/v1/users/me", api_users_me, ROUTE_AUTH | ROUTE_AUTH_PROFILE},
    {"GET", "/api/v1/users/me/sessions", api_users_me_sessions, ROUTE_AUTH},
    {"GET", "/api/v1/organizations", api_orgs_list, ROUTE_AUTH},
    {"GET", "/api/v1/organizations/{id}", api_org_get, ROUTE_AUTH},
    {"GET", "/openapi.json", docs_openapi, 0},
    {"GET", "/metrics", metrics_handler, 0},
    {"GET", "/docs", docs_page, ROUTE_HTML},
    {"GET", "/docs/{file}", docs_asset, 0},
    {"GET", "/api/v1/organizations/{id}/members", api_org_members, ROUTE_AUTH},
    {"GET", "/api/v1/auth/check", api_auth_check, ROUTE_AUTH},
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
	if ((r->match.route->flags & ROUTE_AUTH) != 0)
		return auth_gate_session(r);
	return admin_gate(r);
}
