/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Claims of doc/security.rst that no other test proves: who may reach the
 * daemon's telemetry socket, and a clean stop on SIGTERM.
 */

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_daemon_run.h"

#define NOBODY	65534

/* Connect to @path as uid/gid NOBODY: @return the child's errno, 0 if in. */
static int
connect_as_nobody(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pid_t pid;
	int st;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	pid = fork();
	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
				setuid(NOBODY) < 0)
			_exit(255);
		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (fd < 0)
			_exit(254);
		_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
			errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int
hostile_params(const char *prefix)
{
	static const char *const cmds[] = {
		"/vmpower/vm,../../etc/passwd", "/vmpower/vm,%s%s%n",
		"/vmpower/vm,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"/vmpower/core,99999999999999999999", "/vmpower/core,-1",
		"/vmpower/core,4294967295",
	};
	char json[2048];
	unsigned int i;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		TEST_ASSERT_EQUAL(test_telemetry(prefix, cmds[i], json,
			sizeof(json)), 0, "%s", cmds[i]);
		TEST_ASSERT(strstr(json, "null") != NULL, "%s: %s", cmds[i],
			json);
	}
	TEST_ASSERT_EQUAL(test_telemetry(prefix, "/vmpower/stats", json,
		sizeof(json)), 0, "still answers");
	return TEST_SUCCESS;
}

static int
telemetry(void *arg)
{
	char dir[] = "/tmp/vmp_sec.XXXXXX", run[128], sock[160], json[2048];
	const char *opts[] = { "--channel-dir", dir, "--libvirt-uri",
		"test:///default", "--no-cli", NULL };
	struct daemon d;
	struct stat st;

	(void)arg;
	TEST_ASSERT(mkdtemp(dir) != NULL, "");
	TEST_ASSERT_EQUAL(daemon_start(&d, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	snprintf(run, sizeof(run), "/var/run/dpdk/%s", d.prefix);
	snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", run);

	/* Root's own directory: nobody else may even look inside. */
	TEST_ASSERT_EQUAL(stat(run, &st), 0, "%s", run);
	TEST_ASSERT(S_ISDIR(st.st_mode), "");
	TEST_ASSERT_EQUAL(st.st_uid, 0, "");
	TEST_ASSERT_EQUAL(st.st_mode & 077, 0, "mode %04o", st.st_mode);
	TEST_ASSERT_EQUAL(stat(sock, &st), 0, "%s", sock);
	TEST_ASSERT(S_ISSOCK(st.st_mode), "");
	TEST_ASSERT_EQUAL(st.st_uid, 0, "");
	TEST_ASSERT_EQUAL(st.st_mode & 022, 0, "mode %04o", st.st_mode);
	/* Root is served; anyone else is stopped at the directory. */
	TEST_ASSERT_EQUAL(test_telemetry(d.prefix, "/vmpower/stats", json,
		sizeof(json)), 0, "");
	TEST_ASSERT(strstr(json, "\"packets\"") != NULL, "%s", json);
	TEST_ASSERT_EQUAL(connect_as_nobody(sock), EACCES, "");
	/* Parameters are only looked up: nothing found, nothing broken. */
	TEST_RUN(hostile_params(d.prefix));

	/* SIGTERM: a clean stop, exit 0 (no leak under LeakSanitizer). */
	TEST_ASSERT_EQUAL(kill(d.pid, SIGTERM), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	daemon_close(&d);
	rmdir(dir);
	return TEST_SUCCESS;
}

static int
test_security_telemetry(void)
{
	struct sandbox_shape shape = { .nb_cpus = 2 };

	return sandbox_run(&shape, telemetry, NULL);
}
REGISTER_TEST(security_telemetry, test_security_telemetry);
