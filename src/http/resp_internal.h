/*
 * Between the response builders (resp.c) and the server (server.c).
 */
#ifndef HTTP_RESP_INTERNAL_H
#define HTTP_RESP_INTERNAL_H

#include <microhttpd.h>

#include "http/req.h"

/* Renders the standard error body for status when no body was set. */
void resp_default(struct req *r, int status);
/* The same with detail in the JSON body; pages get the error page. */
void resp_error(struct req *r, int status, const char *detail);
/* Adds the common headers and queues the response on the connection. */
enum MHD_Result resp_queue(struct req *r);

#endif
