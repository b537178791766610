/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Each driver's frequency list, as librte_power builds it, for both
 * backends: read from sysfs, never written. Highest first; with turbo,
 * index 0 is the turbo step and p->top the highest without. The drivers'
 * table in power_manager_cores.c names these.
 *
 * Turbo switched off in the driver (cpufreq/boost, a policy's boost,
 * intel_pstate/no_turbo) is the operator's or the firmware's choice, and
 * the global knobs reach CPUs we do not control: the manager never writes
 * them. Such a policy is listed without a turbo step (TURBO_ON gets
 * -ENOTSUP). Where librte_power would still list one (acpi-cpufreq,
 * intel_pstate), p->own_list keeps librte_power off the policy.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "power_manager_private.h"

#define STEP_KHZ	100000		/* librte_power's bus step */
#define CPPC_UNIT	10000		/* acpi_cppc perf unit, kHz */

/* At most this many steps: librte_power's bound, and a sane one. */
#define MAX_FREQS	RTE_MAX_LCORE_FREQS

static int
alloc_freqs(struct pm_policy *p, uint32_t n)
{
	if (n == 0 || n > MAX_FREQS) {
		PM_LOG(ERR, "cpu %u: %u frequencies: cannot drive it", p->cpu,
			n);
		return -EINVAL;
	}
	p->freqs = calloc(n, sizeof(*p->freqs));
	if (p->freqs == NULL)
		return -ENOMEM;
	p->nb_freqs = n;
	return 0;
}

/* @top (turbo: @turbo_khz listed first), then 100 MHz steps to @lo. */
static int
steps(struct pm_policy *p, uint32_t top, uint32_t lo, uint32_t turbo_khz,
	uint32_t turbo_listed)
{
	uint32_t i, n, t = turbo_khz != 0;
	int ret;

	if (top < lo) {
		PM_LOG(ERR, "cpu %u: highest frequency %u below lowest %u kHz",
			p->cpu, top, lo);
		return -EINVAL;
	}
	n = (top - lo) / STEP_KHZ + 1 + t;
	ret = alloc_freqs(p, n);
	if (ret < 0)
		return ret;
	if (t)
		p->freqs[0] = turbo_listed;
	for (i = t; i < n; i++)
		p->freqs[i] = top - (i - t) * STEP_KHZ;
	p->top = t;
	p->turbo_khz = turbo_khz;
	return 0;
}

/* Boost is off for @p: globally, or (kernel 6.9+) for its policy. */
static int
boost_off(const struct pm_policy *p)
{
	char buf[8];

	return strcmp(pm_path_read(PM_CPU_DIR "/cpufreq/boost", buf,
			sizeof(buf)), "0") == 0 ||
		strcmp(pm_attr_read(p->cpu, "cpufreq/boost", buf, sizeof(buf)),
			"0") == 0;
}

/* acpi-cpufreq: the driver's own list; turbo is listed 1 MHz above. */
int
pm_freqs_acpi(struct pm_policy *p)
{
	char buf[1024], *q = buf, *end;
	uint32_t f[MAX_FREQS], n = 0;
	int ret;

	pm_attr_read(p->cpu, "cpufreq/scaling_available_frequencies", buf,
		sizeof(buf));
	while (n < MAX_FREQS) {
		unsigned long v = strtoul(q, &end, 10);

		if (end == q || v == 0 || v > UINT32_MAX)
			break;
		f[n++] = v;
		q = end;
	}
	ret = alloc_freqs(p, n);
	if (ret < 0)
		return ret;
	memcpy(p->freqs, f, n * sizeof(*f));
	p->top = n > 1 && f[0] == f[1] + 1000;
	if (p->top && boost_off(p)) {	/* the step runs at f[1]: drop it */
		memmove(p->freqs, p->freqs + 1, --p->nb_freqs * sizeof(*f));
		p->top = 0;
		p->own_list = 1;
	}
	return 0;
}

/*
 * intel_pstate, intel_cpufreq: the highest non-turbo frequency of CPUs
 * whose ratios run from @lo_b to @hi_b (100 MHz units): from turbo_pct,
 * or base_frequency on an SST-BF priority core (*prio).
 */
static uint32_t
pstate_top(uint32_t lo_b, uint32_t hi_b, uint32_t base_b, uint32_t pct,
	uint32_t *prio)
{
	uint32_t non_turbo = lo_b + (100 - pct) * (hi_b - lo_b) / 100;

	*prio = base_b <= hi_b && base_b > non_turbo;
	return (*prio ? base_b : non_turbo) * STEP_KHZ;
}

/*
 * intel_pstate (and intel_cpufreq, its passive mode): cpuinfo_min_freq up
 * to the highest non-turbo frequency in 100 MHz steps; turbo listed as
 * that + 1 kHz, written as cpuinfo_max_freq. With no_turbo, recent
 * kernels lower cpuinfo_max_freq to the base frequency, from which
 * librte_power's formula finds a false top: the ratios come from
 * num_pstates instead, and no turbo step is listed.
 */
