/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_GUEST_POWER_H
#define VMP_GUEST_POWER_H

/**
 * @file
 * librte_power backend for applications inside a VM.
 *
 * Owns: the rte_power function pointers (rte_power_freq_up, ..._down,
 * ..._max, ..._min, ..._enable_turbo, ..._disable_turbo, rte_power_get_freq,
 * rte_power_freqs, rte_power_get_capabilities, rte_power_set_freq,
 * rte_power_turbo_status) once vmp_guest_power_init() has run, and the
 * frequency list each lcore learnt from the host.
 *
 * Called by: an application, in place of rte_power_init()/rte_power_exit()
 * for each lcore; after that it uses the ordinary rte_power API, and every
 * call travels to the host over the lcore's channel (vmp_guest_channel.h).
 * Where DPDK's own VM backend returns -ENOTSUP (get_freq, freqs,
 * capabilities) this one asks the host. rte_power_set_freq and
 * rte_power_turbo_status have no request in the protocol: -ENOTSUP.
 *
 * The power environment reads PM_ENV_KVM_VM afterwards; init fails with
 * -EBUSY if the process already chose another environment.
 */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open @p lcore_id's channel (if it is not open yet) and route the
 * rte_power API to the host.
 * @param lcore_id  the lcore, as given to the rte_power calls
 * @return 0 or a negative errno (see vmp_guest_channel_open()).
 */
int vmp_guest_power_init(unsigned int lcore_id);

/**
 * Close @p lcore_id's channel and forget its frequency list.
 * @param lcore_id  the lcore
 * @return 0 or a negative errno.
 */
int vmp_guest_power_exit(unsigned int lcore_id);

#ifdef __cplusplus
}
#endif

#endif /* VMP_GUEST_POWER_H */
