/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include "legacy.h"

#define GEAR1		LEGACY_BURST
#define GEAR2		(LEGACY_BURST * 2)
#define GEAR3		(LEGACY_BURST * 3)
#define TREND1_ACC	1
#define TREND2_ACC	100
#define TREND_UP	10000

enum legacy_hint
legacy_queue_hint(struct legacy_state *s, int rxq_count)
{
	/* Upstream stores the int in a uint32_t: -ENOTSUP is huge. */
	uint32_t count = (uint32_t)rxq_count;

	if (count > GEAR3) {
		s->trend = 0;
		return LEGACY_HIGHEST;
	} else if (count > GEAR2) {
		s->trend += TREND2_ACC;
	} else if (count > GEAR1) {
		s->trend += TREND1_ACC;
	}
	if (s->trend > TREND_UP) {
		s->trend = 0;
		return LEGACY_HIGHER;
	}
	return LEGACY_CURRENT;
}

int
legacy_period_down(struct legacy_state *s)
{
	/* Upstream: sleep_time / SCALING_PERIOD >= 0.25, in floats. */
	int down = s->sleep_us * 4 >= LEGACY_PERIOD_US ||
		(s->rounds > 0 && s->rx / s->rounds < LEGACY_BURST);

	s->sleep_us = 0;
	s->rx = 0;
	s->rounds = 0;
	return down;
}
