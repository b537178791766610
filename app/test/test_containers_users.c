/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * A container whose application is not root, as a runtime starts one
 * with a USER of the image's: the host socket's mode (0660) and group
 * (--host-channels-group) let a member of that group in, and nobody
 * else. The real guest_cli runs as uid 65534 inside a container with a
 * cpuset of its own (test_container.h), over the fake cpufreq tree.
 */

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_container.h"
#include "test_daemon_run.h"

#define NOBODY	65534
#define GROUP	4242	/* the socket's group: a number needs no entry */

struct uworld {
	char hcdir[64];		/* the daemon's --host-channels */
	char xdg[64];		/* the CLI's XDG_RUNTIME_DIR (EAL's, as non-root) */
	struct daemon d;
	int up;
	struct test_container c;
	struct daemon g;
	int g_up;
	int member;		/* the CLI's process is in GROUP */
};

/* In guest_cli's child: into the container, then not root any more. */
static void
enter_as_nobody(void *arg)
{
	struct uworld *w = arg;
	gid_t groups[1] = { GROUP };

	ctr_pre_exec(&w->c);
	setenv("XDG_RUNTIME_DIR", w->xdg, 1);
	if (setgroups(w->member ? 1 : 0, groups) < 0 || setgid(NOBODY) < 0 ||
			setuid(NOBODY) < 0) {
		printf("cannot drop to uid %d: %s\n", NOBODY, strerror(errno));
		_exit(126);
	}
}

/* guest_cli as nobody, in the group or not; its lcore 0 on CPU 1. */
static int
cli_start(struct uworld *w, int member)
{
	static const char *const l[2] = { "--lcores", "0@1" };
	const char *extra[] = { "--channels", "0", "--timeout", "3000", NULL };

	w->member = member;
	if (guest_cli_start_in(&w->g, l, extra, enter_as_nobody, w) < 0)
		return -1;
	w->g_up = 1;
	return 0;
}

static void
cli_stop(struct uworld *w)
{
	daemon_cmd(&w->g, "quit", "");
	daemon_wait(&w->g);
	daemon_close(&w->g);
	w->g_up = 0;
}

static int
steps(struct uworld *w)
{
	const char *extra[] = { "--host-channels", w->hcdir,
		"--host-channels-group", "4242", "--libvirt-uri",
		"test:///default", NULL };
	int ret;

	/* The directory must be searchable by the group; the container's
	 * own directories by anyone (they are root's, 0700, by mkdtemp). */
	TEST_ASSERT_EQUAL(chown(w->hcdir, 0, GROUP), 0, "");
	TEST_ASSERT_EQUAL(chmod(w->hcdir, 0750), 0, "");
	TEST_ASSERT_EQUAL(chown(w->xdg, NOBODY, NOBODY), 0, "");
	TEST_ASSERT_EQUAL(daemon_start(&w->d, extra), 0, "");
	w->up = 1;
	TEST_ASSERT_EQUAL(daemon_expect(&w->d, "ready:", 10000), 0, "");
	ret = ctr_create(&w->c, "1", w->hcdir);
	if (ret == -EOPNOTSUPP)
		TEST_SKIP("no cpuset cgroup on this machine");
	TEST_ASSERT_EQUAL(ret, 0, "container: %s", strerror(-ret));
	TEST_ASSERT_EQUAL(chmod(w->c.dir, 0711), 0, "");

	/* Not in the group: the socket's mode keeps it out. */
	TEST_ASSERT_EQUAL(cli_start(w, 0), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&w->g, "cannot reach the host daemon "
		"for lcore 0: Permission denied", 10000), 0, "");
	cli_stop(w);

	/* A member: in, confined to its cpuset as root's processes are. */
	TEST_ASSERT_EQUAL(cli_start(w, 1), 0, "");
	CMD(&w->g, "set_cpu_freq 0 max", "ACK");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 2400000, "its CPU 1 scaled");
	CMD(&w->g, "set_cpu_freq 0 min", "ACK");
	TEST_ASSERT_EQUAL(sandbox_setspeed(1), 1200000, "");
	CMD(&w->d, "list_host_channels", "uid 65534 cgroup");
	cli_stop(w);
	return TEST_SUCCESS;
}

static int
run(void *arg)
{
	struct uworld w;
	int ret;

	(void)arg;
	memset(&w, 0, sizeof(w));
	snprintf(w.hcdir, sizeof(w.hcdir), "/tmp/vmp_hcu.XXXXXX");
	snprintf(w.xdg, sizeof(w.xdg), "/tmp/vmp_xdg.XXXXXX");
	TEST_ASSERT(test_mkdtemp(w.hcdir) != NULL, "");
	TEST_ASSERT(test_mkdtemp(w.xdg) != NULL, "");
	ret = steps(&w);
	if (w.g_up) {
		ctr_kill(&w.c);
		daemon_wait(&w.g);
		daemon_close(&w.g);
	}
	ctr_destroy(&w.c);
	if (w.up) {
		daemon_cmd(&w.d, "quit", "restoring cores");
		if (daemon_wait(&w.d) != 0 && ret == TEST_SUCCESS)
			ret = TEST_FAILED;
		daemon_close(&w.d);
	}
	return ret;
}

static int
test_containers_non_root(void)
{
	struct sandbox_shape shape = { .nb_cpus = 4 };

	return sandbox_run(&shape, run, NULL);
}
REGISTER_TEST(containers_non_root, test_containers_non_root);
