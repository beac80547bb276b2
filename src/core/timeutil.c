/*
 * Time helpers; gmtime_r only, so safe from any thread.
 */
#include "core/timeutil.h"

#include <stdio.h>
#include <time.h>

int64_t
time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
time_iso_from_ms(int64_t ms, char out[ISO_TIME_SIZE])
{
	time_t    secs = (time_t)(ms / 1000);
	int       frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		(void)snprintf(out, ISO_TIME_SIZE, "1970-01-01T00:00:00.000Z");
		return;
	}
	(void)snprintf(out, ISO_TIME_SIZE,
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
