/*
 * The organization_domains table (DESIGN sections 3 and 12): every write
 * to it, for the mirror of Clerk's organizationDomain.* events and the
 * backfill (accounts/clerk_domains.c). One statement each, on the
 * caller's connection, inside the caller's transaction. Each returns 0,
 * or -1 on a database error (db_errmsg(c) has the detail).
 */
#ifndef ACCOUNTS_DOMAINS_H
#define ACCOUNTS_DOMAINS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of a domain; NULL stores NULL. */
struct domain_values {
	const char *clerk_id;        /* "orgdmn_..." (opaque) */
	int64_t     organization_id; /* local organizations.id */
	const char *name;            /* never NULL */
	const char *enrollment_mode;
	bool        verified;
	const char *affiliation_email_address;
	int64_t     clerk_updated_at; /* ms */
	const char *created_at;       /* a new row's; ISO-8601 */
	const char *now;              /* updated_at */
};

/*
 * Inserts v, or writes it over the row with its clerk_id unless that row
 * is newer or already holds exactly this; *changed gets the rows written.
 */
int domain_mirror_upsert(struct db_conn *c, const struct domain_values *v,
    int64_t *changed) MUST_CHECK;
/* Deletes the domain mirrored for clerk_id, if any. */
int domain_delete_by_clerk(struct db_conn *c, const char *clerk_id) MUST_CHECK;

#endif
