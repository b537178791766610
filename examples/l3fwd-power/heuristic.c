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
	c->probe_after = HEUR_DEFAULT_PROBE_AFTER;
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

/* A busy or deep period: a pending probe went too low, wait longer. */
static void
probe_failed(const struct heur_conf *c, struct heur_state *s)
{
	s->shallow_run = 0;
	if (s->since_probe == 0)
		return;
	s->since_probe = 0;
	if (s->probe_wait < c->probe_after * HEUR_PROBE_BACKOFF_MAX)
		s->probe_wait *= 2;
}

/* A shallow period with time to spare: hold, or probe one step down. */
static enum heur_hint
shallow(const struct heur_conf *c, struct heur_state *s)
{
	if (c->probe_after == 0)
		return HEUR_HOLD;
	if (s->probe_wait == 0)
		s->probe_wait = c->probe_after;
	if (++s->shallow_run < s->probe_wait)
		return HEUR_HOLD;
	s->shallow_run = 0;
	s->since_probe = 1;
	return HEUR_DOWN;
}

enum heur_hint
heur_decide(const struct heur_conf *c, struct heur_state *s,
		const struct heur_period *p)
{
	int busy = p->polls > 0 &&
		p->busy_polls * 100 >= (uint64_t)c->up_pct * p->polls;
	int spare = p->cycles > 0 && p->sleep_cycles * 100 >=
		(uint64_t)c->down_pct * p->cycles;

	if (p->queue_full || busy) {
		probe_failed(c, s);
		s->busy_run++;
		if (p->queue_full)
			return HEUR_MAX;
		return s->busy_run >= c->max_after ? HEUR_MAX : HEUR_UP;
	}
	s->busy_run = 0;
	/* The last probe held for as long as it waited: the wait resets. */
	if (s->since_probe > 0 && ++s->since_probe > s->probe_wait) {
		s->since_probe = 0;
		s->probe_wait = c->probe_after;
	}
	if (!spare) {
		s->shallow_run = 0;
		return HEUR_HOLD;
	}
	if (p->busy_polls == 0) {
		s->shallow_run = 0;
		return HEUR_DOWN;
	}
	return shallow(c, s);
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
