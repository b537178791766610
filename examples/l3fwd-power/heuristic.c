/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>

#include "heuristic.h"
#include "l3fwd_log.h"

void
heur_conf_default(struct heur_conf *c)
{
	c->period_us = HEUR_DEFAULT_PERIOD_US;
	c->up_pct = HEUR_DEFAULT_UP_PCT;
	c->max_after = HEUR_DEFAULT_MAX_AFTER;
	c->deep_queue = HEUR_DEFAULT_DEEP_QUEUE;
	c->down_pct = HEUR_DEFAULT_DOWN_PCT;
}

int
heur_conf_check(const struct heur_conf *c)
{
	if (c->period_us == 0 || c->up_pct == 0 || c->up_pct > 100 ||
			c->max_after == 0 || c->down_pct == 0 ||
			c->down_pct > 100) {
		L3FWD_LOG(ERR, "scaling thresholds: the period and the "
			"counts must be > 0, the percentages 1..100");
		return -EINVAL;
	}
	return 0;
}

enum heur_hint
heur_decide(const struct heur_conf *c, struct heur_state *s,
		const struct heur_period *p)
{
	int busy = p->polls > 0 &&
		p->busy_polls * 100 >= (uint64_t)c->up_pct * p->polls;

	if (p->queue_full) {
		s->busy_run++;
		return HEUR_MAX;
	}
	if (busy) {
		s->busy_run++;
		return s->busy_run >= c->max_after ? HEUR_MAX : HEUR_UP;
	}
	s->busy_run = 0;
	/* Any backlog at all means the frequency is not too high. */
	if (p->busy_polls == 0 && p->cycles > 0 && p->sleep_cycles * 100 >=
			(uint64_t)c->down_pct * p->cycles)
		return HEUR_DOWN;
	return HEUR_HOLD;
}

const char *
heur_hint_str(enum heur_hint h)
{
	switch (h) {
	case HEUR_UP:
		return "up";
	case HEUR_MAX:
		return "max";
	case HEUR_DOWN:
		return "down";
	default:
		return "hold";
	}
}
