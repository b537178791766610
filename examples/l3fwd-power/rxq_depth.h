/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_RXQ_DEPTH_H
#define L3FWD_RXQ_DEPTH_H

/**
 * @file
 * Whether an rx queue is deep, asked right after each rx burst so that
 * the lcore can go to max within the poll that found the backlog rather
 * than at the end of its decision period.
 *
 * The way to know depends on the PMD, chosen once per queue at start and
 * logged: rte_eth_rx_queue_count() where the PMD has it; else
 * rte_eth_rx_descriptor_status() of the descriptor at the mark. Whatever
 * the PMD says, enough full bursts in a row to have drained the mark also
 * make the queue deep, which only a queue that kept filling can give: the
 * only way where the PMD has neither (net_ring, net_memif, and net_pcap
 * before DPDK 25.11, whose count then answers 0 however much is queued).
 *
 * Owns: struct rxq_depth, one per rx queue, used by the lcore polling it.
 */

#include <stdint.h>

#include <rte_ethdev.h>

/** Default mark: upstream l3fwd-power's "more than 3 bursts queued". */
#define RXQ_DEPTH_DEFAULT_MARK	96

enum rxq_depth_how {
	RXQ_DEPTH_COUNT,	/**< rte_eth_rx_queue_count() */
	RXQ_DEPTH_DESC,		/**< rte_eth_rx_descriptor_status() */
	RXQ_DEPTH_RUN,		/**< full bursts in a row only */
	RXQ_DEPTH_OFF,		/**< --deep-queue 0: never deep */
};

struct rxq_depth {
	uint16_t port;
	uint16_t queue;
	enum rxq_depth_how how;
	uint32_t mark;		/**< descriptors held that mean deep */
	uint32_t run_mark;	/**< RUN: full bursts in a row that do */
	uint32_t run;		/**< full bursts in a row so far */
};

/**
 * Choose how to measure @p port / @p queue (started) and log it.
 * @param mark   descriptors queued that count as deep, clamped below the
 *               ring size; 0: never deep (the period decides alone)
 * @param burst  the rx burst size
 */
void rxq_depth_init(struct rxq_depth *d, uint16_t port, uint16_t queue,
		uint32_t mark, uint16_t burst);

/** "count", "descriptor-status", "full-bursts", "off". */
const char *rxq_depth_how_str(enum rxq_depth_how how);

/**
 * After an rx burst that returned @p n of at most @p burst: whether the
 * queue is deep. Only full bursts ask the PMD, so a light load costs
 * nothing.
 */
static inline int
rxq_depth_deep(struct rxq_depth *d, uint16_t n, uint16_t burst)
{
	if (n < burst) {
		d->run = 0;
		return 0;
	}
	if (d->how == RXQ_DEPTH_OFF)
		return 0;
	if (++d->run >= d->run_mark)
		return 1;
	switch (d->how) {
	case RXQ_DEPTH_COUNT:
		return rte_eth_rx_queue_count(d->port, d->queue) >=
			(int)d->mark;
	case RXQ_DEPTH_DESC:
		return rte_eth_rx_descriptor_status(d->port, d->queue,
			(uint16_t)(d->mark - 1)) == RTE_ETH_RX_DESC_DONE;
	default:
		return 0;
	}
}

#endif /* L3FWD_RXQ_DEPTH_H */
