/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_LEGACY_H
#define L3FWD_LEGACY_H

/**
 * @file
 * Upstream l3fwd-power's legacy heuristic (--legacy), decision for
 * decision, so that it can be compared with ours. Pure logic; the loop
 * that feeds it is worker_legacy.c. The same in upstream 22.11, 24.11 and
 * 25.11. Its quirks, kept on purpose:
 *
 * - The thresholds are upstream's constants (bursts of 32: more than 96
 *   queued is max, more than 64 adds 100 to a trend, more than 32 adds
 *   1; a trend over 10000 is one step up), whatever --burst says.
 * - On a PMD without rx queue count, rte_eth_rx_queue_count()'s negative
 *   errno read as unsigned is "more than 96": every poll that receives
 *   anything asks for max.
 * - A queue's hint is kept until it receives again, and the lcore acts on
 *   the highest hint of all its queues on every round that is not idle;
 *   the first 10 empty rounds after traffic are not idle, so a last hint
 *   of "higher" steps up again on each of them.
 * - Every 100 ms: a step down if the lcore "slept" a quarter of it, where
 *   sleep is counted, not measured (1 us for each idle round before the
 *   300th, 300 us for each after); else a step down if it received fewer
 *   than 32 packets per round (any load short of saturation).
 * - Requests are made again while already at the level: here, as in
 *   librte_power's own drivers, one that would not move is not sent.
 */

#include <stdint.h>

#define LEGACY_BURST		32	/* upstream's MAX_PKT_BURST */
#define LEGACY_MIN_ZERO_POLLS	10	/* empty rounds before idle */
#define LEGACY_SUSPEND		300	/* empty rounds before long sleep */
#define LEGACY_PERIOD_US	100000	/* the scale-down timer */

enum legacy_hint {
	LEGACY_CURRENT = 0,
	LEGACY_HIGHER = 1,
	LEGACY_HIGHEST = 2,
};

struct legacy_state {
	uint32_t trend;		/**< the scale-up trend */
	uint64_t sleep_us;	/**< counted "sleep" this period */
	uint64_t rx;		/**< packets this period */
	uint64_t rounds;	/**< loop rounds this period */
};

/** After a poll that received: the queue's hint from its rx count. */
enum legacy_hint legacy_queue_hint(struct legacy_state *s, int rxq_count);

/** The "sleep" an idle round counts, from the queue's empty run. */
static inline uint32_t
legacy_idle_hint(uint32_t zero_polls)
{
	return zero_polls < LEGACY_SUSPEND ? 1 : LEGACY_SUSPEND;
}

/**
 * The 100 ms timer: whether to step down. Starts the next period.
 */
int legacy_period_down(struct legacy_state *s);

#endif /* L3FWD_LEGACY_H */
