/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * peer_cpuset.c on its own: where the cgroup hierarchies are mounted
 * (mountinfo), and a cgroup v2 cpuset, which this v1 machine's containers
 * tests do not reach.
 */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer_cpuset.h"
#include "test.h"
static int
put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (f == NULL)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

static int
cpuset_v2_steps(const char *tree, const char *cg, pid_t pid)
{
	struct peer_cpuset_mounts m;
	struct cpu_list cpus;
	char cgroup[256], mi[PATH_MAX], dir[PATH_MAX], text[64];
	int confined;

	/* Mounts: a v1 cpuset shown whole, a cgroup2 shown from /sub at a
	 * path with a blank (escaped), a bind mount of the first after. */
	snprintf(mi, sizeof(mi), "%s/mountinfo", tree);
	TEST_ASSERT_EQUAL(put_file(tree, "mountinfo",
		"30 20 0:26 / /sys/fs/cgroup/cpuset rw - cgroup cgroup "
		"rw,cpuset\n"
		"31 20 0:27 /sub /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw\n"
		"32 20 0:26 / /elsewhere rw - cgroup cgroup rw,cpuset\n"
		"33 20 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"),
		0, "");
	TEST_ASSERT_EQUAL(peer_cpuset_init(&m, mi), 0, "");
	TEST_ASSERT_STR(m.v1, "/sys/fs/cgroup/cpuset");
	TEST_ASSERT_STR(m.v1_root, "/");
	TEST_ASSERT_STR(m.v2, "/mnt/cg v2");
	TEST_ASSERT_STR(m.v2_root, "/sub");

	/* v2: the process's real v2 cgroup, files from a tree standing for
	 * the hierarchy; the nearest ancestor with the file says. */
	memset(&m, 0, sizeof(m));
	snprintf(m.v2, sizeof(m.v2), "%s", tree);
	snprintf(m.v2_root, sizeof(m.v2_root), "/");
	snprintf(dir, sizeof(dir), "%s%s", tree, cg);
	TEST_ASSERT_EQUAL(mkdir(dir, 0755), 0, "");
	TEST_ASSERT_EQUAL(put_file(tree, "cpuset.cpus.effective", "0-3\n"),
		0, "");
	TEST_ASSERT_EQUAL(peer_cpuset_read(&m, pid, cgroup, sizeof(cgroup),
		&cpus, &confined), 0, "");
	TEST_ASSERT_STR(cgroup, cg);
	TEST_ASSERT_EQUAL(confined, 1, "");
	TEST_ASSERT(cpu_list_format(&cpus, text, sizeof(text)) > 0, "");
	cpu_list_free(&cpus);
	TEST_ASSERT_STR(text, "0-3");
	TEST_ASSERT_EQUAL(put_file(dir, "cpuset.cpus.effective", "2\n"), 0,
		"");
	TEST_ASSERT_EQUAL(peer_cpuset_read(&m, pid, cgroup, sizeof(cgroup),
		&cpus, &confined), 0, "");
	TEST_ASSERT(cpu_list_format(&cpus, text, sizeof(text)) > 0, "");
	cpu_list_free(&cpus);
	TEST_ASSERT_STR(text, "2");
	/* A mount showing another subtree cannot place it: refused. */
	snprintf(m.v2_root, sizeof(m.v2_root), "/elsewhere");
	TEST_ASSERT_EQUAL(peer_cpuset_read(&m, pid, cgroup, sizeof(cgroup),
		&cpus, &confined), -EIO, "");
	/* No such process. */
	TEST_ASSERT_EQUAL(peer_cpuset_read(&m, 0x3fffffff, cgroup,
		sizeof(cgroup), &cpus, &confined), -ESRCH, "");
	return TEST_SUCCESS;
}

/*
 * peer_cpuset.c on its own: mountinfo parsing, and cgroup v2 (which this
 * v1 machine does not confine with): a process moved into a real v2
 * cgroup, its cpuset files from a tree standing for the hierarchy.
 */
static int
test_containers_cpuset_v2(void)
{
	struct peer_cpuset_mounts real;
	char tree[] = "/tmp/vmp_v2.XXXXXX", cg[64], dir[PATH_MAX], pid[32];
	char cmd[96];
	pid_t child;
	int ret, st;

	if (peer_cpuset_init(&real, NULL) < 0 || real.v2[0] == '\0' ||
			strcmp(real.v2_root, "/") != 0)
		TEST_SKIP("no cgroup2 hierarchy mounted whole");
	snprintf(cg, sizeof(cg), "/vmp_test_v2_%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", real.v2, cg);
	if (mkdir(dir, 0755) < 0)
		TEST_SKIP("cannot make a cgroup2 cgroup: %s", strerror(errno));
	TEST_ASSERT(test_mkdtemp(tree) != NULL, "");
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(pid, sizeof(pid), "%d", (int)child);
	ret = put_file(dir, "cgroup.procs", pid);
	if (ret == 0)
		ret = cpuset_v2_steps(tree, cg, child);
	else
		printf("cannot move into %s: %s\n", dir, strerror(-ret));
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	for (st = 0; st < 100 && rmdir(dir) < 0 && errno == EBUSY; st++)
		usleep(10000);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (system(cmd) != 0)
		printf("cannot remove %s\n", tree);
	return ret == 0 ? TEST_SUCCESS : TEST_FAILED;
}
REGISTER_TEST(containers_cpuset_v2, test_containers_cpuset_v2);