int
pm_freqs_pstate(struct pm_policy *p)
{
	uint32_t lo = pm_read_khz(p->cpu, "cpufreq/cpuinfo_min_freq");
	uint32_t hi = pm_read_khz(p->cpu, "cpufreq/cpuinfo_max_freq");
	uint32_t base = pm_read_khz(p->cpu, "cpufreq/base_frequency");
	uint32_t lo_b = lo / STEP_KHZ, hi_b = hi / STEP_KHZ, pct, top, own;
	char buf[16], nt[8], num[16];

	pm_path_read(PM_CPU_DIR "/intel_pstate/turbo_pct", buf, sizeof(buf));
	if (lo == 0 || hi == 0 || buf[0] == '\0') {
		PM_LOG(ERR, "cpu %u: intel_pstate without cpuinfo limits or turbo_pct",
			p->cpu);
		return -ENODEV;
	}
	pct = RTE_MIN(strtoul(buf, NULL, 10), 100ul);
	top = pstate_top(lo_b, hi_b, base / STEP_KHZ, pct, &p->priority);
	pm_path_read(PM_CPU_DIR "/intel_pstate/no_turbo", nt, sizeof(nt));
	if (strcmp(nt, "1") != 0)
		return top < hi ? steps(p, top, lo, hi, top + 1) :
			steps(p, RTE_MIN(top, hi), lo, 0, 0);
	pm_path_read(PM_CPU_DIR "/intel_pstate/num_pstates", num, sizeof(num));
	if (strtoul(num, NULL, 10) > 1)
		hi_b = lo_b + strtoul(num, NULL, 10) - 1;
	own = RTE_MIN(pstate_top(lo_b, hi_b, base / STEP_KHZ, pct,
		&p->priority), hi);
	/* librte_power lists the same only if it has no turbo step either. */
	p->own_list = top < hi || own != hi;
	return steps(p, own, lo, 0, 0);
}

/*
 * cppc_cpufreq: the nominal frequency (acpi_cppc/nominal_perf, in 10 MHz
 * units when small) down to scaling_min_freq in 100 MHz steps; turbo is
 * scaling_max_freq when highest_perf is above nominal and cpuinfo_max_freq
 * is highest_perf.
 */
int
pm_freqs_cppc(struct pm_policy *p)
{
	uint32_t nom = pm_read_khz(p->cpu, "acpi_cppc/nominal_perf");
	uint32_t high = pm_read_khz(p->cpu, "acpi_cppc/highest_perf");
	uint32_t cmax = pm_read_khz(p->cpu, "cpufreq/cpuinfo_max_freq");
	uint32_t smax = pm_read_khz(p->cpu, "cpufreq/scaling_max_freq");
	uint32_t smin = pm_read_khz(p->cpu, "cpufreq/scaling_min_freq");
	uint32_t nom_khz = nom < CPPC_UNIT ? nom * CPPC_UNIT : nom;
	int turbo = high > nom &&
		(cmax == high || cmax == high * CPPC_UNIT);

	if (nom == 0 || smin == 0) {
		PM_LOG(ERR, "cpu %u: cppc_cpufreq without nominal_perf or limits",
			p->cpu);
		return -ENODEV;
	}
	return turbo ? steps(p, nom_khz, smin, smax, smax) :
		steps(p, nom_khz, smin, 0, 0);
}

/*
 * amd-pstate (passive, guided; active: amd-pstate-epp): DPDK 24.11's
 * drivers/power/amd_pstate list, kept to its arithmetic (uint32_t, even
 * where it overflows): RTE_MAX_LCORE_FREQS even buckets from
 * scaling_max_freq down to scaling_min_freq, rounded to 1 MHz, repeats
 * dropped. Turbo when acpi_cppc's highest_perf is above nominal_perf:
 * then p->top is the first step at or below acpi_cppc/nominal_freq.
 */
int
pm_freqs_amd(struct pm_policy *p)
{
	uint32_t max = pm_read_khz(p->cpu, "cpufreq/scaling_max_freq");
	uint32_t min = pm_read_khz(p->cpu, "cpufreq/scaling_min_freq");
	uint32_t nom = pm_read_khz(p->cpu, "acpi_cppc/nominal_freq") * 1000;
	uint32_t high = pm_read_khz(p->cpu, "acpi_cppc/highest_perf");
	uint32_t nperf = pm_read_khz(p->cpu, "acpi_cppc/nominal_perf");
	uint32_t f[MAX_FREQS], n = MAX_FREQS, k = 0, i, step, v;
	uint32_t nom_idx = 0;
	int found = 0, ret;

	if (max == 0 || min == 0 || max < min || nom == 0) {
		PM_LOG(ERR, "cpu %u: amd-pstate without limits or acpi_cppc/nominal_freq",
			p->cpu);
		return -ENODEV;
	}
	if (max == min)
		n = 1;
	step = n > 1 ? (((max - min) << 10) / (n - 1)) >> 10 : 0;
	for (i = 0; i < n; i++) {
		v = (max - i * step + 500) / 1000 * 1000;
		if (k == 0 || f[k - 1] != v)
			f[k++] = v;
		if (!found && nom >= v) {
			nom_idx = k - 1;
			found = 1;
		}
	}
	ret = alloc_freqs(p, k);
	if (ret < 0)
		return ret;
	memcpy(p->freqs, f, k * sizeof(*f));
	p->top = high > nperf ? nom_idx : 0;
	return 0;
}
