/*
 * HTTP status codes and the handler contract shared by every route.
 */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H

enum http_status {
	HTTP_OK = 200,
	HTTP_CREATED = 201,
	HTTP_NO_CONTENT = 204,
	HTTP_FOUND = 302,
	HTTP_SEE_OTHER = 303,
	HTTP_TEMPORARY_REDIRECT = 307,
	HTTP_BAD_REQUEST = 400,
	HTTP_UNAUTHORIZED = 401,
	HTTP_FORBIDDEN = 403,
	HTTP_NOT_FOUND = 404,
	HTTP_METHOD_NOT_ALLOWED = 405,
	HTTP_REQUEST_TIMEOUT = 408,
	HTTP_CONFLICT = 409,
	HTTP_PAYLOAD_TOO_LARGE = 413,
	HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
	HTTP_UNPROCESSABLE = 422,
	HTTP_TOO_MANY_REQUESTS = 429,
	HTTP_HEADERS_TOO_LARGE = 431,
	HTTP_INTERNAL_ERROR = 500,
	HTTP_SERVICE_UNAVAILABLE = 503,
};

/* The limits of the design's HTTP interface. */
#define HTTP_MAX_BODY         (1024L * 1024)
#define HTTP_MAX_HEADER_BYTES (16UL * 1024)
#define HTTP_IDLE_TIMEOUT_S   30
/* A request head must be complete this long after its first byte. */
#define HTTP_HEAD_TIMEOUT_S 10
/*
 * A request body is cut when none of it arrives for this long, or when,
 * past its first HTTP_BODY_STALL_S, it averages under HTTP_BODY_MIN_RATE
 * bytes a second (a 1 MiB body may then take up to 17 minutes).
 */
#define HTTP_BODY_STALL_S  10
#define HTTP_BODY_MIN_RATE 1024

/*
 * Returned by a handler that suspended its request (req_suspend()): the
 * answer comes later, from its resume function.
 */
#define HTTP_SUSPENDED 1

struct req;

/*
 * A route handler. It returns the HTTP status; when it wrote no response
 * body, the server renders the standard error body for that status.
 */
typedef int (*http_handler_fn)(struct req *r);

/* The reason phrase of a status ("Not Found"), or "Error". */
const char *http_reason(int status);

#endif
