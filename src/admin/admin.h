/*
 * The admin (DESIGN §8): Django's admin URL for URL, for users,
 * organizations, memberships, invitations, domains, sessions, roles,
 * permissions, webhook events and Clerk sync runs. Handlers
 * for the route table (src/routes.c); each renders its own HTML pages,
 * errors included.
 */
#ifndef ADMIN_ADMIN_H
#define ADMIN_ADMIN_H

#include "core/mem.h"

struct req;

/*
 * The gate of every admin route, run before its handler (app_gate in
 * src/routes.c, on the route flags ROUTE_ADMIN, ROUTE_ADMIN_PUBLIC and
 * ROUTE_ADMIN_ANY_POST): builds the request's context (r->gate_ctx) and
 * loads its session. Without a session (unless ROUTE_ADMIN_PUBLIC) a GET
 * is sent to the login page (302) and a POST refused (403). A POST must
 * also be a form from this site (Origin) with the CSRF token, and come
 * from a superuser unless ROUTE_ADMIN_PUBLIC or ROUTE_ADMIN_ANY_POST.
 * 0 to run the handler, or the status of the page it has written.
 */
int admin_gate(struct req *r) MUST_CHECK;
/* GET /static/style.css: the one stylesheet (src/html/style.css). */
int admin_static_css(struct req *r);
/* GET, POST /admin/login/ */
int admin_login(struct req *r);
/* GET (a confirmation form), POST /admin/logout/ */
int admin_logout(struct req *r);
/* GET /admin/: the models with their counts and the recent actions. */
int admin_index(struct req *r);
/* GET /admin/{app}/{model}/ */
int admin_changelist(struct req *r);
/* GET, POST /admin/{app}/{model}/add/ */
int admin_add(struct req *r);
/* GET /admin/{app}/{model}/{id}/: redirects to its change page. */
int admin_object(struct req *r);
/* GET, POST /admin/{app}/{model}/{id}/change/ */
int admin_change(struct req *r);
/* GET (confirmation), POST /admin/{app}/{model}/{id}/delete/ */
int admin_delete(struct req *r);
/* GET /admin/{app}/{model}/{id}/history/ */
int admin_history(struct req *r);
/* POST /admin/clerk/webhookevent/{id}/retry/ */
int admin_event_retry(struct req *r);
/* POST /admin/users/session/{id}/revoke/: revokes it through Clerk. */
int admin_session_revoke(struct req *r);
/* POST /admin/users/organizationinvitation/{id}/revoke/: through Clerk. */
int admin_invitation_revoke(struct req *r);

#endif
