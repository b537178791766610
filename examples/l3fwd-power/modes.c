/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_power_pmd_mgmt.h>
#include "vmp_dpdk_compat.h"

#include "l3fwd_log.h"
#include "modes.h"
#include "options_upstream.h"
#include "power.h"
#include "uncore.h"

/* An lcore pmd-mgmt scaled, or whose resume latency we set. */
struct saved {
	unsigned int lcore;
	uint32_t khz;		/* scale: frequency before, 0 unknown */
	int scaled;		/* DPDK's scale mode took it */
	int latency;		/* QoS: resume latency before, -1 none */
};

static struct saved *saved;
static unsigned int nb_saved;
static int scale_vm = -1;	/* modes_scale_in_vm(), once known */

static struct saved *
saved_of(unsigned int lcore)
{
	struct saved *grown;
	unsigned int i;

	for (i = 0; i < nb_saved; i++)
		if (saved[i].lcore == lcore)
			return &saved[i];
	grown = realloc(saved, (nb_saved + 1) * sizeof(*grown));
	if (grown == NULL)
		return NULL;
	saved = grown;
	saved[nb_saved] = (struct saved){ .lcore = lcore, .latency = -1 };
	return &saved[nb_saved++];
}

int
modes_scale_in_vm(const struct app_options *o)
{
	unsigned int i;

	if (o->mode != APP_MODE_PMD_MGMT || o->pmd_mgmt != PMD_MGMT_SCALE)
		return 0;
	if (scale_vm >= 0)
		return scale_vm;
	scale_vm = o->env == POWER_ENV_VM;
	for (i = 0; !scale_vm && o->env == POWER_ENV_AUTO && i < o->nb_rxq;
			i++)
		scale_vm = power_vm_channels(o, &o->rxq[i].lcore, 1);
	return scale_vm;
}

int
modes_own_power(const struct app_options *o)
{
	return o->mode == APP_MODE_VMPOWER || o->mode == APP_MODE_LEGACY ||
		modes_scale_in_vm(o);
}

static const char freq_range_why[] = "--scale-freq-min/--scale-freq-max "
	"in a VM: refused: DPDK honours them only in its intel_pstate "
	"driver, by narrowing the frequency list it keeps; in a VM the host "
	"keeps the list and answers max and min with its own ends";

/*
 * DPDK's check_scale() (lib/power/rte_power_pmd_mgmt.c, 22.11 to 25.11)
 * takes only librte_power's host cpufreq drivers: in a VM the scale rule
 * is ours (vmscale.h), on the worker's own power control.
 */
static int
scale_vm_ready(const struct app_options *o)
{
	if (o->scale_freq_min != 0 || o->scale_freq_max != 0) {
		L3FWD_LOG(ERR, "%s", freq_range_why);
		return -ENOTSUP;
	}
	return 0;
}

static const enum rte_power_pmd_mgmt_type pmgmt_types[] = {
	[PMD_MGMT_MONITOR] = RTE_POWER_MGMT_TYPE_MONITOR,
	[PMD_MGMT_PAUSE] = RTE_POWER_MGMT_TYPE_PAUSE,
	[PMD_MGMT_SCALE] = RTE_POWER_MGMT_TYPE_SCALE,
};

/* Upstream's order: the tuning, then the queue. */
static int
pmgmt_enable(const struct app_options *o, const struct rxq_assign *a)
{
	struct saved *sv = saved_of(a->lcore);
	int ret;

	if (sv == NULL)
		return -ENOMEM;
	if (o->pmd_mgmt == PMD_MGMT_SCALE && !sv->scaled) {
		sv->scaled = 1;
		sv->khz = power_host_start_khz(a->lcore);
	}
	rte_power_pmd_mgmt_set_emptypoll_max(o->max_empty_polls);
	ret = rte_power_pmd_mgmt_set_pause_duration(o->pause_duration);
	if (ret == 0)
		ret = rte_power_pmd_mgmt_set_scaling_freq_min(a->lcore,
			o->scale_freq_min);
	if (ret == 0)
		ret = rte_power_pmd_mgmt_set_scaling_freq_max(a->lcore,
			o->scale_freq_max);
	if (ret == 0)
		ret = rte_power_ethdev_pmgmt_queue_enable(a->lcore, a->port,
			a->queue, pmgmt_types[o->pmd_mgmt]);
	if (ret < 0)
		L3FWD_LOG(ERR, "--pmd-mgmt %s on port %u queue %u lcore %u: "
			"%s%s", options_pmd_mgmt_str(o->pmd_mgmt), a->port,
			a->queue, a->lcore, strerror(-ret),
			o->pmd_mgmt == PMD_MGMT_SCALE ? " (DPDK's scale mode "
			"takes only librte_power's host cpufreq drivers; in a "
			"VM, --env vm or the lcores' channels have l3fwd-power "
			"apply its rule itself)" :
			o->pmd_mgmt == PMD_MGMT_MONITOR ? " (monitor needs "
			"the CPU's UMWAIT/MONITORX and the PMD's monitor "
			"address)" : "");
	return ret;
}

