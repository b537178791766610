/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The vmpower authors
 */

/*
 * l3fwd-power sleeping on rx interrupts: a net_tap port in a private
 * network namespace, fed by UDP datagrams a few milliseconds apart. Each
 * must wake the lcore and be forwarded.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "test_l3fwd_app.h"

#define TAP		"vmpl3tap0"
#define DATAGRAMS	100

static int
send_datagrams(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(9) };
	struct timespec gap = { 0, 2000000 };
	char payload[32] = "l3fwd-power interrupt test";
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;

	if (fd < 0)
		return -errno;
	inet_pton(AF_INET, "198.18.0.2", &to.sin_addr);
	for (i = 0; i < DATAGRAMS; i++) {
		if (sendto(fd, payload, sizeof(payload), 0,
				(struct sockaddr *)&to, sizeof(to)) < 0) {
			close(fd);
			return -errno;
		}
		nanosleep(&gap, NULL);
	}
	close(fd);
	return 0;
}

static int
run_intr(struct l3fwd_app *a)
{
	int64_t v;

	TEST_ASSERT_EQUAL(l3fwd_app_start(a, "--vdev net_tap0,iface=" TAP
		" -- -p 1 --env none --stats-interval 50"), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_text(a, "forwarding from", 10000),
		0, "");
	TEST_ASSERT(l3fwd_app_count(a, "idle lcore sleeps on rx interrupts")
		== 1, "net_tap has rx interrupts");
	/* Datagrams to 198.18.0.2 leave through the tap, into l3fwd-power. */
	TEST_ASSERT_EQUAL(system("ip link set lo up && "
		"ip addr add 198.18.0.1/24 dev " TAP " && "
		"ip link set " TAP " up && "
		"ip neigh add 198.18.0.2 lladdr 02:00:00:00:00:01 dev " TAP),
		0, "ip");
	TEST_ASSERT_EQUAL(send_datagrams(), 0, "");
	TEST_ASSERT_EQUAL(l3fwd_app_wait_stat(a, "port", 0, "tx", DATAGRAMS,
		10000), 0, "every datagram forwarded");
	TEST_ASSERT_EQUAL(l3fwd_app_stop(a, SIGTERM, 5000), 0, "exit code");
	TEST_ASSERT_EQUAL(l3fwd_app_stat(a, "port", 0, "tx", &v), 0, "");
	TEST_ASSERT_EQUAL(v, DATAGRAMS, "");
	TEST_ASSERT(l3fwd_app_count(a, "cannot arm") == 0, "");
	return TEST_SUCCESS;
}

/* In a child, in a network namespace of its own (gone when it exits). */
static int
in_netns(void)
{
	struct l3fwd_app a;
	int ret;

	if (unshare(CLONE_NEWNET) < 0) {
		TEST_SKIP("no network namespace: %s", strerror(errno));
	}
	TEST_ASSERT_EQUAL(l3fwd_app_init(&a), 0, "");
	ret = run_intr(&a);
	l3fwd_app_cleanup(&a, ret != TEST_SUCCESS);
	return ret;
}

static int
test_l3fwd_interrupts(void)
{
	int status;
	pid_t pid;

	if (access("/dev/net/tun", R_OK | W_OK) != 0 ||
			system("command -v ip >/dev/null") != 0) {
		TEST_SKIP("needs /dev/net/tun and ip(8)");
	}
	pid = fork();
	if (pid == 0) {
		int ret = in_netns();

		_exit(ret == TEST_SUCCESS ? 0 : ret == TEST_SKIPPED ? 77 : 1);
	}
	TEST_ASSERT(pid > 0, "");
	TEST_ASSERT_EQUAL(waitpid(pid, &status, 0), pid, "");
	TEST_ASSERT(WIFEXITED(status), "");
	if (WEXITSTATUS(status) == 77)
		return TEST_SKIPPED;
	return WEXITSTATUS(status) == 0 ? TEST_SUCCESS : TEST_FAILED;
}
REGISTER_TEST(l3fwd_interrupts, test_l3fwd_interrupts);
