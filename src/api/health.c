/*
 * The health check. It pings the database on every call (a prepared
 * "SELECT 1" on SQLite, one round trip on PostgreSQL), so a load balancer
 * sees an instance that lost its database as unavailable.
 */
#include "api/health.h"

#include "core/log.h"
#include "db/db.h"
#include "http/req.h"

static const char ok_body[] = "{\"status\":\"ok\"}";
static const char down_body[] = "{\"status\":\"unavailable\"}";

int
api_health(struct req *r)
{
	struct db_conn *c = req_db(r);

	if (c == NULL || db_ping(c) == -1) {
		log_warn("req=%s component=health msg=\"database unavailable\""
		         " error=\"%s\"",
		    r->id, c != NULL ? db_errmsg(c) : "no connection");
		return resp_bytes(r, HTTP_SERVICE_UNAVAILABLE,
		    "application/json", down_body, sizeof(down_body) - 1);
	}
	return resp_bytes(r, HTTP_OK, "application/json", ok_body,
	    sizeof(ok_body) - 1);
}
