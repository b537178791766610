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
 *
 * On DPDK 24.11 and later the backend is a librte_power driver named
 * "kvm-vm", registered when the library loads, ahead of DPDK's own
 * kvm_vm driver (a shared program loads that one from EAL's driver
 * directory during rte_eal_init(); a static one runs its constructor
 * after ours). There, rte_power_set_env(PM_ENV_KVM_VM) and
 * rte_power_init() also select it. If DPDK's driver was registered first
 * all the same (a program linked with the shared librte_power_kvm_vm
 * ahead of this library), vmp_guest_power_init() fails with -EBUSY and
 * says so, rather than let requests go elsewhere.
 *
 * This header brings the release's rte_power API (<rte_power.h> on 22.11,
 * <rte_power_cpufreq.h> since 24.11), so one application source builds on
 * every release.
 */

#if __has_include(<rte_power_cpufreq.h>)
#include <rte_power_cpufreq.h>
#else
#include <rte_power.h>
#endif

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
