/*
 * SQL text the mirror's upserts share (INSERT ... ON CONFLICT (clerk_id)
 * DO UPDATE SET ... WHERE MIRROR_NEWER(...)), one text for both backends.
 * Internal to accounts/.
 */
#ifndef ACCOUNTS_MIRROR_SQL_H
#define ACCOUNTS_MIRROR_SQL_H

/*
 * When the stored row of table t gives way to the event's (excluded): it
 * has no Clerk time (a stub), an older one, or the same one with other
 * columns; same is SQL text that is true when every column is equal, so
 * that a duplicate writes nothing. t and same are string literals.
 */
#define MIRROR_NEWER(t, same)                                       \
	t ".clerk_updated_at IS NULL OR " t ".clerk_updated_at < "  \
	  "excluded.clerk_updated_at OR (" t ".clerk_updated_at = " \
	  "excluded.clerk_updated_at AND NOT (" same "))"

#endif
