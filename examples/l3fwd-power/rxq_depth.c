/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <rte_common.h>
#include <rte_ethdev.h>

#include "l3fwd_log.h"
#include "rxq_depth.h"

const char *
rxq_depth_how_str(enum rxq_depth_how how)
{
	switch (how) {
	case RXQ_DEPTH_COUNT:
		return "count";
	case RXQ_DEPTH_DESC:
		return "descriptor-status";
	case RXQ_DEPTH_RUN:
		return "full-bursts";
	default:
		return "off";
	}
}

void
rxq_depth_init(struct rxq_depth *d, uint16_t port, uint16_t queue,
		uint32_t mark, uint16_t burst)
{
	struct rte_eth_dev_info info;
	struct rte_eth_rxq_info qi;
	const char *drv = "?";

	*d = (struct rxq_depth){ .port = port, .queue = queue,
		.how = RXQ_DEPTH_OFF };
	if (mark == 0)
		return;
	if (rte_eth_dev_info_get(port, &info) == 0)
		drv = info.driver_name;
	/* A mark past the ring could never be reached. */
	if (rte_eth_rx_queue_info_get(port, queue, &qi) == 0 &&
			qi.nb_desc > 1 && mark >= qi.nb_desc)
		mark = qi.nb_desc - 1u;
	d->mark = RTE_MAX(mark, 1u);
	d->run_mark = RTE_MAX((d->mark + burst - 1u) / burst, 1u);
	if (rte_eth_rx_queue_count(port, queue) >= 0)
		d->how = RXQ_DEPTH_COUNT;
	else if (rte_eth_rx_descriptor_status(port, queue,
			(uint16_t)(d->mark - 1)) >= 0)
		d->how = RXQ_DEPTH_DESC;
	else
		d->how = RXQ_DEPTH_RUN;
	if (d->how == RXQ_DEPTH_RUN)
		L3FWD_LOG(NOTICE, "port %u (%s) queue %u: the PMD has neither "
			"rx queue count nor descriptor status: a queue counts "
			"as deep after %u full bursts in a row", port, drv,
			queue, d->run_mark);
	else
		L3FWD_LOG(INFO, "port %u (%s) queue %u: deep at %u "
			"descriptors, known by %s or %u full bursts in a row",
			port, drv, queue, d->mark, rxq_depth_how_str(d->how),
			d->run_mark);
}
