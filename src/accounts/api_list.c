/*
 * Pages of the REST API's lists (see api_list.h): bound parameters only;
 * the rows become jansson values before the statement is released.
 */
#include "accounts/api_list.h"

int
api_list_page(struct db_conn *c, const char *count, size_t ncount,
    const struct db_sql *list, const struct db_param *p, size_t n,
    api_list_item_fn item, const void *arg, json_t **out)
{
	struct db_rows *r;
	json_t         *data;
	int64_t         total = 0;
	int             rc;

	*out = NULL;
	if (db_query_int(c, count, p, ncount, &total, NULL) == -1)
		return -1;
	if ((r = db_query_sql(c, list, p, n)) == NULL)
		return -1;
	data = json_array();
	while ((rc = db_rows_next(r)) == 1)
		json_array_append_new(data, item(r, arg));
	db_rows_free(r);
	if (rc == -1) {
		json_decref(data);
		return -1;
	}
	*out = json_pack("{s:o, s:I}", "data", data, "total_count",
	    (json_int_t)total);
	return 1;
}

json_t *
api_list_text(struct db_rows *r, int i)
{
	size_t      len;
	const char *p;
	json_t     *s;

	if (db_col_is_null(r, i))
		return json_null();
	p = db_col_text(r, i, &len);
	s = json_stringn(p, len);
	return s != NULL ? s : json_null();
}

json_t *
api_list_int(struct db_rows *r, int i)
{
	return db_col_is_null(r, i) ? json_null()
	                            : json_integer(db_col_int(r, i));
}
