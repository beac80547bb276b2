/*
 * The admin (DESIGN §8): Django's admin URL for URL, for users,
 * organizations, memberships, webhook events and Clerk sync runs. Handlers
 * for the route table (src/routes.c); each renders its own HTML pages,
 * errors included.
 */
#ifndef ADMIN_ADMIN_H
#define ADMIN_ADMIN_H

struct req;

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

#endif
