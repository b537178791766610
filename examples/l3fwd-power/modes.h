/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef L3FWD_MODES_H
#define L3FWD_MODES_H

/**
 * @file
 * What upstream's modes and options need outside the forwarding loop:
 * DPDK's rte_power_pmd_mgmt on each rx queue (--pmd-mgmt), the PM QoS
 * resume latency of the forwarding lcores (--cpu-resume-latency), and
 * the uncore frequency (-u/-U/-i, uncore.h), which of DPDK's scale and
 * ours (vmscale.h) --pmd-mgmt scale uses, and the notes they deserve
 * at start. Each is undone at the end: the
 * callbacks removed, the lcores scaled by pmd-mgmt put back at the
 * frequency and governor they had, the resume latency restored.
 *
 * Owns what it saved to restore. Main thread only, while no lcore
 * forwards.
 */

#include <stdint.h>

#include "options.h"

/**
 * Whether this is --pmd-mgmt scale with lcores in a VM (--env vm, or
 * auto and a channel exists), which DPDK refuses: then the workers apply
 * DPDK's scale rule themselves (vmscale.h).
 */
int modes_scale_in_vm(const struct app_options *o);

/** Whether our power component controls the lcores in this mode. */
int modes_own_power(const struct app_options *o);

/**
 * Before @p port starts (its queues set up): --pmd-mgmt on its rx queues.
 * @return 0 or a negative errno (logged).
 */
int modes_port_ready(const struct app_options *o, uint16_t port);

/**
 * Once ports are up: --cpu-resume-latency on @p lcores, and the notes.
 * @return 0 or a negative errno (logged).
 */
int modes_start(const struct app_options *o, const unsigned int *lcores,
		unsigned int nb);

/** After forwarding stopped, before the ports stop: undo everything. */
void modes_stop(const struct app_options *o);

#endif /* L3FWD_MODES_H */
