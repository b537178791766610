/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The monitor's limits on what a peer may cost, shared by VM channels
 * (channel_requests.c) and host peers (host_requests.c): a token bucket
 * of requests a second on the monitor's clock (a test injects its own),
 * and a bucket of log lines. Called from the loop only.
 */

#include <stdint.h>
#include <time.h>

#include <rte_common.h>

#include "channel_monitor_private.h"

uint64_t
monitor_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
monitor_rate_ms(const struct monitor *mon)
{
	return mon->clock_ms != NULL ? mon->clock_ms(mon->clock_arg) :
		monitor_now_ms();
}

int
monitor_log_take(struct log_limit *l)
{
	uint64_t t = monitor_now_ms(), refill = (t - l->ms) / 1000;

	if (refill > 0) {
		l->tokens = (uint32_t)RTE_MIN((uint64_t)MONITOR_LOG_BURST,
			(uint64_t)l->tokens + refill);
		l->ms = t;
	}
	if (l->tokens == 0) {
		l->skipped++;
		return 0;
	}
	l->tokens--;
	return 1;
}

void
monitor_rate_init(struct monitor *mon, struct rate_limit *r)
{
	r->tokens = mon->rate * 1000;
	r->tokens_ms = monitor_rate_ms(mon);
}

/* Token bucket: the monitor's rate a second, as many in a burst. */
int
monitor_rate_take(struct monitor *mon, struct rate_limit *r)
{
	uint64_t now, cap = mon->rate * 1000;

	if (mon->rate == 0)
		return 1;
	if (r->tokens < 1000) {
		now = monitor_rate_ms(mon);
		r->tokens = RTE_MIN(cap, r->tokens +
			(now - r->tokens_ms) * mon->rate);
		r->tokens_ms = now;
		if (r->tokens < 1000)
			return 0;
	}
	r->tokens -= 1000;
	return 1;
}
