/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Claims of doc/security.rst that no other test proves: who may reach the
 * daemon's telemetry and control sockets, hostile clients of the control
 * socket, and a clean stop on SIGTERM.
 */

#include <errno.h>
#include <grp.h>
#include <poll.h>
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
	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
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

/* A raw client of the control socket at @path (as root). */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Send @req (@len bytes), read one framed answer into @out. */
static int
ctl_ask(int fd, const char *req, size_t len, char *out, size_t size)
{
	size_t got = 0;
	ssize_t n;
	char *nl;
	unsigned long body;

	if (len > 0 && write(fd, req, len) != (ssize_t)len)
		return -EIO;
	for (;;) {
		out[got] = '\0';
		nl = strchr(out, '\n');
		if (nl != NULL) {
			body = strtoul(strchr(out, ' ') ? strchr(out, ' ') + 1 :
				out, NULL, 10);
			if (got >= (size_t)(nl + 1 - out) + body)
				return 0;
		}
		if (got + 1 >= size)
			return -ENOSPC;
		n = read(fd, out + got, size - 1 - got);
		if (n <= 0)
			return -EPIPE;
		got += (size_t)n;
	}
}

/*
 * The control socket against hostile clients: another user, garbage,
 * over-long lines, a client leaving mid-command, a half line left
 * hanging, more clients than it serves. It answers root afterwards.
 */
static int
control(void *arg)
{
	static const char garbage[] = "\x00\xff\x01\x1b[2J\x7f junk %s%n\n";
	const char *opts[] = { "--libvirt-uri", "test:///default", "--no-cli",
		NULL };
	char sock[96], out[8192], *big;
	int fds[70], fd, hang;
	unsigned int i, refused = 0;
	struct daemon d;

	(void)arg;
	TEST_ASSERT_EQUAL(daemon_start(&d, opts), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	snprintf(sock, sizeof(sock), "%s/control", d.state_dir);
	TEST_ASSERT_EQUAL(test_wait_file(sock), 0, "");
	/* Mode 0600: nobody else may connect. */
	TEST_ASSERT_EQUAL(connect_as_nobody(sock), EACCES, "");

	fd = ctl_connect(sock);
	TEST_ASSERT(fd >= 0, "");
	TEST_ASSERT_EQUAL(ctl_ask(fd, garbage, sizeof(garbage) - 1, out,
		sizeof(out)), 0, "");
	TEST_ASSERT(strncmp(out, "error ", 6) == 0, "%s", out);
	big = malloc(100000);
	TEST_ASSERT(big != NULL, "");
	memset(big, 'a', 99999);
	big[99999] = '\n';
	TEST_ASSERT_EQUAL(ctl_ask(fd, big, 100000, out, sizeof(out)), 0, "");
	free(big);
	TEST_ASSERT(strstr(out, "line longer than 1023 bytes") != NULL, "%s",
		out);
	/* The same connection goes on after both. */
	TEST_ASSERT_EQUAL(ctl_ask(fd, "list_vms\n", 9, out, sizeof(out)), 0,
		"");
	TEST_ASSERT_STR(out, "ok 13\nno VMs added\n");
	close(fd);

	/* Gone before its answer; a half line left hanging. */
	fd = ctl_connect(sock);
	TEST_ASSERT(fd >= 0 && write(fd, "add_vm test\nshow_vm test\n", 25) ==
		25, "");
	close(fd);
	hang = ctl_connect(sock);
	TEST_ASSERT(hang >= 0 && write(hang, "show_v", 6) == 6, "");

	/* More clients than it serves: the rest are told, not hung. */
	for (i = 0; i < RTE_DIM(fds); i++) {
		fds[i] = ctl_connect(sock);
		TEST_ASSERT(fds[i] >= 0, "client %u", i);
	}
	/* 71 clients (with the hanging one), 64 served: the rest told. */
	for (i = 0; i < RTE_DIM(fds); i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		if (poll(&p, 1, i + 9 >= RTE_DIM(fds) ? 2000 : 0) > 0 &&
				ctl_ask(fds[i], "", 0, out, sizeof(out)) == 0 &&
				strstr(out, "too many clients") != NULL)
			refused++;
	}
	TEST_ASSERT(refused >= 6 && refused <= 8, "%u refused", refused);
	for (i = 0; i < RTE_DIM(fds); i++)
		close(fds[i]);

	/* Root is still served, and the command of the client gone ran. */
	fd = ctl_connect(sock);
	TEST_ASSERT(fd >= 0, "");
	TEST_ASSERT_EQUAL(ctl_ask(fd, "list_vms\n", 9, out, sizeof(out)), 0,
		"");
	TEST_ASSERT(strstr(out, "ok ") == out && strstr(out, "VM test:") !=
		NULL, "%s", out);
	close(fd);
	close(hang);

	TEST_ASSERT_EQUAL(kill(d.pid, SIGTERM), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	TEST_ASSERT(access(sock, F_OK) != 0, "socket removed");
	daemon_close(&d);
	return TEST_SUCCESS;
}

static int
test_security_control(void)
{
	struct sandbox_shape shape = { .nb_cpus = 2 };

	return sandbox_run(&shape, control, NULL);
}
REGISTER_TEST(security_control, test_security_control);
