/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_DPDK_COMPAT_H
#define VMP_DPDK_COMPAT_H

/*
 * Every difference between the DPDK releases vmpower supports (22.11, 24.11,
 * 25.11) lives here, and nowhere else. Code is written against the newest
 * API; this header spells it in the older releases' terms.
 *
 * - librte_power: 24.11 split <rte_power.h> into <rte_power_cpufreq.h>
 *   and made the cpufreq API dispatch to registered driver ops (one struct
 *   rte_power_cpufreq_ops per driver, the first registered under an
 *   environment's name wins). 22.11 has a global function pointer per call.
 *   On 22.11 the struct is spelled here, and "registering" stores it until
 *   vmp_compat_power_select() copies its functions into the pointers.
 * - librte_power's lcore -> CPU: see vmp_compat_power_lcore(), which
 *   keeps to what every release and patch level agrees on.
 * - PM_ENV_AMD_PSTATE_CPUFREQ (23.11): VMP_PM_ENV_AMD_PSTATE, NOT_SET
 *   before (no librte_power driver for amd-pstate).
 * - rte_power_set_freq() returns uint32_t since 24.11 (int before), still
 *   negative on error: callers compare (int)rte_power_set_freq(...) < 0.
 * - rte_thread_create_control() (23.07) replaces rte_ctrl_thread_create().
 * - rte_tel_data_add_{dict,array}_uint() (23.03) replace the _u64 ones.
 * - PM QoS, rte_power_qos.h (24.11): VMP_HAS_POWER_QOS; before, its two
 *   calls answer -ENOTSUP.
 * - Uncore: 22.11's <rte_power_intel_uncore.h> became <rte_power_uncore.h>
 *   (24.11), which wants a driver chosen first: vmp_compat_uncore_env().
 *
 * Included by the guest library, the daemon, l3fwd-power, tests, benchmarks
 * and fuzz targets; never by an installed header.
 */

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_tailq.h>
#include <rte_telemetry.h>
#include <rte_thread.h>
#include <rte_version.h>

#if __has_include(<rte_power_cpufreq.h>)
#include <rte_power_cpufreq.h>
#define VMP_POWER_HAS_CPUFREQ_OPS 1
#if __has_include(<power_cpufreq.h>)
#include <power_cpufreq.h>	/* a driver's: -DALLOW_INTERNAL_API to call */
#else
/*
 * The driver interface of lib/power/power_cpufreq.h (24.11, unchanged in
 * 25.11), which 25.11 installs only with its driver SDK (Debian's not).
 * rte_power_register_cpufreq_ops is exported, in librte_power's INTERNAL
 * version node. A layout that went wrong fails the guest_power_* and
 * guest_static_link* tests: vmp_guest_power_init() checks that the API
 * reaches our functions.
 */
typedef int (*rte_power_freq_change_t)(unsigned int lcore_id);

struct rte_power_cpufreq_ops {
	RTE_TAILQ_ENTRY(rte_power_cpufreq_ops) next;
	char name[24];
	int (*init)(unsigned int lcore_id);
	int (*exit)(unsigned int lcore_id);
	int (*check_env_support)(void);
	uint32_t (*get_avail_freqs)(unsigned int lcore_id, uint32_t *freqs,
		uint32_t num);
	uint32_t (*get_freq)(unsigned int lcore_id);
	int (*set_freq)(unsigned int lcore_id, uint32_t index);
	int (*freq_up)(unsigned int lcore_id);
	int (*freq_down)(unsigned int lcore_id);
	int (*freq_max)(unsigned int lcore_id);
	int (*freq_min)(unsigned int lcore_id);
	int (*turbo_status)(unsigned int lcore_id);
	int (*enable_turbo)(unsigned int lcore_id);
	int (*disable_turbo)(unsigned int lcore_id);
	int (*get_caps)(unsigned int lcore_id,
		struct rte_power_core_capabilities *caps);
};

int rte_power_register_cpufreq_ops(struct rte_power_cpufreq_ops *ops);
#endif
#else
#include <rte_power.h>
#define VMP_POWER_HAS_CPUFREQ_OPS 0
#endif

#if __has_include(<rte_power_uncore.h>)
#include <rte_power_uncore.h>
/** Choose the uncore driver (intel, the only one auto-detection takes). */
static inline int
vmp_compat_uncore_env(void)
{
	if (rte_power_get_uncore_env() != RTE_UNCORE_PM_ENV_NOT_SET)
		return 0;
	return rte_power_set_uncore_env(RTE_UNCORE_PM_ENV_AUTO_DETECT);
}
#else
#include <rte_power_intel_uncore.h>
static inline int
vmp_compat_uncore_env(void)
{
	return 0;
}
#endif

#if __has_include(<rte_power_qos.h>)
#include <rte_power_qos.h>
#define VMP_HAS_POWER_QOS 1
#else
#define VMP_HAS_POWER_QOS 0
static inline int
rte_power_qos_set_cpu_resume_latency(uint16_t lcore_id, int latency)
{
	RTE_SET_USED(lcore_id);
	RTE_SET_USED(latency);
	return -ENOTSUP;
}

static inline int
rte_power_qos_get_cpu_resume_latency(uint16_t lcore_id)
{
	RTE_SET_USED(lcore_id);
	return -ENOTSUP;
}
#endif

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#define VMP_PM_ENV_AMD_PSTATE	PM_ENV_AMD_PSTATE_CPUFREQ
#else
#define VMP_PM_ENV_AMD_PSTATE	PM_ENV_NOT_SET
#endif

