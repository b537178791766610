/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_HEURISTIC_H
#define L3FWD_HEURISTIC_H

/**
 * @file
 * The load heuristic: turns what an lcore saw during one decision period
 * into a frequency hint. Pure logic, no I/O: the worker measures, the
 * power component acts.
 *
 * - a period where at least up_pct % of the polls found a backlog (a full
 *   burst, or the rx ring holding more than a burst) steps up;
 * - max_after such periods in a row go to max; so does a period in which
 *   an rx queue was deep (deep_queue descriptors held), though the worker
 *   has then already asked for max within the poll that saw it
 *   (rxq_depth.h);
 * - a period without backlog where the lcore spent at least down_pct % of
 *   the time pausing or sleeping steps down (the power component makes
 *   the last step a request for min);
 * - a shallow queue (a little backlog, neither busy nor deep) with as
 *   much time asleep holds, but after probe_after such periods in a row
 *   steps down once, a probe: without it a steady medium load whose
 *   occasional full burst counts as backlog would keep the lcore at the
 *   level a burst left it at (max). A probe that was too low shows as a
 *   busy or deep period (up, or max within the poll: nothing is lost to
 *   the ring) before as many periods have passed again; the next probe
 *   then waits twice as long, up to 32 times probe_after, and a probe
 *   that holds brings the wait back to probe_after;
 * - anything else holds.
 */

#include <stdint.h>

struct heur_conf {
	uint32_t period_us;		/**< decision period */
	uint32_t up_pct;		/**< % of polls with backlog: up */
	uint32_t max_after;		/**< busy periods in a row: max */
	uint32_t deep_queue;		/**< rx descriptors held: max; 0 off */
	uint32_t down_pct;		/**< % of the period asleep: down */
	uint32_t probe_after;		/**< shallow periods: probe; 0 off */
};

#define HEUR_DEFAULT_PERIOD_US		10000
#define HEUR_DEFAULT_UP_PCT		25
#define HEUR_DEFAULT_MAX_AFTER		3
#define HEUR_DEFAULT_DEEP_QUEUE		96
#define HEUR_DEFAULT_DOWN_PCT		25
#define HEUR_DEFAULT_PROBE_AFTER	10
#define HEUR_PROBE_BACKOFF_MAX		32

enum heur_hint {
	HEUR_HOLD,
	HEUR_UP,
	HEUR_MAX,
	HEUR_DOWN,
};

/** What an lcore measured during one decision period. */
struct heur_period {
	uint64_t polls;		/**< rounds over all its rx queues */
	uint64_t busy_polls;	/**< rounds where a queue had a backlog */
	uint64_t sleep_cycles;	/**< TSC cycles spent pausing or sleeping */
	uint64_t cycles;	/**< length of the period */
	int queue_full;		/**< an rx queue was deep (deep_queue) */
};

struct heur_state {
	uint32_t busy_run;	/**< busy periods in a row */
	uint32_t shallow_run;	/**< shallow periods in a row */
	uint32_t probe_wait;	/**< shallow periods before a probe; 0 new */
	uint32_t since_probe;	/**< periods since a probe; 0 none pending */
};

/** Fill in the defaults. */
void heur_conf_default(struct heur_conf *c);

/** Check the values. @return 0 or -EINVAL (logged). */
int heur_conf_check(const struct heur_conf *c);

/** Decide on one finished period. */
enum heur_hint heur_decide(const struct heur_conf *c, struct heur_state *s,
		const struct heur_period *p);

/** "hold", "up", "max", "down". */
const char *heur_hint_str(enum heur_hint h);

#endif /* L3FWD_HEURISTIC_H */
