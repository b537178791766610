/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_IDLE_H
#define L3FWD_IDLE_H

/**
 * @file
 * How an lcore backs off when its polls come back empty: after
 * pause_after empty rounds it pauses pause_us between rounds (busy wait,
 * the lcore stays responsive); after sleep_after it sleeps, sleep_us
 * first, doubling up to max_sleep_us. Where every rx queue of the lcore
 * has an rx interrupt, it sleeps on them instead, woken by the first
 * packet or at the end of the decision period.
 *
 * Owns the lcore's registration of its queues in the per-thread epoll
 * instance: idle_init() and idle_fini() run on the lcore itself.
 */

#include <stdint.h>

struct idle_conf {
	uint32_t pause_after;	/**< empty rounds before pausing */
	uint32_t sleep_after;	/**< empty rounds before sleeping */
	uint32_t pause_us;	/**< one pause */
	uint32_t sleep_us;	/**< first sleep */
	uint32_t max_sleep_us;	/**< longest timed sleep */
	int interrupts;		/**< use rx interrupts where the PMD has them */
};

#define IDLE_DEFAULT_PAUSE_AFTER	10
#define IDLE_DEFAULT_SLEEP_AFTER	300
#define IDLE_DEFAULT_PAUSE_US		1
#define IDLE_DEFAULT_SLEEP_US		100
#define IDLE_DEFAULT_MAX_SLEEP_US	1000

struct idle_rxq {
	uint16_t port;
	uint16_t queue;
};

struct idle_state {
	const struct idle_conf *conf;
	struct idle_rxq *rxq;
	unsigned int nb_rxq;
	int intr;		/**< every queue is in the epoll instance */
	int intr_wait_ms;	/**< longest wait for an interrupt */
	uint32_t empty_run;	/**< empty rounds in a row */
	uint32_t next_sleep_us;
};

/** Fill in the defaults. */
void idle_conf_default(struct idle_conf *c);

/** Check the values. @return 0 or -EINVAL (logged). */
int idle_conf_check(const struct idle_conf *c);

/**
 * Prepare an lcore's idle state for its @p nb rx queues; run on the lcore.
 * @param wait_us  longest sleep on interrupts (the decision period)
 * @return 0 or -ENOMEM.
 */
int idle_init(struct idle_state *s, const struct idle_conf *c,
		const struct idle_rxq *rxq, unsigned int nb, uint32_t wait_us);

/** Undo idle_init(); run on the lcore. */
void idle_fini(struct idle_state *s);

/** A round found packets: the next empty one starts over. */
static inline void
idle_busy(struct idle_state *s)
{
	s->empty_run = 0;
}

/**
 * A round found nothing: pause or sleep as the empty run asks.
 * @return TSC cycles spent pausing or sleeping.
 */
uint64_t idle_empty(struct idle_state *s);

#endif /* L3FWD_IDLE_H */
