/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_PEER_CPUSET_H
#define VMP_PEER_CPUSET_H

/**
 * @file
 * Which host CPUs a local process may run on: its cgroup, from
 * /proc/<pid>/cgroup, and that cgroup's effective cpuset.
 *
 * cgroup v1 (a hierarchy with the cpuset controller): cpuset.effective_cpus,
 * or cpuset.cpus where the kernel has no effective file. cgroup v2 (the
 * "0::" line): cpuset.cpus.effective, from the nearest ancestor that has
 * one when the controller is not enabled below it. The v1 hierarchy wins
 * when the process is in one (hybrid hosts keep cpuset in v1). Where the
 * hierarchies are mounted is read from /proc/self/mountinfo at
 * peer_cpuset_init(), never assumed.
 *
 * Owns: the mount points it found. Pure file reading, no state of the
 * daemon: the host channels call it at each request, so a cpuset changed
 * at run time counts from the next request on. Any thread.
 */

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpu_list.h"

struct peer_cpuset_mounts {
	char v1[PATH_MAX];	/**< v1 cpuset mount point, "" if none */
	char v1_root[PATH_MAX];	/**< the cgroup the v1 mount shows as "/" */
	char v2[PATH_MAX];	/**< cgroup2 mount point, "" if none */
	char v2_root[PATH_MAX];
};

/**
 * Find the cgroup mounts in @p mountinfo (NULL: /proc/self/mountinfo).
 * @return 0 (maybe with neither found: then nobody is confined), or
 *   -errno when the file cannot be read.
 */
int peer_cpuset_init(struct peer_cpuset_mounts *m, const char *mountinfo);

/**
 * The cgroup of process @p pid and its effective cpuset.
 * @param cgroup  its cgroup path ("/" at the root), "-" if unknown
 * @param cpus    initialised by this call (free it) when 0 is returned
 * @param confined  0 when no cpuset applies (no hierarchy with cpuset):
 *   @p cpus is then empty and any CPU is the process's own
 * @return 0; -ESRCH (no such process), -EIO (a file of its cgroup could
 *   not be read or parsed), -ENOMEM
 */
int peer_cpuset_read(const struct peer_cpuset_mounts *m, pid_t pid,
		char *cgroup, size_t cgroup_len, struct cpu_list *cpus,
		int *confined);

#endif /* VMP_PEER_CPUSET_H */
