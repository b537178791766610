/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * The loop of --legacy: upstream's main_legacy_loop, decision for
 * decision (legacy.h), with our forwarding, idle and power components.
 * Where it differs, on purpose: an lcore without rx interrupts sleeps
 * (timed) after 300 empty rounds where upstream spins, and a request for
 * the level the lcore is at is not sent.
 */

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "l3fwd_log.h"
#include "legacy.h"
#include "worker.h"

/* Upstream acts on the highest hint any of the lcore's queues holds. */
static void
scale_up(struct worker *w)
{
	enum legacy_hint up = LEGACY_CURRENT;
	unsigned int i;

	for (i = 0; i < w->nb_rxq; i++)
		if (w->rxq[i].legacy_hint > up)
			up = w->rxq[i].legacy_hint;
	if (up == LEGACY_HIGHEST) {
		counter_add(&w->c.hints[HEUR_MAX], 1);
		power_lcore_hint(&w->power, HEUR_MAX);
	} else if (up == LEGACY_HIGHER) {
		counter_add(&w->c.hints[HEUR_UP], 1);
		power_lcore_hint(&w->power, HEUR_UP);
	}
}

/* One round. @return queues idle (past 10 empty polls); *hint their
 * smallest idle hint; *rx packets received. */
static unsigned int
poll_round(struct worker *w, uint16_t burst, uint32_t *hint, uint32_t *rx)
{
	unsigned int i, idle = 0;
	int full = 0;

	*hint = UINT32_MAX;
	*rx = 0;
	for (i = 0; i < w->nb_rxq; i++) {
		struct worker_rxq *q = &w->rxq[i];
		uint16_t n = rte_eth_rx_burst(q->port, q->queue, w->pkts,
			burst);

		if (n == 0) {
			q->zero_polls++;
			if (q->zero_polls <= LEGACY_MIN_ZERO_POLLS)
				continue;
			*hint = RTE_MIN(*hint, legacy_idle_hint(q->zero_polls));
			idle++;
			continue;
		}
		q->zero_polls = 0;
		q->legacy_hint = legacy_queue_hint(&w->legacy,
			rte_eth_rx_queue_count(q->port, q->queue));
		full |= n == burst;
		*rx += n;
		fwd_packets(&w->fwd, q->port, w->pkts, n);
	}
	fwd_flush(&w->fwd);
	counter_add(&w->c.polls, 1);
	if (full)
		counter_add(&w->c.busy_polls, 1);
	return idle;
}

int
worker_loop_legacy(struct worker *w, const struct worker_set *s)
{
	uint64_t period = rte_get_tsc_hz() / 1000000 * LEGACY_PERIOD_US;
	uint64_t start = rte_rdtsc(), now;
	uint32_t hint, rx;

	while (!workers_stopping()) {
		unsigned int idle = poll_round(w, s->o->burst, &hint, &rx);

		w->legacy.rounds++;
		w->legacy.rx += rx;
		if (rx > 0) {
			counter_add(&w->c.rx, rx);
			idle_busy(&w->idle);
		} else {
			counter_add(&w->c.empty_polls, 1);
		}
		if (idle != w->nb_rxq) {
			scale_up(w);
		} else {
			uint64_t slept;

			/* Counted as upstream counts, whatever it took. */
			w->legacy.sleep_us += hint;
			slept = idle_empty(&w->idle);
			if (slept) {
				counter_add(&w->c.sleep_cycles, slept);
				power_lcore_poll(&w->power);
			}
		}
		now = rte_rdtsc();
		if (now - start >= period) {
			if (legacy_period_down(&w->legacy)) {
				counter_add(&w->c.hints[HEUR_DOWN], 1);
				power_lcore_hint(&w->power, HEUR_DOWN);
			}
			power_lcore_poll(&w->power);
			start = now;
		}
	}
	return 0;
}
