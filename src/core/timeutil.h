/*
 * Wall-clock helpers: Unix milliseconds and ISO-8601 UTC text, the form
 * timestamps take in the database.
 */
#ifndef CORE_TIMEUTIL_H
#define CORE_TIMEUTIL_H

#include <stdint.h>

#define ISO_TIME_SIZE 64

/*
 * Milliseconds since the Unix epoch, from CLOCK_REALTIME. Use it (not
 * time(), which may read a coarse clock a tick behind) where a deadline is
 * compared with a client's clock, as for webhook and token timestamps.
 */
int64_t time_now_ms(void);
/* "2026-11-26T20:10:27.123Z" for ms into out. */
void time_iso_from_ms(int64_t ms, char out[ISO_TIME_SIZE]);

#endif
