/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * Hostile host channel peers (host_channels.h) against the real daemon:
 * the socket's mode keeps others out; garbage, floods, a peer that never
 * reads, half a packet held, half-closed and many idle connections cost
 * a well-behaved peer nothing, and the daemon ends clean.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>

#include <vmp_protocol.h>

#include "cpufreq_sandbox.h"
#include "test.h"
#include "test_daemon_run.h"

#define NOBODY	65534
#define IDLE	200	/* idle connections held open */

static int
peer(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* As nobody: the child's connect errno, 0 if it got in. */
static int
connect_as_nobody(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
				setuid(NOBODY) < 0)
			_exit(255);
		_exit(peer(path) < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* One request on @fd, its answer's command; -1: none in 5 s. */
static int
ask(int fd, uint32_t command, uint32_t unit, uint64_t cpu)
{
	struct vmp_proto_packet p, r;
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	vmp_proto_request(&p, command, unit, cpu, "");
	p.core_type = VMP_PROTO_CORE_PHYSICAL;
	if (write(fd, &p, sizeof(p)) != sizeof(p) ||
			poll(&pf, 1, test_slow_ms(5000)) != 1 ||
			read(fd, &r, sizeof(r)) < (ssize_t)VMP_PROTO_HEAD_SZ)
		return -1;
	return (int)r.command;
}

/* Read until the daemon closes or 5 s: @return 0 once closed. A peer
 * closed with our bytes still unread in its queue reads as ECONNRESET
 * on AF_UNIX rather than EOF; both mean the daemon dropped us. */
static int
until_eof(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&pf, 1, test_slow_ms(5000)) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

static int
hostile(void *arg)
{
	char dir[] = "/tmp/vmp_hcsec.XXXXXX", sock[64], cmd[96];
	const char *extra[] = { "--host-channels", dir,
		"--host-channels-mode", "0600", "--rate-limit", "100",
		"--libvirt-uri", "test:///default", NULL };
	struct vmp_proto_packet p;
	int good, bad, half, deaf, idle[IDLE];
	struct stat st;
	struct daemon d;
	unsigned int i;

	(void)arg;
	TEST_ASSERT(test_mkdtemp(dir) != NULL, "");
	snprintf(sock, sizeof(sock), "%s/vmpower.sock", dir);
	TEST_ASSERT_EQUAL(daemon_start(&d, extra), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "ready:", 10000), 0, "");
	TEST_ASSERT_EQUAL(stat(sock, &st), 0, "");
	TEST_ASSERT_EQUAL(st.st_mode & 0777, 0600, "--host-channels-mode");
	TEST_ASSERT_EQUAL(connect_as_nobody(sock), EACCES, "others kept out");

	good = peer(sock);
	TEST_ASSERT(good >= 0, "");
	TEST_ASSERT_EQUAL(ask(good, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX,
		1), VMP_PROTO_ACK, "");

	/* Garbage: NACKs, then the peer is dropped; the good one served. */
	bad = peer(sock);
	memset(&p, 0xa5, sizeof(p));
	for (i = 0; i < 64; i++)
		TEST_ASSERT(write(bad, &p, sizeof(p)) == sizeof(p), "");
	TEST_ASSERT_EQUAL(until_eof(bad), 0, "garbage peer disconnected");
	close(bad);
	TEST_ASSERT_EQUAL(daemon_expect(&d, "64 invalid requests in a row: "
		"disconnected", 3000), 0, "");

	/* JSON: an object that never ends is refused at 4 KiB, not kept;
	 * 64 refused objects in a row end the connection. */
	{
		static char big[6000];
		char line[256];
		ssize_t n;

		bad = peer(sock);
		memset(big, ' ', sizeof(big));
		memcpy(big, "{\"instruction\": {\"unit\": \"", 26);
		TEST_ASSERT(write(bad, big, sizeof(big)) == sizeof(big), "");
		n = read(bad, line, sizeof(line) - 1);
		TEST_ASSERT(n > 0, "");
		line[n] = '\0';
		TEST_ASSERT(strstr(line, "\"NACK\"") != NULL, "%s", line);
		for (i = 0; i < 64; i++)
			TEST_ASSERT(write(bad, "{\"x\":1}", 7) == 7, "");
		TEST_ASSERT_EQUAL(until_eof(bad), 0, "JSON garbage: disconnected");
		close(bad);
		TEST_ASSERT_EQUAL(daemon_expect(&d, "64 invalid requests in "
			"a row: disconnected", 3000), 0, "");
	}
	TEST_ASSERT_EQUAL(ask(good, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX,
		1), VMP_PROTO_ACK, "");

	/* A flood from a peer that never reads: its replies back up, then
	 * it is no longer read; the rate limit NACKs the rest. */
	deaf = peer(sock);
	fcntl(deaf, F_SETFL, O_NONBLOCK);
	vmp_proto_request(&p, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_UP, 1, "");
	for (i = 0; i < 20000; i++)
		if (write(deaf, &p, sizeof(p)) < 0)
			break;
	/* Half a packet held; a half-closed peer; many idle ones. */
	half = peer(sock);
	TEST_ASSERT(write(half, &p, sizeof(p) / 2) > 0, "");
	for (i = 0; i < IDLE; i++)
		idle[i] = peer(sock);
	TEST_ASSERT_EQUAL(ask(good, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MIN,
		1), VMP_PROTO_ACK, "served through all of it");
	TEST_ASSERT_EQUAL(ask(good, VMP_PROTO_QUERY_FREQ, 0, 1),
		VMP_PROTO_FREQ_LIST, "");
	{
		int hc = peer(sock);

		vmp_proto_request(&p, VMP_PROTO_CPU_POWER, VMP_PROTO_SCALE_MAX,
			1, "");
		TEST_ASSERT(write(hc, &p, sizeof(p)) == sizeof(p), "");
		TEST_ASSERT_EQUAL(shutdown(hc, SHUT_WR), 0, "");
		/* Half-closed: its answer still comes, then the end. */
		TEST_ASSERT(read(hc, &p, sizeof(p)) == sizeof(p), "");
		TEST_ASSERT_EQUAL(p.command, VMP_PROTO_ACK, "");
		TEST_ASSERT_EQUAL(until_eof(hc), 0, "");
		close(hc);
	}
	CMD(&d, "list_host_channels", "connected");
	for (i = 0; i < IDLE; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	close(half);
	close(deaf);
	close(good);
	TEST_ASSERT_EQUAL(kill(d.pid, SIGTERM), 0, "");
	TEST_ASSERT_EQUAL(daemon_expect(&d, "restoring cores", 5000), 0, "");
	TEST_ASSERT_EQUAL(daemon_wait(&d), 0, "");
	TEST_ASSERT(access(sock, F_OK) != 0, "socket removed");
	daemon_close(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	TEST_ASSERT_EQUAL(system(cmd), 0, "");
	return TEST_SUCCESS;
}

static int
test_security_host_channels(void)
{
	struct sandbox_shape shape = { .nb_cpus = 2 };

	return sandbox_run(&shape, hostile, NULL);
}
REGISTER_TEST(security_host_channels, test_security_host_channels);
