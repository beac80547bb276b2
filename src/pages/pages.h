/*
 * The pages (DESIGN section 7): landing, sign-in and sign-up (with their
 * sub-paths, for Clerk's path routing), the protected dashboard, and our
 * small script /static/pages.js that loads and mounts ClerkJS. Stateless;
 * every handler runs on any worker thread.
 */
#ifndef PAGES_PAGES_H
#define PAGES_PAGES_H

#include "core/mem.h"

struct req;

/* GET / */
int pages_landing(struct req *r);
/* GET /sign-in and its sub-paths */
int pages_sign_in(struct req *r);
/* GET /sign-up and its sub-paths */
int pages_sign_up(struct req *r);
/* GET /dashboard */
int pages_dashboard(struct req *r);
/* GET /static/pages.js */
int pages_script(struct req *r);

/*
 * The redirect target of a redirect_url value: value itself when it is a
 * same-origin path ("/" then not "/" or "\", printable ASCII, no "\", at
 * most 512 bytes, neither "/%2f..." nor "%5c" nor an escaped control byte
 * ("%09", "%0a", ...) anywhere), else "/dashboard". Borrowed; never NULL.
 */
const char *pages_redirect_target(const char *value) MUST_CHECK;

#endif
