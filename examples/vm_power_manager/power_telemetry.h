/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_POWER_TELEMETRY_H
#define VMP_POWER_TELEMETRY_H

/**
 * @file
 * DPDK telemetry commands of vm_power_mgr (read them with
 * dpdk-telemetry.py): /vmpower/vms, /vmpower/vm,<name>, /vmpower/cores,
 * /vmpower/core,<cpu>, /vmpower/stats.
 *
 * Owns: nothing. Telemetry's thread asks the monitor's loop for the data
 * (monitor_call()), so it reads the daemon's state on its owner's thread.
 * Called by: main.c only, once, before the loop runs.
 */

struct monitor;

/** Register the commands. @return 0 or a negative errno. */
int power_telemetry_init(struct monitor *mon);

#endif /* VMP_POWER_TELEMETRY_H */
