/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_epoll.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_lcore.h>

#include "idle.h"
#include "l3fwd_log.h"

void
idle_conf_default(struct idle_conf *c)
{
	c->pause_after = IDLE_DEFAULT_PAUSE_AFTER;
	c->sleep_after = IDLE_DEFAULT_SLEEP_AFTER;
	c->pause_us = IDLE_DEFAULT_PAUSE_US;
	c->sleep_us = IDLE_DEFAULT_SLEEP_US;
	c->max_sleep_us = IDLE_DEFAULT_MAX_SLEEP_US;
	c->interrupts = 1;
}

int
idle_conf_check(const struct idle_conf *c)
{
	if (c->sleep_after < c->pause_after || c->sleep_us == 0 ||
			c->max_sleep_us < c->sleep_us) {
		L3FWD_LOG(ERR, "idle thresholds: need pause-after <= "
			"sleep-after and 0 < sleep-us <= max-sleep-us");
		return -EINVAL;
	}
	return 0;
}

static void
intr_del(const struct idle_rxq *q, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_eth_dev_rx_intr_ctl_q(q[i].port, q[i].queue,
			RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_DEL, NULL);
}

/* Register every queue, or none: one queue without would starve. */
static int
intr_add(struct idle_state *s)
{
	unsigned int i;

	for (i = 0; i < s->nb_rxq; i++) {
		const struct idle_rxq *q = &s->rxq[i];

		if (rte_eth_dev_rx_intr_ctl_q(q->port, q->queue,
				RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_ADD,
				NULL) < 0) {
			intr_del(s->rxq, i);
			L3FWD_LOG(INFO, "lcore %u: port %u queue %u has no rx "
				"interrupt: idle lcore takes timed sleeps",
				rte_lcore_id(), q->port, q->queue);
			return 0;
		}
	}
	L3FWD_LOG(INFO, "lcore %u: idle lcore sleeps on rx interrupts",
		rte_lcore_id());
	return 1;
}

int
idle_init(struct idle_state *s, const struct idle_conf *c,
		const struct idle_rxq *rxq, unsigned int nb, uint32_t wait_us)
{
	memset(s, 0, sizeof(*s));
	s->conf = c;
	s->rxq = calloc(RTE_MAX(nb, 1u), sizeof(*s->rxq));
	if (s->rxq == NULL)
		return -ENOMEM;
	memcpy(s->rxq, rxq, nb * sizeof(*rxq));
	s->nb_rxq = nb;
	s->next_sleep_us = c->sleep_us;
	s->intr_wait_ms = (int)RTE_MAX(wait_us / 1000, 1u);
	s->intr = c->interrupts && nb > 0 && intr_add(s);
	return 0;
}

void
idle_fini(struct idle_state *s)
{
	if (s->intr)
		intr_del(s->rxq, s->nb_rxq);
	free(s->rxq);
	s->rxq = NULL;
	s->intr = 0;
}

static void
sleep_us(uint32_t us)
{
	struct timespec ts = {
		.tv_sec = us / 1000000,
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	nanosleep(&ts, NULL);
}

/* Arm, sleep, disarm. @return 0 when it slept, <0 to fall back. */
static int
sleep_on_interrupts(struct idle_state *s)
{
	struct rte_epoll_event ev;
	unsigned int i, armed;
	int ret = 0;

	for (armed = 0; armed < s->nb_rxq; armed++) {
		ret = rte_eth_dev_rx_intr_enable(s->rxq[armed].port,
			s->rxq[armed].queue);
		/* No arming step (net_tap): it fires while data waits. */
		if (ret == -ENOTSUP)
			ret = 0;
		if (ret < 0)
			break;
	}
	/*
	 * A packet that came between the last poll and arming raises no
	 * interrupt; where the PMD can tell, do not sleep on it.
	 */
	for (i = 0; ret == 0 && i < s->nb_rxq; i++)
		if (rte_eth_rx_descriptor_status(s->rxq[i].port,
				s->rxq[i].queue, 0) == RTE_ETH_RX_DESC_DONE)
			ret = -EAGAIN;
	if (ret == 0)
		rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, s->intr_wait_ms);
	for (i = 0; i < armed; i++)
		rte_eth_dev_rx_intr_disable(s->rxq[i].port, s->rxq[i].queue);
	if (ret < 0 && ret != -EAGAIN) {
		L3FWD_LOG(WARNING, "lcore %u: cannot arm the rx interrupt of "
			"port %u queue %u (%s): idle lcore takes timed sleeps",
			rte_lcore_id(), s->rxq[armed].port,
			s->rxq[armed].queue, strerror(-ret));
		s->intr = 0;
		return -ENOTSUP;
	}
	return ret;
}

uint64_t
idle_empty(struct idle_state *s)
{
	const struct idle_conf *c = s->conf;
	uint64_t start;

	s->empty_run++;
	if (s->empty_run <= c->pause_after)
		return 0;
	start = rte_rdtsc();
	if (s->empty_run <= c->sleep_after) {
		if (c->pause_us > 0)
			rte_delay_us_block(c->pause_us);
		else
			rte_pause();
		return rte_rdtsc() - start;
	}
	if (s->empty_run == c->sleep_after + 1)
		s->next_sleep_us = c->sleep_us;
	if (!s->intr || sleep_on_interrupts(s) == -ENOTSUP) {
		sleep_us(s->next_sleep_us);
		s->next_sleep_us = RTE_MIN(s->next_sleep_us * 2,
			c->max_sleep_us);
	}
	return rte_rdtsc() - start;
}
