/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

#ifndef VMP_TEST_CONTAINER_H
#define VMP_TEST_CONTAINER_H

/*
 * A container made the way a runtime makes one, for the host channel
 * tests: a cgroup of its own with a cpuset (cgroup v1's cpuset hierarchy
 * where mounted, else v2 with the cpuset controller enabled), new mount
 * and pid namespaces, /proc mounted afresh, and a host directory
 * bind-mounted in (the daemon's host channel directory). Found from
 * /proc/self/mountinfo, never assumed.
 *
 * Owns: the cgroup (unique name, removed by ctr_destroy() once its
 * processes are killed) and a /tmp directory for the mount point.
 */

#include <limits.h>
#include <sys/types.h>

struct test_container {
	char cgroup[PATH_MAX];	/* the cgroup's directory */
	int v2;			/* a cgroup v2 cpuset */
	char dir[64];		/* /tmp/vmp_ctr.XXXXXX */
	char mnt[PATH_MAX];	/* dir/run: where the bind mount goes */
	char sock[PATH_MAX];	/* mnt/vmpower.sock: the socket inside */
	char bind_src[PATH_MAX];
};

/* Make container @c with cpuset @cpus and @bind_src mounted at c->mnt.
 * @return 0, -EOPNOTSUPP (no cpuset cgroup here: skip), -errno */
int ctr_create(struct test_container *c, const char *cpus,
	const char *bind_src);

/* Write the container's cpuset (its processes follow). @return 0, -errno */
int ctr_set_cpus(struct test_container *c, const char *cpus);

/*
 * In a child process: join the container and become the first process
 * of its pid namespace, with its mounts. Returns in that process only
 * (the caller's child waits for it and exits with its status, so the
 * caller's waitpid() sees how it ended); exits on error.
 */
void ctr_enter(struct test_container *c);

/* For guest_cli_start_in(): ctr_enter(), then VMPOWER_HOST_SOCKET. */
void ctr_pre_exec(void *c);

/* SIGKILL every process of the container, as a runtime's kill does.
 * @return how many, or -errno */
int ctr_kill(struct test_container *c);

/* Kill what is left, remove the cgroup and the directory. */
void ctr_destroy(struct test_container *c);

#endif /* VMP_TEST_CONTAINER_H */
