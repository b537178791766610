/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * What policies measure on the host. BRANCH_RATIO: hardware branches
 * and branch-misses of a pCPU, one perf event group a pCPU (no raw MSR).
 */

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy.h"

static int
perf_open(uint64_t config, int cpu, int group)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = config;
	a.disabled = group < 0;
	a.read_format = PERF_FORMAT_GROUP;
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, group,
		PERF_FLAG_FD_CLOEXEC);
}

int
policy_branch_probe(unsigned int cpu, char *why, size_t len)
{
	int leader, member, err;

	leader = perf_open(PERF_COUNT_HW_BRANCH_INSTRUCTIONS, (int)cpu, -1);
	if (leader < 0) {
		err = errno;
		goto fail;
	}
	member = perf_open(PERF_COUNT_HW_BRANCH_MISSES, (int)cpu, leader);
	err = member < 0 ? errno : 0;
	if (member >= 0)
		close(member);
	close(leader);
	if (err == 0)
		return 0;
fail:
	/* ENOENT/EOPNOTSUPP: no such hardware event (no PMU, e.g. a VM). */
	if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)
		snprintf(why, len, "BRANCH_RATIO needs a hardware PMU: pCPU "
			"%u counts no branches (perf_event_open: %s)", cpu,
			strerror(err));
	else
		snprintf(why, len, "BRANCH_RATIO: perf_event_open on pCPU %u: "
			"%s", cpu, strerror(err));
	return err == ENOENT || err == EOPNOTSUPP ? -ENOENT : -err;
}