int
modes_port_ready(const struct app_options *o, uint16_t port)
{
	unsigned int i;
	int ret;

	if (o->mode != APP_MODE_PMD_MGMT || o->pmd_mgmt == PMD_MGMT_BASELINE)
		return 0;
	if (modes_scale_in_vm(o))
		return scale_vm_ready(o);
	for (i = 0; i < o->nb_rxq; i++) {
		if (o->rxq[i].port != port)
			continue;
		ret = pmgmt_enable(o, &o->rxq[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
qos_set(const struct app_options *o, unsigned int lcore)
{
	struct saved *sv = saved_of(lcore);
	int ret;

	if (sv == NULL)
		return -ENOMEM;
	ret = rte_power_qos_get_cpu_resume_latency((uint16_t)lcore);
	if (ret >= 0) {
		sv->latency = ret;
		ret = rte_power_qos_set_cpu_resume_latency((uint16_t)lcore,
			(int)o->cpu_resume_latency);
	}
	if (ret < 0) {
		sv->latency = -1;
		L3FWD_LOG(ERR, "--cpu-resume-latency on lcore %u: %s", lcore,
			strerror(-ret));
	}
	return ret;
}

int
modes_start(const struct app_options *o, const unsigned int *lcores,
		unsigned int nb)
{
	unsigned int i;
	int ret;

	L3FWD_LOG(INFO, "mode: %s%s%s", options_mode_str(o->mode),
		o->mode == APP_MODE_PMD_MGMT ? " " : "",
		o->mode == APP_MODE_PMD_MGMT ?
		options_pmd_mgmt_str(o->pmd_mgmt) : "");
	if (modes_scale_in_vm(o))
		L3FWD_LOG(INFO, "--pmd-mgmt scale in a VM: DPDK's "
			"rte_power_pmd_mgmt takes only librte_power's host "
			"cpufreq drivers, so l3fwd-power applies DPDK's scale "
			"rule itself through the guest backend: max on "
			"traffic, min once every queue of the lcore had more "
			"than %u empty polls in a row", o->max_empty_polls);
	if (o->parse_ptype)
		L3FWD_LOG(INFO, "--parse-ptype: headers are always parsed in "
			"software here, packet types are not used");
	ret = uncore_apply(o, o->env == POWER_ENV_VM ||
		power_vm_channels(o, lcores, nb));
	if (ret < 0)
		return ret;
	for (i = 0; o->cpu_resume_latency >= 0 && i < nb; i++) {
		ret = qos_set(o, lcores[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Disabling pmd-mgmt scale leaves the lcore at max; 22.11 also lets the
 * driver go (governor back), later releases may keep it. Taking it again
 * tells which, and puts the frequency back where it was; librte_power's
 * calls on an lcore its driver does not hold would crash.
 */
static void
unscale(const struct saved *sv)
{
	uint32_t khz[64];
	uint32_t n, i;

	if (rte_power_init(sv->lcore) == 0) {
		n = rte_power_freqs(sv->lcore, khz, RTE_DIM(khz));
		for (i = 0; sv->khz != 0 && i < n && i < RTE_DIM(khz); i++)
			if (khz[i] == sv->khz)
				rte_power_set_freq(sv->lcore, i);
	}
	rte_power_exit(sv->lcore);
}

void
modes_stop(const struct app_options *o)
{
	unsigned int i;

	if (o->mode == APP_MODE_PMD_MGMT && o->pmd_mgmt != PMD_MGMT_BASELINE &&
			!modes_scale_in_vm(o))
		for (i = 0; i < o->nb_rxq; i++)
			rte_power_ethdev_pmgmt_queue_disable(o->rxq[i].lcore,
				o->rxq[i].port, o->rxq[i].queue);
	for (i = 0; i < nb_saved; i++) {
		if (saved[i].scaled)
			unscale(&saved[i]);
		if (saved[i].latency >= 0)
			rte_power_qos_set_cpu_resume_latency(
				(uint16_t)saved[i].lcore, saved[i].latency);
	}
	free(saved);
	saved = NULL;
	nb_saved = 0;
	scale_vm = -1;
	uncore_release();
}
