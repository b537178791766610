/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_VMSCALE_H
#define L3FWD_VMSCALE_H

/**
 * @file
 * --pmd-mgmt scale inside a VM. DPDK's rte_power_pmd_mgmt refuses its
 * SCALE mode unless librte_power runs one of its host cpufreq drivers
 * (check_scale() in lib/power/rte_power_pmd_mgmt.c, 22.11 to 25.11: the
 * drivers' sysfs probe, then rte_power_get_env()), so in a VM l3fwd-power
 * applies DPDK's scale rule itself, as rx callbacks on the lcore's queues,
 * through the power component (rte_power_freq_max/min of the guest
 * backend). The rule is DPDK's clb_scale_freq(), queue_can_sleep() and
 * lcore_can_sleep():
 *
 * - a poll of a queue that receives packets asks for max, and that queue
 *   starts counting its empty polls again;
 * - once a queue has had more than max_empty_polls empty polls in a row
 *   it is ready; when every queue of the lcore is ready, the lcore asks
 *   for min, and asks again each time every queue has been polled empty
 *   once more.
 *
 * Unlike DPDK's acpi driver, our backend sends every call to the host:
 * the power component sends only changes, so a lasting state asks once.
 *
 * Owns the callbacks and the per-queue and per-lcore counts of one lcore;
 * that lcore attaches and detaches them around its loop (worker.c), so no
 * other thread ever sees them.
 */

#include <stdint.h>

#include <rte_ethdev.h>

#include "power.h"

struct vmscale_lcore;

struct vmscale_queue {
	struct vmscale_lcore *lc;
	uint16_t port;
	uint16_t queue;
	uint64_t n_empty;	/**< empty polls in a row */
	uint64_t n_sleeps;	/**< == lc->sleep_target: counted ready */
	const struct rte_eth_rxtx_callback *cb;
};

struct vmscale_lcore {
	struct power_lcore *power;	/**< NULL: the rule alone (tests) */
	uint32_t max_empty;		/**< --max-empty-polls */
	struct vmscale_queue *q;
	unsigned int nb_q;
	unsigned int n_ready;		/**< queues ready this round */
	uint64_t sleep_target;
};

enum vmscale_act {
	VMSCALE_NONE,
	VMSCALE_MAX,
	VMSCALE_MIN,
};

/**
 * Set up the rule for @p nb queues (ports and queues as given), without
 * callbacks. @return 0 or -ENOMEM.
 */
int vmscale_init(struct vmscale_lcore *l, const uint16_t *ports,
		const uint16_t *queues, unsigned int nb, uint32_t max_empty);

/** The rule, for one rx burst of @p nb_rx packets from queue @p qi. */
enum vmscale_act vmscale_rx(struct vmscale_lcore *l, unsigned int qi,
		uint16_t nb_rx);

/**
 * Put the callbacks on the queues, acting through @p p; on the lcore,
 * ports started. @return 0 or a negative errno (logged; none left on).
 */
int vmscale_attach(struct vmscale_lcore *l, struct power_lcore *p);

/** Take the callbacks off and free everything; on the lcore, after its
 * last rx burst. */
void vmscale_fini(struct vmscale_lcore *l);

#endif /* L3FWD_VMSCALE_H */
