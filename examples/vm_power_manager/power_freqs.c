/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Each driver's frequency list, as librte_power builds it, for both
 * backends: read from sysfs, never written. Highest first; with turbo,
 * index 0 is the turbo step and p->top the highest without. The drivers'
 * table in power_manager_cores.c names these.
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
	return 0;
}

/*
 * intel_pstate: cpuinfo_min_freq up to the highest non-turbo frequency
 * (from intel_pstate/turbo_pct, or base_frequency on an SST-BF priority
 * core) in 100 MHz steps; turbo listed as that + 1 kHz, written as
 * cpuinfo_max_freq.
 */
int
pm_freqs_pstate(struct pm_policy *p)
{
	uint32_t lo = pm_read_khz(p->cpu, "cpufreq/cpuinfo_min_freq");
	uint32_t hi = pm_read_khz(p->cpu, "cpufreq/cpuinfo_max_freq");
	uint32_t base = pm_read_khz(p->cpu, "cpufreq/base_frequency");
	uint32_t lo_b = lo / STEP_KHZ, hi_b = hi / STEP_KHZ, base_b;
	uint32_t pct, non_turbo, top;
	char buf[16];

	base_b = base / STEP_KHZ;
	pm_path_read(PM_CPU_DIR "/intel_pstate/turbo_pct", buf, sizeof(buf));
	if (lo == 0 || hi == 0 || buf[0] == '\0') {
		PM_LOG(ERR, "cpu %u: intel_pstate without cpuinfo limits or turbo_pct",
			p->cpu);
		return -ENODEV;
	}
	pct = RTE_MIN(strtoul(buf, NULL, 10), 100ul);
	non_turbo = lo_b + (100 - pct) * (hi_b - lo_b) / 100;
	p->priority = base_b <= hi_b && base_b > non_turbo;
	top = (p->priority ? base_b : non_turbo) * STEP_KHZ;
	if (top < hi)
		return steps(p, top, lo, hi, top + 1);
	return steps(p, RTE_MIN(top, hi), lo, 0, 0);
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