/** librte_power's value for "no frequency index" (not in its headers). */
#define VMP_POWER_INVALID_INDEX	(~0u)

#if VMP_POWER_HAS_CPUFREQ_OPS

/** The ops that answer for @p env: the first registered under its name. */
static inline int
vmp_compat_power_register(struct rte_power_cpufreq_ops *ops)
{
	return rte_power_register_cpufreq_ops(ops);
}

/** Make the environment's registered ops the ones the API calls. */
static inline int
vmp_compat_power_select(enum power_management_env env,
	struct rte_power_cpufreq_ops *ops)
{
	RTE_SET_USED(ops);
	return rte_power_get_env() == env ? 0 : rte_power_set_env(env);
}

#else /* 22.11 */

/** 24.11's driver ops, for 22.11: the same functions, no list. */
struct rte_power_cpufreq_ops {
	char name[24];
	int (*init)(unsigned int lcore_id);
	int (*exit)(unsigned int lcore_id);
	int (*check_env_support)(void);
	rte_power_freqs_t get_avail_freqs;
	rte_power_get_freq_t get_freq;
	rte_power_set_freq_t set_freq;
	rte_power_freq_change_t freq_up;
	rte_power_freq_change_t freq_down;
	rte_power_freq_change_t freq_max;
	rte_power_freq_change_t freq_min;
	rte_power_freq_change_t turbo_status;
	rte_power_freq_change_t enable_turbo;
	rte_power_freq_change_t disable_turbo;
	rte_power_get_capabilities_t get_caps;
};

static inline int
vmp_compat_power_register(struct rte_power_cpufreq_ops *ops)
{
	RTE_SET_USED(ops);
	return 0;
}

/* 22.11's set_env points the API at DPDK's backend; ours replaces it. */
static inline int
vmp_compat_power_select(enum power_management_env env,
	struct rte_power_cpufreq_ops *ops)
{
	if (rte_power_get_env() != env && rte_power_set_env(env) < 0)
		return -1;
	rte_power_freqs = ops->get_avail_freqs;
	rte_power_get_freq = ops->get_freq;
	rte_power_set_freq = ops->set_freq;
	rte_power_freq_up = ops->freq_up;
	rte_power_freq_down = ops->freq_down;
	rte_power_freq_max = ops->freq_max;
	rte_power_freq_min = ops->freq_min;
	rte_power_turbo_status = ops->turbo_status;
	rte_power_freq_enable_turbo = ops->enable_turbo;
	rte_power_freq_disable_turbo = ops->disable_turbo;
	rte_power_get_capabilities = ops->get_caps;
	return 0;
}

#endif /* VMP_POWER_HAS_CPUFREQ_OPS */

/**
 * The lcore librte_power must be given to reach host CPU @p cpu, on every
 * release and patch level: this process's lcore number @p cpu, running
 * on exactly that CPU. Early 22.11 takes the lcore id for the CPU, later
 * 22.11.x and 24.11 take the one CPU of the lcore's EAL cpuset, and its
 * drivers check the lcore's role (pstate from 24.11, all from 26.07).
 * Other CPUs are out of librte_power's reach: -ERANGE.
 */
static inline int
vmp_compat_power_lcore(unsigned int cpu, unsigned int *lcore)
{
	rte_cpuset_t set;

	if (cpu >= RTE_MAX_LCORE || !rte_lcore_is_enabled(cpu))
		return -ERANGE;
	set = rte_lcore_cpuset(cpu);
	if (CPU_COUNT(&set) != 1 || !CPU_ISSET(cpu, &set))
		return -ERANGE;
	*lcore = cpu;
	return 0;
}

#if RTE_VERSION < RTE_VERSION_NUM(23, 3, 0, 0)
#define RTE_TEL_UINT_VAL RTE_TEL_U64_VAL

static inline int
rte_tel_data_add_dict_uint(struct rte_tel_data *d, const char *name,
	uint64_t val)
{
	return rte_tel_data_add_dict_u64(d, name, val);
}

static inline int
rte_tel_data_add_array_uint(struct rte_tel_data *d, uint64_t x)
{
	return rte_tel_data_add_array_u64(d, x);
}
#endif

#if RTE_VERSION < RTE_VERSION_NUM(23, 7, 0, 0)
struct vmp_compat_thread {
	rte_thread_func fn;
	void *arg;
};

static inline void *
vmp_compat_thread_main(void *p)
{
	struct vmp_compat_thread t = *(struct vmp_compat_thread *)p;

	free(p);
	return (void *)(uintptr_t)t.fn(t.arg);
}

/* 23.07's control thread: named, off the EAL data-plane cores. */
static inline int
rte_thread_create_control(rte_thread_t *thread, const char *name,
	rte_thread_func fn, void *arg)
{
	struct vmp_compat_thread *t = malloc(sizeof(*t));
	pthread_t tid;
	int ret;

	if (t == NULL)
		return ENOMEM;	/* positive, as the real one returns */
	t->fn = fn;
	t->arg = arg;
	ret = rte_ctrl_thread_create(&tid, name, NULL,
		vmp_compat_thread_main, t);
	if (ret != 0) {
		free(t);
		return ret;
	}
	thread->opaque_id = (uintptr_t)tid;
	return 0;
}
#endif

#endif /* VMP_DPDK_COMPAT_H */
