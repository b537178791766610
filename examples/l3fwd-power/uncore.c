/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>
#include "vmp_dpdk_compat.h"

#include "l3fwd_log.h"
#include "uncore.h"

struct die {
	unsigned int pkg;
	unsigned int die;
};

static struct die *taken;
static unsigned int nb_taken;

static int
set_one(const struct app_options *o, unsigned int pkg, unsigned int die)
{
	int ret, n;

	switch (o->uncore) {
	case UNCORE_MIN:
		ret = rte_power_uncore_freq_min(pkg, die);
		break;
	case UNCORE_MAX:
		ret = rte_power_uncore_freq_max(pkg, die);
		break;
	default:
		n = rte_power_uncore_get_num_freqs(pkg, die);
		if (n <= 0 || o->uncore_idx >= (uint32_t)n) {
			L3FWD_LOG(ERR, "-i %u: package %u die %u has %d "
				"uncore frequencies", o->uncore_idx, pkg, die,
				n);
			return -EINVAL;
		}
		ret = rte_power_set_uncore_freq(pkg, die, o->uncore_idx);
	}
	/* The setters answer 1 when the frequency changed. */
	return ret < 0 ? -EIO : 0;
}

static int
take(const struct app_options *o, unsigned int pkg, unsigned int die)
{
	struct die *grown;

	if (rte_power_uncore_init(pkg, die) < 0) {
		L3FWD_LOG(ERR, "uncore of package %u die %u: librte_power "
			"cannot take it", pkg, die);
		return -EIO;
	}
	grown = realloc(taken, (nb_taken + 1) * sizeof(*grown));
	if (grown == NULL) {
		rte_power_uncore_exit(pkg, die);
		return -ENOMEM;
	}
	taken = grown;
	taken[nb_taken++] = (struct die){ pkg, die };
	if (set_one(o, pkg, die) < 0) {
		L3FWD_LOG(ERR, "uncore of package %u die %u: cannot set it",
			pkg, die);
		return -EIO;
	}
	return 0;
}

int
uncore_apply(const struct app_options *o, int in_vm)
{
	unsigned int pkgs, pkg, dies, die;
	int ret;

	if (o->uncore == UNCORE_NONE)
		return 0;
	if (in_vm) {
		L3FWD_LOG(ERR, "-u/-U/-i: refused inside a VM: the uncore "
			"belongs to the host, and a guest has none to set");
		return -EPERM;
	}
	pkgs = vmp_compat_uncore_env() < 0 ? 0 :
		rte_power_uncore_get_num_pkgs();
	if (pkgs == 0) {
		L3FWD_LOG(ERR, "-u/-U/-i: no uncore frequency control here "
			"(/sys/devices/system/cpu/intel_uncore_frequency: the "
			"intel_uncore_frequency module)");
		return -ENOTSUP;
	}
	for (pkg = 0; pkg < pkgs; pkg++) {
		dies = rte_power_uncore_get_num_dies(pkg);
		for (die = 0; die < dies; die++) {
			ret = take(o, pkg, die);
			if (ret < 0)
				return ret;
		}
	}
	L3FWD_LOG(INFO, "uncore: %u package(s) set to %s", pkgs,
		o->uncore == UNCORE_MIN ? "min" : o->uncore == UNCORE_MAX ?
		"max" : "an index");
	return 0;
}

void
uncore_release(void)
{
	unsigned int i;

	for (i = 0; i < nb_taken; i++)
		rte_power_uncore_exit(taken[i].pkg, taken[i].die);
	free(taken);
	taken = NULL;
	nb_taken = 0;
}
